// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope tasks: a snapshot of the per-task rows, stacks in KiB.
 */
#define _GNU_SOURCE

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "metrics.h"
#include "out.h"

static const struct out_column tasks_cols[] = {
	OUT_COL_ID("pid", "pid"),
	OUT_COL_ID("tgid", "tgid"),
	OUT_COL_COUNT("switches", "switches"),
	OUT_COL_COUNT("voluntary", "voluntary"),
	OUT_COL_COUNT("involuntary", "involuntary"),
	OUT_COL_COUNT("to_process", "to process"),
	OUT_COL_COUNT("to_thread", "to thread"),
	OUT_COL_COUNT("to_kernel", "to kernel"),
	OUT_COL_COUNT("to_idle", "to idle"),
	OUT_COL_COUNT("migrations", "migrations"),
	OUT_COL_SCALED("kstack_max_bytes", "kstack max", "KiB", 1, 1.0 / 1024),
	OUT_COL_SCALED("ustack_max_bytes", "ustack max", "KiB", 1, 1.0 / 1024),
	OUT_COL_TEXT("comm", "command"),
};

static void tasks_usage(FILE *f)
{
	fprintf(f,
		"usage: ctxscope tasks [-p PID] [-o FORMAT]\n"
		"\n"
		"Prints the per-task rows of /proc/ctxscope/tasks: switches by class,\n"
		"voluntary and involuntary, migrations, and the kernel and user stack\n"
		"high-water marks in KiB.\n"
		"\n"
		"  -p, --pid PID         only the threads of process PID (or thread PID)\n"
		"  -o, --output FORMAT   human (default), json, prometheus, csv\n"
		"  -h, --help            this help\n"
		"\n"
		"Examples:\n"
		"  sudo ctxscope tasks -p $(pidof nginx | cut -d' ' -f1)\n"
		"  sudo ctxscope tasks -o json | jq '.tasks | max_by(.kstack_max_bytes)'\n");
}

int cmd_tasks(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum out_format fmt = OUT_HUMAN;
	long long pid = -1;
	struct out_table *t;
	struct cs_table tab;
	struct out_doc d;
	size_t row, shown = 0;
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pid = cs_parse_uint(optarg, 1 << 30);
			if (pid <= 0) {
				cs_error("invalid pid '%s'", optarg);
				return CS_EXIT_USAGE;
			}
			break;
		case 'o':
			if (out_parse_format(optarg, &fmt)) {
				cs_error("unknown output format '%s': use human, json, prometheus or csv",
					 optarg);
				return CS_EXIT_USAGE;
			}
			break;
		case 'h':
			tasks_usage(stdout);
			return 0;
		default:
			return cs_bad_option("tasks", c, argv);
		}
	}
	if (optind < argc) {
		cs_error("tasks takes no arguments ('%s'); use -p PID", argv[optind]);
		return CS_EXIT_USAGE;
	}
	ret = cs_load_table("tasks", &tab);
	if (ret)
		return ret;
	out_init(&d);
	t = out_table(&d, "tasks", tasks_cols,
		      sizeof(tasks_cols) / sizeof(tasks_cols[0]));
	for (row = 0; row < tab.nrows; row++) {
		struct out_cell *cells;
		struct cs_sums s;
		size_t i = 0;

		if (pid > 0 && cs_cell(&tab, row, "tgid") != (uint64_t)pid &&
		    cs_cell(&tab, row, "pid") != (uint64_t)pid)
			continue;
		cells = out_row(t);
		if (!cells) {
			ret = CS_EXIT_SOFTWARE;
			break;
		}
		cs_sums_from_row(&s, &tab, row);
		cells[i++].num = (double)cs_cell(&tab, row, "pid");
		cells[i++].num = (double)cs_cell(&tab, row, "tgid");
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
		out_set_text(&cells[i], cs_table_str(&tab, row,
						     cs_table_col(&tab, "comm")));
		shown++;
	}
	if (!ret && pid > 0 && !shown) {
		cs_error("no task %lld in /proc/ctxscope/tasks (no such process, or it has no row: see tasks_dropped)",
			 pid);
		ret = CS_EXIT_NOINPUT;
	}
	if (!ret)
		ret = out_render(&d, fmt, stdout) ? CS_EXIT_IOERR : 0;
	out_free(&d);
	cs_table_free(&tab);
	return ret;
}
