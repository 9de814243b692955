// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope stat without a command: the whole system (-a, per CPU with
 * -A), running processes (-p PID,...) or cgroups (-G PATH), one line per
 * interval with an Average line at the end, as pidstat prints them; or,
 * without an interval, one report of -p or -G when ^C comes or the
 * processes are gone, as perf stat -p prints it. stat -a -o prometheus
 * prints the cumulative counters once, for node_exporter's textfile
 * collector.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prom.h"
#include "stat.h"

volatile sig_atomic_t stat_stop;

/* How often attached processes are polled without an interval. */
#define STAT_ATTACH_POLL 0.5

static void stat_on_signal(int sig)
{
	(void)sig;
	stat_stop = 1;
}

/*
 * Without SA_RESTART: a signal ends the sleep at once. SIGINT and SIGTERM
 * even if ignored on entry (in a script's background job); SIGHUP unless
 * ignored (nohup).
 */
static void stat_catch_signals(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stat_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
}

int stat_prometheus_snapshot(const char *path)
{
	struct cs_outfile out;
	struct cs_summary s;
	struct cs_table cpus;
	struct cs_prom *p;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int ret = cs_outfile_open(&out, path, STDOUT_FILENO);

	if (ret)
		return ret;
	ret = cs_load_summary(&s);
	if (ret) {
		cs_outfile_abort(&out);
		return ret;
	}
	ret = cs_load_table("cpus", &cpus);
	if (ret) {
		cs_summary_free(&s);
		cs_outfile_abort(&out);
		return ret;
	}
	p = cs_prom_new();
	cs_prom_add_system(p, &s, &cpus);
	/* Rendered whole, then written at once (or renamed into place). */
	mem = open_memstream(&buf, &len);
	if (mem) {
		ret = cs_prom_write(p, mem) ? CS_EXIT_SOFTWARE : 0;
		if (fclose(mem))
			ret = CS_EXIT_SOFTWARE;
	}
	if (!mem || ret) {
		cs_error("out of memory");
		ret = CS_EXIT_SOFTWARE;
	} else {
		ret = cs_outfile_commit(&out, buf, len);
	}
	cs_outfile_abort(&out);
	free(buf);
	cs_prom_free(p);
	cs_table_free(&cpus);
	cs_summary_free(&s);
	return ret;
}

/* ---- what is watched -------------------------------------------------- */

struct watch {
	const struct stat_opts *o;
	struct cs_track track;		/* -p, -G */
	char cgroup[CS_CGROUP_PATH_MAX];
	struct cs_sums base;		/* -G: the groups' rows at attach */
	bool scope;
};

/* Attaches: the processes or groups, where counting starts. */
static int watch_start(struct watch *w, const struct stat_opts *o)
{
	char why[CS_WHY_MAX];
	uint64_t live, exited;
	size_t i, j;
	int ret;

	memset(w, 0, sizeof(*w));
	w->o = o;
	w->track.baseline = true;
	if (o->pids.n) {
		w->scope = true;
		w->track.by = CS_TRACK_PIDS;
		for (i = 0; i < o->pids.n; i++)
			cs_track_add_pid(&w->track, o->pids.v[i]);
	} else if (o->cgroup) {
		w->scope = true;
		w->track.by = CS_TRACK_CGROUPS;
		if (cs_cgroup2_resolve(o->cgroup, w->cgroup, why)) {
			cs_error("stat -G %s: %s", o->cgroup, why);
			return CS_EXIT_NOINPUT;
		}
		if (cs_cgroup2_ids(w->cgroup, &w->track.cgroups,
				   &w->track.ncgroups)) {
			cs_error("cannot read the groups below %s: %s",
				 w->cgroup, strerror(errno));
			return CS_EXIT_OSERR;
		}
	}
	if (!w->scope)
		return 0;
	ret = cs_track_prime(&w->track);
	if (ret)
		return ret;
	for (i = 0; i < o->pids.n; i++) {
		for (j = 0; j < w->track.nprocs; j++)
			if (w->track.procs[j].tgid == o->pids.v[i])
				break;
		if (j == w->track.nprocs) {
			cs_error("no process %d in %s/processes (no such process, a thread id, or it has no row: see tasks_dropped)",
				 o->pids.v[i], cs_proc_dir());
			return CS_EXIT_NOINPUT;
		}
	}
	if (o->cgroup && cs_track_cgroup_totals(&w->track, &w->base, &live,
						 &exited) > 0)
		return CS_EXIT_IOERR;
	return 0;
}

