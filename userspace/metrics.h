/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters ctxscope reports, with their names for people and for
 * JSON, and how to turn /proc/ctxscope data into report sections.
 * (Their Prometheus names are in prom.h.)
 */
#ifndef CTXSCOPE_METRICS_H
#define CTXSCOPE_METRICS_H

#include "out.h"
#include "procfile.h"

/*
 * Adds the system-wide counters of summary b minus summary a (a NULL:
 * since load) to section s, with rates over seconds (0: none) and class
 * shares of switches.
 */
void cs_metrics_system(struct out_section *s, const struct cs_summary *a,
		       const struct cs_summary *b, double seconds);

/* Per-task style sums: the columns of tasks/processes/cgroups rows. */
struct cs_sums {
	double switches, voluntary, involuntary, migrations;
	double to[4];			/* process, thread, kernel, idle */
	double tlb_switch_flush, tlb_ipi_sent;
	double kstack_max, ustack_max;	/* bytes */
	bool tlb;			/* the tlb columns exist */
};

/* The sums of a row of tasks, processes, cgroups or exited. */
void cs_sums_from_row(struct cs_sums *sum, const struct cs_table *t,
		      size_t row);
void cs_sums_add(struct cs_sums *sum, const struct cs_sums *more);
/*
 * What happened between two readings of the same tasks: counts are
 * differences (a count that went down was reset: then the later one),
 * stack maxima the later ones.
 */
void cs_sums_delta(struct cs_sums *d, const struct cs_sums *before,
		   const struct cs_sums *after);

/*
 * A sum by its /proc name ("switches_process", "voluntary", "kstack_max"
 * ...), for prom.h's cs_prom_add_counts: 0, or -1 if it has none.
 */
int cs_sums_get(const void *sums, const char *key, double *v);

/* Adds sums as a section: switches by class, TLB, stack maxima. */
void cs_metrics_sums(struct out_section *s, const struct cs_sums *sum,
		     double seconds);

#endif /* CTXSCOPE_METRICS_H */
