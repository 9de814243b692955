// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope stat: what a command did to the scheduler (stat -- CMD), or
 * what the whole system does, interval by interval (stat -a).
 *
 * stat -- CMD runs CMD in a cgroup of its own. The module counts per
 * cgroup, exited processes included (/proc/ctxscope/cgroups), and logs
 * every process that leaves its table (/proc/ctxscope/exited), so both the
 * totals and the per-process rows include children that exited early.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "metrics.h"
#include "out.h"
#include "runcg.h"

struct stat_opts {
	enum out_format fmt;
	bool all;
	double interval;
	long long count;		/* -1: until interrupted */
	const char *output_file;	/* stat -- CMD: the report, or NULL */
};

static volatile sig_atomic_t stat_stop;

static void stat_on_signal(int sig)
{
	(void)sig;
	stat_stop = 1;
}

/* ---- stat -a: system-wide intervals ----------------------------------- */

static const struct out_column stat_interval_cols[] = {
	OUT_COL_NUM("elapsed_seconds", "time", "s", 1),
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

static void stat_sleep(double seconds)
{
	struct timespec ts = {
		.tv_sec = (time_t)seconds,
		.tv_nsec = (long)((seconds - floor(seconds)) * 1e9),
	};

	while (!stat_stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int stat_prometheus_snapshot(void)
{
	struct cs_summary s;
	struct out_doc d;
	int ret = cs_load_summary(&s);

	if (ret)
		return ret;
	out_init(&d);
	cs_metrics_system(out_section(&d, "system"), NULL, &s, 0);
	ret = out_render(&d, OUT_PROMETHEUS, stdout) ? CS_EXIT_IOERR : 0;
	out_free(&d);
	cs_summary_free(&s);
	return ret;
}

static int stat_intervals(const struct stat_opts *o)
{
	size_t ncols = sizeof(stat_interval_cols) / sizeof(stat_interval_cols[0]);
	struct cs_summary a, b;
	struct out_doc d;
	struct out_table *t;
	double start = cs_monotonic();
	long long n;
	int ret;
	size_t c;

	if (o->fmt == OUT_PROMETHEUS)
		return stat_prometheus_snapshot();
	ret = cs_load_summary(&a);
	if (ret)
		return ret;
	if (!cs_has(&a, "tlb_switch_flush"))
		ncols -= 2;
	out_init(&d);
	t = out_table(&d, "intervals", stat_interval_cols, ncols);
	signal(SIGINT, stat_on_signal);
	signal(SIGTERM, stat_on_signal);
	for (n = 0; (o->count < 0 || n < o->count) && !stat_stop; n++) {
		struct out_cell *row;

		stat_sleep(o->interval);
		if (stat_stop)
			break;
		ret = cs_load_summary(&b);
		if (ret)
			break;
		row = out_row(t);
		if (!row) {
			ret = CS_EXIT_SOFTWARE;
			cs_summary_free(&b);
			break;
		}
		row[0].num = cs_monotonic() - start;
		/* After a reset the counts start again from zero. */
		for (c = 1; c < ncols; c++) {
			uint64_t vb = cs_get(&b, stat_interval_cols[c].key);
			uint64_t va = cs_get(&a, stat_interval_cols[c].key);

			row[c].num = (double)(cs_get(&a, "since_ns") ==
					      cs_get(&b, "since_ns") && vb >= va ?
					      vb - va : vb);
		}
		if (out_stream_row(t, t->nrows - 1, o->fmt, stdout,
				   n == 0 || (o->fmt == OUT_HUMAN && n % 20 == 0))) {
			ret = CS_EXIT_IOERR;
			cs_summary_free(&b);
			break;
		}
		cs_summary_free(&a);
		a = b;
	}
	cs_summary_free(&a);
	out_free(&d);
	return ret;
}

/* ---- stat -- CMD ------------------------------------------------------ */

/* A process of the command's tree, live or exited. */
struct stat_proc {
	int tgid, ppid;
	unsigned int threads;
	bool exited;
	struct cs_sums sums;
	char comm[64];
};

struct stat_run {
	struct cs_runcg cg;
	struct stat_proc *procs;
	size_t nprocs, cap;
	uint64_t last_seq;		/* of /proc/ctxscope/exited */
	uint64_t lost;			/* exit records overwritten unseen */
};

static struct stat_proc *stat_proc_for(struct stat_run *r, int tgid,
				       bool exited)
{
	size_t i;

	/* A live row or an exit record updates the live entry of its tgid. */
	for (i = 0; i < r->nprocs; i++)
		if (r->procs[i].tgid == tgid && !r->procs[i].exited)
			return &r->procs[i];
	if (r->nprocs == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 32;
		struct stat_proc *p = realloc(r->procs, cap * sizeof(*p));

		if (!p)
			return NULL;
		r->procs = p;
		r->cap = cap;
	}
	memset(&r->procs[r->nprocs], 0, sizeof(r->procs[0]));
	r->procs[r->nprocs].tgid = tgid;
	r->procs[r->nprocs].exited = exited;
	return &r->procs[r->nprocs++];
}

static void stat_take_row(struct stat_proc *p, const struct cs_table *t,
			  size_t row, bool exited)
{
	const char *comm = cs_table_str(t, row, cs_table_col(t, "comm"));

	p->ppid = (int)cs_cell(t, row, "ppid");
	p->threads = exited ? (unsigned int)cs_cell(t, row, "threads") :
			      (unsigned int)(cs_cell(t, row, "threads") +
					     cs_cell(t, row, "threads_exited"));
	p->exited = exited;
	cs_sums_from_row(&p->sums, t, row);
	snprintf(p->comm, sizeof(p->comm), "%s", comm ? comm : "");
}

/* Picks up the run's processes: live rows and new exit records. */
static int stat_poll(struct stat_run *r)
{
	struct cs_table t;
	size_t row;
	int ret;

	ret = cs_load_table("exited", &t);
	if (ret)
		return ret;
	for (row = 0; row < t.nrows; row++) {
		uint64_t seq = cs_cell(&t, row, "seq");
		struct stat_proc *p;

		if (seq <= r->last_seq)
			continue;
		if (seq > r->last_seq + 1 && r->last_seq)
			r->lost += seq - r->last_seq - 1;
		r->last_seq = seq;
		if (cs_cell(&t, row, "cgroup") != r->cg.id)
			continue;
		p = stat_proc_for(r, (int)cs_cell(&t, row, "tgid"), true);
		if (p)
			stat_take_row(p, &t, row, true);
	}
	cs_table_free(&t);

	ret = cs_load_table("processes", &t);
	if (ret)
		return ret;
	for (row = 0; row < t.nrows; row++) {
		struct stat_proc *p;

		if (cs_cell(&t, row, "cgroup") != r->cg.id)
			continue;
		p = stat_proc_for(r, (int)cs_cell(&t, row, "tgid"), false);
		if (p)
			stat_take_row(p, &t, row, false);
	}
	cs_table_free(&t);
	return 0;
}

/* The run's cgroup row: exact totals, exited processes included. */
static int stat_cgroup_totals(const struct stat_run *r, struct cs_sums *sum,
			      uint64_t *live, uint64_t *exited)
{
	struct cs_table t;
	size_t row;
	int ret = cs_load_table("cgroups", &t), found = 0;

	if (ret)
		return ret;
	for (row = 0; row < t.nrows; row++) {
		if (cs_cell(&t, row, "cgroup") != r->cg.id)
			continue;
		cs_sums_from_row(sum, &t, row);
		*live = cs_cell(&t, row, "processes");
		*exited = cs_cell(&t, row, "processes_exited");
		found = 1;
	}
	cs_table_free(&t);
	return found ? 0 : -1;
}

static void stat_reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * The child: into the run's cgroup, then exec. A failure is reported to
 * the parent through the close-on-exec pipe as an errno.
 */
static void stat_child(const struct stat_run *r, char **argv, int report)
{
	int err;

	if (cs_runcg_enter(&r->cg)) {
		err = errno;
	} else {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execvp(argv[0], argv);
		err = errno;
	}
	if (write(report, &err, sizeof(err)) != sizeof(err))
		_exit(127);
	_exit(127);
}

static const struct out_column stat_proc_cols[] = {
	OUT_COL_ID("tgid", "tgid"),
	OUT_COL_ID("ppid", "ppid"),
	OUT_COL_NUM("threads", "threads", NULL, 0),
	OUT_COL_COUNT("switches", "switches"),
	OUT_COL_COUNT("voluntary", "voluntary"),
	OUT_COL_COUNT("involuntary", "involuntary"),
	OUT_COL_COUNT("to_process", "to process"),
	OUT_COL_COUNT("to_thread", "to thread"),
	OUT_COL_COUNT("to_kernel", "to kernel"),
	OUT_COL_COUNT("to_idle", "to idle"),
	OUT_COL_SCALED("kstack_max_bytes", "kstack max", "KiB", 1, 1.0 / 1024),
	OUT_COL_SCALED("ustack_max_bytes", "ustack max", "KiB", 1, 1.0 / 1024),
	OUT_COL_NUM("exited", "exited", NULL, 0),
	OUT_COL_TEXT("comm", "command"),
	/* Last: absent where there are no TLB counters. */
	OUT_COL_COUNT("tlb_switch_flush", "TLB flushes in"),
	OUT_COL_COUNT("tlb_ipi_sent", "TLB IPIs"),
};

/* tlb columns go before comm for people; they are appended here. */
static void stat_fill_table(struct out_doc *d, const struct stat_run *r,
			    bool tlb)
{
	static struct out_column cols[sizeof(stat_proc_cols) /
				      sizeof(stat_proc_cols[0])];
	size_t ncols = 0, i, c;
	struct out_table *t;

	for (c = 0; c < 13; c++)
		cols[ncols++] = stat_proc_cols[c];
	if (tlb) {
		cols[ncols++] = stat_proc_cols[14];
		cols[ncols++] = stat_proc_cols[15];
	}
	cols[ncols++] = stat_proc_cols[13];
	t = out_table(d, "processes", cols, ncols);
	if (!t)
		return;
	snprintf(t->title, sizeof(t->title), "Per process (exited ones included):");
	for (i = 0; i < r->nprocs; i++) {
		const struct stat_proc *p = &r->procs[i];
		struct out_cell *row = out_row(t);

		if (!row)
			return;
		c = 0;
		row[c++].num = p->tgid;
		row[c++].num = p->ppid;
		row[c++].num = p->threads;
		row[c++].num = p->sums.switches;
		row[c++].num = p->sums.voluntary;
		row[c++].num = p->sums.involuntary;
		row[c++].num = p->sums.to[0];
		row[c++].num = p->sums.to[1];
		row[c++].num = p->sums.to[2];
		row[c++].num = p->sums.to[3];
		row[c++].num = p->sums.kstack_max;
		row[c++].num = p->sums.ustack_max;
		row[c++].num = p->exited;
		if (tlb) {
			row[c++].num = p->sums.tlb_switch_flush;
			row[c++].num = p->sums.tlb_ipi_sent;
		}
		out_set_text(&row[c], p->comm);
	}
}

static void stat_command_line(char **argv, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; argv[i] && o + 1 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "",
				      argv[i]);
}

/*
 * Like perf stat and time(1), the report goes to stderr, so that CMD's own
 * output stays as it was, or to --output-file. It is rendered in memory
 * and written at once: a reader never sees half of it.
 */
static int stat_write(const struct out_doc *d, const struct stat_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len), *out;
	int ret = 0;

	if (!mem || out_render(d, o->fmt, mem)) {
		if (mem)
			fclose(mem);
		free(buf);
		cs_error("out of memory");
		return CS_EXIT_SOFTWARE;
	}
	fclose(mem);
	out = o->output_file ? fopen(o->output_file, "we") : stderr;
	if (!out) {
		cs_error("cannot write %s: %s", o->output_file, strerror(errno));
		free(buf);
		return CS_EXIT_IOERR;
	}
	if (fwrite(buf, 1, len, out) != len || fflush(out))
		ret = CS_EXIT_IOERR;
	if (o->output_file && fclose(out))
		ret = CS_EXIT_IOERR;
	if (ret)
		cs_error("cannot write the report: %s", strerror(errno));
	free(buf);
	return ret;
}

static int stat_report(const struct stat_opts *o, struct stat_run *r,
		       char **argv, const struct cs_summary *a,
		       const struct cs_summary *b, double seconds, int status)
{
	struct cs_sums total, seen;
	uint64_t live = 0, exited = 0;
	struct out_section *s;
	char cmd[200];
	struct out_doc d;
	unsigned int threads = 0;
	size_t i;
	int ret;

	memset(&seen, 0, sizeof(seen));
	for (i = 0; i < r->nprocs; i++) {
		cs_sums_add(&seen, &r->procs[i].sums);
		threads += r->procs[i].threads;
	}
	if (stat_cgroup_totals(r, &total, &live, &exited))
		total = seen;

	out_init(&d);
	stat_command_line(argv, cmd, sizeof(cmd));
	snprintf(d.title, sizeof(d.title), "ctxscope stat for '%s'", cmd);
	out_info(&d, "command", "%s", cmd);
	if (WIFSIGNALED(status))
		out_info(&d, "exit", "killed by signal %d", WTERMSIG(status));
	else
		out_info(&d, "exit", "%d", WEXITSTATUS(status));
	out_info(&d, "elapsed", "%.3f s", seconds);
	out_info(&d, "processes", "%zu (%llu exited, %llu still running)",
		 r->nprocs, (unsigned long long)exited,
		 (unsigned long long)live);
	out_info(&d, "threads", "%u", threads);
	out_info(&d, "cgroup", "%s (id %llu)", r->cg.path,
		 (unsigned long long)r->cg.id);
	if (cs_under_qemu())
		out_info(&d, "clock", "QEMU guest: times are emulated, not hardware");

	s = out_section(&d, "system");
	snprintf(s->title, sizeof(s->title),
		 "System-wide, while it ran (%.3f s):", seconds);
	cs_metrics_system(s, a, b, seconds);
	s = out_section(&d, "command");
	snprintf(s->title, sizeof(s->title),
		 "Its processes and threads (%zu process%s, %u thread%s):",
		 r->nprocs, r->nprocs == 1 ? "" : "es", threads,
		 threads == 1 ? "" : "s");
	cs_metrics_sums(s, &total, seconds);
	stat_fill_table(&d, r, total.tlb);

	if (r->lost)
		out_note(&d, "%llu exit records were overwritten before ctxscope read them (exit_log too small for this run): per-process rows may be missing, totals are complete",
			 (unsigned long long)r->lost);
	if (fabs(seen.switches - total.switches) > 0.5 && !r->lost)
		out_note(&d, "per-process rows add up to %.0f switches, the cgroup to %.0f",
			 seen.switches, total.switches);
	if (live)
		out_note(&d, "%llu processes of the command still run in %s",
			 (unsigned long long)live, r->cg.path);
	if (cs_get(b, "since_ns") != cs_get(a, "since_ns"))
		out_note(&d, "the counters were reset while the command ran: system-wide figures are since the reset");

	ret = stat_write(&d, o);
	out_free(&d);
	return ret;
}

/* Waits for the run's processes to leave the module's tables. */
static void stat_settle(struct stat_run *r)
{
	struct cs_sums sum;
	uint64_t live = 0, exited = 0;
	int i;

	for (i = 0; i < 300; i++) {
		stat_reap();
		stat_poll(r);
		if (stat_cgroup_totals(r, &sum, &live, &exited) ||
		    live <= (uint64_t)cs_runcg_population(&r->cg))
			break;
		usleep(10000);
	}
}

static int stat_command(const struct stat_opts *o, char **argv)
{
	struct cs_summary a, b;
	struct stat_run r;
	int report[2], status = 0, err, ret;
	double start, seconds;
	pid_t pid;
	ssize_t n;

	memset(&r, 0, sizeof(r));
	ret = cs_load_summary(&a);
	if (ret)
		return ret;
	/* The per-process files are root-only by default: fail early. */
	ret = stat_poll(&r);
	if (!ret)
		ret = cs_runcg_create(&r.cg);
	if (ret) {
		cs_summary_free(&a);
		return ret;
	}
	/* Orphans of the command's tree come to us, to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (pipe2(report, O_CLOEXEC)) {
		cs_error("pipe: %s", strerror(errno));
		ret = CS_EXIT_OSERR;
		goto out;
	}
	/* Like time(1): ^C goes to the command, ctxscope still reports. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	start = cs_monotonic();
	pid = fork();
	if (pid < 0) {
		cs_error("fork: %s", strerror(errno));
		ret = CS_EXIT_OSERR;
		goto out;
	}
	if (pid == 0)
		stat_child(&r, argv, report[1]);
	close(report[1]);
	n = read(report[0], &err, sizeof(err));
	close(report[0]);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		stat_poll(&r);
		usleep(100000);
	}
	seconds = cs_monotonic() - start;
	ret = cs_load_summary(&b);
	if (ret)
		goto out;
	if (n == sizeof(err)) {
		if (err == ENOENT)
			cs_error("%s: command not found", argv[0]);
		else
			cs_error("cannot run %s: %s", argv[0], strerror(err));
		ret = err == ENOENT ? CS_EXIT_NOT_FOUND : CS_EXIT_CANNOT_EXEC;
		cs_summary_free(&b);
		goto out;
	}
	stat_settle(&r);
	ret = stat_report(o, &r, argv, &a, &b, seconds, status);
	if (!ret)
		ret = WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
					    WEXITSTATUS(status);
	cs_summary_free(&b);
out:
	if (cs_runcg_population(&r.cg) == 0)
		cs_runcg_remove(&r.cg);
	cs_summary_free(&a);
	free(r.procs);
	return ret;
}

static void stat_usage(FILE *f)
{
	fprintf(f,
		"usage: ctxscope stat [-o FORMAT] [-O FILE] -- CMD [ARGS...]\n"
		"       ctxscope stat -a [-i SECONDS] [-n COUNT] [-o FORMAT]\n"
		"\n"
		"Runs CMD and reports what it did to the scheduler: switches by class,\n"
		"voluntary and involuntary, address-space switches, TLB flushes and IPIs,\n"
		"system-wide and for CMD's own processes and threads (those that exited\n"
		"included), with one row per process. The report goes to stderr, like\n"
		"perf stat's, or to FILE; ctxscope exits with CMD's status.\n"
		"With -a, prints the system-wide counts of each interval on stdout.\n"
		"\n"
		"  -o, --output FORMAT   human (default), json, prometheus, csv (-a)\n"
		"  -O, --output-file F   write the report of stat -- CMD to F\n"
		"  -a, --all             system-wide, one line per interval\n"
		"  -i, --interval SEC    interval for -a (default 1)\n"
		"  -n, --count N         stop after N intervals (default: until ^C)\n"
		"  -h, --help            this help\n"
		"\n"
		"Examples:\n"
		"  sudo ctxscope stat -- make -j8\n"
		"  sudo ctxscope stat -o json -O run.json -- ./server --selftest\n"
		"  ctxscope stat -a -i 0.5 -n 10\n"
		"  ctxscope stat -a -o prometheus > /var/lib/node_exporter/ctxscope.prom\n");
}

int cmd_stat(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "output-file", required_argument, NULL, 'O' },
		{ "all", no_argument, NULL, 'a' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stat_opts o = { OUT_HUMAN, false, 1.0, -1, NULL };
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:o:O:ai:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (out_parse_format(optarg, &o.fmt)) {
				cs_error("unknown output format '%s': use human, json, prometheus or csv",
					 optarg);
				return CS_EXIT_USAGE;
			}
			break;
		case 'O':
			o.output_file = optarg;
			break;
		case 'a':
			o.all = true;
			break;
		case 'i':
			o.interval = cs_parse_seconds(optarg);
			if (o.interval < 0) {
				cs_error("invalid interval '%s': give seconds, e.g. 1 or 0.5",
					 optarg);
				return CS_EXIT_USAGE;
			}
			break;
		case 'n':
			o.count = cs_parse_uint(optarg, 1000000000);
			if (o.count <= 0) {
				cs_error("invalid count '%s': give a positive number",
					 optarg);
				return CS_EXIT_USAGE;
			}
			break;
		case 'h':
			stat_usage(stdout);
			return 0;
		default:
			return cs_bad_option("stat", c, argv);
		}
	}
	if (o.all) {
		if (o.output_file) {
			cs_error("-O is for stat -- CMD; redirect the output of stat -a");
			return CS_EXIT_USAGE;
		}
		if (optind < argc) {
			cs_error("stat -a takes no command; use stat -- CMD to measure one");
			return CS_EXIT_USAGE;
		}
		return stat_intervals(&o);
	}
	if (optind >= argc) {
		cs_error("stat needs a command (stat -- CMD ...) or -a");
		stat_usage(stderr);
		return CS_EXIT_USAGE;
	}
	if (o.fmt == OUT_CSV) {
		cs_error("-o csv is for interval mode (stat -a); use json for a command");
		return CS_EXIT_USAGE;
	}
	return stat_command(&o, argv + optind);
}
