// SPDX-License-Identifier: GPL-2.0
/*
 * Probe timing (benchmark build only; see probe_timing.h): what each
 * probe's worst case is, for PREEMPT_RT, where every probe runs with
 * preemption off (the tracepoint's) and some with interrupts off.
 *
 * Each wrapper holds interrupts off across the timed call, so that an
 * interrupt handler is never charged to the probe it interrupted: the
 * duration is the probe's own instructions (and, on hardware, its cache
 * misses), whatever context the tracepoint gave it. Durations are
 * local_clock() differences, which include about one local_clock() call
 * (clock_floor_ns in the file). Everything is per CPU and updated with
 * interrupts off: no lock, no atomic, no allocation in a probe.
 *
 * /proc/ctxscope/probe_timing:
 *
 *   format 1
 *   clock_floor_ns 34
 *   probe calls total_ns max_ns histogram
 *   sched_switch 51223 9933112 2110 128:4 160:30211 192:20007 ...
 *
 * one line per probe, summed over CPUs (max_ns the largest); the
 * histogram is LOWER:CALLS for each non-empty bucket, a bucket holding
 * the durations from its LOWER to the next bucket's LOWER minus one:
 * durations 0 to 3 ns have a bucket each, then every power of two is cut
 * in four (4, 5, 6, 7, 8, 10, 12, 14, 16, 20, ...), and the last bucket,
 * 4294967296, holds every longer duration.
 */
#ifdef CTXSCOPE_PROBE_TIMING

#include <linux/irqflags.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <trace/events/cgroup.h>
#include <trace/events/sched.h>
#include <trace/events/task.h>
#include <trace/events/tlb.h>

#include "compat.h"
#include "lifecycle.h"
#include "probe_timing.h"
#include "switch_probe.h"
#include "tlb.h"
#include "tracepoints.h"

/* Quarter-octave buckets up to 2^32 ns; the last holds the rest. */
#define CTXSCOPE_TIMING_OCTAVES		32
#define CTXSCOPE_TIMING_BUCKETS		((CTXSCOPE_TIMING_OCTAVES - 1) * 4 + 1)

struct ctxscope_probe_times {
	u64 calls;
	u64 total_ns;
	u64 max_ns;
	u64 hist[CTXSCOPE_TIMING_BUCKETS];
};

struct ctxscope_cpu_times {
	struct ctxscope_probe_times probe[CTXSCOPE_NR_TP];
};

static struct ctxscope_cpu_times __percpu *ctxscope_times;
static struct proc_dir_entry *ctxscope_timing_file;
static u64 ctxscope_clock_floor;

/* The tracepoint each probe is attached to, as the file names it. */
static const char *const ctxscope_timed_names[CTXSCOPE_NR_TP] = {
	[CTXSCOPE_TP_PROCESS_FREE]	= "sched_process_free",
	[CTXSCOPE_TP_TASK_NEWTASK]	= "task_newtask",
	[CTXSCOPE_TP_PROCESS_EXEC]	= "sched_process_exec",
	[CTXSCOPE_TP_PROCESS_EXIT]	= "sched_process_exit",
	[CTXSCOPE_TP_TASK_RENAME]	= "task_rename",
	[CTXSCOPE_TP_CGROUP_ATTACH]	= "cgroup_attach_task",
	[CTXSCOPE_TP_CGROUP_RMDIR]	= "cgroup_rmdir",
	[CTXSCOPE_TP_TLB_FLUSH]		= "tlb_flush",
	[CTXSCOPE_TP_SCHED_SWITCH]	= "sched_switch",
};

static unsigned int ctxscope_timing_bucket(u64 ns)
{
	unsigned int octave;

	if (ns < 4)
		return ns;
	octave = ilog2(ns);
	if (octave >= CTXSCOPE_TIMING_OCTAVES)
		return CTXSCOPE_TIMING_BUCKETS - 1;
	return (octave - 1) * 4 + ((ns >> (octave - 2)) & 3);
}

/* The shortest duration bucket b holds. */
static u64 ctxscope_timing_lower(unsigned int b)
{
	if (b < 4)
		return b;
	return (u64)(4 + b % 4) << (b / 4 - 1);
}

static __always_inline u64 ctxscope_timing_begin(unsigned long *flags)
{
	local_irq_save(*flags);
	return local_clock();
}

