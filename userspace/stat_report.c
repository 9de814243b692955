// SPDX-License-Identifier: GPL-2.0
/*
 * The report of a ctxscope stat measurement, in every format; see
 * stat.h. One run's report is built as a document (out.h); stat -r builds
 * one per run and reports their means, with the standard deviation of
 * each value (JSON) and, for people, the relative standard error of the
 * mean as perf stat -r prints it ("+- 1.23%").
 */
#define _GNU_SOURCE

#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "prom.h"
#include "stat.h"
#include "text.h"

void stat_result_free(struct stat_result *r)
{
	cs_summary_free(&r->a);
	cs_summary_free(&r->b);
	cs_table_free(&r->cpus_a);
	cs_table_free(&r->cpus_b);
	cs_track_free(&r->track);
	memset(r, 0, sizeof(*r));
}

static const struct out_column stat_proc_cols[] = {
	OUT_COL_ID("tgid", "tgid"),
	OUT_COL_ID("ppid", "ppid"),
	OUT_COL_NUM("threads", "threads", NULL, 0),
	OUT_COL_COUNT("switches", "switches"),
	OUT_COL_COUNT("voluntary", "voluntary"),
	OUT_COL_COUNT("involuntary", "involuntary"),
	OUT_COL_COUNT("switches_process", "to process"),
	OUT_COL_COUNT("switches_thread", "to thread"),
	OUT_COL_COUNT("switches_kernel", "to kernel"),
	OUT_COL_COUNT("switches_idle", "to idle"),
	OUT_COL_SCALED("kstack_max_bytes", "kstack max", "KiB", 1, 1.0 / 1024),
	OUT_COL_SCALED("ustack_max_bytes", "ustack max", "KiB", 1, 1.0 / 1024),
	OUT_COL_NUM("exited", "exited", NULL, 0),
	OUT_COL_COUNT("tlb_switch_flush", "TLB flushes in"),
	OUT_COL_COUNT("tlb_ipi_sent", "TLB IPIs"),
	OUT_COL_TEXT("comm", "command"),
};
#define STAT_PROC_NCOLS (sizeof(stat_proc_cols) / sizeof(stat_proc_cols[0]))
/* Without the TLB columns: the same, but comm right after exited. */
static const struct out_column stat_proc_cols_notlb[] = {
	OUT_COL_ID("tgid", "tgid"),
	OUT_COL_ID("ppid", "ppid"),
	OUT_COL_NUM("threads", "threads", NULL, 0),
	OUT_COL_COUNT("switches", "switches"),
	OUT_COL_COUNT("voluntary", "voluntary"),
	OUT_COL_COUNT("involuntary", "involuntary"),
	OUT_COL_COUNT("switches_process", "to process"),
	OUT_COL_COUNT("switches_thread", "to thread"),
	OUT_COL_COUNT("switches_kernel", "to kernel"),
	OUT_COL_COUNT("switches_idle", "to idle"),
	OUT_COL_SCALED("kstack_max_bytes", "kstack max", "KiB", 1, 1.0 / 1024),
	OUT_COL_SCALED("ustack_max_bytes", "ustack max", "KiB", 1, 1.0 / 1024),
	OUT_COL_NUM("exited", "exited", NULL, 0),
	OUT_COL_TEXT("comm", "command"),
};

