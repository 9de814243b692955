// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope bench: the cost of a context switch between two processes and
 * between two threads, in the manner of lmbench's lat_ctx and perf bench
 * sched pipe: two tasks pinned to one CPU pass a byte back and forth over
 * pipes, each touching a working set of --size KiB between messages.
 *
 * Time per switch is the ping-pong's time over its switches; "net" takes
 * away the same work done by one task without switching. With the module
 * loaded, the run's class mix and TLB flushes per switch are shown too, so
 * that what was measured is verified, not assumed.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "out.h"
#include "prom.h"
#include "workload.h"

#define BENCH_MAX_SIZES 16

struct bench_opts {
	bool process, thread;
	long long sizes[BENCH_MAX_SIZES];	/* KiB */
	int nsizes;
	long long loops;
	int cpu;
	enum out_format fmt;
};

static const struct out_column bench_cols[] = {
	{ "size_bytes", "size", "KiB", OUT_NUM, 0, true, false, 1.0 / 1024 },
	OUT_COL_TEXT("mode", "mode"),
	OUT_COL_SCALED("seconds_per_switch", "time/switch", "us", 3, 1e6),
	OUT_COL_SCALED("net_seconds_per_switch", "net time/switch", "us", 3,
		       1e6),
	OUT_COL_COUNT("switches", "switches counted"),
	OUT_COL_SCALED("process_share", "process", "%", 1, 100),
	OUT_COL_SCALED("thread_share", "thread", "%", 1, 100),
	OUT_COL_SCALED("other_share", "other", "%", 1, 100),
	OUT_COL_NUM("tlb_flushes_per_switch", "TLB flushes/switch", NULL, 3),
};

/* What the module saw during one run, or nothing if it is not loaded. */
struct bench_seen {
	bool valid;
	double switches, process, thread, tlb;
};

static bool bench_snapshot(struct cs_summary *s)
{
	char detail[CS_DETAIL_MAX], path[256];

	snprintf(path, sizeof(path), "%s/summary", cs_proc_dir());
	return cs_summary_read(path, s, detail) == CS_OK;
}

static void bench_seen(const struct cs_summary *a, const struct cs_summary *b,
		       struct bench_seen *seen)
{
	seen->valid = cs_get(a, "since_ns") == cs_get(b, "since_ns");
	seen->switches = (double)(cs_get(b, "switches") - cs_get(a, "switches"));
	seen->process = (double)(cs_get(b, "switches_process") -
				 cs_get(a, "switches_process"));
	seen->thread = (double)(cs_get(b, "switches_thread") -
				cs_get(a, "switches_thread"));
	seen->tlb = cs_has(b, "tlb_switch_flush") ?
		    (double)(cs_get(b, "tlb_switch_flush") -
			     cs_get(a, "tlb_switch_flush")) : -1;
}

static int bench_one(const struct bench_opts *o, enum cs_mode mode,
		     long long kib, double base, bool module,
		     struct out_table *t)
{
	struct cs_summary a, b;
	struct bench_seen seen = { false };
	struct out_cell *c;
	struct cs_run run;
	double switches = 2.0 * (double)o->loops;

	if (module && !bench_snapshot(&a))
		module = false;
	if (cs_pingpong(mode, (uint64_t)o->loops, o->cpu,
			(size_t)kib * 1024, &run)) {
		cs_error("ping-pong failed: %s%s", strerror(errno),
			 errno == EINVAL ? " (is --cpu an online CPU?)" : "");
		if (module)
			cs_summary_free(&a);
		return CS_EXIT_OSERR;
	}
	if (module) {
		if (bench_snapshot(&b)) {
			bench_seen(&a, &b, &seen);
			cs_summary_free(&b);
		}
		cs_summary_free(&a);
	}
	c = out_row(t);
	if (!c)
		return CS_EXIT_SOFTWARE;
	c[0].num = (double)kib * 1024;
	out_set_text(&c[1], mode == CS_MODE_PROCESS ? "process" : "thread");
	c[2].num = run.seconds / switches;
	c[3].num = (run.seconds - base) / switches;
	if (seen.valid && seen.switches > 0) {
		c[4].num = seen.switches;
		c[5].num = seen.process / seen.switches;
		c[6].num = seen.thread / seen.switches;
		c[7].num = 1 - c[5].num - c[6].num;
		c[8].num = seen.tlb >= 0 ? seen.tlb / seen.switches : -1;
	} else {
		c[4].num = c[5].num = c[6].num = c[7].num = c[8].num = -1;
	}
	return 0;
}

