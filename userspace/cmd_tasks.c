// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope tasks: a snapshot of the per-task rows, stacks in KiB.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup2.h"
#include "commands.h"
#include "common.h"
#include "metrics.h"
#include "out.h"
#include "prom.h"

static const struct out_column tasks_cols[] = {
	OUT_COL_ID("pid", "pid"),
	OUT_COL_ID("tgid", "tgid"),
	OUT_COL_COUNT("switches", "switches"),
	OUT_COL_COUNT("voluntary", "voluntary"),
	OUT_COL_COUNT("involuntary", "involuntary"),
	OUT_COL_COUNT("switches_process", "to process"),
	OUT_COL_COUNT("switches_thread", "to thread"),
	OUT_COL_COUNT("switches_kernel", "to kernel"),
	OUT_COL_COUNT("switches_idle", "to idle"),
	OUT_COL_COUNT("migrations", "migrations"),
	OUT_COL_SCALED("kstack_max_bytes", "kstack max", "KiB", 1, 1.0 / 1024),
	OUT_COL_SCALED("ustack_max_bytes", "ustack max", "KiB", 1, 1.0 / 1024),
	OUT_COL_TEXT("comm", "command"),
};

struct tasks_opts {
	enum out_format fmt;
	struct cs_pids pids;
	const char *cgroup;
	bool per_pid;
};

static void tasks_usage(FILE *f)
{
	fprintf(f,
		"usage: ctxscope tasks [-p PID[,PID...]] [-G PATH] [-o FORMAT] [--per-pid]\n"
		"\n"
		"Prints the per-task rows of /proc/ctxscope/tasks: switches by class,\n"
		"voluntary and involuntary, migrations, and the kernel and user stack\n"
		"high-water marks in KiB.\n"
		"\n"
		"  -p, --pid PID[,PID]   only the threads of these processes (or these\n"
		"                        threads); repeatable\n"
		"  -G, --cgroup PATH     only the tasks of a cgroup and the groups below it\n"
		"  -o, --output FORMAT   human (default), json, prometheus, csv\n"
		"      --per-pid         Prometheus: every task (without -p or -G, one\n"
		"                        series per task of the host: tens of thousands)\n"
		"  -h, --help            this help\n"
		"\n"
		"Examples:\n"
		"  sudo ctxscope tasks -p $(pidof nginx | tr ' ' ,)\n"
		"  sudo ctxscope tasks -G system.slice/nginx.service -o csv\n"
		"  sudo ctxscope tasks -o json | jq '.tasks | max_by(.kstack_max_bytes)'\n");
}

/* The tgids of the processes in the cgroups of ids (-G). */
static int tasks_in_cgroups(const char *arg, struct cs_pids *tgids)
{
	char dir[CS_CGROUP_PATH_MAX], why[CS_WHY_MAX];
	struct cs_table procs;
	uint64_t *ids = NULL;
	size_t n = 0, row, i;
	int ret;

	if (cs_cgroup2_resolve(arg, dir, why)) {
		cs_error("tasks -G %s: %s", arg, why);
		return CS_EXIT_NOINPUT;
	}
	if (cs_cgroup2_ids(dir, &ids, &n)) {
		cs_error("cannot read the groups below %s: %s", dir,
			 strerror(errno));
		return CS_EXIT_OSERR;
	}
	ret = cs_load_table("processes", &procs);
	if (ret) {
		free(ids);
		return ret;
	}
	for (row = 0; !ret && row < procs.nrows; row++) {
		uint64_t id = cs_cell(&procs, row, "cgroup");
		char tgid[24];

		for (i = 0; i < n && ids[i] != id; i++)
			;
		if (i == n)
			continue;
		snprintf(tgid, sizeof(tgid), "%llu",
			 (unsigned long long)cs_cell(&procs, row, "tgid"));
		ret = cs_pids_add(tgids, "tasks", tgid);
	}
	cs_table_free(&procs);
	free(ids);
	return ret;
}

static void tasks_prom(struct cs_prom *p, const struct cs_table *tab,
		       size_t row)
{
	static const char *const classes[] = { "process", "thread", "kernel",
					       "idle" };
	char pid[24], tgid[24];
	const char *comm = cs_table_str(tab, row, cs_table_col(tab, "comm"));
	struct cs_sums s;
	int k;

	cs_sums_from_row(&s, tab, row);
	snprintf(pid, sizeof(pid), "%llu",
		 (unsigned long long)cs_cell(tab, row, "pid"));
	snprintf(tgid, sizeof(tgid), "%llu",
		 (unsigned long long)cs_cell(tab, row, "tgid"));
	for (k = 0; k < 4; k++)
		cs_prom_add(p, CS_PROM_TASK_SWITCHES, s.to[k], "pid", pid,
			    "tgid", tgid, "comm", comm, "class", classes[k]);
	cs_prom_add(p, CS_PROM_TASK_SWITCHES_BY_TYPE, s.voluntary, "pid", pid,
		    "tgid", tgid, "comm", comm, "type", "voluntary");
	cs_prom_add(p, CS_PROM_TASK_SWITCHES_BY_TYPE, s.involuntary, "pid",
		    pid, "tgid", tgid, "comm", comm, "type", "involuntary");
	cs_prom_add(p, CS_PROM_TASK_MIGRATIONS, s.migrations, "pid", pid,
		    "tgid", tgid, "comm", comm);
	cs_prom_add(p, CS_PROM_TASK_KSTACK_MAX, s.kstack_max, "pid", pid,
		    "tgid", tgid, "comm", comm);
	cs_prom_add(p, CS_PROM_TASK_USTACK_MAX, s.ustack_max, "pid", pid,
		    "tgid", tgid, "comm", comm);
}