static void stat_proc_table(struct out_doc *d, const struct stat_result *r)
{
	const struct cs_track *t = &r->track;
	bool tlb = r->total.tlb;
	struct out_table *tab;
	size_t i;

	tab = out_table(d, "processes", tlb ? stat_proc_cols : stat_proc_cols_notlb,
			tlb ? STAT_PROC_NCOLS : STAT_PROC_NCOLS - 2);
	if (!tab)
		return;
	snprintf(tab->title, sizeof(tab->title), "Per process (exited ones included):");
	for (i = 0; i < t->nprocs; i++) {
		const struct cs_track_proc *p = &t->procs[i];
		struct out_cell *row = out_row(tab);
		struct cs_sums s;
		size_t c = 0;

		if (!row)
			return;
		cs_track_counts(t, p, &s);
		row[c++].num = p->tgid;
		row[c++].num = p->ppid;
		row[c++].num = p->threads;
		row[c++].num = s.switches;
		row[c++].num = s.voluntary;
		row[c++].num = s.involuntary;
		row[c++].num = s.to[0];
		row[c++].num = s.to[1];
		row[c++].num = s.to[2];
		row[c++].num = s.to[3];
		row[c++].num = s.kstack_max;
		row[c++].num = s.ustack_max;
		row[c++].num = p->exited;
		if (tlb) {
			row[c++].num = s.tlb_switch_flush;
			row[c++].num = s.tlb_ipi_sent;
		}
		out_set_text(&row[c], p->comm);
	}
}

/* Columns of /proc/ctxscope/cpus shown per CPU, as counts of the run. */
static const struct out_column stat_cpu_cols[] = {
	OUT_COL_ID("cpu", "cpu"),
	OUT_COL_NUM("online", "online", NULL, 0),
	OUT_COL_COUNT("switches", "switches"),
	OUT_COL_COUNT("switches_process", "process"),
	OUT_COL_COUNT("switches_thread", "thread"),
	OUT_COL_COUNT("switches_kernel", "kernel"),
	OUT_COL_COUNT("switches_idle", "idle"),
	OUT_COL_COUNT("voluntary", "voluntary"),
	OUT_COL_COUNT("involuntary", "involuntary"),
	OUT_COL_COUNT("mm_switches", "mm switches"),
	OUT_COL_COUNT("lazy_switches", "lazy"),
	OUT_COL_COUNT("tlb_switch_flush", "TLB flushes"),
	OUT_COL_COUNT("tlb_ipi_sent", "TLB IPIs"),
};

/* The row of a CPU in a cpus table, or -1. */
static long cpu_row(const struct cs_table *t, uint64_t cpu)
{
	size_t r;

	for (r = 0; r < t->nrows; r++)
		if (cs_cell(t, r, "cpu") == cpu)
			return (long)r;
	return -1;
}

void stat_cpu_cells(const struct cs_table *a, const struct cs_table *b,
		    size_t row, struct out_cell *cells, size_t ncols,
		    const struct out_column *cols)
{
	uint64_t cpu = cs_cell(b, row, "cpu");
	long ra = a ? cpu_row(a, cpu) : -1;
	size_t c;

	for (c = 0; c < ncols; c++) {
		uint64_t vb = cs_cell(b, row, cols[c].key);
		uint64_t va = ra >= 0 ? cs_cell(a, (size_t)ra, cols[c].key) : 0;

		if (!strcmp(cols[c].key, "cpu") || !strcmp(cols[c].key, "online"))
			cells[c].num = (double)vb;
		else
			cells[c].num = (double)(vb >= va ? vb - va : vb);
	}
}

static void stat_cpu_table(struct out_doc *d, const struct stat_result *r)
{
	size_t ncols = sizeof(stat_cpu_cols) / sizeof(stat_cpu_cols[0]), row;
	struct out_table *t;

	if (cs_table_col(&r->cpus_b, "tlb_switch_flush") < 0)
		ncols -= 2;
	t = out_table(d, "cpus", stat_cpu_cols, ncols);
	if (!t)
		return;
	snprintf(t->title, sizeof(t->title), "Per CPU, while it ran:");
	for (row = 0; row < r->cpus_b.nrows; row++) {
		struct out_cell *cells = out_row(t);

		if (!cells)
			return;
		stat_cpu_cells(&r->cpus_a, &r->cpus_b, row, cells, ncols,
			       stat_cpu_cols);
	}
}

static void command_line(char **argv, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; argv && argv[i] && o + 1 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "",
				      argv[i]);
}

static double tv_seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void pid_list(const struct cs_pids *p, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; p && i < p->n && o + 1 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%d", i ? "," : "",
				      p->v[i]);
}