/* The table as Prometheus gauges; values not measured are left out. */
static int bench_prom(const struct out_table *t)
{
	struct cs_prom *p = cs_prom_new();
	size_t r;
	int ret = 0;

	for (r = 0; t && r < t->nrows; r++) {
		const struct out_cell *c = &t->cells[r * t->ncols];
		const char *mode = c[1].text;
		char size[32];

		snprintf(size, sizeof(size), "%.0f", c[0].num);
		cs_prom_add(p, CS_PROM_BENCH_SWITCH_SECONDS, c[2].num, "mode",
			    mode, "size_bytes", size);
		cs_prom_add(p, CS_PROM_BENCH_NET_SWITCH_SECONDS, c[3].num,
			    "mode", mode, "size_bytes", size);
		cs_prom_add(p, CS_PROM_BENCH_CLASS_RATIO, c[5].num, "mode", mode,
			    "size_bytes", size, "class", "process");
		cs_prom_add(p, CS_PROM_BENCH_CLASS_RATIO, c[6].num, "mode", mode,
			    "size_bytes", size, "class", "thread");
		cs_prom_add(p, CS_PROM_BENCH_CLASS_RATIO, c[7].num, "mode", mode,
			    "size_bytes", size, "class", "other");
		cs_prom_add(p, CS_PROM_BENCH_TLB_PER_SWITCH, c[8].num, "mode",
			    mode, "size_bytes", size);
	}
	if (!p || cs_prom_write(p, stdout) || fflush(stdout))
		ret = p ? cs_write_error("standard output") : CS_EXIT_SOFTWARE;
	cs_prom_free(p);
	return ret;
}

static int bench_run(const struct bench_opts *o)
{
	struct cs_summary probe;
	struct out_doc d;
	struct out_table *t;
	bool module = bench_snapshot(&probe);
	int i, ret = 0;
	size_t r, c;

	out_init(&d, "bench");
	if (module) {
		d.proc_format = probe.format;
		cs_summary_free(&probe);
	}
	snprintf(d.title, sizeof(d.title),
		 "ctxscope bench: ping-pong over pipes, two tasks on CPU %d, %lld round trips",
		 o->cpu, o->loops);
	if (cs_under_qemu())
		out_info(&d, "clock",
			 "QEMU guest: times are emulated (instruction counts under -icount), not hardware");
	out_info(&d, "module", "%s", module ?
		 "loaded: the class mix below is what ctxscope counted during each run" :
		 "not loaded: times only (load ctxscope to verify the class mix)");
	t = out_table(&d, "bench", bench_cols,
		      sizeof(bench_cols) / sizeof(bench_cols[0]));
	for (i = 0; i < o->nsizes && !ret; i++) {
		struct cs_run base;

		if (cs_pipe_baseline((uint64_t)o->loops, o->cpu,
				     (size_t)o->sizes[i] * 1024, &base)) {
			cs_error("baseline failed: %s", strerror(errno));
			ret = CS_EXIT_OSERR;
			break;
		}
		if (o->process)
			ret = bench_one(o, CS_MODE_PROCESS, o->sizes[i],
					base.seconds, module, t);
		if (!ret && o->thread)
			ret = bench_one(o, CS_MODE_THREAD, o->sizes[i],
					base.seconds, module, t);
	}
	/* Columns the module did not fill read as not available. */
	for (r = 0; t && r < t->nrows; r++)
		for (c = 4; c < t->ncols; c++)
			if (t->cells[r * t->ncols + c].num < 0)
				t->cells[r * t->ncols + c].num = NAN;
	if (o->process && o->thread)
		out_note(&d, "a process switch changes the address space (and, without PCID, flushes the TLB); a thread switch does not: compare the two rows of each size");
	if (!ret && o->fmt == OUT_PROMETHEUS)
		ret = bench_prom(t);
	else if (!ret && out_render(&d, o->fmt, stdout))
		ret = cs_write_error("standard output");
	out_free(&d);
	return ret;
}

