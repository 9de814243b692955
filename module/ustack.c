// SPDX-License-Identifier: GPL-2.0
/*
 * User stack depth; see ustack.h.
 *
 * ustack_max is a sampled lower bound: the deepest sp seen at a
 * switch-out, not the deepest the task ever reached between two
 * switches.
 *
 * The floor keeps this off the switch path: a sample at or above it
 * cannot raise ustack_max (with known bounds it is hi - ustack_max: a
 * sample inside the mapping and above it is shallower, one above the
 * mapping is on another stack, one below lo is below the floor too), nor
 * lower the pending sample (without bounds it is the pending sample, or
 * just above the anchor: higher samples are on another stack). Only the
 * task's own switch probe lowers the floor, from the row's state; anyone
 * else who changes that state raises it to ULONG_MAX, so that the next
 * switch-out computes it again. A floor computed from a state that
 * changed meanwhile errs high (a needless slow path), never low: the
 * maximum only grows, and when bounds replace unknown ones, the pending
 * sample the old floor came from becomes the maximum.
 *
 * Bounds are published hi last, with release semantics, and the probe
 * reads hi first, with acquire: it sees no bounds, or lo and hi of the
 * same mapping. Once known, hi never changes but at exec (in the task
 * itself, so never under its own probe); lo only moves down as the main
 * stack grows, which is right either way.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>

#include "compat.h"
#include "ustack.h"

/*
 * How far below its top (or anchor) a sample can be on the task's own
 * stack: its RLIMIT_STACK, within [128 KiB, 1 GiB]. A main stack cannot
 * grow further, and mmap() keeps that gap below it, so a sigaltstack or
 * coroutine stack allocated by the program is outside. A pthread's stack
 * is sized from the same limit by default.
 */
static unsigned long ctxscope_ustack_limit(struct task_struct *p)
{
	return clamp(task_rlimit(p, RLIMIT_STACK), (unsigned long)SZ_128K,
		     (unsigned long)SZ_1G);
}

static void ctxscope_ustack_set_bounds(struct ctxscope_task *row,
				       unsigned long lo, unsigned long hi)
{
	WRITE_ONCE(row->ustack_lo, lo);
	/* Pairs with smp_load_acquire() in ctxscope_ustack_sample_slow(). */
	smp_store_release(&row->ustack_hi, hi);
}

/*
 * An address in the row's stack: for a main thread, mm->start_stack
 * (prev is current: its mm is stable); for a thread that existed before
 * the load, its sp at this, its first switch-out seen. 0 if unknown.
 */
static unsigned long ctxscope_ustack_anchor(struct ctxscope_task *row,
					    struct task_struct *prev,
					    unsigned long sp)
{
	unsigned long anchor = READ_ONCE(row->ustack_anchor);

	if (anchor)
		return anchor;
	if (!READ_ONCE(row->ustack_leader))
		anchor = sp;
	else if (prev->mm)
		anchor = READ_ONCE(prev->mm->start_stack);
	if (anchor)
		WRITE_ONCE(row->ustack_anchor, anchor);
	return anchor;
}

void ctxscope_ustack_sample_slow(struct ctxscope_task *row,
				 struct task_struct *prev, unsigned long sp)
{
	unsigned long pending = READ_ONCE(row->ustack_pending);
	unsigned long top, floor, hi, lo;
	u32 max;

	/* hi first: pairs with ctxscope_ustack_set_bounds(). */
	hi = smp_load_acquire(&row->ustack_hi);
	lo = READ_ONCE(row->ustack_lo);

	if (hi && sp >= lo && sp < hi) {
		ctxscope_store_max(&row->ustack_max, hi - sp);
		top = hi;
	} else {
		/* Below the known mapping (it grew?), or no mapping known. */
		top = hi ? hi : ctxscope_ustack_anchor(row, prev, sp) + 1;
		if (sp < top && sp < pending &&
		    top - sp <= ctxscope_ustack_limit(prev)) {
			WRITE_ONCE(row->ustack_pending, sp);
			pending = sp;
		}
	}
	if (hi) {
		max = READ_ONCE(row->ustack_max);
		floor = max < hi ? hi - max : 0;
	} else {
		floor = min(pending, top);
	}
	WRITE_ONCE(row->ustack_floor, floor);
}

void ctxscope_ustack_clone(struct task_struct *child,
			   const struct ctxscope_task *parent_row,
			   struct ctxscope_task_init *init)
{
	unsigned long sp, lo, hi;
	bool leader;

