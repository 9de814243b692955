// SPDX-License-Identifier: GPL-2.0
/*
 * The sched_switch probe: the only code ctxscope runs on every context
 * switch. It is called from __schedule() with interrupts off, preemption
 * off and the runqueue lock held, between rq->nr_switches++ and
 * context_switch(), with current == prev. It touches nothing but two
 * task_structs and this CPU's counters: no locks, no allocation, nothing
 * that can sleep or wake a task.
 */
#include <linux/sched.h>
#include <linux/mm_types.h>
#include <trace/events/sched.h>

#include "compat.h"
#include "ctxscope.h"

DEFINE_PER_CPU_ALIGNED(struct ctxscope_cpu_counters, ctxscope_cpu_counters);

/*
 * The address space next will run in: its own mm, or, for a task without
 * one (kernel thread, idle, a user task switched back in after exit_mm()),
 * the one prev leaves loaded (lazy TLB, see context_switch()).
 */
static __always_inline enum ctxscope_counter
ctxscope_classify(const struct task_struct *prev,
		  const struct task_struct *next,
		  const struct mm_struct *prev_mm,
		  const struct mm_struct *next_mm)
{
	unsigned int flags = prev->flags | next->flags;

	if (unlikely(flags & PF_IDLE))		/* is_idle_task() */
		return CTXSCOPE_IDLE;
	/* Not mm == NULL: kthread_use_mm() gives kernel threads an mm. */
	if (flags & PF_KTHREAD)
		return CTXSCOPE_KERNEL;
	/*
	 * prev->active_mm, not prev->mm: an exiting task's last switch-out
	 * comes after exit_mm() cleared prev->mm.
	 */
	if (!next_mm || next_mm == prev_mm)
		return CTXSCOPE_THREAD;
	return CTXSCOPE_PROCESS;
}

void ctxscope_probe_sched_switch(void *data, bool preempt,
				 struct task_struct *prev,
				 struct task_struct *next,
				 unsigned int prev_state)
{
	const struct mm_struct *prev_mm = prev->active_mm;
	const struct mm_struct *next_mm = next->mm;

	this_cpu_inc(ctxscope_cpu_counters.count[ctxscope_classify(prev, next,
								   prev_mm,
								   next_mm)]);
	/*
	 * Everything else is published after the class, so that a reader
	 * that loads it before the classes never sees more voluntary, mm or
	 * lazy switches than switches (ctxscope_snapshot_cpu()).
	 */
	smp_wmb();
	/* __schedule() charges prev->nvcsw exactly under this condition. */
	if (!preempt && prev_state != TASK_RUNNING)
		this_cpu_inc(ctxscope_cpu_counters.count[CTXSCOPE_VOLUNTARY]);

	if (!next_mm)
		this_cpu_inc(ctxscope_cpu_counters.count[CTXSCOPE_LAZY_SWITCHES]);
	else if (next_mm != prev_mm)
		this_cpu_inc(ctxscope_cpu_counters.count[CTXSCOPE_MM_SWITCHES]);
}

ctxscope_assert_probe(sched_switch, ctxscope_probe_sched_switch);