/* The scope's counts since attach; 0 or an exit status. */
static int watch_totals(struct watch *w, struct cs_sums *sum)
{
	unsigned int threads;
	uint64_t live, exited;
	size_t nexited;
	int ret = cs_track_poll(&w->track);

	if (ret)
		return ret;
	if (w->o->cgroup) {
		struct cs_sums now;

		ret = cs_track_cgroup_totals(&w->track, &now, &live, &exited);
		if (ret > 0)
			return ret;
		if (ret < 0)
			memset(&now, 0, sizeof(now));
		cs_sums_delta(sum, &w->base, &now);
		return 0;
	}
	cs_track_total(&w->track, sum, &threads, &nexited);
	return 0;
}

/* -p: every process watched has exited. */
static bool watch_all_gone(const struct watch *w)
{
	size_t i;

	if (!w->o->pids.n)
		return false;
	for (i = 0; i < w->track.nprocs; i++)
		if (!w->track.procs[i].exited)
			return false;
	return true;
}

/* ---- intervals -------------------------------------------------------- */

static const struct out_column system_cols[] = {
	OUT_COL_TIME("timestamp", "time"),
	OUT_COL_NUM("elapsed_seconds", "elapsed", "s", 1),
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

static const struct out_column cpu_cols[] = {
	OUT_COL_TIME("timestamp", "time"),
	OUT_COL_NUM("elapsed_seconds", "elapsed", "s", 1),
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

static const struct out_column scope_cols[] = {
	OUT_COL_TIME("timestamp", "time"),
	OUT_COL_NUM("elapsed_seconds", "elapsed", "s", 1),
	OUT_COL_COUNT("switches", "switches"),
	OUT_COL_COUNT("switches_process", "process"),
	OUT_COL_COUNT("switches_thread", "thread"),
	OUT_COL_COUNT("switches_kernel", "kernel"),
	OUT_COL_COUNT("switches_idle", "idle"),
	OUT_COL_COUNT("voluntary", "voluntary"),
	OUT_COL_COUNT("involuntary", "involuntary"),
	OUT_COL_COUNT("migrations", "migrations"),
	OUT_COL_COUNT("tlb_switch_flush", "TLB flushes in"),
	OUT_COL_COUNT("tlb_ipi_sent", "TLB IPIs"),
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* What one interval's reading holds. */
struct reading {
	struct cs_summary s;
	struct cs_table cpus;
	struct cs_sums scope;
};

static void reading_free(struct reading *r)
{
	cs_summary_free(&r->s);
	cs_table_free(&r->cpus);
}

static int read_now(struct watch *w, struct reading *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if (w->scope)
		return watch_totals(w, &r->scope);
	ret = cs_load_summary(&r->s);
	if (!ret && w->o->per_cpu) {
		ret = cs_load_table("cpus", &r->cpus);
		if (ret)
			cs_summary_free(&r->s);
	}
	return ret;
}

/* The counts of one interval into the cells of its row (from column 2). */
static void system_cells(const struct reading *a, const struct reading *b,
			 struct out_cell *cells, size_t ncols)
{
	bool reset = cs_get(&a->s, "since_ns") != cs_get(&b->s, "since_ns");
	size_t c;

	for (c = 2; c < ncols; c++) {
		uint64_t vb = cs_get(&b->s, system_cols[c].key);
		uint64_t va = cs_get(&a->s, system_cols[c].key);

		/* After a reset the counts start again from zero. */
		cells[c].num = (double)(!reset && vb >= va ? vb - va : vb);
	}
}

static void scope_cells(const struct reading *a, const struct reading *b,
			struct out_cell *cells, size_t ncols)
{
	struct cs_sums d;
	size_t c;

	cs_sums_delta(&d, &a->scope, &b->scope);
	for (c = 2; c < ncols; c++) {
		double v = NAN;

		if (!strcmp(scope_cols[c].key, "switches"))
			v = d.switches;
		else
			cs_sums_get(&d, scope_cols[c].key, &v);
		cells[c].num = v;
	}
}

/* The running sums of the intervals, for the Average line. */
struct averages {
	double *sum;		/* rows x ncols */
	size_t rows, ncols, n;
};

static void average_add(struct averages *av, size_t row,
			const struct out_cell *cells)
{
	size_t c;

	if (!av->sum || row >= av->rows)
		return;
	for (c = 0; c < av->ncols; c++)
		av->sum[row * av->ncols + c] += isfinite(cells[c].num) ?
						cells[c].num : 0;
}

static int average_print(const struct averages *av, const struct out_table *t,
			 const struct out_cell *ids)
{
	struct out_cell *cells = calloc(av->ncols, sizeof(*cells));
	size_t r, c;
	int ret = 0;

	if (!cells)
		return -1;
	for (r = 0; r < av->rows && av->n && !ret; r++) {
		for (c = 0; c < av->ncols; c++) {
			cells[c].num = av->sum[r * av->ncols + c] / (double)av->n;
			if (t->cols[c].id)
				cells[c].num = ids[r * av->ncols + c].num;
		}
		cells[0].num = NAN;	/* "Average:" goes in the first shown */
		cells[1].num = NAN;
		ret = out_human_cells(t, cells, "Average:", stdout,
				      r == 0 && av->rows > 1);
	}
	free(cells);
	return ret;
}

int stat_intervals(const struct stat_opts *o)
{
	const struct out_column *cols = o->per_cpu ? cpu_cols :
					 o->pids.n || o->cgroup ? scope_cols :
					 system_cols;
	size_t ncols = o->per_cpu ? NCOLS(cpu_cols) :
		       o->pids.n || o->cgroup ? NCOLS(scope_cols) :
		       NCOLS(system_cols);
	struct averages av = { NULL, 1, 0, 0 };
	struct out_cell *ids = NULL;
	struct reading a, b;
	struct out_table t;
	struct watch w;
	double start;
	long long n;
	size_t lines = 0, row;
	int ret;

	ret = watch_start(&w, o);
	if (!ret)
		ret = read_now(&w, &a);
	if (ret) {
		cs_track_free(&w.track);
		return ret;
	}
	/* The TLB columns are last: absent where the module has none. */
	if (!w.scope && !cs_has(&a.s, "tlb_switch_flush"))
		ncols -= 2;
	if (w.scope && !w.track.tlb)
		ncols -= 2;
	memset(&t, 0, sizeof(t));
	t.name = "intervals";
	t.cols = cols;
	t.ncols = ncols;
	t.show_time = o->timestamps;
	av.ncols = ncols;
	av.rows = o->per_cpu ? a.cpus.nrows : 1;
	av.sum = calloc(av.rows * ncols + 1, sizeof(*av.sum));
	ids = calloc(av.rows * ncols + 1, sizeof(*ids));
	if (!av.sum || !ids) {
		ret = CS_EXIT_SOFTWARE;
		goto out;
	}
	stat_catch_signals();
	start = cs_monotonic();
	for (n = 0; (o->count < 0 || n < o->count) && !stat_stop; n++) {
		double now;

		cs_sleep_until(start + (double)(n + 1) * o->interval, &stat_stop);
		if (stat_stop)
			break;
		ret = read_now(&w, &b);
		if (ret)
			break;
		now = cs_monotonic();
		for (row = 0; row < av.rows && !ret; row++) {
			struct out_cell *cells;

			t.nrows = 0;
			cells = out_row(&t);
			if (!cells) {
				ret = CS_EXIT_SOFTWARE;
				break;
			}
			cells[0].num = cs_realtime();
			cells[1].num = now - start;
			if (o->per_cpu && row < b.cpus.nrows)
				stat_cpu_cells(&a.cpus, &b.cpus, row, cells + 2,
					       ncols - 2, cols + 2);
			else if (w.scope)
				scope_cells(&a, &b, cells, ncols);
			else
				system_cells(&a, &b, cells, ncols);
			average_add(&av, row, cells);
			if (n == 0)
				memcpy(&ids[row * ncols], cells,
				       ncols * sizeof(*cells));
			/* Per CPU, people get a block per interval. */
			if (o->per_cpu && o->fmt == OUT_HUMAN && row == 0 && n)
				fputc('\n', stdout);
			/* People get the header again every 20 lines. */
			if (out_stream_row(&t, 0, o->fmt, stdout,
					   (o->fmt == OUT_CSV && lines == 0) ||
					   (o->fmt == OUT_HUMAN &&
					    (lines % 20 == 0 ||
					     (o->per_cpu && row == 0)))))
				ret = cs_write_error("standard output");
			lines++;
		}
		av.n++;
		reading_free(&a);
		a = b;
		if (watch_all_gone(&w))
			break;
	}
	if (!ret && o->fmt == OUT_HUMAN && av.n) {
		if (o->per_cpu)
			fputc('\n', stdout);
		if (average_print(&av, &t, ids) || fflush(stdout))
			ret = cs_write_error("standard output");
	}
out:
	free(t.cells);
	free(av.sum);
	free(ids);
	reading_free(&a);
	cs_track_free(&w.track);
	return ret;
}

/* ---- stat -p / -G until ^C -------------------------------------------- */

int stat_attach(const struct stat_opts *o)
{
	struct stat_result r;
	struct cs_outfile out;
	struct watch w;
	double start;
	int ret;
	size_t nexited;

	memset(&r, 0, sizeof(r));
	memset(&w, 0, sizeof(w));
	ret = cs_outfile_open(&out, o->output_file, STDERR_FILENO);
	if (ret)
		return ret;
	ret = cs_load_summary(&r.a);
	if (!ret && o->per_cpu)
		ret = cs_load_table("cpus", &r.cpus_a);
	if (!ret)
		ret = watch_start(&w, o);
	if (ret) {
		cs_outfile_abort(&out);
		cs_track_free(&w.track);
		stat_result_free(&r);
		return ret;
	}
	stat_catch_signals();
	start = cs_monotonic();
	while (!stat_stop && !watch_all_gone(&w)) {
		cs_sleep_until(cs_monotonic() + STAT_ATTACH_POLL, &stat_stop);
		ret = cs_track_poll(&w.track);
		if (ret)
			break;
	}
	r.seconds = cs_monotonic() - start;
	if (!ret)
		ret = cs_load_summary(&r.b);
	if (!ret && o->per_cpu)
		ret = cs_load_table("cpus", &r.cpus_b);
	r.have_cpus = o->per_cpu;
	if (!ret)
		ret = watch_totals(&w, &r.total);
	if (ret)
		goto out;
	r.track = w.track;
	memset(&w.track, 0, sizeof(w.track));
	r.scope = o->pids.n ? "pids" : "cgroup";
	r.method = o->pids.n ? "pids" : "cgroup";
	r.pids = o->pids.n ? &o->pids : NULL;
	r.cgroup = o->cgroup ? w.cgroup : NULL;
	{
		struct cs_sums seen;

		/* -G: the groups' rows are exact; -p: the processes' rows. */
		cs_track_total(&r.track, &seen, &r.threads, &nexited);
		r.seen_switches = seen.switches;
	}
	r.nprocs = r.track.nprocs;
	r.nexited = nexited;
	r.nrunning = r.nprocs - nexited;
	ret = stat_report(o, &r, 1, &out);
out:
	cs_outfile_abort(&out);
	cs_track_free(&w.track);
	stat_result_free(&r);
	return ret;
}
