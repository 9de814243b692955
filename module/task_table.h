/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-task and per-process tables: a store of rows, preallocated at
 * load, keyed by task_struct and signal_struct pointers. It knows nothing
 * of who fills it: lifecycle.c inserts and removes rows from the task
 * lifecycle tracepoints, the switch probe counts into them, the /proc
 * files read them. docs/design.md explains why the rules hold:
 *
 * - Insert, remove, fold and reset take ctxscope_table_lock, a raw
 *   spinlock taken with interrupts off (rows are removed from RCU
 *   callbacks, and the lock must not sleep on PREEMPT_RT).
 * - Lookups are lockless: hash chains are walked in RCU read-side
 *   sections, and a removed row is reused only after a grace period
 *   (call_rcu()). A row is published (its key stored with release
 *   semantics) only once it is complete.
 * - A task row's hot counters are written only by the switch probe of
 *   its own task, which switches out on one CPU at a time: no atomics.
 */
#ifndef CTXSCOPE_TASK_TABLE_H
#define CTXSCOPE_TASK_TABLE_H

#include <linux/cache.h>
#include <linux/find.h>
#include <linux/hash.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/rculist.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "ctxscope.h"

#define CTXSCOPE_NO_ROW		0	/* row ids are index + 1 */
#define CTXSCOPE_NO_CPU		U32_MAX

/*
 * A row's epoch: the reset generation its counts belong to. The table's
 * epoch is never this value: a row created with it takes its voluntary
 * base from its first switch-out (switch_probe.c), for tasks that may
 * have switched unseen since the row was made (rows made at load).
 */
#define CTXSCOPE_EPOCH_UNSYNCED	0

/* What a task did, or a process's or cgroup's tasks did, and their marks. */
struct ctxscope_sums {
	u64 count[CTXSCOPE_NR_SUM_COUNTERS];
	u32 kstack_max;
	u32 ustack_max;
};

struct ctxscope_task {
	/* Read or written at every switch-out of the task: one cache line. */
	struct task_struct *task;	/* key; NULL when free; never printed */
	u32 epoch;			/* reset generation of the counts */
	u32 last_cpu;			/* CPU of the last switch-out */
	u64 to[CTXSCOPE_NR_CLASSES];	/* switch-outs by class */
	unsigned long nvcsw_seen;	/* task->nvcsw at its last switch-out */
	unsigned long ustack_floor;	/* user sp below which a sample counts */

	/* Written at some switch-outs. */
	u64 migrations;
	u64 tlb_flush_in;		/* scheduler flushes switching into it */
	u64 tlb_ipi_sent;		/* shootdown IPIs it sent */
	unsigned long nvcsw_base;	/* task->nvcsw when the counts started */
	u32 kstack_max;			/* bytes, high-water mark */
	u32 ustack_max;			/* bytes below the top of its stack */
	/* The user stack (ustack.c). */
	unsigned long ustack_lo;	/* bounds of its stack mapping; hi 0: */
	unsigned long ustack_hi;	/* not known yet */
	unsigned long ustack_anchor;	/* an address in it, or 0 */
	unsigned long ustack_pending;	/* lowest unplaced sample, ULONG_MAX */
	u32 ustack_gen;			/* bumped when exec replaces the mm */
	bool ustack_leader;		/* its stack holds mm->start_stack */

	/* Identity and links, for lifecycle.c and the /proc files. */
	u32 next;			/* hash chain: next row id */
	u32 proc;			/* row id of its process */
	pid_t pid;
	pid_t tgid;
	char comm[TASK_COMM_LEN];
	unsigned long refreshed;	/* its activity at the last refresh */
	struct list_head siblings;	/* threads of the same process */
	struct ctxscope_task *deferred;	/* lifecycle.c's list of held frees */
	struct rcu_head rcu;
} ____cacheline_aligned;

