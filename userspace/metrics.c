// SPDX-License-Identifier: GPL-2.0
/*
 * The counters ctxscope reports; see metrics.h.
 */
#define _GNU_SOURCE

#include "metrics.h"

#include <math.h>
#include <string.h>

#include "common.h"

struct cs_metric_def {
	const char *key;
	const char *label;
	const char *help;
	bool counter;
	bool share;		/* shown as a share of switches */
};

/* Summary keys, in the order they are shown. */
static const struct cs_metric_def cs_system_metrics[] = {
	{ "switches", "context switches",
	  "Context switches (sched_switch events)", true, false },
	{ "switches_process", "process switches",
	  "Switches between user tasks of different address spaces", true, true },
	{ "switches_thread", "thread switches",
	  "Switches between user tasks of one address space", true, true },
	{ "switches_kernel", "kernel-thread switches",
	  "Switches to or from a kernel thread", true, true },
	{ "switches_idle", "idle switches",
	  "Switches to or from an idle task", true, true },
	{ "voluntary", "voluntary switches",
	  "Switches counted in the kernel's nvcsw (the task blocked)", true, true },
	{ "involuntary", "involuntary switches",
	  "Switches counted in the kernel's nivcsw (preempted or still runnable)", true, true },
	{ "mm_switches", "address-space (mm) switches",
	  "Switches that loaded another address space", true, false },
	{ "lazy_switches", "lazy-TLB switches",
	  "Switches to a task without an mm (kernel thread, idle)", true, false },
	{ "tlb_switch_flush", "TLB flushes by switches",
	  "Scheduler mm switches that flushed the TLB", true, false },
	{ "tlb_switch_noflush", "switches keeping the TLB (PCID)",
	  "Scheduler mm switches that kept TLB entries thanks to PCID", true, false },
	{ "tlb_other_switch_flush", "other task-switch TLB flushes",
	  "TLB_FLUSH_ON_TASK_SWITCH flushes outside the scheduler", true, false },
	{ "tlb_shootdown_remote", "TLB shootdowns received",
	  "TLB flushes done on receiving a shootdown IPI", true, false },
	{ "tlb_shootdown_local_mm", "local TLB shootdowns",
	  "Local TLB flushes for an address space (munmap, mprotect)", true, false },
	{ "tlb_ipi_sent", "TLB shootdown IPIs sent",
	  "TLB shootdowns that sent IPIs to other CPUs", true, false },
};

void cs_metrics_system(struct out_section *s, const struct cs_summary *a,
		       const struct cs_summary *b, double seconds)
{
	double switches = (double)cs_get(b, "switches") -
			  (a ? (double)cs_get(a, "switches") : 0);
	size_t i;

	for (i = 0; i < sizeof(cs_system_metrics) / sizeof(cs_system_metrics[0]);
	     i++) {
		const struct cs_metric_def *d = &cs_system_metrics[i];
		struct out_metric *m;
		double v;

		if (!cs_has(b, d->key))
			continue;	/* e.g. no TLB counters here */
		v = (double)cs_get(b, d->key) - (a ? (double)cs_get(a, d->key) : 0);
		m = out_metric(s, d->key, d->label, d->help, d->counter, v);
		if (!m)
			continue;
		if (d->share && switches > 0)
			m->share = v / switches;
		else if (seconds > 0)
			m->rate = v / seconds;
	}
}

