/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctxscope stat, in four files: cmd_stat.c (the command line), stat_run.c
 * (stat -- CMD: run a command and measure it), stat_watch.c (stat -a, -p,
 * -G: the system or running processes, per interval or until ^C) and
 * stat_report.c (the report of a measurement, in every format).
 */
#ifndef CTXSCOPE_STAT_H
#define CTXSCOPE_STAT_H

#include <stdbool.h>
#include <sys/resource.h>

#include "cgroup2.h"
#include "common.h"
#include "metrics.h"
#include "out.h"
#include "outfile.h"
#include "track.h"

struct stat_opts {
	enum out_format fmt;
	bool all;		/* -a: system-wide */
	bool per_cpu;		/* -A */
	bool timestamps;	/* -T */
	bool per_pid;		/* --per-pid: Prometheus series per process */
	double interval;
	bool interval_given;
	long long count;	/* -1: until interrupted */
	long long repeat;	/* -r */
	const char *output_file;	/* -O */
	struct cs_pids pids;	/* -p */
	const char *cgroup;	/* -G, as given */
	char **argv;		/* -- CMD */
};

/* Signals that end a measurement; set by handlers or the signalfd loop. */
extern volatile sig_atomic_t stat_stop;

/* What one measurement found. */
struct stat_result {
	/* stat -- CMD */
	char **argv;
	bool ran;		/* argv ran: status and rusage are its */
	int status;		/* wait status */
	struct rusage ru;	/* of the command and descendants reaped */
	/* stat -p, stat -G */
	const struct cs_pids *pids;
	const char *cgroup;	/* the group's directory */
	double seconds;
	/* How its processes were found: "cgroup", "process_tree", "pids". */
	const char *method;
	char why[CS_WHY_MAX];	/* why not the cgroup method, or "" */
	char cgroup_path[CS_CGROUP_PATH_MAX];
	uint64_t cgroup_id;
	/* System-wide, at the start and the end. */
	struct cs_summary a, b;
	struct cs_table cpus_a, cpus_b;
	bool have_cpus;
	/* Its processes: the scope ("command", "pids", "cgroup") or none. */
	const char *scope;
	struct cs_sums total;
	unsigned int threads;
	size_t nprocs, nexited, nrunning;
	double seen_switches;	/* sum of the per-process rows */
	struct cs_track track;
};

void stat_result_free(struct stat_result *r);

#define STAT_MAX_REPEAT 100

/*
 * The cells of CPU row `row` of cpus table b, counts since table a (the
 * whole count where a has no such CPU or the counters were reset), for
 * columns cols ("cpu" and "online" as they are).
 */
void stat_cpu_cells(const struct cs_table *a, const struct cs_table *b,
		    size_t row, struct out_cell *cells, size_t ncols,
		    const struct out_column *cols);

/*
 * Writes the report of runs (one, or stat -r's) to f in o->fmt: the
 * means of the runs, with their standard deviations. 0 or an exit status.
 */
int stat_report(const struct stat_opts *o, struct stat_result *runs,
		size_t nruns, struct cs_outfile *f);

int stat_command(const struct stat_opts *o);
int stat_intervals(const struct stat_opts *o);
int stat_attach(const struct stat_opts *o);
/* stat -a -o prometheus: the cumulative counters, once, to path or stdout. */
int stat_prometheus_snapshot(const char *path);

#endif /* CTXSCOPE_STAT_H */
