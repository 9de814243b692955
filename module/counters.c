// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and resetting the per-CPU counters (and, through
 * ctxscope_tables_reset(), the per-task ones).
 *
 * The probe only ever increments its own CPU's counters, with interrupts
 * off. Readers sum every CPU without stopping the probes. A reset zeroes
 * each CPU's counters from an IPI on that CPU, so no probe can be halfway
 * through an increment there; readers and resets exclude each other with
 * ctxscope_reset_rwsem so that no reader sees half a reset.
 */
#include <linux/cpu.h>
#include <linux/ktime.h>
#include <linux/rwsem.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "ctxscope.h"
#include "task_table.h"

static DECLARE_RWSEM(ctxscope_reset_rwsem);

/* CLOCK_MONOTONIC ns of the load or the last reset. */
static u64 ctxscope_since;

void ctxscope_counters_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(&ctxscope_cpu_counters, cpu), 0,
		       sizeof(struct ctxscope_cpu_counters));
	WRITE_ONCE(ctxscope_since, ktime_get_ns());
}

/* Held by every reader of more than one counter; see the top comment. */
int ctxscope_read_lock(void)
{
	return down_read_killable(&ctxscope_reset_rwsem);
}

void ctxscope_read_unlock(void)
{
	up_read(&ctxscope_reset_rwsem);
}

void ctxscope_snapshot_cpu(int cpu, struct ctxscope_snapshot *s)
{
	const struct ctxscope_cpu_counters *c =
		per_cpu_ptr(&ctxscope_cpu_counters, cpu);
	int i;

	/*
	 * Everything but the classes first, then the classes: pairs with the
	 * smp_wmb() in the probe, so that voluntary, mm_switches and
	 * lazy_switches never exceed switches and involuntary cannot wrap.
	 */
	for (i = CTXSCOPE_NR_CLASSES; i < CTXSCOPE_NR_COUNTERS; i++)
		s->count[i] = READ_ONCE(c->count[i]);
	/* Pairs with smp_wmb() in ctxscope_probe_sched_switch(). */
	smp_rmb();
	for (i = 0; i < CTXSCOPE_NR_CLASSES; i++)
		s->count[i] = READ_ONCE(c->count[i]);
}

void ctxscope_snapshot_all(struct ctxscope_snapshot *s)
{
	struct ctxscope_snapshot one;
	int cpu, i;

	memset(s, 0, sizeof(*s));
	for_each_possible_cpu(cpu) {
		ctxscope_snapshot_cpu(cpu, &one);
		for (i = 0; i < CTXSCOPE_NR_COUNTERS; i++)
			s->count[i] += one.count[i];
	}
}

u64 ctxscope_since_ns(void)
{
	return READ_ONCE(ctxscope_since);
}

/* Runs on each online CPU with interrupts off: no probe is running here. */
static void ctxscope_zero_this_cpu(void *unused)
{
	memset(this_cpu_ptr(&ctxscope_cpu_counters), 0,
	       sizeof(struct ctxscope_cpu_counters));
}

int ctxscope_reset(void)
{
	int cpu, ret;

	ret = down_write_killable(&ctxscope_reset_rwsem);
	if (ret)
		return ret;
	cpus_read_lock();
	on_each_cpu(ctxscope_zero_this_cpu, NULL, 1);
	/* Offline CPUs run no probes; their counters can be cleared here. */
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			memset(per_cpu_ptr(&ctxscope_cpu_counters, cpu), 0,
			       sizeof(struct ctxscope_cpu_counters));
	cpus_read_unlock();
	ctxscope_tables_reset();
	WRITE_ONCE(ctxscope_since, ktime_get_ns());
	up_write(&ctxscope_reset_rwsem);
	return 0;
}