/* What the run was, for people (info) and machines (fields). */
static void stat_run_info(struct out_doc *d, const struct stat_opts *o,
			  const struct stat_result *r, size_t nruns,
			  double elapsed, double elapsed_sd)
{
	char cmd[240], pids[200];
	size_t argc = 0;

	command_line(r->argv, cmd, sizeof(cmd));
	pid_list(r->pids, pids, sizeof(pids));
	if (r->argv && r->scope)
		snprintf(d->title, sizeof(d->title), "ctxscope stat for '%.200s'", cmd);
	else if (r->argv)
		snprintf(d->title, sizeof(d->title),
			 "ctxscope stat: the whole system while '%.200s' ran", cmd);
	else if (r->pids)
		snprintf(d->title, sizeof(d->title),
			 "ctxscope stat for process%s %s",
			 r->pids->n == 1 ? "" : "es", pids);
	else
		snprintf(d->title, sizeof(d->title), "ctxscope stat for cgroup %s",
			 r->cgroup);
	while (r->argv && r->argv[argc])
		argc++;
	if (r->argv) {
		out_info(d, "command", "%s", cmd);
		out_field_strv(d, "run.argv", r->argv, argc);
	}
	if (r->pids) {
		double *v = calloc(r->pids->n + 1, sizeof(*v));
		size_t i;

		for (i = 0; v && i < r->pids->n; i++)
			v[i] = r->pids->v[i];
		out_info(d, "pids", "%s", pids);
		if (v)
			out_field_numv(d, "run.pids", v, r->pids->n);
		free(v);
	}
	if (r->cgroup) {
		out_info(d, "cgroup", "%s and the groups below it", r->cgroup);
		out_field_str(d, "run.cgroup_watched", r->cgroup);
	}
	if (r->ran && WIFSIGNALED(r->status)) {
		out_info(d, "exit", "killed by signal %d (%s)",
			 WTERMSIG(r->status), strsignal(WTERMSIG(r->status)));
		out_field_null(d, "run.exit_status");
		out_field_num(d, "run.signal", WTERMSIG(r->status));
	} else if (r->ran) {
		out_info(d, "exit", "%d", WEXITSTATUS(r->status));
		out_field_num(d, "run.exit_status", WEXITSTATUS(r->status));
		out_field_null(d, "run.signal");
	}
	if (nruns > 1) {
		out_info(d, "elapsed", "%.6f s ( +- %.2f%% ), mean of %zu runs",
			 elapsed, elapsed > 0 ?
			 100 * elapsed_sd / sqrt((double)nruns) / elapsed : 0,
			 nruns);
	} else {
		out_info(d, "elapsed", "%.6f s", elapsed);
	}
	out_field_num(d, "run.elapsed_seconds", elapsed);
	if (nruns > 1)
		out_field_num(d, "run.elapsed_stddev_seconds", elapsed_sd);
	out_field_num(d, "run.runs", (double)nruns);
	if (r->ran) {
		double user = tv_seconds(&r->ru.ru_utime);
		double sys = tv_seconds(&r->ru.ru_stime);

		out_info(d, "cpu time", "%.6f s user, %.6f s system (wait4)",
			 user, sys);
		out_field_num(d, "run.user_seconds", user);
		out_field_num(d, "run.system_seconds", sys);
		out_field_num(d, "run.rusage.voluntary", (double)r->ru.ru_nvcsw);
		out_field_num(d, "run.rusage.involuntary",
			      (double)r->ru.ru_nivcsw);
	}
	if (r->method) {
		if (!strcmp(r->method, "cgroup") && r->argv)
			out_info(d, "method", "cgroup %s (id %llu), beneath the caller's",
				 r->cgroup_path,
				 (unsigned long long)r->cgroup_id);
		else if (!strcmp(r->method, "process_tree"))
			out_info(d, "method", "process tree: the command and its descendants, by parent (%s)",
				 r->why);
		else if (!strcmp(r->method, "cgroup"))
			out_info(d, "method", "cgroup %s and below", r->cgroup);
		else
			out_info(d, "method", "the processes given");
		out_field_str(d, "run.method", r->method);
		if (r->why[0])
			out_field_str(d, "run.method_reason", r->why);
		else
			out_field_null(d, "run.method_reason");
		if (r->cgroup_id) {
			out_field_str(d, "run.cgroup.path", r->cgroup_path);
			out_field_num(d, "run.cgroup.id", (double)r->cgroup_id);
		} else {
			out_field_null(d, "run.cgroup");
		}
	}
	if (r->scope) {
		out_info(d, "processes", "%zu (%zu exited, %zu still running)",
			 r->nprocs, r->nexited, r->nrunning);
		out_info(d, "threads", "%u", r->threads);
		out_field_num(d, "run.processes.total", (double)r->nprocs);
		out_field_num(d, "run.processes.exited", (double)r->nexited);
		out_field_num(d, "run.processes.running", (double)r->nrunning);
		out_field_num(d, "run.threads", r->threads);
	}
	if (cs_under_qemu())
		out_info(d, "clock", "QEMU guest: times are emulated, not hardware");
	(void)o;
}

