// SPDX-License-Identifier: GPL-2.0
/*
 * User stack depth, resolved outside the switch probe; see ustack.h.
 *
 * ustack_max is a sampled lower bound: the deepest sp seen at a
 * switch-out, not the deepest the task ever reached between two
 * switches. Samples on another stack than the task's own (a sigaltstack,
 * a coroutine stack on the heap) are not counted.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>

#include "ustack.h"

static bool ctxscope_ustack_find(struct mm_struct *mm, unsigned long sp,
				 unsigned long *lo, unsigned long *hi)
{
	struct vm_area_struct *vma = find_vma(mm, sp);

	if (!vma || vma->vm_start > sp)
		return false;
	*lo = vma->vm_start;
	*hi = vma->vm_end;
	return true;
}

/*
 * The mapping that holds sp, if mmap_lock can be had without waiting:
 * callable with preemption off (fork and exec probes).
 */
bool ctxscope_ustack_bounds_trylock(struct mm_struct *mm, unsigned long sp,
				    unsigned long *lo, unsigned long *hi)
{
	bool found;

	if (!mmap_read_trylock(mm))
		return false;
	found = ctxscope_ustack_find(mm, sp, lo, hi);
	mmap_read_unlock(mm);
	return found;
}

/*
 * lo before hi: a probe reading them meanwhile sees either no bounds
 * (hi == 0) or the new ones, or, when only lo moves down (the main stack
 * grew), a range that is right either way.
 */
void ctxscope_ustack_set_bounds(struct ctxscope_task *row, unsigned long lo,
				unsigned long hi)
{
	WRITE_ONCE(row->ustack_lo, lo);
	/* The probe reads hi first: it must not see new hi with old lo. */
	smp_wmb();
	WRITE_ONCE(row->ustack_hi, hi);
}

/*
 * Process context: turns the lowest sp the probe could not place into a
 * depth, by finding its mapping in p's address space.
 */
void ctxscope_ustack_resolve(struct ctxscope_task *row, struct task_struct *p)
{
	unsigned long pending = READ_ONCE(row->ustack_pending);
	unsigned long lo, hi, cur_hi;
	struct mm_struct *mm;
	bool found;

	if (pending == ULONG_MAX)
		return;
	mm = get_task_mm(p);
	if (!mm)
		return;
	if (mmap_read_lock_killable(mm)) {
		mmput(mm);
		return;
	}
	found = ctxscope_ustack_find(mm, pending, &lo, &hi);
	mmap_read_unlock(mm);
	mmput(mm);

	cur_hi = READ_ONCE(row->ustack_hi);
	if (found && (!cur_hi || cur_hi == hi)) {
		/* Its own stack: first bounds, or the main stack grew. */
		if (!cur_hi || lo < READ_ONCE(row->ustack_lo))
			ctxscope_ustack_set_bounds(row, lo, hi);
		ctxscope_store_max(&row->ustack_max, hi - pending);
	}
	/* Keep a lower sample the probe may have stored meanwhile. */
	cmpxchg(&row->ustack_pending, pending, ULONG_MAX);
}