void cs_sums_from_row(struct cs_sums *sum, const struct cs_table *t,
		      size_t row)
{
	static const char *const to[] = { "to_process", "to_thread",
					  "to_kernel", "to_idle" };
	int i;

	memset(sum, 0, sizeof(*sum));
	sum->switches = (double)cs_cell(t, row, "switches");
	sum->voluntary = (double)cs_cell(t, row, "voluntary");
	sum->involuntary = (double)cs_cell(t, row, "involuntary");
	sum->migrations = (double)cs_cell(t, row, "migrations");
	for (i = 0; i < 4; i++)
		sum->to[i] = (double)cs_cell(t, row, to[i]);
	sum->tlb = cs_table_col(t, "tlb_switch_flush") >= 0;
	sum->tlb_switch_flush = (double)cs_cell(t, row, "tlb_switch_flush");
	sum->tlb_ipi_sent = (double)cs_cell(t, row, "tlb_ipi_sent");
	sum->kstack_max = (double)cs_cell(t, row, "kstack_max");
	sum->ustack_max = (double)cs_cell(t, row, "ustack_max");
}

void cs_sums_add(struct cs_sums *sum, const struct cs_sums *more)
{
	int i;

	sum->switches += more->switches;
	sum->voluntary += more->voluntary;
	sum->involuntary += more->involuntary;
	sum->migrations += more->migrations;
	for (i = 0; i < 4; i++)
		sum->to[i] += more->to[i];
	sum->tlb |= more->tlb;
	sum->tlb_switch_flush += more->tlb_switch_flush;
	sum->tlb_ipi_sent += more->tlb_ipi_sent;
	sum->kstack_max = fmax(sum->kstack_max, more->kstack_max);
	sum->ustack_max = fmax(sum->ustack_max, more->ustack_max);
}

static void share(struct out_metric *m, double total)
{
	if (m && total > 0)
		m->share = m->value / total;
}

void cs_metrics_sums(struct out_section *s, const struct cs_sums *sum,
		     double seconds)
{
	struct out_metric *m;

	m = out_metric(s, "switches", "context switches (switch-outs)",
		       "Context switches (sched_switch events)", true,
		       sum->switches);
	if (m && seconds > 0)
		m->rate = sum->switches / seconds;
	share(out_metric(s, "switches_process", "process switches",
			 "Switches between user tasks of different address spaces",
			 true, sum->to[0]), sum->switches);
	share(out_metric(s, "switches_thread", "thread switches",
			 "Switches between user tasks of one address space",
			 true, sum->to[1]), sum->switches);
	share(out_metric(s, "switches_kernel", "kernel-thread switches",
			 "Switches to or from a kernel thread", true, sum->to[2]),
	      sum->switches);
	share(out_metric(s, "switches_idle", "idle switches",
			 "Switches to or from an idle task", true, sum->to[3]),
	      sum->switches);
	share(out_metric(s, "voluntary", "voluntary switches",
			 "Switches counted in the kernel's nvcsw (the task blocked)",
			 true, sum->voluntary), sum->switches);
	share(out_metric(s, "involuntary", "involuntary switches",
			 "Switches counted in the kernel's nivcsw (preempted or still runnable)",
			 true, sum->involuntary), sum->switches);
	m = out_metric(s, "migrations", "migrations",
		       "Switch-outs on another CPU than the previous one",
		       true, sum->migrations);
	if (m && seconds > 0)
		m->rate = sum->migrations / seconds;
	if (sum->tlb) {
		m = out_metric(s, "tlb_switch_flush",
			       "TLB flushes switching into it",
			       "Scheduler mm switches into these tasks that flushed the TLB",
			       true, sum->tlb_switch_flush);
		if (m && seconds > 0)
			m->rate = sum->tlb_switch_flush / seconds;
		m = out_metric(s, "tlb_ipi_sent", "TLB shootdown IPIs sent",
			       "TLB shootdowns these tasks sent IPIs for", true,
			       sum->tlb_ipi_sent);
		if (m && seconds > 0)
			m->rate = sum->tlb_ipi_sent / seconds;
	}
	out_metric(s, "kstack_max_bytes", "bytes: deepest kernel stack",
		   "Kernel stack high-water mark of its tasks, in bytes", false,
		   sum->kstack_max);
	out_metric(s, "ustack_max_bytes", "bytes: deepest user stack seen",
		   "Deepest user stack seen at a switch-out, in bytes", false,
		   sum->ustack_max);
}
