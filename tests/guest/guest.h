/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-guest kselftest programs: snapshots of
 * /proc/ctxscope/summary and of the kernel's own counters to compare with.
 */
#ifndef CTXSCOPE_GUEST_H
#define CTXSCOPE_GUEST_H

#include <stdint.h>

#include "procfile.h"

/* The summary keys, in the order of docs/proc-interface.md. */
struct summary {
	uint64_t switches, process, thread, kernel, idle;
	uint64_t voluntary, involuntary, mm_switches, lazy_switches;
	uint64_t since_ns;
};

/* Reads /proc/ctxscope/summary; exits the test with a message on error. */
void summary_read(struct summary *s);

/*
 * The rows of /proc/ctxscope/cpus, rows[cpu] for cpu < max; returns the
 * number of rows (since_ns is 0).
 */
int cpus_read(struct summary *rows, int max);

/* The kernel's total of context switches: "ctxt" in /proc/stat. */
uint64_t proc_stat_ctxt(void);
/* The tasks created since boot: "processes" in /proc/stat. */
uint64_t proc_stat_processes(void);

int online_cpus(void);

/* Writes buf to /proc/ctxscope/control; returns 0 or -errno. */
int control_write(const void *buf, size_t len);

/* A key of /proc/ctxscope/summary; exits the test if it is missing. */
uint64_t summary_key(const char *key);

/* /proc/ctxscope/tasks or processes; exits the test on error. */
void table_read(const char *file, struct cs_table *t);

/* The row whose column col equals value, or -1. */
long table_find(const struct cs_table *t, const char *col, uint64_t value);

/* A column of a row, by name; exits the test if the column is missing. */
uint64_t table_get(const struct cs_table *t, long row, const char *col);

/*
 * Column col of the row of a table (tasks, processes, ...) whose column
 * key equals id; -1 if there is no such row.
 */
long long table_get_by(const char *file, const char *key, uint64_t id,
		       const char *col);

/* A "Name: value" line of /proc/PID/task/TID/status, or -1. */
long long task_status(int pid, int tid, const char *name);

/*
 * Rows of /proc/ctxscope/tasks that name no live task with their tgid; 0
 * when every row is right. *nrows: the rows of the first reading. Rows
 * leave at sched_process_free, a grace period after their task is
 * reaped, and tasks come and go while we look (the console's keepalive
 * runs `sleep 10` in a loop): a row counts only if it is still in the
 * table, its task still gone, 2 s later. Prints each one it counts.
 */
size_t stale_task_rows(size_t *nrows);

/*
 * The sums of voluntary_ctxt_switches and nonvoluntary_ctxt_switches over
 * every live thread (/proc/PID/task/TID/status): the kernel's own counts
 * of everything but the idle tasks and tasks that exited.
 */
void all_tasks_csw(uint64_t *nvcsw, uint64_t *nivcsw);

/* The state letter of /proc/PID/task/TID/stat, or 0. */
char task_state(int pid, int tid);

/*
 * Whether task tid of pid is off its CPU: its switch-out, sched_switch
 * probes included, has completed (/proc/PID/task/TID/syscall).
 */
int switched_out(int pid, int tid);

/* Whether it sleeps (S or D) and is switched out. */
int task_asleep(int pid, int tid);

/*
 * Waits until task tid of pid sleeps (S or D) and is off its CPU: its
 * last switch-out, and every probe on it, has completed. The state alone
 * is not enough: a task sets it before it calls schedule(), so a reader
 * could see S while the switch-out that ctxscope samples had not yet
 * happened. 0, or -1 after 20,000 polls.
 */
int wait_sleeping(int pid, int tid);

int gettid_(void);

/* Reloads the module with the given parameters; returns insmod's status. */
int module_reload(const char *params);

/*
 * Unloads the module and loads it again from this task (finit_module()),
 * without a helper process: the load sees exactly the tasks the caller
 * does. 0, or -errno.
 */
int module_load_here(const char *params);

/* A reader of /dev/kmsg that starts after every message logged so far. */
int kmsg_from_now(void);

/*
 * Whether a kernel message logged since kmsg_from_now() contains text:
 * only new ones, so that a message an earlier load printed cannot pass
 * for a later one's (busybox's dmesg cannot clear the log). Reads fd to
 * its end.
 */
int kmsg_has(int fd, const char *text);

/*
 * n scaled by the kernel parameter ctxscope.scale=PERCENT (default 100,
 * at least 1): the debug kernel runs the stress and churn tests at a
 * fraction of their size (tests/vm/kernels).
 */
long scaled(long n);

#endif /* CTXSCOPE_GUEST_H */
