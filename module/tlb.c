// SPDX-License-Identifier: GPL-2.0
/*
 * The tlb:tlb_flush probe and what the module reports about the TLB
 * hardware; see tlb.h for the pairing with sched_switch.
 */
#include <linux/percpu.h>
#include <linux/sched.h>
#include <trace/events/tlb.h>

#include "compat.h"
#include "tlb.h"

static bool ctxscope_tlb_on;
static int ctxscope_pcid, ctxscope_pti;

/* What one event counts, from the state of this CPU. */
static __always_inline void ctxscope_tlb_count(int reason, unsigned long pages)
{
	const struct task_struct *switching =
		this_cpu_read(ctxscope_cpu_counters.tlb_switching);
	const struct task_struct *before = switching;
	struct ctxscope_tlb_verdict v;

	v = ctxscope_tlb_classify(&switching, current, reason, pages);
	if (switching != before)
		this_cpu_write(ctxscope_cpu_counters.tlb_switching, switching);
	if (v.counter >= 0)
		this_cpu_inc(ctxscope_cpu_counters.counts.tlb[v.counter]);
	if (v.flush_in)
		this_cpu_or(ctxscope_cpu_counters.tlb_pending,
			    CTXSCOPE_TLB_PENDING_FLUSH);
	if (v.ipi_sent)
		this_cpu_add(ctxscope_cpu_counters.tlb_pending,
			     CTXSCOPE_TLB_PENDING_IPI);
}

/* Shootdowns and IPIs: rarer than switches, out of line. */
static noinline void ctxscope_tlb_count_other(int reason, unsigned long pages)
{
	ctxscope_tlb_count(reason, pages);
}

/*
 * Called in the context that flushed: the scheduler (interrupts off),
 * flush IPIs, or a task sending them (preemption off). this_cpu_*()
 * updates are safe against interrupts on this CPU in every case. The
 * task-switch reason, one per process switch, is compiled on its own.
 */
void ctxscope_probe_tlb_flush(void *data, int reason, unsigned long pages)
{
	if (likely(reason == TLB_FLUSH_ON_TASK_SWITCH))
		ctxscope_tlb_count(TLB_FLUSH_ON_TASK_SWITCH, pages);
	else
		ctxscope_tlb_count_other(reason, pages);
}

ctxscope_assert_probe(tlb_flush, ctxscope_probe_tlb_flush);

/* Read once at load, after the probe is (or is not) attached. */
void ctxscope_tlb_detect(bool attached)
{
	ctxscope_tlb_on = attached && ctxscope_arch_has_tlb_events();
	ctxscope_pcid = ctxscope_arch_pcid();
	ctxscope_pti = ctxscope_arch_pti();
}

bool ctxscope_tlb_available(void)
{
	return ctxscope_tlb_on;
}

int ctxscope_tlb_pcid(void)
{
	return ctxscope_pcid;
}

int ctxscope_tlb_pti(void)
{
	return ctxscope_pti;
}
