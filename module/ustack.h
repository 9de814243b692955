/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User stack depth: where a task's user stack pointer was at its
 * switch-outs, relative to the top of the mapping its stack lives in.
 *
 * The switch probe only compares the saved user sp with bounds cached in
 * the row; finding the mapping (find_vma(), under mmap_lock) happens
 * outside it: at fork and exec with a trylock, and from the /proc read
 * path for samples that fell outside the cached bounds.
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

/* Switch-out of prev (current): record how deep its user stack is. */
static __always_inline void ctxscope_ustack_sample(struct ctxscope_task *row,
						   struct task_struct *prev)
{
	unsigned long sp = ctxscope_user_sp(prev);
	unsigned long hi = READ_ONCE(row->ustack_hi);

	if (likely(sp < hi && sp >= READ_ONCE(row->ustack_lo))) {
		if (unlikely(hi - sp > READ_ONCE(row->ustack_max)))
			ctxscope_store_max(&row->ustack_max, hi - sp);
	} else if (sp < READ_ONCE(row->ustack_pending)) {
		/* Outside the known mapping: left for the read path. */
		WRITE_ONCE(row->ustack_pending, sp);
	}
}

bool ctxscope_ustack_bounds_trylock(struct mm_struct *mm, unsigned long sp,
				    unsigned long *lo, unsigned long *hi);
void ctxscope_ustack_set_bounds(struct ctxscope_task *row, unsigned long lo,
				unsigned long hi);
void ctxscope_ustack_resolve(struct ctxscope_task *row, struct task_struct *p);

#endif /* CTXSCOPE_USTACK_H */
