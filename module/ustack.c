// SPDX-License-Identifier: GPL-2.0
/*
 * User stack depth, resolved outside the switch probe; see ustack.h.
 *
 * ustack_max is a sampled lower bound: the deepest sp seen at a
 * switch-out, not the deepest the task ever reached between two
 * switches. Samples on another stack than the task's own (a sigaltstack,
 * a coroutine stack on the heap) are not counted.
 *
 * The floor keeps this off the switch path: a sample at or above it
 * cannot raise ustack_max (with known bounds it is hi - ustack_max: a
 * sample inside the mapping and above it is shallower, one above the
 * mapping is on another stack, one below lo is below the floor too), nor
 * lower the pending sample (without bounds it is ustack_pending). Only the
 * task's own switch probe lowers the floor, from the row's state; anyone
 * else who changes that state raises it to ULONG_MAX, so that the next
 * switch-out computes it again. A floor computed from a state that
 * changed meanwhile errs high (a needless slow path), never low: the
 * maximum only grows, and when bounds replace unknown ones, the pending
 * sample the old floor came from becomes the maximum.
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

/* The floor of a new row; hi is the top of p's stack mapping, or 0. */
unsigned long ctxscope_ustack_first_floor(const struct task_struct *p,
					  unsigned long hi)
{
	if (p->flags & (PF_KTHREAD | PF_IO_WORKER))
		return CTXSCOPE_USTACK_NEVER;
	return hi ? hi : ULONG_MAX;
}

/*
 * The switch probe's slow path: prev (current) switched out with its user
 * sp below the floor. Places the sample, then sets the floor again.
 */
void ctxscope_ustack_sample_slow(struct ctxscope_task *row, unsigned long sp)
{
	unsigned long hi = READ_ONCE(row->ustack_hi);
	unsigned long pending = READ_ONCE(row->ustack_pending);
	u32 max;

	if (sp < hi && sp >= READ_ONCE(row->ustack_lo)) {
		ctxscope_store_max(&row->ustack_max, hi - sp);
	} else if (sp < pending && !(hi && sp >= hi)) {
		/*
		 * Below the known mapping (it grew, or another stack), or no
		 * mapping known: left for the read path. Above it is another
		 * stack, which the read path would not count either.
		 */
		WRITE_ONCE(row->ustack_pending, sp);
		pending = sp;
	}
	if (hi) {
		max = READ_ONCE(row->ustack_max);
		WRITE_ONCE(row->ustack_floor, max < hi ? hi - max : 0);
	} else {
		WRITE_ONCE(row->ustack_floor, pending);
	}
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
	ctxscope_ustack_refloor(row);
}
