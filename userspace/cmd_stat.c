// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope stat: the command line; the work is in stat_run.c (a command),
 * stat_watch.c (the system, processes, cgroups) and stat_report.c.
 */
#define _GNU_SOURCE

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "stat.h"

#define STAT_USAGE_LINE \
	"usage: ctxscope stat [-o FORMAT] [-O FILE] [-r N] [-a] [-A] -- CMD [ARGS...]\n" \
	"       ctxscope stat -a [-A] [-T] [-o FORMAT] [interval [count]]\n" \
	"       ctxscope stat -p PID[,PID...] | -G PATH [-T] [-o FORMAT] [-O FILE] [interval [count]]\n"

static void stat_usage(FILE *f)
{
	fprintf(f,
		STAT_USAGE_LINE
		"\n"
		"Runs CMD and reports what it did to the scheduler: switches by class,\n"
		"voluntary and involuntary (beside the kernel's own count, from wait4),\n"
		"address-space switches, TLB flushes and IPIs, system-wide and for CMD's\n"
		"own processes and threads (those that exited included), with one row\n"
		"per process. CMD runs in a cgroup beneath ctxscope's own, or, where none\n"
		"can be made, is followed by its process tree; the report says which.\n"
		"The report goes to stderr, like perf stat's, or to FILE; ctxscope exits\n"
		"with CMD's status. Signals to ctxscope go to CMD; the report follows.\n"
		"With -a and no CMD, prints the system-wide counts of each interval, and\n"
		"an Average line at the end; with -p or -G, those of running processes\n"
		"or cgroups, per interval, or in one report at ^C.\n"
		"\n"
		"  -o, --output FORMAT    human (default), json, prometheus, csv (intervals)\n"
		"  -O, --output-file F    write the report to F (atomically: F.XXXXXX, rename)\n"
		"  -a, --all              system-wide: per interval, or while CMD runs\n"
		"  -A, --per-cpu          per CPU, from /proc/ctxscope/cpus\n"
		"  -p, --pid PID[,PID]    running processes (repeatable)\n"
		"  -G, --cgroup PATH      a cgroup and the groups below it (a directory, or a\n"
		"                         path below the cgroup2 mount: system.slice/x.service)\n"
		"  -r, --repeat N         run CMD N times; means and +- (as perf stat -r)\n"
		"  -T, --timestamp        show the time of day of each interval\n"
		"  -i, --interval SEC     interval (default 1, at least 0.1)\n"
		"  -n, --count N          stop after N intervals (default: until ^C)\n"
		"      --per-pid          Prometheus: also one series per process\n"
		"  -h, --help             this help\n"
		"\n"
		"Examples:\n"
		"  sudo ctxscope stat -- make -j8\n"
		"  sudo ctxscope stat -r 5 -- ./server --selftest\n"
		"  sudo ctxscope stat -o json -O run.json -- ./server --selftest\n"
		"  ctxscope stat -a -- sleep 5\n"
		"  ctxscope stat -a -T 0.5 10\n"
		"  ctxscope stat -a -A 1 5\n"
		"  sudo ctxscope stat -p $(pidof nginx | tr ' ' ,)\n"
		"  sudo ctxscope stat -G system.slice/nginx.service 1 10\n"
		"  ctxscope stat -a -o prometheus -O /var/lib/node_exporter/ctxscope.prom\n");
}

/* A mode's options that another mode does not take. */
static int stat_check(const struct stat_opts *o, bool cmd, int given)
{
	bool watch = o->pids.n || o->cgroup;

	if (o->pids.n && o->cgroup) {
		cs_error("stat: -p and -G exclude each other");
		return CS_EXIT_USAGE;
	}
	if (o->all && watch) {
		cs_error("stat: -a is system-wide; -p and -G select processes: use one");
		return CS_EXIT_USAGE;
	}
	if (cmd && watch) {
		cs_error("stat: -p and -G watch running processes; to measure a command: stat -- CMD");
		return CS_EXIT_USAGE;
	}
	if (cmd && (given || o->interval_given || o->count > 0)) {
		cs_error("stat: an interval is for -a, -p and -G without a command");
		return CS_EXIT_USAGE;
	}
	if (!cmd && o->repeat > 1) {
		cs_error("stat: -r repeats a command: stat -r N -- CMD");
		return CS_EXIT_USAGE;
	}
	if (cmd && o->fmt == OUT_CSV) {
		cs_error("stat: -o csv is for intervals (stat -a); use json for a command");
		return CS_EXIT_USAGE;
	}
	if (!cmd && o->per_cpu && watch) {
		cs_error("stat: -A is for the whole system (-a) or a command");
		return CS_EXIT_USAGE;
	}
	if (o->all && !cmd && o->output_file && o->fmt != OUT_PROMETHEUS) {
		cs_error("stat: -O is for a report; redirect the lines of stat -a");
		return CS_EXIT_USAGE;
	}
	if (watch && o->interval_given && o->output_file) {
		cs_error("stat: -O is for a report; redirect the lines of an interval mode");
		return CS_EXIT_USAGE;
	}
	if (!cmd && o->fmt == OUT_PROMETHEUS && (o->interval_given || given)) {
		cs_error("stat: -o prometheus writes the counters once: drop the interval");
		return CS_EXIT_USAGE;
	}
	return 0;
}