struct ctxscope_process {
	const struct signal_struct *key; /* NULL once its last task is freed */
	u32 next;
	u32 threads;			/* task rows on its list, live or not */
	u32 threads_live;		/* ... whose task is not freed yet */
	u32 threads_exited;		/* task rows folded into exited */
	u32 epoch;			/* reset generation of exited.count */
	struct list_head tasks;		/* rows of its threads */
	struct ctxscope_sums exited;	/* of its threads already folded */
	u64 cgroup;			/* cgroup v2 id */
	u32 cg;				/* its cgroup row, or NO_ROW */
	bool move_pending;		/* lifecycle.c: a held cgroup move */
	bool move_removed;
	u64 move_to;
	struct list_head cg_siblings;	/* processes of the same cgroup */
	struct ctxscope_process *deferred; /* lifecycle.c's list of held moves */
	pid_t tgid;
	pid_t ppid;			/* tgid of its creator's real parent */
	u32 vm_stack_kb;		/* VmStk, refreshed by readers */
	char comm[TASK_COMM_LEN];
	struct rcu_head rcu;
};

/* Set at load, read on every switch. */
struct ctxscope_tables {
	u32 capacity;			/* rows of the task and process tables */
	u32 hash_bits;
	u32 epoch;			/* bumped by reset; never 0 */
	u32 *task_hash;			/* bucket -> first row id */
	u32 *proc_hash;
	struct ctxscope_task *tasks;
	struct ctxscope_process *procs;
	unsigned long *tasks_used;	/* bitmaps of the rows in use, */
	unsigned long *procs_used;	/* so readers skip the free ones */
};

extern struct ctxscope_tables ctxscope_tables;

/*
 * Serialises every change to the task, process and cgroup tables and to
 * the exit log. Taken with interrupts off, for a bounded time.
 */
extern raw_spinlock_t ctxscope_table_lock;

/* Whether there is a task table: a no-op branch for the switch probe. */
DECLARE_STATIC_KEY_FALSE(ctxscope_task_rows);

static inline struct ctxscope_task *ctxscope_task_row(u32 id)
{
	return &ctxscope_tables.tasks[id - 1];
}

static inline u32 ctxscope_task_id(const struct ctxscope_task *row)
{
	return row - ctxscope_tables.tasks + 1;
}

static inline struct ctxscope_process *ctxscope_proc_row(u32 id)
{
	return &ctxscope_tables.procs[id - 1];
}

/**
 * ctxscope_task_lookup() - the row of a task
 * @p: the task
 *
 * Lockless: callers hold the table lock or are in an RCU read-side
 * section (the switch probe, with interrupts off, is one).
 *
 * Return: the row, or NULL if @p has none.
 */
static __always_inline struct ctxscope_task *
ctxscope_task_lookup(const struct task_struct *p)
{
	const struct ctxscope_tables *t = &ctxscope_tables;
	u32 id = READ_ONCE(t->task_hash[hash_ptr(p, t->hash_bits)]);

	while (id != CTXSCOPE_NO_ROW) {
		struct ctxscope_task *row = &t->tasks[id - 1];

		/* Pairs with the release of the key in the insert. */
		if (smp_load_acquire(&row->task) == p)
			return row;
		id = READ_ONCE(row->next);
	}
	return NULL;
}

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

int ctxscope_tables_init(unsigned int capacity);
void ctxscope_tables_free(void);
size_t ctxscope_tables_bytes(void);
u32 ctxscope_tasks_tracked(void);
u32 ctxscope_procs_tracked(void);
u64 ctxscope_tasks_dropped(void);

/* A task that could not get a row (table full). Table lock held. */
void ctxscope_task_dropped_locked(void);

/* Whether a task row is free. Table lock held. */
bool ctxscope_task_rows_left_locked(void);

/* How a new task row starts; the user-stack fields are ustack.c's. */
struct ctxscope_task_init {
	bool synced;			/* its counts can start at creation */
	u32 last_cpu;
	unsigned long ustack_lo, ustack_hi, ustack_anchor, ustack_floor;
	bool ustack_leader;
};

/**
 * ctxscope_proc_lookup_locked() - the process row of a signal_struct
 * @sig: the process's signal_struct
 *
 * Return: the row, or NULL. Table lock held.
 */
struct ctxscope_process *
ctxscope_proc_lookup_locked(const struct signal_struct *sig);