static void stat_notes(struct out_doc *d, const struct stat_result *r)
{
	if (r->track.lost)
		out_note(d, "%llu exit records were overwritten before ctxscope read them (exit_log too small for this run): per-process rows may be missing%s",
			 (unsigned long long)r->track.lost,
			 r->method && !strcmp(r->method, "cgroup") ?
			 ", totals are complete" : ", and their counts");
	if (r->argv && r->method && !strcmp(r->method, "cgroup") &&
	    !r->track.lost &&
	    fabs(r->seen_switches - r->total.switches) > 0.5)
		out_note(d, "per-process rows add up to %.0f switches, the cgroup to %.0f",
			 r->seen_switches, r->total.switches);
	if (r->nrunning && r->argv)
		out_note(d, "%zu processes of the command still run%s%s",
			 r->nrunning, r->cgroup_id ? " in " : "",
			 r->cgroup_id ? r->cgroup_path : "");
	if (cs_get(&r->b, "since_ns") != cs_get(&r->a, "since_ns"))
		out_note(d, "the counters were reset while it ran: figures are since the reset");
	if (r->ran && r->scope)
		out_note(d, "the kernel's counts (wait4 rusage) miss the last switch-out of each thread that exits before its process does: the module's can be higher by one per such thread");
	if (cs_get(&r->b, "tasks_dropped") != cs_get(&r->a, "tasks_dropped"))
		out_note(d, "%llu tasks found the module's table full while it ran: their switches are missing from the per-process figures (raise max_tasks)",
			 (unsigned long long)(cs_get(&r->b, "tasks_dropped") -
					      cs_get(&r->a, "tasks_dropped")));
}

/* One run's document, with elapsed (and its deviation) as given. */
static void stat_doc(struct out_doc *d, const struct stat_opts *o,
		     const struct stat_result *r, size_t nruns, double elapsed,
		     double elapsed_sd)
{
	struct out_section *s;

	out_init(d, "stat");
	d->proc_format = r->b.format;
	stat_run_info(d, o, r, nruns, elapsed, elapsed_sd);
	s = out_section(d, "system");
	snprintf(s->title, sizeof(s->title),
		 "System-wide, while it ran (%.3f s):", r->seconds);
	cs_metrics_system(s, &r->a, &r->b, r->seconds);
	if (r->scope) {
		s = out_section(d, r->scope);
		if (r->argv)
			snprintf(s->title, sizeof(s->title),
				 "Its processes and threads (%zu process%s, %u thread%s):",
				 r->nprocs, r->nprocs == 1 ? "" : "es",
				 r->threads, r->threads == 1 ? "" : "s");
		else
			snprintf(s->title, sizeof(s->title),
				 "Their processes and threads since ctxscope attached (%zu process%s, %u thread%s):",
				 r->nprocs, r->nprocs == 1 ? "" : "es",
				 r->threads, r->threads == 1 ? "" : "s");
		cs_metrics_sums(s, &r->total, r->seconds);
		if (r->ran) {
			struct out_metric *m = out_find_metric(s, "voluntary");

			if (m)
				m->kernel = (double)r->ru.ru_nvcsw;
			m = out_find_metric(s, "involuntary");
			if (m)
				m->kernel = (double)r->ru.ru_nivcsw;
		}
	}
	if (o->per_cpu && r->have_cpus)
		stat_cpu_table(d, r);
	if (r->scope)
		stat_proc_table(d, r);
	stat_notes(d, r);
}