int cmd_stat(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "output-file", required_argument, NULL, 'O' },
		{ "all", no_argument, NULL, 'a' },
		{ "per-cpu", no_argument, NULL, 'A' },
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'G' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "timestamp", no_argument, NULL, 'T' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "per-pid", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stat_opts o = {
		.fmt = OUT_HUMAN, .interval = 1.0, .count = -1, .repeat = 1,
	};
	bool cmd;
	int c, given = 0, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:o:O:aAp:G:r:Ti:n:h", longopts,
				NULL)) != -1) {
		ret = 0;
		switch (c) {
		case 'o':
			if (out_parse_format(optarg, &o.fmt)) {
				cs_error("stat: unknown output format '%s': use human, json, prometheus or csv",
					 optarg);
				ret = CS_EXIT_USAGE;
			}
			break;
		case 'O':
			o.output_file = optarg;
			break;
		case 'a':
			o.all = true;
			break;
		case 'A':
			o.per_cpu = true;
			break;
		case 'p':
			ret = cs_pids_add(&o.pids, "stat", optarg);
			break;
		case 'G':
			o.cgroup = optarg;
			break;
		case 'r':
			o.repeat = cs_parse_uint(optarg, STAT_MAX_REPEAT);
			if (o.repeat <= 0) {
				cs_error("stat: invalid repeat count '%s': 1 to %d",
					 optarg, STAT_MAX_REPEAT);
				ret = CS_EXIT_USAGE;
			}
			break;
		case 'T':
			o.timestamps = true;
			break;
		case 'i':
			ret = cs_set_interval("stat", optarg, &o.interval);
			o.interval_given = true;
			break;
		case 'n':
			ret = cs_set_count("stat", optarg, &o.count);
			break;
		case 'P':
			o.per_pid = true;
			break;
		case 'h':
			stat_usage(stdout);
			cs_pids_free(&o.pids);
			return 0;
		default:
			ret = cs_bad_option("stat", c, argv);
		}
		if (ret) {
			cs_pids_free(&o.pids);
			return ret;
		}
	}
	/* After "--", or without -a/-p/-G, the rest is a command. */
	cmd = optind < argc && (!strcmp(argv[optind - 1], "--") ||
				!(o.all || o.pids.n || o.cgroup));
	if (!cmd && !o.all && !o.pids.n && !o.cgroup) {
		fputs("usage: ctxscope stat [OPTIONS] -- CMD [ARGS...] | -a [interval [count]] | -p PID | -G PATH (ctxscope stat --help)\n",
		      stderr);
		return CS_EXIT_USAGE;
	}
	if (!cmd && o.all && optind < argc && cs_parse_seconds(argv[optind]) < 0) {
		cs_error("stat: '%s' is not an interval; to measure a command system-wide: stat -a -- %s",
			 argv[optind], argv[optind]);
		cs_pids_free(&o.pids);
		return CS_EXIT_USAGE;
	}
	if (!cmd) {
		ret = cs_positional_interval("stat", argc, argv, optind,
					     &o.interval, &o.count, &given);
		if (ret) {
			cs_pids_free(&o.pids);
			return ret;
		}
		if (given)
			o.interval_given = true;
	} else {
		o.argv = argv + optind;
	}
	ret = stat_check(&o, cmd, given);
	if (ret) {
	} else if (cmd) {
		ret = stat_command(&o);
	} else if (o.fmt == OUT_PROMETHEUS && o.all) {
		ret = stat_prometheus_snapshot(o.output_file);
	} else if (o.all || o.interval_given || o.count > 0) {
		ret = stat_intervals(&o);
	} else {
		ret = stat_attach(&o);
	}
	cs_pids_free(&o.pids);
	return ret;
}
