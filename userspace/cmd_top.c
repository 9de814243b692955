// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope top: the tasks that switch most, interval by interval, with
 * the classes of their switches as a bar as wide as the terminal.
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

static int top_read(struct top_snapshot *snap)
{
	struct cs_table tab;
	size_t row;
	int ret = cs_load_table("tasks", &tab);

	if (ret)
		return ret;
	snap->n = 0;
	snap->t = calloc(tab.nrows + 1, sizeof(*snap->t));
	if (!snap->t) {
		cs_table_free(&tab);
		return CS_EXIT_SOFTWARE;
	}
	for (row = 0; row < tab.nrows; row++) {
		struct top_task *t = &snap->t[snap->n++];
		const char *comm = cs_table_str(&tab, row,
						cs_table_col(&tab, "comm"));

		t->pid = (int)cs_cell(&tab, row, "pid");
		t->tgid = (int)cs_cell(&tab, row, "tgid");
		cs_sums_from_row(&t->s, &tab, row);
		snprintf(t->comm, sizeof(t->comm), "%s", comm ? comm : "");
	}
	cs_table_free(&tab);
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

	return (x->switches < y->switches) - (x->switches > y->switches);
}

static const struct out_column top_cols[] = {
	OUT_COL_ID("pid", "pid"),
	OUT_COL_ID("tgid", "tgid"),
	OUT_COL_NUM("switches_per_second", "switches", "/s", 1),
	OUT_COL_NUM("voluntary_per_second", "voluntary", "/s", 1),
	OUT_COL_NUM("involuntary_per_second", "involuntary", "/s", 1),
	OUT_COL_TEXT("comm", "command"),
	OUT_COL_BAR("classes", "classes of its switches"),
};

/* Builds and prints one interval. */
static int top_print(const struct top_snapshot *a, const struct top_snapshot *b,
		     double seconds, enum out_format fmt, int rows)
{
	struct top_delta *d = calloc(b->n + 1, sizeof(*d));
	struct out_doc doc;
	struct out_table *t;
	char rate[48];
	double total = 0;
	size_t i, n = 0;
	int ret, k;

	if (!d)
		return CS_EXIT_SOFTWARE;
	for (i = 0; i < b->n; i++) {
		const struct top_task *now = &b->t[i];
		struct top_task key = { .pid = now->pid };
		const struct top_task *was = bsearch(&key, a->t, a->n,
						     sizeof(key), top_by_pid);
		struct top_delta *x = &d[n];

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
		total += x->switches;
		n++;
	}
	qsort(d, n, sizeof(*d), top_by_switches);

	out_init(&doc);
	cs_thousands_f(total / seconds, 1, rate, sizeof(rate));
	snprintf(doc.title, sizeof(doc.title),
		 "ctxscope top: %zu tasks switched in the last %.1f s, %s switches/s in all",
		 n, seconds, rate);
	t = out_table(&doc, "tasks", top_cols,
		      sizeof(top_cols) / sizeof(top_cols[0]));
	for (i = 0; i < n && (int)i < rows; i++) {
		struct out_cell *c = out_row(t);

		if (!c)
			break;
		c[0].num = d[i].t->pid;
		c[1].num = d[i].t->tgid;
		c[2].num = d[i].switches / seconds;
		c[3].num = d[i].voluntary / seconds;
		c[4].num = d[i].involuntary / seconds;
		out_set_text(&c[5], d[i].t->comm);
		for (k = 0; k < 4; k++)
			c[6].shares[k] = d[i].to[k] / d[i].switches;
	}
	if (fmt == OUT_HUMAN && isatty(STDOUT_FILENO))
		fputs("\033[H\033[2J", stdout);
	if (fmt == OUT_JSON || fmt == OUT_HUMAN)
		ret = out_render(&doc, fmt, stdout) ? CS_EXIT_IOERR : 0;
	else
		ret = out_csv(&doc, stdout, true) || fflush(stdout) ?
		      CS_EXIT_IOERR : 0;
	out_free(&doc);
	free(d);
	return ret;
}

static void top_usage(FILE *f)
{
	fprintf(f,
		"usage: ctxscope top [-i SECONDS] [-n COUNT] [-o FORMAT]\n"
		"\n"
		"Shows the tasks that switch most, refreshed every interval: switches,\n"
		"voluntary and involuntary per second, and a bar of what they switched\n"
		"to (P process, T thread, K kernel thread, . idle) as wide as the\n"
		"terminal.\n"
		"\n"
		"  -i, --interval SEC    refresh interval (default 2)\n"
		"  -n, --count N         stop after N refreshes (default: until ^C)\n"
		"  -o, --output FORMAT   human (default), json (one object per line), csv\n"
		"  -h, --help            this help\n"
		"\n"
		"Examples:\n"
		"  sudo ctxscope top\n"
		"  sudo ctxscope top -i 1 -n 5 -o json > top.jsonl\n");
}

int cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct top_snapshot a = { NULL, 0 }, b = { NULL, 0 };
	enum out_format fmt = OUT_HUMAN;
	double interval = 2, when;
	long long count = -1, n;
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:n:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			interval = cs_parse_seconds(optarg);
			if (interval < 0) {
				cs_error("invalid interval '%s'", optarg);
				return CS_EXIT_USAGE;
			}
			break;
		case 'n':
			count = cs_parse_uint(optarg, 1000000000);
			if (count <= 0) {
				cs_error("invalid count '%s'", optarg);
				return CS_EXIT_USAGE;
			}
			break;
		case 'o':
			if (out_parse_format(optarg, &fmt) ||
			    fmt == OUT_PROMETHEUS) {
				cs_error("top prints human, json or csv, not '%s'",
					 optarg);
				return CS_EXIT_USAGE;
			}
			break;
		case 'h':
			top_usage(stdout);
			return 0;
		default:
			return cs_bad_option("top", c, argv);
		}
	}
	ret = top_read(&a);
	if (ret)
		return ret;
	signal(SIGINT, top_on_signal);
	signal(SIGTERM, top_on_signal);
	when = cs_monotonic();
	for (n = 0; (count < 0 || n < count) && !top_stop && !ret; n++) {
		struct timespec ts = {
			.tv_sec = (time_t)interval,
			.tv_nsec = (long)((interval - floor(interval)) * 1e9),
		};
		double now;

		while (!top_stop && nanosleep(&ts, &ts) && errno == EINTR)
			;
		if (top_stop)
			break;
		ret = top_read(&b);
		if (ret)
			break;
		now = cs_monotonic();
		ret = top_print(&a, &b, now - when,
				fmt, fmt == OUT_HUMAN && isatty(STDOUT_FILENO) ?
				cs_term_height(24) - 8 : 50);
		when = now;
		free(a.t);
		a = b;
		b.t = NULL;
	}
	free(a.t);
	return ret;
}
