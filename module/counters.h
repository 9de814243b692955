/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU counters: every switch and every tlb_flush event of a CPU,
 * counted by that CPU's probes with interrupts off, read by anyone.
 *
 * A switch is counted once, in one cell of a histogram over (class,
 * voluntary, address-space change). Every figure the files show is a sum
 * of cells, so each snapshot is consistent by construction: a reader that
 * races a switch sees it in all of switches, its class, voluntary and
 * mm_switches, or in none, without any barrier.
 *
 * A reset does not touch the counters (no IPI, no race with the probes):
 * it records the current values as a base, and readers show the
 * difference.
 */
#ifndef CTXSCOPE_COUNTERS_H
#define CTXSCOPE_COUNTERS_H

#include <linux/percpu.h>
#include <linux/types.h>

#include "ctxscope.h"

struct task_struct;

/* Which address space next runs in, as context_switch() decides it. */
enum ctxscope_mm_kind {
	CTXSCOPE_MM_KEPT,	/* next->mm is the one prev leaves loaded */
	CTXSCOPE_MM_SWITCHED,	/* next->mm is another: switch_mm() */
	CTXSCOPE_MM_LAZY,	/* next has no mm and borrows prev's */
	CTXSCOPE_NR_MM_KINDS
};

#define CTXSCOPE_NR_CELLS	(CTXSCOPE_NR_CLASSES * 2 * CTXSCOPE_NR_MM_KINDS)

/* The cell of a switch; voluntary is 0 or 1. */
static __always_inline unsigned int
ctxscope_cell(unsigned int cls, unsigned int voluntary, unsigned int mm_kind)
{
	return (cls * 2 + voluntary) * CTXSCOPE_NR_MM_KINDS + mm_kind;
}

/* tlb:tlb_flush events, by what they were (tlb.h); x86 only. */
enum ctxscope_tlb_counter {
	CTXSCOPE_TLB_SWITCH_FLUSH,	/* a scheduler switch flushed */
	CTXSCOPE_TLB_SWITCH_NOFLUSH,	/* ... kept its entries (PCID) */
	CTXSCOPE_TLB_OTHER_FLUSH,	/* task-switch flush outside it */
	CTXSCOPE_TLB_OTHER_NOFLUSH,
	CTXSCOPE_TLB_SHOOTDOWN_REMOTE,	/* flush on receiving an IPI */
	CTXSCOPE_TLB_SHOOTDOWN_LOCAL,
	CTXSCOPE_TLB_SHOOTDOWN_LOCAL_MM,
	CTXSCOPE_TLB_IPI_SENT,		/* shootdown IPIs sent */
	CTXSCOPE_NR_TLB_COUNTERS
};

struct ctxscope_counts {
	u64 cell[CTXSCOPE_NR_CELLS];
	u64 tlb[CTXSCOPE_NR_TLB_COUNTERS];
};

struct ctxscope_cpu_counters {
	struct ctxscope_counts counts;
	/*
	 * Pairing tlb_flush with the switch in progress (tlb.h), in one word
	 * that the switch probe reads and rewrites at every switch: the prev
	 * of this CPU's last switch, with CTXSCOPE_TLB_PAIRED once an event
	 * has paired with that switch, CTXSCOPE_TLB_FLUSHED_IN if that event
	 * flushed (credited to the task it switched into, the running one,
	 * at its switch-out), and CTXSCOPE_TLB_IPI once the running task has
	 * sent shootdown IPIs: tlb_ipis of them, credited the same way.
	 */
	unsigned long tlb_switch;
	u64 tlb_ipis;
};

/* The low bits of tlb_switch: a task_struct is at least 8-byte aligned. */
#define CTXSCOPE_TLB_FLUSHED_IN	1UL
#define CTXSCOPE_TLB_IPI	2UL
#define CTXSCOPE_TLB_PAIRED	4UL

DECLARE_PER_CPU_ALIGNED(struct ctxscope_cpu_counters, ctxscope_cpu_counters);

/* What the summary and cpus files show, derived from a snapshot. */
u64 ctxscope_counts_switches(const struct ctxscope_counts *c);
u64 ctxscope_counts_class(const struct ctxscope_counts *c, unsigned int cls);
u64 ctxscope_counts_voluntary(const struct ctxscope_counts *c);
u64 ctxscope_counts_mm_kind(const struct ctxscope_counts *c,
			    unsigned int mm_kind);

void ctxscope_counters_init(void);

/**
 * ctxscope_read_lock() - hold off resets while reading several counters
 *
 * Return: 0, or -EINTR if a fatal signal came while waiting.
 */
int ctxscope_read_lock(void);
void ctxscope_read_unlock(void);

/**
 * ctxscope_snapshot_cpu() - one CPU's counters since the load or reset
 * @cpu: a possible CPU
 * @s: filled in
 *
 * Call between ctxscope_read_lock() and ctxscope_read_unlock().
 */
void ctxscope_snapshot_cpu(int cpu, struct ctxscope_counts *s);

/**
 * ctxscope_snapshot_all() - the sum of every CPU's counters
 * @s: filled in
 *
 * Call between ctxscope_read_lock() and ctxscope_read_unlock().
 */
void ctxscope_snapshot_all(struct ctxscope_counts *s);

/* CLOCK_MONOTONIC ns of the load or of the last reset. */
u64 ctxscope_since_ns(void);

/**
 * ctxscope_counters_reset() - start the per-CPU counters from zero
 *
 * Records every CPU's counters as the base that readers subtract; the
 * probes are neither stopped nor interrupted. Per-task rows are reset
 * separately (task_table.h).
 *
 * Return: 0, or -EINTR if a fatal signal came while waiting for readers.
 */
int ctxscope_counters_reset(void);

#endif /* CTXSCOPE_COUNTERS_H */