/* Mean and sample standard deviation of the value at offset of each run. */
static void mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	double sum = 0, sq = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += v[i];
	*mean = n ? sum / (double)n : NAN;
	for (i = 0; i < n; i++)
		sq += (v[i] - *mean) * (v[i] - *mean);
	*sd = n > 1 ? sqrt(sq / (double)(n - 1)) : NAN;
}

/*
 * The sections of the last document become the means over docs, with
 * their deviations; rates are of the means over the mean elapsed time,
 * shares of the means.
 */
static void combine(struct out_doc *docs, size_t n, double elapsed)
{
	struct out_doc *last = &docs[n - 1];
	double *v = calloc(n, sizeof(*v));
	size_t s, i, k;

	if (!v)
		return;
	for (s = 0; s < last->nsections; s++) {
		struct out_section *sec = &last->sections[s];
		double means[OUT_MAX_METRICS] = { 0 }, sds[OUT_MAX_METRICS] = { 0 };
		double switches = NAN;

		for (i = 0; i < sec->n; i++) {
			for (k = 0; k < n; k++) {
				const struct out_metric *o =
					out_find_metric(&docs[k].sections[s],
							sec->m[i].key);

				v[k] = o ? o->value : 0;
			}
			mean_sd(v, n, &means[i], &sds[i]);
			if (!strcmp(sec->m[i].key, "switches"))
				switches = means[i];
		}
		for (i = 0; i < sec->n; i++) {
			struct out_metric *m = &sec->m[i];

			m->value = means[i];
			m->stddev = sds[i];
			m->rel_error = means[i] > 0 ?
				       sds[i] / sqrt((double)n) / means[i] : NAN;
			if (!isnan(m->rate))
				m->rate = elapsed > 0 ? means[i] / elapsed : NAN;
			if (!isnan(m->share))
				m->share = switches > 0 ? means[i] / switches : NAN;
			m->kernel = NAN;
		}
	}
	free(v);
}

static int section_getter(const void *sec, const char *key, double *v)
{
	const struct out_metric *m;

	m = out_find_metric((struct out_section *)sec, key);
	if (!m) {
		char bytes[64];

		snprintf(bytes, sizeof(bytes), "%s_bytes", key);
		m = out_find_metric((struct out_section *)sec, bytes);
	}
	if (!m || !isfinite(m->value))
		return -1;
	*v = m->value;
	return 0;
}

static void prom_shares(struct cs_prom *p, const struct out_section *s)
{
	static const char *const classes[] = { "process", "thread", "kernel",
					       "idle" };
	char key[32];
	int i;

	for (i = 0; i < 4; i++) {
		const struct out_metric *m;

		snprintf(key, sizeof(key), "switches_%s", classes[i]);
		m = out_find_metric((struct out_section *)s, key);
		if (m && isfinite(m->share))
			cs_prom_add(p, CS_PROM_CLASS_RATIO, m->share, "scope",
				    s->name, "class", classes[i]);
	}
	{
		const struct out_metric *m =
			out_find_metric((struct out_section *)s, "voluntary");

		if (m && isfinite(m->share))
			cs_prom_add(p, CS_PROM_VOLUNTARY_RATIO, m->share,
				    "scope", s->name);
	}
}

