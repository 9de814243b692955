// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope top: the tasks that switch most, interval by interval, with
 * the classes of their switches as a bar as wide as the terminal, and at
 * the end (for people) the averages over the whole run, as pidstat ends.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup2.h"
#include "commands.h"
#include "common.h"
#include "metrics.h"
#include "out.h"

/* What top remembers of a task from one interval to the next. */
struct top_task {
	int pid, tgid;
	struct cs_sums s;
	char comm[64];
};

struct top_snapshot {
	struct top_task *t;
	size_t n;
	double when;		/* CLOCK_MONOTONIC */
};

struct top_opts {
	enum out_format fmt;
	double interval;
	long long count;
	bool timestamps;
	struct cs_pids pids;
	const char *cgroup;
	uint64_t *ids;		/* -G: the groups */
	size_t nids;
};

static volatile sig_atomic_t top_stop;

static void top_on_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

static int top_by_pid(const void *a, const void *b)
{
	const struct top_task *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* -G: the tgids of the processes in the groups now. */
static int top_cgroup_tgids(const struct top_opts *o, struct cs_pids *tgids)
{
	struct cs_table procs;
	size_t row, i;
	int ret = cs_load_table("processes", &procs);

	if (ret)
		return ret;
	for (row = 0; !ret && row < procs.nrows; row++) {
		uint64_t id = cs_cell(&procs, row, "cgroup");
		char tgid[24];

		for (i = 0; i < o->nids && o->ids[i] != id; i++)
			;
		if (i == o->nids)
			continue;
		snprintf(tgid, sizeof(tgid), "%llu",
			 (unsigned long long)cs_cell(&procs, row, "tgid"));
		ret = cs_pids_add(tgids, "top", tgid);
	}
	cs_table_free(&procs);
	return ret;
}

static int top_read(const struct top_opts *o, struct top_snapshot *snap)
{
	struct cs_pids cg = { NULL, 0, 0 };
	struct cs_table tab;
	size_t row;
	int ret = o->cgroup ? top_cgroup_tgids(o, &cg) : 0;

	if (!ret)
		ret = cs_load_table("tasks", &tab);
	if (ret) {
		cs_pids_free(&cg);
		return ret;
	}
	snap->when = cs_monotonic();
	snap->n = 0;
	snap->t = calloc(tab.nrows + 1, sizeof(*snap->t));
	if (!snap->t) {
		cs_table_free(&tab);
		cs_pids_free(&cg);
		return CS_EXIT_SOFTWARE;
	}
	for (row = 0; row < tab.nrows; row++) {
		int pid = (int)cs_cell(&tab, row, "pid");
		int tgid = (int)cs_cell(&tab, row, "tgid");
		const char *comm = cs_table_str(&tab, row,
						cs_table_col(&tab, "comm"));
		struct top_task *t;

		if (o->pids.n && !cs_pids_has(&o->pids, tgid) &&
		    !cs_pids_has(&o->pids, pid))
			continue;
		if (o->cgroup && !cs_pids_has(&cg, tgid))
			continue;
		t = &snap->t[snap->n++];
		t->pid = pid;
		t->tgid = tgid;
		cs_sums_from_row(&t->s, &tab, row);
		snprintf(t->comm, sizeof(t->comm), "%s", comm ? comm : "");
	}
	cs_table_free(&tab);
	cs_pids_free(&cg);
	qsort(snap->t, snap->n, sizeof(*snap->t), top_by_pid);
	return 0;
}

/* One interval's activity of a task. */
struct top_delta {
	const struct top_task *t;
	double switches, voluntary, involuntary, to[4];
};

static int top_by_switches(const void *a, const void *b)
{
	const struct top_delta *x = a, *y = b;

	if (x->switches != y->switches)
		return (x->switches < y->switches) - (x->switches > y->switches);
	return (x->t->pid > y->t->pid) - (x->t->pid < y->t->pid);
}

static const struct out_column top_cols[] = {
	OUT_COL_TIME("timestamp", "time"),
	OUT_COL_ID("pid", "pid"),
	OUT_COL_ID("tgid", "tgid"),
	OUT_COL_NUM("switches_per_second", "switches", "/s", 1),
	OUT_COL_NUM("voluntary_per_second", "voluntary", "/s", 1),
	OUT_COL_NUM("involuntary_per_second", "involuntary", "/s", 1),
	OUT_COL_TEXT("comm", "command"),
	OUT_COL_BAR("classes", "classes of its switches"),
};

/* The tasks that switched between a and b, most first; n of them. */
static struct top_delta *top_deltas(const struct top_snapshot *a,
				    const struct top_snapshot *b, size_t *n,
				    double *total)
{
	struct top_delta *d = calloc(b->n + 1, sizeof(*d));
	size_t i;
	int k;

	*n = 0;
	*total = 0;
	if (!d)
		return NULL;
	for (i = 0; i < b->n; i++) {
		const struct top_task *now = &b->t[i];
		struct top_task key = { .pid = now->pid };
		const struct top_task *was = bsearch(&key, a->t, a->n,
						     sizeof(key), top_by_pid);
		struct top_delta *x = &d[*n];

		/* A pid reused since: its counts start from zero. */
		if (was && (was->tgid != now->tgid ||
			    was->s.switches > now->s.switches))
			was = NULL;
		x->t = now;
		x->switches = now->s.switches - (was ? was->s.switches : 0);
		if (x->switches <= 0)
			continue;
		x->voluntary = now->s.voluntary - (was ? was->s.voluntary : 0);
		x->involuntary = now->s.involuntary -
				 (was ? was->s.involuntary : 0);
		for (k = 0; k < 4; k++)
			x->to[k] = now->s.to[k] - (was ? was->s.to[k] : 0);
		*total += x->switches;
		(*n)++;
	}
	qsort(d, *n, sizeof(*d), top_by_switches);
	return d;
}

static void top_title(struct out_doc *doc, const struct top_opts *o,
		      size_t n, double seconds, double total, bool average)
{
	char rate[48], when[32] = "";
	time_t now = time(NULL);
	struct tm tm;

	cs_thousands_f(total / seconds, 1, rate, sizeof(rate));
	if (o->timestamps && localtime_r(&now, &tm))
		strftime(when, sizeof(when), "%H:%M:%S ", &tm);
	snprintf(doc->title, sizeof(doc->title),
		 "%sctxscope top: %zu tasks switched %s %.1f s, %s switches/s in all",
		 when, n, average ? "on average over the whole" : "in the last",
		 seconds, rate);
}

/* Builds and prints one interval (or, average, the whole run). */
static int top_print(const struct top_opts *o, const struct top_snapshot *a,
		     const struct top_snapshot *b, int rows, bool header,
		     bool average)
{
	double seconds = b->when - a->when, total;
	struct out_doc doc;
	struct out_table *t;
	struct top_delta *d;
	size_t i, n;
	int ret = 0, k;

	d = top_deltas(a, b, &n, &total);
	if (!d)
		return CS_EXIT_SOFTWARE;
	out_init(&doc, "top");
	top_title(&doc, o, n, seconds, total, average);
	out_field_num(&doc, "interval_seconds", seconds);
	t = out_table(&doc, "tasks", top_cols,
		      sizeof(top_cols) / sizeof(top_cols[0]));
	for (i = 0; i < n && (int)i < rows; i++) {
		struct out_cell *c = out_row(t);

		if (!c) {
			ret = CS_EXIT_SOFTWARE;
			break;
		}
		c[0].num = doc.timestamp;
		c[1].num = d[i].t->pid;
		c[2].num = d[i].t->tgid;
		c[3].num = d[i].switches / seconds;
		c[4].num = d[i].voluntary / seconds;
		c[5].num = d[i].involuntary / seconds;
		out_set_text(&c[6], d[i].t->comm);
		for (k = 0; k < 4; k++)
			c[7].shares[k] = d[i].to[k] / d[i].switches;
	}
	if (!ret) {
		if (o->fmt == OUT_HUMAN && isatty(STDOUT_FILENO) && !average)
			fputs("\033[H\033[2J", stdout);
		if (o->fmt == OUT_CSV) {
			if (out_csv(&doc, stdout, header) || fflush(stdout))
				ret = -1;
		} else if (out_render(&doc, o->fmt, stdout)) {
			ret = -1;
		}
		if (ret)
			ret = cs_write_error("standard output");
	}
	out_free(&doc);
	free(d);
	return ret;
}

static void top_usage(FILE *f)
{
	fprintf(f,
		"usage: ctxscope top [-p PID[,PID...]] [-G PATH] [-T] [-o FORMAT] [interval [count]]\n"
		"\n"
		"Shows the tasks that switch most, refreshed every interval: switches,\n"
		"voluntary and involuntary per second, and a bar of what they switched\n"
		"to (P process, T thread, K kernel thread, . idle) as wide as the\n"
		"terminal. At the end, the averages over the whole run.\n"
		"\n"
		"  -p, --pid PID[,PID]   only these processes (or threads); repeatable\n"
		"  -G, --cgroup PATH     only the tasks of a cgroup and the groups below it\n"
		"  -T, --timestamp       show the time of day of each refresh\n"
		"  -i, --interval SEC    refresh interval (default 2, at least 0.1)\n"
		"  -n, --count N         stop after N refreshes (default: until ^C)\n"
		"  -o, --output FORMAT   human (default), json (one object per line), csv\n"
		"  -h, --help            this help\n"
		"\n"
		"Examples:\n"
		"  sudo ctxscope top\n"
		"  sudo ctxscope top -T 1 5\n"
		"  sudo ctxscope top -p 1234,5678 -o json 1 10 > top.jsonl\n");
}

static int top_options(int argc, char **argv, struct top_opts *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'G' },
		{ "timestamp", no_argument, NULL, 'T' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret = 0, given;

	optind = 1;
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, ":p:G:Ti:n:o:h", longopts,
					NULL)) != -1) {
		switch (c) {
		case 'p':
			ret = cs_pids_add(&o->pids, "top", optarg);
			break;
		case 'G':
			o->cgroup = optarg;
			break;
		case 'T':
			o->timestamps = true;
			break;
		case 'i':
			ret = cs_set_interval("top", optarg, &o->interval);
			break;
		case 'n':
			ret = cs_set_count("top", optarg, &o->count);
			break;
		case 'o':
			if (out_parse_format(optarg, &o->fmt) ||
			    o->fmt == OUT_PROMETHEUS) {
				cs_error("top: prints human, json or csv, not '%s'",
					 optarg);
				ret = CS_EXIT_USAGE;
			}
			break;
		case 'h':
			top_usage(stdout);
			return -1;
		default:
			ret = cs_bad_option("top", c, argv);
		}
	}
	if (!ret)
		ret = cs_positional_interval("top", argc, argv, optind,
					     &o->interval, &o->count, &given);
	if (!ret && o->cgroup) {
		char dir[CS_CGROUP_PATH_MAX], why[CS_WHY_MAX];

		if (cs_cgroup2_resolve(o->cgroup, dir, why)) {
			cs_error("top -G %s: %s", o->cgroup, why);
			return CS_EXIT_NOINPUT;
		}
		if (cs_cgroup2_ids(dir, &o->ids, &o->nids)) {
			cs_error("cannot read the groups below %s: %s", dir,
				 strerror(errno));
			return CS_EXIT_OSERR;
		}
	}
	return ret;
}

