/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User stack depth: where a task's user stack pointer was at its
 * switch-outs, relative to the top of the mapping its stack lives in.
 *
 * The switch probe only compares the saved user sp with a floor cached in
 * the row, and with bounds cached there when it is below; finding the
 * mapping (find_vma(), under mmap_lock) happens outside it: at fork and
 * exec with a trylock, and from the /proc read path for samples that fell
 * outside the cached bounds.
 */
#ifndef CTXSCOPE_USTACK_H
#define CTXSCOPE_USTACK_H

#include <linux/ptrace.h>
#include <linux/sched/task_stack.h>

#include "task_table.h"

struct mm_struct;

/* The user sp saved at p's last entry into the kernel. */
static __always_inline unsigned long ctxscope_user_sp(struct task_struct *p)
{
	return user_stack_pointer(task_pt_regs(p));
}

void ctxscope_ustack_sample_slow(struct ctxscope_task *row, unsigned long sp);

/*
 * Whether a sample at sp can say something new: only one below the row's
 * floor can (ustack.c), so most switch-outs stop after this comparison.
 */
static __always_inline bool ctxscope_ustack_news(const struct ctxscope_task *row,
						 unsigned long sp)
{
	return sp < READ_ONCE(row->ustack_floor);
}

/* A switch-out of the row's task with its user sp at sp. */
static __always_inline void ctxscope_ustack_sample_sp(struct ctxscope_task *row,
						      unsigned long sp)
{
	if (unlikely(ctxscope_ustack_news(row, sp)))
		ctxscope_ustack_sample_slow(row, sp);
}

/*
 * The floor of a row of a task that has no user stack to sample: kernel
 * threads, and io_uring workers, which never return to user space.
 */
#define CTXSCOPE_USTACK_NEVER	0UL

/*
 * After a change to the bounds, the pending sample or the maximum by
 * anyone but the task's own switch probe: the next switch-out takes the
 * slow path, which computes the floor again from the row.
 */
static inline void ctxscope_ustack_refloor(struct ctxscope_task *row)
{
	WRITE_ONCE(row->ustack_floor, ULONG_MAX);
}

unsigned long ctxscope_ustack_first_floor(const struct task_struct *p,
					  unsigned long hi);

bool ctxscope_ustack_bounds_trylock(struct mm_struct *mm, unsigned long sp,
				    unsigned long *lo, unsigned long *hi);
void ctxscope_ustack_set_bounds(struct ctxscope_task *row, unsigned long lo,
				unsigned long hi);
void ctxscope_ustack_resolve(struct ctxscope_task *row, struct task_struct *p);

#endif /* CTXSCOPE_USTACK_H */