/* Interrupts off since ctxscope_timing_begin(): this CPU's alone. */
static __always_inline void ctxscope_timing_end(enum ctxscope_tp id, u64 t0,
						unsigned long flags)
{
	u64 ns = local_clock() - t0;
	struct ctxscope_probe_times *t =
		this_cpu_ptr(&ctxscope_times->probe[id]);
	unsigned int b = ctxscope_timing_bucket(ns);

	WRITE_ONCE(t->calls, t->calls + 1);
	WRITE_ONCE(t->total_ns, t->total_ns + ns);
	if (ns > t->max_ns)
		WRITE_ONCE(t->max_ns, ns);
	WRITE_ONCE(t->hist[b], t->hist[b] + 1);
	local_irq_restore(flags);
}

void ctxscope_timed_sched_switch(void *data, bool preempt,
				 struct task_struct *prev,
				 struct task_struct *next,
				 unsigned int prev_state)
{
	unsigned long flags;
	u64 t0 = ctxscope_timing_begin(&flags);

	ctxscope_probe_sched_switch(data, preempt, prev, next, prev_state);
	ctxscope_timing_end(CTXSCOPE_TP_SCHED_SWITCH, t0, flags);
}

void ctxscope_timed_tlb_flush(void *data, int reason, unsigned long pages)
{
	unsigned long flags;
	u64 t0 = ctxscope_timing_begin(&flags);

	ctxscope_probe_tlb_flush(data, reason, pages);
	ctxscope_timing_end(CTXSCOPE_TP_TLB_FLUSH, t0, flags);
}

void ctxscope_timed_task_newtask(void *data, struct task_struct *task,
				 unsigned long clone_flags)
{
	unsigned long flags;
	u64 t0 = ctxscope_timing_begin(&flags);

	ctxscope_probe_task_newtask(data, task, clone_flags);
	ctxscope_timing_end(CTXSCOPE_TP_TASK_NEWTASK, t0, flags);
}

void ctxscope_timed_process_exec(void *data, struct task_struct *p,
				 pid_t old_pid, struct linux_binprm *bprm)
{
	unsigned long flags;
	u64 t0 = ctxscope_timing_begin(&flags);

	ctxscope_probe_process_exec(data, p, old_pid, bprm);
	ctxscope_timing_end(CTXSCOPE_TP_PROCESS_EXEC, t0, flags);
}

void ctxscope_timed_process_exit(void *data, struct task_struct *p)
{
	unsigned long flags;
	u64 t0 = ctxscope_timing_begin(&flags);

	ctxscope_probe_process_exit(data, p);
	ctxscope_timing_end(CTXSCOPE_TP_PROCESS_EXIT, t0, flags);
}

void ctxscope_timed_process_exit_dead(void *data, struct task_struct *p,
				      bool group_dead)
{
	unsigned long flags;
	u64 t0 = ctxscope_timing_begin(&flags);

	ctxscope_probe_process_exit_dead(data, p, group_dead);
	ctxscope_timing_end(CTXSCOPE_TP_PROCESS_EXIT, t0, flags);
}

void ctxscope_timed_process_free(void *data, struct task_struct *p)
{
	unsigned long flags;
	u64 t0 = ctxscope_timing_begin(&flags);

	ctxscope_probe_process_free(data, p);
	ctxscope_timing_end(CTXSCOPE_TP_PROCESS_FREE, t0, flags);
}

void ctxscope_timed_task_rename(void *data, struct task_struct *task,
				const char *comm)
{
	unsigned long flags;
	u64 t0 = ctxscope_timing_begin(&flags);

	ctxscope_probe_task_rename(data, task, comm);
	ctxscope_timing_end(CTXSCOPE_TP_TASK_RENAME, t0, flags);
}

void ctxscope_timed_cgroup_attach(void *data, struct cgroup *dst,
				  const char *path, struct task_struct *task,
				  bool threadgroup)
{
	unsigned long flags;
	u64 t0 = ctxscope_timing_begin(&flags);

	ctxscope_probe_cgroup_attach(data, dst, path, task, threadgroup);
	ctxscope_timing_end(CTXSCOPE_TP_CGROUP_ATTACH, t0, flags);
}

