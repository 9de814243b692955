/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLB telemetry: what the tlb:tlb_flush events (x86) say about context
 * switches and shootdowns.
 *
 * x86's switch_mm_irqs_off() emits TLB_FLUSH_ON_TASK_SWITCH when it loads
 * another address space: pages == TLB_FLUSH_ALL if the TLB was flushed,
 * 0 if a cached PCID kept its entries. The scheduler calls it from
 * context_switch(), after sched_switch and before switch_to(), so with
 * current still == prev; leave_mm() (idle), flush_tlb_func()'s lazy path,
 * kthread_use_mm(), exec and text_poke() emit the same reason outside the
 * scheduler. The switch probe records prev per CPU (tlb_switch in
 * counters.h); a task-switch event pairs with it iff the word is exactly
 * current: no event has paired yet and no IPI mark was set since. Only
 * the scheduler's event can: for current to be the recorded prev, it
 * must still be in the switch that recorded it (to run again here it
 * must be switched in, which replaces the record), and interrupts are
 * off from sched_switch to the flush, so no shootdown IPI is sent in
 * between either.
 *
 * Everything here works on explicit state so that selftest.c can feed it
 * synthetic events.
 */
#ifndef CTXSCOPE_TLB_H
#define CTXSCOPE_TLB_H

#include <linux/mm_types.h>

#include "counters.h"

/* pages of a full flush; x86 calls it TLB_FLUSH_ALL. */
#define CTXSCOPE_TLB_FLUSH_ALL	(~0UL)

/* What one tlb_flush event counts. */
struct ctxscope_tlb_verdict {
	int counter;		/* per-CPU counter to add 1 to, or -1 */
	unsigned long mark;	/* CTXSCOPE_TLB_* bits to set in tlb_switch */
};

/*
 * Whether a task-switch event from curr pairs with the switch recorded in
 * this CPU's tlb_switch word: the word is curr and nothing else. The
 * switch probe has just written it so, with interrupts off until the
 * scheduler's event; once paired, PAIRED is set (one switch pairs with one
 * event); an IPI mark means a task has run since (the one that sent it).
 */
static __always_inline bool ctxscope_tlb_pairs(unsigned long tlb_switch,
					       const struct task_struct *curr)
{
	return tlb_switch == (unsigned long)curr;
}

/*
 * The verdict on any event, the specification of what the probe counts:
 * the probe counts the scheduler's reason with ctxscope_tlb_count_switch(),
 * which the self-test checks against this.
 */
static __always_inline struct ctxscope_tlb_verdict
ctxscope_tlb_classify(unsigned long tlb_switch,
		      const struct task_struct *curr, int reason,
		      unsigned long pages)
{
	struct ctxscope_tlb_verdict v = { -1, 0 };

	switch (reason) {
	case TLB_FLUSH_ON_TASK_SWITCH:
		if (ctxscope_tlb_pairs(tlb_switch, curr)) {
			v.counter = pages ? CTXSCOPE_TLB_SWITCH_FLUSH :
					    CTXSCOPE_TLB_SWITCH_NOFLUSH;
			v.mark = pages ? CTXSCOPE_TLB_PAIRED |
					 CTXSCOPE_TLB_FLUSHED_IN :
					 CTXSCOPE_TLB_PAIRED;
		} else {
			v.counter = pages ? CTXSCOPE_TLB_OTHER_FLUSH :
					    CTXSCOPE_TLB_OTHER_NOFLUSH;
		}
		break;
	case TLB_REMOTE_SHOOTDOWN:
		v.counter = CTXSCOPE_TLB_SHOOTDOWN_REMOTE;
		break;
	case TLB_LOCAL_SHOOTDOWN:
		v.counter = CTXSCOPE_TLB_SHOOTDOWN_LOCAL;
		break;
	case TLB_LOCAL_MM_SHOOTDOWN:
		v.counter = CTXSCOPE_TLB_SHOOTDOWN_LOCAL_MM;
		break;
	case TLB_REMOTE_SEND_IPI:
		v.counter = CTXSCOPE_TLB_IPI_SENT;
		v.mark = CTXSCOPE_TLB_IPI;
		break;
	}
	return v;
}

/*
 * What ctxscope_tlb_classify() decides for a task-switch event from curr,
 * applied to this CPU's counters, with constant operands only (a variable
 * counter index or mark costs an index computation and a stack frame on
 * the scheduler's path). Interrupts or preemption off.
 */
static __always_inline void
ctxscope_tlb_count_switch(const struct task_struct *curr, unsigned long pages)
{
	if (ctxscope_tlb_pairs(this_cpu_read(ctxscope_cpu_counters.tlb_switch),
			       curr)) {
		if (pages) {
			this_cpu_inc(ctxscope_cpu_counters.counts.tlb[CTXSCOPE_TLB_SWITCH_FLUSH]);
			this_cpu_or(ctxscope_cpu_counters.tlb_switch,
				    CTXSCOPE_TLB_PAIRED | CTXSCOPE_TLB_FLUSHED_IN);
		} else {
			this_cpu_inc(ctxscope_cpu_counters.counts.tlb[CTXSCOPE_TLB_SWITCH_NOFLUSH]);
			this_cpu_or(ctxscope_cpu_counters.tlb_switch,
				    CTXSCOPE_TLB_PAIRED);
		}
	} else if (pages) {
		this_cpu_inc(ctxscope_cpu_counters.counts.tlb[CTXSCOPE_TLB_OTHER_FLUSH]);
	} else {
		this_cpu_inc(ctxscope_cpu_counters.counts.tlb[CTXSCOPE_TLB_OTHER_NOFLUSH]);
	}
}

/* The tlb:tlb_flush probe. */
void ctxscope_probe_tlb_flush(void *data, int reason, unsigned long pages);

/**
 * ctxscope_tlb_detect() - record, once at load, what the TLB counters mean
 * @attached: whether the tlb_flush probe could be attached
 */
void ctxscope_tlb_detect(bool attached);

/* Whether the TLB counters are counted here (x86 with tlb_flush). */
bool ctxscope_tlb_available(void);

/* 1 if the kernel uses PCID, 0 if not, -1 where it does not apply. */
int ctxscope_tlb_pcid(void);

/* 1 if page-table isolation is on, 0 if not, -1 where it does not apply. */
int ctxscope_tlb_pti(void);

#endif /* CTXSCOPE_TLB_H */