int cmd_top(int argc, char **argv)
{
	struct top_opts o = { .fmt = OUT_HUMAN, .interval = 2, .count = -1 };
	struct top_snapshot first = { NULL, 0, 0 }, a = { NULL, 0, 0 };
	struct top_snapshot b = { NULL, 0, 0 };
	struct sigaction sa;
	long long n;
	int ret, rows;

	ret = top_options(argc, argv, &o);
	if (ret)
		goto out;
	ret = top_read(&o, &first);
	if (ret)
		goto out;
	a = first;
	a.t = malloc((first.n + 1) * sizeof(*a.t));
	if (!a.t) {
		ret = CS_EXIT_SOFTWARE;
		goto out;
	}
	memcpy(a.t, first.t, first.n * sizeof(*a.t));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = top_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rows = o.fmt == OUT_HUMAN && isatty(STDOUT_FILENO) ?
	       cs_term_height(24) - 8 : 50;
	for (n = 0; (o.count < 0 || n < o.count) && !top_stop && !ret; n++) {
		cs_sleep_until(first.when + (double)(n + 1) * o.interval,
			       &top_stop);
		if (top_stop)
			break;
		ret = top_read(&o, &b);
		if (ret)
			break;
		ret = top_print(&o, &a, &b, rows, n == 0, false);
		free(a.t);
		a = b;
		b.t = NULL;
	}
	/* pidstat's Average: the whole run, for people. */
	if (!ret && o.fmt == OUT_HUMAN && n > 0 && a.when > first.when)
		ret = top_print(&o, &first, &a, rows, false, true);
out:
	free(first.t);
	free(a.t);
	free(o.ids);
	cs_pids_free(&o.pids);
	return ret < 0 ? 0 : ret;
}