static void prom_processes(struct cs_prom *p, const struct stat_result *r)
{
	static const char *const classes[] = { "process", "thread", "kernel",
					       "idle" };
	const struct cs_track *t = &r->track;
	size_t i;
	int k;

	for (i = 0; i < t->nprocs; i++) {
		const struct cs_track_proc *pr = &t->procs[i];
		char tgid[16];
		struct cs_sums s;

		cs_track_counts(t, pr, &s);
		snprintf(tgid, sizeof(tgid), "%d", pr->tgid);
		for (k = 0; k < 4; k++)
			cs_prom_add(p, CS_PROM_PROCESS_SWITCHES, s.to[k], "tgid",
				    tgid, "comm", pr->comm, "class", classes[k]);
		cs_prom_add(p, CS_PROM_PROCESS_SWITCHES_BY_TYPE, s.voluntary,
			    "tgid", tgid, "comm", pr->comm, "type", "voluntary");
		cs_prom_add(p, CS_PROM_PROCESS_SWITCHES_BY_TYPE, s.involuntary,
			    "tgid", tgid, "comm", pr->comm, "type",
			    "involuntary");
		cs_prom_add(p, CS_PROM_PROCESS_THREADS, pr->threads, "tgid",
			    tgid, "comm", pr->comm);
		cs_prom_add(p, CS_PROM_PROCESS_KSTACK_MAX, s.kstack_max, "tgid",
			    tgid, "comm", pr->comm);
		cs_prom_add(p, CS_PROM_PROCESS_USTACK_MAX, s.ustack_max, "tgid",
			    tgid, "comm", pr->comm);
	}
}

static void prom_cpus(struct cs_prom *p, const struct stat_result *r)
{
	size_t ncols = sizeof(stat_cpu_cols) / sizeof(stat_cpu_cols[0]), row, c;

	for (row = 0; row < r->cpus_b.nrows; row++) {
		struct out_section sec;
		struct out_cell cells[sizeof(stat_cpu_cols) /
				      sizeof(stat_cpu_cols[0])];
		char cpu[16];

		stat_cpu_cells(&r->cpus_a, &r->cpus_b, row, cells, ncols,
			       stat_cpu_cols);
		memset(&sec, 0, sizeof(sec));
		for (c = 2; c < ncols; c++) {
			if (cs_table_col(&r->cpus_b, stat_cpu_cols[c].key) < 0)
				continue;
			out_metric(&sec, stat_cpu_cols[c].key, "", cells[c].num);
		}
		snprintf(cpu, sizeof(cpu), "%.0f", cells[0].num);
		cs_prom_add_counts(p, section_getter, &sec, "cpu", cpu);
	}
}

static struct cs_prom *stat_prom(const struct stat_opts *o,
				 const struct out_doc *d,
				 const struct stat_result *r, size_t nruns,
				 double elapsed, const double *mean_ru)
{
	struct cs_prom *p = cs_prom_new();
	char format[16];
	size_t s;

	if (!p)
		return NULL;
	snprintf(format, sizeof(format), "%u", r->b.format);
	cs_prom_add(p, CS_PROM_INFO, 1, "version", CTXSCOPE_VERSION,
		    "proc_format", format);
	for (s = 0; s < d->nsections; s++) {
		const struct out_section *sec = &d->sections[s];

		if (!strcmp(sec->name, "system") && o->per_cpu && r->have_cpus &&
		    nruns == 1)
			prom_cpus(p, r);
		else
			cs_prom_add_counts(p, section_getter, sec, "scope",
					   sec->name);
		prom_shares(p, sec);
	}
	if (r->argv) {
		char *copy = strdup(r->argv[0]);

		cs_prom_add(p, CS_PROM_RUN_INFO, 1, "command",
			    copy ? basename(copy) : "", "method",
			    r->method ? r->method : "system");
		free(copy);
	} else {
		cs_prom_add(p, CS_PROM_RUN_INFO, 1, "method", r->method);
	}
	cs_prom_add(p, CS_PROM_RUN_ELAPSED, elapsed);
	if (r->ran && WIFSIGNALED(r->status))
		cs_prom_add(p, CS_PROM_RUN_SIGNAL, WTERMSIG(r->status));
	else if (r->ran)
		cs_prom_add(p, CS_PROM_RUN_EXIT_STATUS, WEXITSTATUS(r->status));
	if (r->ran) {
		cs_prom_add(p, CS_PROM_RUN_CPU, mean_ru[0], "mode", "user");
		cs_prom_add(p, CS_PROM_RUN_CPU, mean_ru[1], "mode", "system");
		cs_prom_add(p, CS_PROM_RUN_RUSAGE_SWITCHES, mean_ru[2], "type",
			    "voluntary");
		cs_prom_add(p, CS_PROM_RUN_RUSAGE_SWITCHES, mean_ru[3], "type",
			    "involuntary");
	}
	if (r->scope) {
		cs_prom_add(p, CS_PROM_RUN_PROCESSES, (double)r->nexited,
			    "state", "exited");
		cs_prom_add(p, CS_PROM_RUN_PROCESSES, (double)r->nrunning,
			    "state", "running");
		cs_prom_add(p, CS_PROM_RUN_THREADS, r->threads);
	}
	if (nruns > 1)
		cs_prom_add(p, CS_PROM_RUN_RUNS, (double)nruns);
	/* Series per process: chosen with -p, or asked for. */
	if (r->scope && (o->per_pid || r->pids))
		prom_processes(p, r);
	return p;
}

