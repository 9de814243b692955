/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User stack depth: where a task's user stack pointer was at its
 * switch-outs, relative to the top of the mapping that is its stack.
 *
 * A task's stack is one mapping, chosen once: for a process's main
 * thread the one holding mm->start_stack (exec gives its bounds
 * exactly); for another thread the one holding its sp at clone, or, for
 * threads that existed before the load, at its first switch-out seen.
 * Samples taken while the task runs on another stack (a sigaltstack, a
 * coroutine's stack) are never counted, and never make that other
 * mapping "the stack".
 *
 * The switch probe compares the saved user sp with a floor cached in the
 * row, and with the bounds cached there when it is below; finding a
 * mapping (find_vma(), under mmap_lock) is left to the /proc read path.
 * Samples the probe cannot place yet (bounds unknown, or below them: the
 * main stack grew) wait as the lowest one within the task's stack limit
 * below its stack.
 */
#ifndef CTXSCOPE_USTACK_H
#define CTXSCOPE_USTACK_H

#include <linux/ptrace.h>
#include <linux/sched/task_stack.h>

#include "task_table.h"

struct linux_binprm;

/* The user sp saved at p's last entry into the kernel. */
static __always_inline unsigned long ctxscope_user_sp(struct task_struct *p)
{
	return user_stack_pointer(task_pt_regs(p));
}

/*
 * The floor of a row of a task that has no user stack to sample: kernel
 * threads and user workers, which never return to user space.
 */
#define CTXSCOPE_USTACK_NEVER	0UL

/*
 * Whether a sample at sp can say something new: only one below the row's
 * floor can (ustack.c), so most switch-outs stop after this comparison.
 */
static __always_inline bool ctxscope_ustack_news(const struct ctxscope_task *row,
						 unsigned long sp)
{
	/*
	 * Racy on purpose: ctxscope_ustack_refloor() may raise the floor
	 * meanwhile, and a floor read either side of it only decides
	 * whether this sample takes the slow path. Plain, so that the load
	 * folds into the comparison.
	 */
	return sp < data_race(row->ustack_floor);
}

/**
 * ctxscope_ustack_sample_slow() - place a sample below the floor
 * @row: prev's row
 * @prev: the task switching out, which is current
 * @sp: its user sp
 *
 * The switch probe's slow path: places the sample, then sets the floor
 * again. Interrupts off; takes no lock.
 */
void ctxscope_ustack_sample_slow(struct ctxscope_task *row,
				 struct task_struct *prev, unsigned long sp);

/* A switch-out of the row's task (current) with its user sp at sp. */
static __always_inline void ctxscope_ustack_sample(struct ctxscope_task *row,
						   struct task_struct *prev,
						   unsigned long sp)
{
	if (unlikely(ctxscope_ustack_news(row, sp)))
		ctxscope_ustack_sample_slow(row, prev, sp);
}

/*
 * After a change to the bounds, the pending sample or the maximum by
 * anyone but the task's own switch probe: the next switch-out takes the
 * slow path, which computes the floor again from the row.
 */
static inline void ctxscope_ustack_refloor(struct ctxscope_task *row)
{
	WRITE_ONCE(row->ustack_floor, ULONG_MAX);
}

/*
 * Whether the read path has something to do for the row: a sample to
 * place, or the bounds of its stack to find.
 */
static inline bool ctxscope_ustack_unresolved(const struct ctxscope_task *row)
{
	return READ_ONCE(row->ustack_floor) != CTXSCOPE_USTACK_NEVER &&
	       (READ_ONCE(row->ustack_pending) != ULONG_MAX ||
		!READ_ONCE(row->ustack_hi));
}

/**
 * ctxscope_ustack_clone() - how a new task's user stack starts
 * @child: the task copy_process() made, not yet run
 * @parent_row: the row of the task that made it (current), or NULL
 * @init: its ustack fields are filled in
 *
 * RCU read lock held.
 */
void ctxscope_ustack_clone(struct task_struct *child,
			   const struct ctxscope_task *parent_row,
			   struct ctxscope_task_init *init);

/**
 * ctxscope_ustack_existing() - how a task that existed at load starts
 * @p: the task
 * @init: its ustack fields are filled in
 */
void ctxscope_ustack_existing(struct task_struct *p,
			      struct ctxscope_task_init *init);

/**
 * ctxscope_ustack_exec_locked() - exec gave the task a new stack
 * @row: its row
 * @p: the task (current)
 * @bprm: the exec's binprm, whose vma is the new stack
 *
 * Table lock held: a read path resolving the old mm's sample meanwhile
 * sees the generation change and drops its result.
 */
void ctxscope_ustack_exec_locked(struct ctxscope_task *row,
				 struct task_struct *p,
				 const struct linux_binprm *bprm);

/* What the read path found for a row: ctxscope_ustack_commit_locked(). */
struct ctxscope_ustack_found {
	u32 gen;			/* the row's generation when looked up */
	unsigned long pending;		/* the sample resolved, or ULONG_MAX */
	unsigned long lo, hi;		/* its stack mapping; hi 0 if none */
};

/**
 * ctxscope_ustack_lookup() - find a row's stack mapping in its task's mm
 * @row: the row
 * @p: its task, pinned by the caller
 * @found: filled in
 *
 * Process context. Takes mmap_lock only if it is free (trylock): a task
 * whose mm is locked for long (a writer, a fault on FUSE or NFS) never
 * holds up a reader; its sample waits for a later read.
 *
 * Return: true if @found has something to commit.
 */
bool ctxscope_ustack_lookup(const struct ctxscope_task *row,
			    struct task_struct *p,
			    struct ctxscope_ustack_found *found);

/**
 * ctxscope_ustack_commit_locked() - apply what ctxscope_ustack_lookup() found
 * @row: the row, still owned by the same task (the caller checked)
 * @found: the lookup's result
 *
 * Table lock held. Dropped if exec replaced the mm since the lookup.
 */
void ctxscope_ustack_commit_locked(struct ctxscope_task *row,
				   const struct ctxscope_ustack_found *found);

#endif /* CTXSCOPE_USTACK_H */
