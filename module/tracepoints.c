// SPDX-License-Identifier: GPL-2.0
/*
 * Finding and attaching the tracepoints ctxscope hooks. The tracepoint
 * structures are not exported to modules, so they are looked up by name in
 * the kernel's tracepoint section, as lttng-modules and the kernel's
 * samples/trace_events do.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/sched.h>
#include <trace/events/tlb.h>

#include "compat.h"
#include "lifecycle.h"
#include "probe_timing.h"
#include "switch_probe.h"
#include "tlb.h"
#include "tracepoints.h"

struct ctxscope_tracepoint {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool attached;
};

#ifdef CTXSCOPE_ATTACH_ONLY
/*
 * A build for make bench only (KCFLAGS=-DCTXSCOPE_ATTACH_ONLY): the two
 * tracepoints that fire on every switch get probes that return at once,
 * which measures what being attached costs before a probe does anything
 * (docs/performance.md). Its counters stay at zero. notrace, as the real
 * probes are: ftrace's patched-out call would be an instruction of the
 * probe's own, not of the dispatch.
 */
static void notrace ctxscope_nop_sched_switch(void *data, bool preempt,
					      struct task_struct *prev,
					      struct task_struct *next,
					      unsigned int prev_state)
{
}

static void notrace ctxscope_nop_tlb_flush(void *data, int reason,
					   unsigned long pages)
{
}

ctxscope_assert_probe(sched_switch, ctxscope_nop_sched_switch);
ctxscope_assert_probe(tlb_flush, ctxscope_nop_tlb_flush);
#define ctxscope_probe_sched_switch	ctxscope_nop_sched_switch
#define ctxscope_probe_tlb_flush	ctxscope_nop_tlb_flush
#endif

#ifdef CTXSCOPE_PROBE_TIMING
/*
 * A build for benchmarks only (KCFLAGS=-DCTXSCOPE_PROBE_TIMING): every
 * probe is attached through a wrapper that times it (probe_timing.c).
 */
#define ctxscope_probe_sched_switch	ctxscope_timed_sched_switch
#define ctxscope_probe_tlb_flush	ctxscope_timed_tlb_flush
#define ctxscope_probe_task_newtask	ctxscope_timed_task_newtask
#define ctxscope_probe_process_exec	ctxscope_timed_process_exec
#define ctxscope_probe_process_exit	ctxscope_timed_process_exit
#define ctxscope_probe_process_exit_dead ctxscope_timed_process_exit_dead
#define ctxscope_probe_process_free	ctxscope_timed_process_free
#define ctxscope_probe_task_rename	ctxscope_timed_task_rename
#define ctxscope_probe_cgroup_attach	ctxscope_timed_cgroup_attach
#define ctxscope_probe_cgroup_rmdir	ctxscope_timed_cgroup_rmdir
#endif

static struct ctxscope_tracepoint ctxscope_tracepoints[CTXSCOPE_NR_TP] = {
	[CTXSCOPE_TP_PROCESS_FREE] = {
		"sched_process_free", ctxscope_probe_process_free },
	[CTXSCOPE_TP_TASK_NEWTASK] = {
		"task_newtask", ctxscope_probe_task_newtask },
	[CTXSCOPE_TP_PROCESS_EXEC] = {
		"sched_process_exec", ctxscope_probe_process_exec },
	[CTXSCOPE_TP_PROCESS_EXIT] = {
		"sched_process_exit",
		/* It gained a group_dead argument in 2025, after 6.12. */
		__builtin_choose_expr(ctxscope_probe_matches(sched_process_exit,
							     ctxscope_probe_process_exit),
				      (void *)ctxscope_probe_process_exit,
				      (void *)ctxscope_probe_process_exit_dead) },
	[CTXSCOPE_TP_TASK_RENAME] = {
		"task_rename", ctxscope_probe_task_rename },
	[CTXSCOPE_TP_CGROUP_ATTACH] = {
		"cgroup_attach_task", ctxscope_probe_cgroup_attach },
	[CTXSCOPE_TP_CGROUP_RMDIR] = {
		"cgroup_rmdir", ctxscope_probe_cgroup_rmdir },
	[CTXSCOPE_TP_TLB_FLUSH] = {
		"tlb_flush", ctxscope_probe_tlb_flush },
	[CTXSCOPE_TP_SCHED_SWITCH] = {
		"sched_switch", ctxscope_probe_sched_switch },
};

static void ctxscope_match_tracepoint(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < CTXSCOPE_NR_TP; i++)
		if (!strcmp(tp->name, ctxscope_tracepoints[i].name))
			ctxscope_tracepoints[i].tp = tp;
}

int ctxscope_tracepoints_find(unsigned long needed)
{
	int i;

	for_each_kernel_tracepoint(ctxscope_match_tracepoint, NULL);
	for (i = 0; i < CTXSCOPE_NR_TP; i++) {
		if ((needed & BIT(i)) && !ctxscope_tracepoints[i].tp) {
			pr_err("tracepoint %s not found in this kernel\n",
			       ctxscope_tracepoints[i].name);
			return -ENOENT;
		}
	}
	/* Nothing in the normal build. */
	return ctxscope_probe_timing_start();
}

bool ctxscope_tracepoint_found(enum ctxscope_tp id)
{
	return ctxscope_tracepoints[id].tp;
}

int ctxscope_tracepoint_attach(enum ctxscope_tp id)
{
	struct ctxscope_tracepoint *t = &ctxscope_tracepoints[id];
	int ret;

	ret = tracepoint_probe_register(t->tp, t->probe, NULL);
	if (ret) {
		pr_err("cannot attach to tracepoint %s: error %d\n", t->name,
		       ret);
		return ret;
	}
	t->attached = true;
	return 0;
}

/* None of our probes runs on any CPU once this returns. */
void ctxscope_tracepoints_detach(void)
{
	struct ctxscope_tracepoint *t;
	int i;

	for (i = CTXSCOPE_NR_TP - 1; i >= 0; i--) {
		t = &ctxscope_tracepoints[i];
		if (!t->attached)
			continue;
		WARN_ON_ONCE(tracepoint_probe_unregister(t->tp, t->probe, NULL));
		t->attached = false;
	}
	tracepoint_synchronize_unregister();
	ctxscope_probe_timing_stop();
}
