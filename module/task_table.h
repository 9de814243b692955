/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-task and per-process tables: preallocated at load, keyed by
 * task_struct and signal_struct pointers, updated by the switch probe
 * without locks. docs/design.md explains the lifetime and concurrency
 * rules; the short version:
 *
 * - Rows are created at fork (sched_process_fork) and, for tasks that
 *   existed before the load, once at load; they are removed at
 *   sched_process_free, after the task's last switch. The switch probe
 *   only looks rows up; it never inserts.
 * - Insert and remove take ctxscope_table_lock. Lookups are lockless: hash
 *   chains are walked in RCU read-side sections (the probe runs with
 *   preemption off) and a removed row is reused only after a grace period.
 * - A row's counters are written only by the switch probe of its own task
 *   (a task switches out on one CPU at a time), so they need no atomics.
 */
#ifndef CTXSCOPE_TASK_TABLE_H
#define CTXSCOPE_TASK_TABLE_H

#include <linux/bitops.h>
#include <linux/find.h>
#include <linux/hash.h>
#include <linux/jump_label.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seqlock.h>
#include <linux/types.h>

#include "ctxscope.h"

/* Per-task event counters; the classes first, in enum ctxscope_counter order. */
enum ctxscope_task_counter {
	CTXSCOPE_TO_PROCESS,
	CTXSCOPE_TO_THREAD,
	CTXSCOPE_TO_KERNEL,
	CTXSCOPE_TO_IDLE,
	CTXSCOPE_TASK_VOLUNTARY,
	CTXSCOPE_TASK_MIGRATIONS,
	CTXSCOPE_TASK_TLB_FLUSH_IN,	/* scheduler flushes switching into it */
	CTXSCOPE_TASK_TLB_IPI_SENT,	/* shootdown IPIs it sent */
	CTXSCOPE_NR_TASK_COUNTERS
};

#define CTXSCOPE_NO_ROW		0	/* row ids are index + 1 */
#define CTXSCOPE_NO_CPU		U32_MAX

struct ctxscope_task {
	/* Read on every switch: the key and the hot counters first. */
	struct task_struct *task;	/* key; NULL when free; never printed */
	u32 next;			/* hash chain: next row id */
	u32 epoch;			/* reset generation of count[] */
	u64 count[CTXSCOPE_NR_TASK_COUNTERS];
	u32 last_cpu;			/* CPU of the last switch-out */
	u32 samples;			/* switch-outs, for stack sampling */
	unsigned long ustack_floor;	/* user sp below which a sample counts */

	/* Stacks (kstack.c, ustack.c), and its process. */
	u32 refreshed;			/* samples at the last read refresh */
	u32 kstack_max;			/* bytes, high-water mark */
	u32 ustack_max;			/* bytes below the top of its stack */
	u32 proc;			/* row id of its process */
	unsigned long ustack_lo;	/* the stack mapping sp was found in */
	unsigned long ustack_hi;
	unsigned long ustack_pending;	/* lowest unresolved sp, or ULONG_MAX */

	/* Identity, for the /proc files. */
	pid_t pid;
	pid_t tgid;
	char comm[TASK_COMM_LEN];
	struct list_head siblings;	/* threads of the same process */
	struct rcu_head rcu;
};

/* Counters and stack maxima of tasks that are gone, kept by their owner. */
struct ctxscope_sums {
	u64 count[CTXSCOPE_NR_TASK_COUNTERS];
	u32 kstack_max;
	u32 ustack_max;
};

struct ctxscope_process {
	const struct signal_struct *key; /* NULL when free; never printed */
	u32 next;
	u32 threads;			/* live task rows */
	u32 threads_exited;		/* task rows folded into exited */
	u32 epoch;			/* reset generation of exited.count */
	seqcount_t seq;			/* exited vs. the thread list */
	struct list_head tasks;		/* rows of its live threads */
	struct ctxscope_sums exited;	/* of its threads already gone */
	u64 cgroup;			/* cgroup v2 id */
	u32 cg;				/* its cgroup row, or NO_ROW */
	struct list_head cg_siblings;	/* processes of the same cgroup */
	pid_t tgid;
	pid_t ppid;			/* tgid of the process that forked it */
	u32 vm_stack_kb;		/* VmStk, refreshed by readers */
	char comm[TASK_COMM_LEN];
	struct rcu_head rcu;
};

struct ctxscope_cgroup {
	u64 key;			/* cgroup v2 id; 0 when free */
	u32 next;
	u32 processes;			/* live process rows */
	u32 processes_exited;
	u32 epoch;
	bool removed;			/* rmdir seen: goes when empty */
	seqcount_t seq;			/* exited vs. the process list */
	struct list_head procs;
	struct ctxscope_sums exited;	/* of its processes already gone */
	struct rcu_head rcu;
};

struct ctxscope_tables {
	u32 capacity;			/* rows of the task and process tables */
	u32 hash_bits;
	u32 *task_hash;			/* bucket -> first row id */
	u32 *proc_hash;
	struct ctxscope_task *tasks;
	struct ctxscope_process *procs;
	unsigned long *tasks_used;	/* bitmaps of the rows in use, */
	unsigned long *procs_used;	/* so readers skip the free ones */
	u32 cg_capacity;		/* rows of the cgroup table */
	u32 cg_hash_bits;
	u32 *cg_hash;
	struct ctxscope_cgroup *cgroups;
	unsigned long *cgroups_used;
	u32 epoch;			/* bumped by reset */
};