/**
 * ctxscope_proc_insert_locked() - a new process row
 * @p: a task of the process, whose signal_struct keys the row
 * @ppid: the tgid of its creator's parent
 *
 * Its cgroup is left unset (NO_ROW): the caller joins it to one.
 *
 * Return: the row, or NULL if the table is full. Table lock held.
 */
struct ctxscope_process *ctxscope_proc_insert_locked(struct task_struct *p,
						     pid_t ppid);

/**
 * ctxscope_task_insert_locked() - a new task row in a process row
 * @p: the task
 * @proc: its process's row
 * @init: how its counts and user stack start
 *
 * Return: the row, or NULL if the table is full (check first with
 * ctxscope_task_rows_left_locked()). Table lock held.
 */
struct ctxscope_task *
ctxscope_task_insert_locked(struct task_struct *p,
			    struct ctxscope_process *proc,
			    const struct ctxscope_task_init *init);

/**
 * ctxscope_task_unhash_locked() - a row's task is gone
 * @row: the row
 *
 * Lookups no longer find it and the tasks file no longer shows it, but it
 * stays on its process's list, with its counts, until it is folded.
 *
 * Return: its process row, whose key is cleared too if this was its last
 * live task. Table lock held.
 */
struct ctxscope_process *ctxscope_task_unhash_locked(struct ctxscope_task *row);

/**
 * ctxscope_task_fold_locked() - move an unhashed row's counts to its process
 * @row: an unhashed row
 *
 * The row is freed after a grace period.
 *
 * Return: its process row. Table lock held.
 */
struct ctxscope_process *ctxscope_task_fold_locked(struct ctxscope_task *row);

/* Frees an unhashed process row with no task rows, after a grace period. */
void ctxscope_proc_release_locked(struct ctxscope_process *proc);

/* Starts every row's counts from zero, lazily; table lock held. */
void ctxscope_tables_reset_locked(void);

/**
 * ctxscope_task_snapshot() - a consistent copy of a task row's counts
 * @row: the row
 * @count: filled in; all zero if a reset happened since the row counted
 */
void ctxscope_task_snapshot(const struct ctxscope_task *row,
			    u64 count[CTXSCOPE_NR_SUM_COUNTERS]);

/* Adds more to sums: the counters only if counts, the maxima always. */
void ctxscope_sums_add(struct ctxscope_sums *sums,
		       const struct ctxscope_sums *more, bool counts);

/**
 * ctxscope_sums_fold() - fold what a finished task or process left
 * @dst: its owner's sums of finished members
 * @dst_epoch: the reset generation of @dst's counters
 * @src: what it left
 * @src_current: whether @src's counters belong to the current epoch
 *
 * @dst's counters are zeroed first if a reset happened since the last
 * fold into them. Stack maxima survive resets. Table lock held.
 */
void ctxscope_sums_fold(struct ctxscope_sums *dst, u32 *dst_epoch,
			const struct ctxscope_sums *src, bool src_current);

/* Whether counts of a reset generation (read once by the caller) count. */
static inline bool ctxscope_epoch_current(u32 epoch)
{
	return epoch == READ_ONCE(ctxscope_tables.epoch);
}

/**
 * ctxscope_proc_sum() - what a process did: its finished and live tasks
 * @proc: the process row
 * @sums: filled in
 *
 * Consistent only while lifecycle.c holds folds off (ctxscope_hold_begin()).
 * RCU read lock held.
 *
 * Return: the number of its live tasks.
 */
u32 ctxscope_proc_sum(const struct ctxscope_process *proc,
		      struct ctxscope_sums *sums);

/* Raises *max to value (clamped to u32); safe against racing writers. */
void ctxscope_store_max(u32 *max, unsigned long value);

/**
 * ctxscope_task_get() - the live task of a row, with a reference
 * @row: the row
 *
 * Process context.
 *
 * Return: the task, or NULL if it is gone (its pid no longer names it).
 */
struct task_struct *ctxscope_task_get(const struct ctxscope_task *row);

#endif /* CTXSCOPE_TASK_TABLE_H */
