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
	bool share;		/* shown as a share of switches */
};

/* Summary keys, in the order they are shown. */
static const struct cs_metric_def cs_system_metrics[] = {
	{ "switches", "context switches", false },
	{ "switches_process", "process switches", true },
	{ "switches_thread", "thread switches", true },
	{ "switches_kernel", "kernel-thread switches", true },
	{ "switches_idle", "idle switches", true },
	{ "voluntary", "voluntary switches", true },
	{ "involuntary", "involuntary switches", true },
	{ "mm_switches", "address-space (mm) switches", false },
	{ "lazy_switches", "lazy-TLB switches", false },
	{ "tlb_switch_flush", "TLB flushes by switches", false },
	{ "tlb_switch_noflush", "switches keeping the TLB (PCID)", false },
	{ "tlb_other_switch_flush", "other task-switch TLB flushes", false },
	{ "tlb_shootdown_remote", "TLB shootdowns received", false },
	{ "tlb_shootdown_local_mm", "local TLB shootdowns", false },
	{ "tlb_ipi_sent", "TLB shootdown IPIs sent", false },
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
		m = out_metric(s, d->key, d->label, v);
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

static double count_delta(double before, double after)
{
	return after >= before ? after - before : after;
}

void cs_sums_delta(struct cs_sums *d, const struct cs_sums *before,
		   const struct cs_sums *after)
{
	int i;

	/* A reset zeroes every count at once: all or none went down. */
	d->switches = count_delta(before->switches, after->switches);
	d->voluntary = count_delta(before->voluntary, after->voluntary);
	d->involuntary = count_delta(before->involuntary, after->involuntary);
	d->migrations = count_delta(before->migrations, after->migrations);
	for (i = 0; i < 4; i++)
		d->to[i] = count_delta(before->to[i], after->to[i]);
	d->tlb = after->tlb;
	d->tlb_switch_flush = count_delta(before->tlb_switch_flush,
					  after->tlb_switch_flush);
	d->tlb_ipi_sent = count_delta(before->tlb_ipi_sent, after->tlb_ipi_sent);
	d->kstack_max = after->kstack_max;
	d->ustack_max = after->ustack_max;
}

int cs_sums_get(const void *sums, const char *key, double *v)
{
	static const char *const classes[] = { "switches_process",
		"switches_thread", "switches_kernel", "switches_idle" };
	const struct cs_sums *s = sums;
	int i;

	for (i = 0; i < 4; i++) {
		if (!strcmp(key, classes[i])) {
			*v = s->to[i];
			return 0;
		}
	}
	if (!strcmp(key, "voluntary"))
		*v = s->voluntary;
	else if (!strcmp(key, "involuntary"))
		*v = s->involuntary;
	else if (!strcmp(key, "migrations"))
		*v = s->migrations;
	else if (!strcmp(key, "tlb_switch_flush") && s->tlb)
		*v = s->tlb_switch_flush;
	else if (!strcmp(key, "tlb_ipi_sent") && s->tlb)
		*v = s->tlb_ipi_sent;
	else if (!strcmp(key, "kstack_max"))
		*v = s->kstack_max;
	else if (!strcmp(key, "ustack_max"))
		*v = s->ustack_max;
	else
		return -1;
	return 0;
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

static void rate(struct out_metric *m, double seconds)
{
	if (m && seconds > 0)
		m->rate = m->value / seconds;
}

void cs_metrics_sums(struct out_section *s, const struct cs_sums *sum,
		     double seconds)
{
	rate(out_metric(s, "switches", "context switches (switch-outs)",
			sum->switches), seconds);
	share(out_metric(s, "switches_process", "process switches",
			 sum->to[0]), sum->switches);
	share(out_metric(s, "switches_thread", "thread switches", sum->to[1]),
	      sum->switches);
	share(out_metric(s, "switches_kernel", "kernel-thread switches",
			 sum->to[2]), sum->switches);
	share(out_metric(s, "switches_idle", "idle switches", sum->to[3]),
	      sum->switches);
	share(out_metric(s, "voluntary", "voluntary switches", sum->voluntary),
	      sum->switches);
	share(out_metric(s, "involuntary", "involuntary switches",
			 sum->involuntary), sum->switches);
	rate(out_metric(s, "migrations", "migrations", sum->migrations),
	     seconds);
	if (sum->tlb) {
		rate(out_metric(s, "tlb_switch_flush",
				"TLB flushes switching into it",
				sum->tlb_switch_flush), seconds);
		rate(out_metric(s, "tlb_ipi_sent", "TLB shootdown IPIs sent",
				sum->tlb_ipi_sent), seconds);
	}
	out_metric(s, "kstack_max_bytes", "bytes: deepest kernel stack",
		   sum->kstack_max);
	out_metric(s, "ustack_max_bytes", "bytes: deepest user stack seen",
		   sum->ustack_max);
}