extern struct ctxscope_tables ctxscope_tables;

static inline struct ctxscope_task *ctxscope_task_row(u32 id)
{
	return &ctxscope_tables.tasks[id - 1];
}

static inline struct ctxscope_process *ctxscope_proc_row(u32 id)
{
	return &ctxscope_tables.procs[id - 1];
}

static inline struct ctxscope_cgroup *ctxscope_cg_row(u32 id)
{
	return &ctxscope_tables.cgroups[id - 1];
}

/*
 * The row of a task, or NULL. Lockless: callers are in an RCU read-side
 * section (the switch probe, with preemption off, is).
 */
static __always_inline struct ctxscope_task *
ctxscope_task_lookup(const struct task_struct *p)
{
	const struct ctxscope_tables *t = &ctxscope_tables;
	u32 id = READ_ONCE(t->task_hash[hash_ptr(p, t->hash_bits)]);

	while (id != CTXSCOPE_NO_ROW) {
		struct ctxscope_task *row = &t->tasks[id - 1];

		if (READ_ONCE(row->task) == p)
			return row;
		id = READ_ONCE(row->next);
	}
	return NULL;
}

struct linux_binprm;

/* task_table.c */
extern raw_spinlock_t ctxscope_table_lock;
DECLARE_STATIC_KEY_FALSE(ctxscope_task_rows);
int ctxscope_tables_init(unsigned int capacity);
void ctxscope_tables_free(void);
void ctxscope_tables_populate(void);
void ctxscope_tables_reset(void);
u32 ctxscope_tasks_tracked(void);
u32 ctxscope_procs_tracked(void);
u64 ctxscope_tasks_dropped(void);
size_t ctxscope_tables_bytes(void);
bool ctxscope_task_counts_current(const struct ctxscope_task *row);
void ctxscope_task_snapshot(const struct ctxscope_task *row,
			    u64 count[CTXSCOPE_NR_TASK_COUNTERS]);
void ctxscope_store_max(u32 *max, unsigned long value);
void ctxscope_sums_add_task(struct ctxscope_sums *sums,
			    const struct ctxscope_task *row);
void ctxscope_sums_add(struct ctxscope_sums *sums,
		       const struct ctxscope_sums *more, bool counts);
void ctxscope_sums_fold(struct ctxscope_sums *dst, u32 *dst_epoch,
			const struct ctxscope_sums *src, bool src_current);
void ctxscope_proc_sum(const struct ctxscope_process *proc,
		       struct ctxscope_sums *sums, u32 *threads);
void ctxscope_probe_process_fork(void *data, struct task_struct *parent,
				 struct task_struct *child);
void ctxscope_probe_process_exec(void *data, struct task_struct *p,
				 pid_t old_pid, struct linux_binprm *bprm);
void ctxscope_probe_process_free(void *data, struct task_struct *p);
void ctxscope_probe_task_rename(void *data, struct task_struct *task,
				const char *comm);

/* cgroup_table.c */
struct cgroup;
int ctxscope_cgroups_init(unsigned int capacity);
void ctxscope_cgroups_free(void);
size_t ctxscope_cgroups_bytes(void);
u32 ctxscope_cgroups_tracked(void);
u64 ctxscope_cgroups_dropped(void);
void ctxscope_cgroups_reset(void);
void ctxscope_proc_set_cgroup(struct ctxscope_process *proc, u64 id);
void ctxscope_proc_leave_cgroup(struct ctxscope_process *proc);
void ctxscope_cgroup_sum(const struct ctxscope_cgroup *cg,
			 struct ctxscope_sums *sums, u32 *processes);
void ctxscope_probe_cgroup_attach(void *data, struct cgroup *dst,
				  const char *path, struct task_struct *task,
				  bool threadgroup);
void ctxscope_probe_cgroup_rmdir(void *data, struct cgroup *cgrp,
				 const char *path);

/* exit_log.c */
int ctxscope_exit_log_init(unsigned int capacity);
void ctxscope_exit_log_free(void);
size_t ctxscope_exit_log_bytes(void);
u64 ctxscope_exit_log_written(void);
void ctxscope_exit_log_add(const struct ctxscope_process *proc);
extern const struct seq_operations ctxscope_exited_seq_ops;

/* Index of the first row in use at or after from, or capacity. */
static inline u32 ctxscope_next_task(u32 from)
{
	return find_next_bit(ctxscope_tables.tasks_used,
			     ctxscope_tables.capacity, from);
}

static inline u32 ctxscope_next_proc(u32 from)
{
	return find_next_bit(ctxscope_tables.procs_used,
			     ctxscope_tables.capacity, from);
}

static inline u32 ctxscope_next_cgroup(u32 from)
{
	return find_next_bit(ctxscope_tables.cgroups_used,
			     ctxscope_tables.cg_capacity, from);
}

/* The live task of a row, with a reference, or NULL (process context). */
struct task_struct *ctxscope_task_get(const struct ctxscope_task *row);

#endif /* CTXSCOPE_TASK_TABLE_H */