	init->ustack_lo = 0;
	init->ustack_hi = 0;
	init->ustack_anchor = 0;
	init->ustack_leader = false;
	if (child->flags & CTXSCOPE_PF_NO_USER_STACK) {
		init->ustack_floor = CTXSCOPE_USTACK_NEVER;
		return;
	}
	/* The stack clone() gave it, or its creator's, copied or shared. */
	sp = ctxscope_user_sp(child);
	leader = thread_group_leader(child);
	init->ustack_leader = leader;
	init->ustack_anchor = leader ? 0 : sp;
	if (parent_row) {
		/* hi first: pairs with ctxscope_ustack_set_bounds(). */
		hi = smp_load_acquire(&parent_row->ustack_hi);
		lo = READ_ONCE(parent_row->ustack_lo);
		/*
		 * A new process's stack is its creator's main stack, copied
		 * or shared, if its creator is a main thread; a thread
		 * started on its creator's stack (vfork) shares it.
		 */
		if (hi && (leader ? READ_ONCE(parent_row->ustack_leader) :
				    sp >= lo && sp < hi)) {
			init->ustack_lo = lo;
			init->ustack_hi = hi;
		}
	}
	if (init->ustack_hi)
		init->ustack_floor = init->ustack_hi;
	else
		init->ustack_floor = init->ustack_anchor ?
				     init->ustack_anchor + 1 : ULONG_MAX;
}

void ctxscope_ustack_existing(struct task_struct *p,
			      struct ctxscope_task_init *init)
{
	init->ustack_lo = 0;
	init->ustack_hi = 0;
	init->ustack_anchor = 0;
	init->ustack_leader = thread_group_leader(p);
	init->ustack_floor = p->flags & CTXSCOPE_PF_NO_USER_STACK ?
			     CTXSCOPE_USTACK_NEVER : ULONG_MAX;
}

void ctxscope_ustack_exec_locked(struct ctxscope_task *row,
				 struct task_struct *p,
				 const struct linux_binprm *bprm)
{
	unsigned long lo = 0, hi = 0;

	lockdep_assert_held(&ctxscope_table_lock);
	if (!(p->flags & CTXSCOPE_PF_NO_USER_STACK))
		ctxscope_exec_stack(bprm, &lo, &hi);
	WRITE_ONCE(row->ustack_pending, ULONG_MAX);
	WRITE_ONCE(row->ustack_anchor, 0);
	WRITE_ONCE(row->ustack_leader, true);
	ctxscope_ustack_set_bounds(row, lo, hi);
	/* After the new state: pairs with the acquire in the lookup. */
	smp_store_release(&row->ustack_gen, row->ustack_gen + 1);
	WRITE_ONCE(row->ustack_floor, p->flags & CTXSCOPE_PF_NO_USER_STACK ?
				      CTXSCOPE_USTACK_NEVER : ULONG_MAX);
}

bool ctxscope_ustack_lookup(const struct ctxscope_task *row,
			    struct task_struct *p,
			    struct ctxscope_ustack_found *found)
{
	const struct vm_area_struct *vma;
	unsigned long anchor;
	struct mm_struct *mm;

	/* Pairs with the release in ctxscope_ustack_exec_locked(). */
	found->gen = smp_load_acquire(&row->ustack_gen);
	found->pending = READ_ONCE(row->ustack_pending);
	found->lo = 0;
	found->hi = 0;
	if (!ctxscope_ustack_unresolved(row))
		return false;
	mm = get_task_mm(p);
	if (!mm)
		return false;
	anchor = READ_ONCE(row->ustack_anchor);
	if (!anchor && READ_ONCE(row->ustack_leader))
		anchor = READ_ONCE(mm->start_stack);
	if (!anchor || !mmap_read_trylock(mm)) {
		mmput(mm);
		return false;
	}
	vma = find_vma(mm, anchor);
	if (vma && vma->vm_start <= anchor) {
		found->lo = vma->vm_start;
		found->hi = vma->vm_end;
	}
	mmap_read_unlock(mm);
	mmput(mm);
	/* Not found (its stack was unmapped): the sample is dropped. */
	return true;
}

void ctxscope_ustack_commit_locked(struct ctxscope_task *row,
				   const struct ctxscope_ustack_found *found)
{
	unsigned long hi = row->ustack_hi;

	lockdep_assert_held(&ctxscope_table_lock);
	if (row->ustack_gen != found->gen)
		return;
	if (found->hi && !hi) {
		ctxscope_ustack_set_bounds(row, found->lo, found->hi);
		hi = found->hi;
	} else if (found->hi && found->hi == hi &&
		   found->lo < READ_ONCE(row->ustack_lo)) {
		/* The main stack grew. */
		WRITE_ONCE(row->ustack_lo, found->lo);
	}
	if (found->hi && found->hi == hi && found->pending >= found->lo &&
	    found->pending < hi)
		ctxscope_store_max(&row->ustack_max, hi - found->pending);
	/* Keep a lower sample the probe may have stored meanwhile. */
	if (found->pending != ULONG_MAX)
		cmpxchg(&row->ustack_pending, found->pending, ULONG_MAX);
	ctxscope_ustack_refloor(row);
}
