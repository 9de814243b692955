// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and resetting the per-CPU counters; see counters.h.
 */
#include <linux/cpumask.h>
#include <linux/ktime.h>
#include <linux/rwsem.h>
#include <linux/string.h>

#include "counters.h"

DEFINE_PER_CPU_ALIGNED(struct ctxscope_cpu_counters, ctxscope_cpu_counters);

/* Each CPU's counters at the last reset: readers show the difference. */
static DEFINE_PER_CPU(struct ctxscope_counts, ctxscope_reset_base);

/* Readers of several counters hold it shared, a reset exclusive. */
static DECLARE_RWSEM(ctxscope_reset_rwsem);

/* CLOCK_MONOTONIC ns of the load or the last reset. */
static u64 ctxscope_since;

u64 ctxscope_counts_switches(const struct ctxscope_counts *c)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < CTXSCOPE_NR_CELLS; i++)
		sum += c->cell[i];
	return sum;
}

u64 ctxscope_counts_class(const struct ctxscope_counts *c, unsigned int cls)
{
	u64 sum = 0;
	int v, k;

	for (v = 0; v < 2; v++)
		for (k = 0; k < CTXSCOPE_NR_MM_KINDS; k++)
			sum += c->cell[ctxscope_cell(cls, v, k)];
	return sum;
}

u64 ctxscope_counts_voluntary(const struct ctxscope_counts *c)
{
	u64 sum = 0;
	int cls, k;

	for (cls = 0; cls < CTXSCOPE_NR_CLASSES; cls++)
		for (k = 0; k < CTXSCOPE_NR_MM_KINDS; k++)
			sum += c->cell[ctxscope_cell(cls, 1, k)];
	return sum;
}

u64 ctxscope_counts_mm_kind(const struct ctxscope_counts *c,
			    unsigned int mm_kind)
{
	u64 sum = 0;
	int cls, v;

	for (cls = 0; cls < CTXSCOPE_NR_CLASSES; cls++)
		for (v = 0; v < 2; v++)
			sum += c->cell[ctxscope_cell(cls, v, mm_kind)];
	return sum;
}

void ctxscope_counters_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		memset(per_cpu_ptr(&ctxscope_cpu_counters, cpu), 0,
		       sizeof(struct ctxscope_cpu_counters));
		memset(per_cpu_ptr(&ctxscope_reset_base, cpu), 0,
		       sizeof(struct ctxscope_counts));
	}
	WRITE_ONCE(ctxscope_since, ktime_get_ns());
}

int ctxscope_read_lock(void)
{
	return down_read_killable(&ctxscope_reset_rwsem);
}

void ctxscope_read_unlock(void)
{
	up_read(&ctxscope_reset_rwsem);
}

/* The live counters of a CPU, each loaded once. */
static void ctxscope_load_cpu(int cpu, struct ctxscope_counts *s)
{
	const struct ctxscope_counts *c =
		&per_cpu_ptr(&ctxscope_cpu_counters, cpu)->counts;
	int i;

	for (i = 0; i < CTXSCOPE_NR_CELLS; i++)
		s->cell[i] = READ_ONCE(c->cell[i]);
	for (i = 0; i < CTXSCOPE_NR_TLB_COUNTERS; i++)
		s->tlb[i] = READ_ONCE(c->tlb[i]);
}

void ctxscope_snapshot_cpu(int cpu, struct ctxscope_counts *s)
{
	const struct ctxscope_counts *base = per_cpu_ptr(&ctxscope_reset_base,
							 cpu);
	int i;

	/* Counters only grow, so each is at least its base. */
	ctxscope_load_cpu(cpu, s);
	for (i = 0; i < CTXSCOPE_NR_CELLS; i++)
		s->cell[i] -= base->cell[i];
	for (i = 0; i < CTXSCOPE_NR_TLB_COUNTERS; i++)
		s->tlb[i] -= base->tlb[i];
}

void ctxscope_snapshot_all(struct ctxscope_counts *s)
{
	struct ctxscope_counts one;
	int cpu, i;

	memset(s, 0, sizeof(*s));
	for_each_possible_cpu(cpu) {
		ctxscope_snapshot_cpu(cpu, &one);
		for (i = 0; i < CTXSCOPE_NR_CELLS; i++)
			s->cell[i] += one.cell[i];
		for (i = 0; i < CTXSCOPE_NR_TLB_COUNTERS; i++)
			s->tlb[i] += one.tlb[i];
	}
}

u64 ctxscope_since_ns(void)
{
	return READ_ONCE(ctxscope_since);
}

int ctxscope_counters_reset(void)
{
	int cpu, ret;

	ret = down_write_killable(&ctxscope_reset_rwsem);
	if (ret)
		return ret;
	for_each_possible_cpu(cpu)
		ctxscope_load_cpu(cpu, per_cpu_ptr(&ctxscope_reset_base, cpu));
	WRITE_ONCE(ctxscope_since, ktime_get_ns());
	up_write(&ctxscope_reset_rwsem);
	return 0;
}
