// SPDX-License-Identifier: GPL-2.0
/*
 * The tlb:tlb_flush probe and what the module reports about the TLB
 * hardware; see tlb.h for the pairing with sched_switch.
 */
#include <linux/percpu.h>
#include <linux/sched.h>
#include <trace/events/tlb.h>

#include "compat.h"
#include "switch_probe.h"
#include "tlb.h"

/* The tlb_switch word keeps its marks in a task_struct pointer's low bits. */
static_assert(__alignof__(struct task_struct) >
	      (CTXSCOPE_TLB_FLUSHED_IN | CTXSCOPE_TLB_IPI | CTXSCOPE_TLB_PAIRED));

static bool ctxscope_tlb_on;
static int ctxscope_pcid, ctxscope_pti;

/* What one event counts, from the state of this CPU. */
static __always_inline void ctxscope_tlb_count(int reason, unsigned long pages)
{
	unsigned long tlb_switch = this_cpu_read(ctxscope_cpu_counters.tlb_switch);
	struct ctxscope_tlb_verdict v;

	v = ctxscope_tlb_classify(tlb_switch, current, reason, pages);
	if (v.counter >= 0)
		this_cpu_inc(ctxscope_cpu_counters.counts.tlb[v.counter]);
	if (v.mark)
		this_cpu_or(ctxscope_cpu_counters.tlb_switch, v.mark);
	if (v.mark & CTXSCOPE_TLB_IPI) {
		this_cpu_inc(ctxscope_cpu_counters.tlb_ipis);
		/* The switch probe's fast path does not credit IPIs. */
		ctxscope_switch_probe_forget_current();
	}
}

/* Shootdowns and IPIs: rarer than switches, out of line. */
static noinline __noipa void
ctxscope_tlb_count_other(void *data, int reason, unsigned long pages)
{
	ctxscope_tlb_count(reason, pages);
}

/*
 * Called in the context that flushed: the scheduler (interrupts off),
 * flush IPIs, or a task sending them (preemption off). this_cpu_*()
 * updates are safe against interrupts on this CPU in every case. Not
 * traced itself, as the switch probe: ftrace's hook costs on every switch.
 */
void notrace ctxscope_probe_tlb_flush(void *data, int reason,
				      unsigned long pages)
{
	if (likely(reason == TLB_FLUSH_ON_TASK_SWITCH))
		ctxscope_tlb_count_switch(current, pages);
	else
		ctxscope_tlb_count_other(data, reason, pages);
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