static void tasks_row(struct out_cell *cells, const struct cs_table *tab,
		      size_t row)
{
	struct cs_sums s;
	size_t i = 0;

	cs_sums_from_row(&s, tab, row);
	cells[i++].num = (double)cs_cell(tab, row, "pid");
	cells[i++].num = (double)cs_cell(tab, row, "tgid");
	cells[i++].num = s.switches;
	cells[i++].num = s.voluntary;
	cells[i++].num = s.involuntary;
	cells[i++].num = s.to[0];
	cells[i++].num = s.to[1];
	cells[i++].num = s.to[2];
	cells[i++].num = s.to[3];
	cells[i++].num = s.migrations;
	cells[i++].num = s.kstack_max;
	cells[i++].num = s.ustack_max;
	out_set_text(&cells[i], cs_table_str(tab, row,
					     cs_table_col(tab, "comm")));
}

static int tasks_show(const struct tasks_opts *o, const struct cs_pids *cg)
{
	bool filter = o->pids.n || o->cgroup;
	struct cs_prom *p = NULL;
	struct cs_summary sum;
	struct out_table *t;
	struct cs_table tab;
	struct out_doc d;
	size_t row, shown = 0;
	int ret;

	ret = cs_load_summary(&sum);
	if (ret)
		return ret;
	ret = cs_load_table("tasks", &tab);
	if (ret) {
		cs_summary_free(&sum);
		return ret;
	}
	out_init(&d, "tasks");
	d.proc_format = sum.format;
	t = out_table(&d, "tasks", tasks_cols,
		      sizeof(tasks_cols) / sizeof(tasks_cols[0]));
	if (o->fmt == OUT_PROMETHEUS) {
		p = cs_prom_new();
		cs_prom_add_health(p, &sum);
	}
	for (row = 0; row < tab.nrows; row++) {
		int pid = (int)cs_cell(&tab, row, "pid");
		int tgid = (int)cs_cell(&tab, row, "tgid");
		struct out_cell *cells;

		if (o->pids.n && !cs_pids_has(&o->pids, tgid) &&
		    !cs_pids_has(&o->pids, pid))
			continue;
		if (o->cgroup && !cs_pids_has(cg, tgid))
			continue;
		shown++;
		if (p) {
			tasks_prom(p, &tab, row);
			continue;
		}
		cells = out_row(t);
		if (!cells) {
			ret = CS_EXIT_SOFTWARE;
			break;
		}
		tasks_row(cells, &tab, row);
	}
	if (!ret && filter && !shown) {
		cs_error("no task of %s in %s/tasks (no such process, or it has no row: see tasks_dropped)",
			 o->cgroup ? o->cgroup : "the pids given", cs_proc_dir());
		ret = CS_EXIT_NOINPUT;
	}
	if (!ret && (p ? cs_prom_write(p, stdout) || fflush(stdout) :
		     out_render(&d, o->fmt, stdout)))
		ret = cs_write_error("standard output");
	cs_prom_free(p);
	out_free(&d);
	cs_table_free(&tab);
	cs_summary_free(&sum);
	return ret;
}

int cmd_tasks(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'G' },
		{ "output", required_argument, NULL, 'o' },
		{ "per-pid", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tasks_opts o = { .fmt = OUT_HUMAN };
	struct cs_pids cg = { NULL, 0, 0 };
	int c, ret = 0;

	optind = 1;
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, ":p:G:o:h", longopts,
					NULL)) != -1) {
		switch (c) {
		case 'p':
			ret = cs_pids_add(&o.pids, "tasks", optarg);
			break;
		case 'G':
			o.cgroup = optarg;
			break;
		case 'o':
			if (out_parse_format(optarg, &o.fmt)) {
				cs_error("tasks: unknown output format '%s': use human, json, prometheus or csv",
					 optarg);
				ret = CS_EXIT_USAGE;
			}
			break;
		case 'P':
			o.per_pid = true;
			break;
		case 'h':
			tasks_usage(stdout);
			cs_pids_free(&o.pids);
			return 0;
		default:
			ret = cs_bad_option("tasks", c, argv);
		}
	}
	if (!ret && optind < argc) {
		cs_error("tasks takes no arguments ('%s'); use -p PID", argv[optind]);
		ret = CS_EXIT_USAGE;
	}
	if (!ret && o.fmt == OUT_PROMETHEUS && !o.pids.n && !o.cgroup &&
	    !o.per_pid) {
		cs_error("tasks -o prometheus writes series per task: choose tasks with -p or -G, or add --per-pid for every task of the host");
		ret = CS_EXIT_USAGE;
	}
	if (!ret && o.cgroup)
		ret = tasks_in_cgroups(o.cgroup, &cg);
	if (!ret)
		ret = tasks_show(&o, &cg);
	cs_pids_free(&cg);
	cs_pids_free(&o.pids);
	return ret;
}
