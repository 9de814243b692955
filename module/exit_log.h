/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exit log: what each process did, recorded when it leaves the table
 * (its last task folded), in a preallocated ring shown as
 * /proc/ctxscope/exited. It lets `ctxscope stat` report every process of
 * a command's tree, including those that exited before it looked.
 *
 * Records are numbered from 1 (seq); the ring keeps the newest
 * exit_log records. A reader that remembers the last seq it saw detects
 * records it missed as a gap. Records are written and copied under
 * ctxscope_table_lock.
 */
#ifndef CTXSCOPE_EXIT_LOG_H
#define CTXSCOPE_EXIT_LOG_H

#include <linux/sched.h>
#include <linux/types.h>

#include "task_table.h"

struct ctxscope_exit_record {
	u64 seq;
	u64 exit_ns;			/* CLOCK_MONOTONIC */
	u64 cgroup;
	pid_t tgid;
	pid_t ppid;
	u32 threads;
	u32 vm_stack_kb;
	struct ctxscope_sums sums;
	char comm[TASK_COMM_LEN];
};

int ctxscope_exit_log_init(unsigned int capacity);
void ctxscope_exit_log_free(void);
size_t ctxscope_exit_log_bytes(void);

/* Records written since the load: the seq of the newest. */
u64 ctxscope_exit_log_written(void);

/**
 * ctxscope_exit_log_add_locked() - record a process that is gone
 * @proc: its row, every task folded into it
 *
 * Table lock held.
 */
void ctxscope_exit_log_add_locked(const struct ctxscope_process *proc);

/**
 * ctxscope_exit_log_copy() - copy the record numbered seq, or the oldest kept
 * @seq: in: the wanted record; out: the record copied
 * @rec: filled in
 *
 * Return: true if a record at or after @seq exists.
 */
bool ctxscope_exit_log_copy(u64 *seq, struct ctxscope_exit_record *rec);

#endif /* CTXSCOPE_EXIT_LOG_H */