void ctxscope_timed_cgroup_rmdir(void *data, struct cgroup *cgrp,
				 const char *path)
{
	unsigned long flags;
	u64 t0 = ctxscope_timing_begin(&flags);

	ctxscope_probe_cgroup_rmdir(data, cgrp, path);
	ctxscope_timing_end(CTXSCOPE_TP_CGROUP_RMDIR, t0, flags);
}

/* The wrappers stand in for the probes: the same types (kCFI). */
ctxscope_assert_probe(sched_switch, ctxscope_timed_sched_switch);
ctxscope_assert_probe(tlb_flush, ctxscope_timed_tlb_flush);
ctxscope_assert_probe(task_newtask, ctxscope_timed_task_newtask);
ctxscope_assert_probe(sched_process_exec, ctxscope_timed_process_exec);
ctxscope_assert_probe(sched_process_free, ctxscope_timed_process_free);
ctxscope_assert_probe(task_rename, ctxscope_timed_task_rename);
ctxscope_assert_probe(cgroup_attach_task, ctxscope_timed_cgroup_attach);
ctxscope_assert_probe(cgroup_rmdir, ctxscope_timed_cgroup_rmdir);
static_assert(ctxscope_probe_matches(sched_process_exit,
				     ctxscope_timed_process_exit) ||
	      ctxscope_probe_matches(sched_process_exit,
				     ctxscope_timed_process_exit_dead),
	      "ctxscope: sched_process_exit has a prototype this module does not know");

static int ctxscope_probe_timing_show(struct seq_file *m, void *v)
{
	const struct ctxscope_probe_times *t;
	u64 calls, total, max, n;
	unsigned int b;
	int id, cpu;

	seq_puts(m, "format 1\n");
	seq_printf(m, "clock_floor_ns %llu\n", ctxscope_clock_floor);
	seq_puts(m, "probe calls total_ns max_ns histogram\n");
	for (id = 0; id < CTXSCOPE_NR_TP; id++) {
		calls = 0;
		total = 0;
		max = 0;
		for_each_possible_cpu(cpu) {
			t = per_cpu_ptr(&ctxscope_times->probe[id], cpu);
			calls += READ_ONCE(t->calls);
			total += READ_ONCE(t->total_ns);
			max = max(max, READ_ONCE(t->max_ns));
		}
		seq_printf(m, "%s %llu %llu %llu", ctxscope_timed_names[id],
			   calls, total, max);
		for (b = 0; b < CTXSCOPE_TIMING_BUCKETS; b++) {
			n = 0;
			for_each_possible_cpu(cpu)
				n += READ_ONCE(per_cpu_ptr(&ctxscope_times->probe[id],
							   cpu)->hist[b]);
			if (n)
				seq_printf(m, " %llu:%llu",
					   ctxscope_timing_lower(b), n);
		}
		seq_putc(m, '\n');
	}
	return 0;
}

/* The least a timed call can measure: one local_clock() call, about. */
static u64 ctxscope_measure_clock_floor(void)
{
	unsigned long flags;
	u64 floor = U64_MAX, t0, ns;
	int i;

	for (i = 0; i < 64; i++) {
		local_irq_save(flags);
		t0 = local_clock();
		ns = local_clock() - t0;
		local_irq_restore(flags);
		floor = min(floor, ns);
	}
	return floor;
}

int ctxscope_probe_timing_start(void)
{
	ctxscope_times = alloc_percpu(struct ctxscope_cpu_times);
	if (!ctxscope_times)
		return -ENOMEM;
	ctxscope_clock_floor = ctxscope_measure_clock_floor();
	/* In /proc/ctxscope, which procfs.c created and removes. */
	ctxscope_timing_file = proc_create_single("ctxscope/probe_timing",
						  0444, NULL,
						  ctxscope_probe_timing_show);
	if (!ctxscope_timing_file) {
		free_percpu(ctxscope_times);
		ctxscope_times = NULL;
		return -ENOMEM;
	}
	return 0;
}

void ctxscope_probe_timing_stop(void)
{
	proc_remove(ctxscope_timing_file);
	ctxscope_timing_file = NULL;
	free_percpu(ctxscope_times);
	ctxscope_times = NULL;
}

#endif /* CTXSCOPE_PROBE_TIMING */