static int bench_sizes(const char *arg, struct bench_opts *o)
{
	char *copy = strdup(arg), *tok, *save;
	int ret = 0;

	if (!copy)
		return -1;
	o->nsizes = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		long long v = cs_parse_uint(tok, 1 << 20);

		if (v < 0 || o->nsizes == BENCH_MAX_SIZES)
			ret = -1;
		else
			o->sizes[o->nsizes++] = v;
	}
	free(copy);
	return ret || !o->nsizes ? -1 : 0;
}

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: ctxscope bench [--mode process|thread|both] [--size KB[,KB...]]\n"
		"                      [--loops N] [--cpu N] [-o FORMAT]\n"
		"\n"
		"Measures the time of a context switch between two processes and\n"
		"between two threads: two tasks pinned to one CPU pass a byte back and\n"
		"forth over pipes, touching a working set of SIZE KiB each between\n"
		"messages (lmbench lat_ctx). With the module loaded, also shows what it\n"
		"counted: the class mix of the switches and TLB flushes per switch.\n"
		"\n"
		"  --mode MODE          process, thread or both (default)\n"
		"  --size KB[,KB...]    working sets to try (default 0,16,64,256)\n"
		"  --loops N            round trips per run (default 20000)\n"
		"  --cpu N              the CPU to pin both tasks to (default 0)\n"
		"  -o, --output FORMAT  human (default), json, prometheus, csv\n"
		"  -h, --help           this help\n"
		"\n"
		"Examples:\n"
		"  ctxscope bench\n"
		"  ctxscope bench --mode both --size 0,1024 --loops 50000 --cpu 2\n");
}

int cmd_bench(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "loops", required_argument, NULL, 'l' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = {
		.process = true, .thread = true,
		.sizes = { 0, 16, 64, 256 }, .nsizes = 4,
		.loops = 20000, .cpu = 0, .fmt = OUT_HUMAN,
	};
	long long v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o.process = !strcmp(optarg, "process") ||
				    !strcmp(optarg, "both");
			o.thread = !strcmp(optarg, "thread") ||
				   !strcmp(optarg, "both");
			if (!o.process && !o.thread) {
				cs_error("invalid mode '%s': use process, thread or both",
					 optarg);
				return CS_EXIT_USAGE;
			}
			break;
		case 's':
			if (bench_sizes(optarg, &o)) {
				cs_error("invalid size list '%s': give KiB, e.g. 0,64,1024 (at most %d)",
					 optarg, BENCH_MAX_SIZES);
				return CS_EXIT_USAGE;
			}
			break;
		case 'l':
			o.loops = cs_parse_uint(optarg, 1000000000);
			if (o.loops <= 0) {
				cs_error("invalid loops '%s'", optarg);
				return CS_EXIT_USAGE;
			}
			break;
		case 'c':
			v = cs_parse_uint(optarg, 65535);
			if (v < 0) {
				cs_error("invalid cpu '%s'", optarg);
				return CS_EXIT_USAGE;
			}
			o.cpu = (int)v;
			break;
		case 'o':
			if (out_parse_format(optarg, &o.fmt)) {
				cs_error("bench: unknown output format '%s': use human, json, prometheus or csv",
					 optarg);
				return CS_EXIT_USAGE;
			}
			break;
		case 'h':
			bench_usage(stdout);
			return 0;
		default:
			return cs_bad_option("bench", c, argv);
		}
	}
	if (optind < argc) {
		cs_error("bench takes no arguments ('%s')", argv[optind]);
		return CS_EXIT_USAGE;
	}
	return bench_run(&o);
}