int stat_report(const struct stat_opts *o, struct stat_result *runs,
		size_t nruns, struct cs_outfile *f)
{
	struct stat_result *last = &runs[nruns - 1];
	double el[STAT_MAX_REPEAT], ru[4][STAT_MAX_REPEAT], elapsed, sd;
	double mean_ru[4];
	struct out_doc *docs = calloc(nruns, sizeof(*docs));
	struct cs_prom *p = NULL;
	char *buf = NULL;
	size_t len = 0, i, k;
	FILE *mem;
	int ret = 0;

	if (!docs || nruns > STAT_MAX_REPEAT) {
		free(docs);
		cs_error("out of memory");
		return CS_EXIT_SOFTWARE;
	}
	for (i = 0; i < nruns; i++) {
		el[i] = runs[i].seconds;
		ru[0][i] = tv_seconds(&runs[i].ru.ru_utime);
		ru[1][i] = tv_seconds(&runs[i].ru.ru_stime);
		ru[2][i] = (double)runs[i].ru.ru_nvcsw;
		ru[3][i] = (double)runs[i].ru.ru_nivcsw;
	}
	mean_sd(el, nruns, &elapsed, &sd);
	for (k = 0; k < 4; k++) {
		double unused;

		mean_sd(ru[k], nruns, &mean_ru[k], &unused);
	}
	for (i = 0; i < nruns; i++)
		stat_doc(&docs[i], o, &runs[i], nruns, runs[i].seconds, 0);
	if (nruns > 1) {
		/* The last run's document, with the means. */
		out_free(&docs[nruns - 1]);
		stat_doc(&docs[nruns - 1], o, last, nruns, elapsed, sd);
		combine(docs, nruns, elapsed);
		out_note(&docs[nruns - 1], "means of %zu runs; per-process and per-CPU rows are the last run's",
			 nruns);
	}
	mem = open_memstream(&buf, &len);
	if (!mem) {
		ret = CS_EXIT_SOFTWARE;
		goto out;
	}
	if (o->fmt == OUT_PROMETHEUS) {
		p = stat_prom(o, &docs[nruns - 1], last, nruns, elapsed,
			      mean_ru);
		if (!p || cs_prom_write(p, mem))
			ret = CS_EXIT_SOFTWARE;
	} else if (out_render(&docs[nruns - 1], o->fmt, mem)) {
		ret = CS_EXIT_SOFTWARE;
	}
	if (fclose(mem))
		ret = CS_EXIT_SOFTWARE;
	if (ret)
		cs_error("out of memory");
	else
		ret = cs_outfile_commit(f, buf, len);
out:
	cs_prom_free(p);
	free(buf);
	for (i = 0; i < nruns; i++)
		out_free(&docs[i]);
	free(docs);
	return ret;
}
