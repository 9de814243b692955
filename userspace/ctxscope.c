// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope: what processes and threads do to the scheduler, from the
 * counters of the ctxscope kernel module (/proc/ctxscope).
 */
#define _GNU_SOURCE

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "procfile.h"

#ifndef CTXSCOPE_VERSION
#define CTXSCOPE_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ctxscope COMMAND [OPTIONS]\n"
		"\n"
		"Shows what processes and threads do to the scheduler: context switches\n"
		"classified as process, thread, kernel or idle, voluntary or involuntary,\n"
		"address-space switches, TLB flushes and shootdowns, and stack use, from\n"
		"the ctxscope kernel module.\n"
		"\n"
		"Commands:\n"
		"  stat -- CMD [ARGS]    run CMD and report what it did (like perf stat)\n"
		"  stat -a [INT [N]]     system-wide counts per interval (like vmstat)\n"
		"  stat -p PID | -G CG   running processes or a cgroup (like pidstat)\n"
		"  top [INT [N]]         the tasks that switch most, per interval\n"
		"  tasks [-p PID]        per-task counters and stack high-water marks\n"
		"  bench                 process vs thread switch cost (lat_ctx)\n"
		"  exporter              serve the counters to Prometheus over HTTP\n"
		"\n"
		"  ctxscope COMMAND --help    options of a command\n"
		"  ctxscope --version         versions of ctxscope and its /proc format\n"
		"\n"
		"Examples:\n"
		"  sudo ctxscope stat -- make -j8\n"
		"  ctxscope stat -a 1 5\n"
		"  sudo ctxscope stat -p 1234\n"
		"  sudo ctxscope top\n"
		"  sudo ctxscope tasks -p 1234\n"
		"  ctxscope bench --mode both\n"
		"  sudo ctxscope exporter --web.listen-address=:19418\n"
		"\n"
		"See ctxscope(1) for the output, the exit statuses and the module.\n");
}

/*
 * What is still buffered for stdout, written and checked: a full disk or
 * a closed pipe is an error, reported once, never a silent success.
 */
static int close_stdout(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (ret == 0)
			ret = cs_write_error("standard output");
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} commands[] = {
		{ "stat", cmd_stat },
		{ "top", cmd_top },
		{ "tasks", cmd_tasks },
		{ "bench", cmd_bench },
		{ "exporter", cmd_exporter },
	};
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return close_stdout(0);
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("ctxscope %s (reads /proc/ctxscope format %d)\n",
		       CTXSCOPE_VERSION, CS_FORMAT_SUPPORTED);
		return close_stdout(0);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return close_stdout(commands[i].fn(argc - 1, argv + 1));
	cs_error("unknown command '%s': use stat, top, tasks, bench or exporter (ctxscope --help)",
		 argv[1]);
	return CS_EXIT_USAGE;
}
