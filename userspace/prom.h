/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every Prometheus metric ctxscope writes, in one table (prom.c), and a
 * writer for the text exposition format (version 0.0.4). Commands build a
 * set of samples and write it in one go; a long-running exporter can do
 * the same for each scrape with the same names.
 *
 * Conventions (node_exporter's): one family per quantity, its dimensions
 * as labels (class, type, cpu, scope, event); counters end in _total and
 * count events since the module's load or last reset; shares end in _ratio
 * (0 to 1); base units (seconds, bytes). A sample whose value is not a
 * finite number is never written. Per-process and per-task families are
 * written only when the user asks for them (their cardinality on a real
 * host is tens of thousands).
 */
#ifndef CTXSCOPE_PROM_H
#define CTXSCOPE_PROM_H

#include <stdio.h>

#include "procfile.h"

enum cs_prom_family {
	/* Counters of the module: summary (no label), cpus (cpu=N), a
	 * report's scopes (scope=system|command|pids|cgroup). */
	CS_PROM_SWITCHES,		/* class=process|thread|kernel|idle */
	CS_PROM_SWITCHES_BY_TYPE,	/* type=voluntary|involuntary */
	CS_PROM_MM_SWITCHES,
	CS_PROM_LAZY_SWITCHES,
	CS_PROM_TLB_EVENTS,		/* event=switch_flush|... */
	CS_PROM_MIGRATIONS,		/* per-task sums only */
	CS_PROM_KSTACK_MAX,
	CS_PROM_USTACK_MAX,
	CS_PROM_CPU_ONLINE,
	/* Health of the module and of its tables. */
	CS_PROM_INFO,
	CS_PROM_COUNTERS_START,
	CS_PROM_TASKS_TRACKED,
	CS_PROM_TASKS_CAPACITY,
	CS_PROM_TASKS_DROPPED,
	CS_PROM_PROCESSES_TRACKED,
	CS_PROM_CGROUPS_TRACKED,
	CS_PROM_CGROUPS_DROPPED,
	CS_PROM_EXITED_LOGGED,
	CS_PROM_TABLE_BYTES,
	CS_PROM_KSTACK_SIZE,
	/* A report (stat): shares of what it measured, and its run. */
	CS_PROM_CLASS_RATIO,		/* class=... */
	CS_PROM_VOLUNTARY_RATIO,
	CS_PROM_RUN_INFO,		/* method, command (argv[0]) */
	CS_PROM_RUN_ELAPSED,
	CS_PROM_RUN_EXIT_STATUS,
	CS_PROM_RUN_SIGNAL,
	CS_PROM_RUN_CPU,		/* mode=user|system */
	CS_PROM_RUN_RUSAGE_SWITCHES,	/* type=voluntary|involuntary */
	CS_PROM_RUN_PROCESSES,		/* state=exited|running */
	CS_PROM_RUN_THREADS,
	CS_PROM_RUN_RUNS,
	/* Per process (stat --per-pid) and per task (tasks). */
	CS_PROM_PROCESS_SWITCHES,	/* tgid, comm, class */
	CS_PROM_PROCESS_SWITCHES_BY_TYPE,
	CS_PROM_PROCESS_THREADS,
	CS_PROM_PROCESS_KSTACK_MAX,
	CS_PROM_PROCESS_USTACK_MAX,
	CS_PROM_TASK_SWITCHES,		/* pid, tgid, comm, class */
	CS_PROM_TASK_SWITCHES_BY_TYPE,
	CS_PROM_TASK_MIGRATIONS,
	CS_PROM_TASK_KSTACK_MAX,
	CS_PROM_TASK_USTACK_MAX,
	/* Per cgroup (ctxscope exporter): cgroup="/path" */
	CS_PROM_CGROUP_SWITCHES,	/* class */
	CS_PROM_CGROUP_SWITCHES_BY_TYPE,
	CS_PROM_CGROUP_TLB_EVENTS,	/* event=switch_flush|ipi_sent */
	CS_PROM_CGROUP_MIGRATIONS,
	CS_PROM_CGROUP_PROCESSES,
	CS_PROM_CGROUP_PROCESSES_EXITED,
	CS_PROM_CGROUP_KSTACK_MAX,
	CS_PROM_CGROUP_USTACK_MAX,
	/* The exporter's own health. */
	CS_PROM_MODULE_LOADED,
	CS_PROM_EXPORTER_SCRAPE_SECONDS,
	CS_PROM_EXPORTER_SCRAPE_ERRORS,	/* reason */
	CS_PROM_EXPORTER_CGROUPS_OMITTED, /* reason=limit|removed */
	CS_PROM_EXPORTER_PROCESSES_OMITTED,
	/* ctxscope bench: mode, size_bytes */
	CS_PROM_BENCH_SWITCH_SECONDS,
	CS_PROM_BENCH_NET_SWITCH_SECONDS,
	CS_PROM_BENCH_CLASS_RATIO,
	CS_PROM_BENCH_TLB_PER_SWITCH,
	CS_PROM_NFAMILIES
};

struct cs_prom_family_def {
	const char *name;	/* full name: ctxscope_..._total */
	const char *type;	/* "counter" or "gauge" */
	const char *help;
};

extern const struct cs_prom_family_def cs_prom_families[CS_PROM_NFAMILIES];

/* A /proc key (summary key or column name) and the series it feeds. */
struct cs_prom_key {
	const char *key;
	enum cs_prom_family family;
	const char *label;	/* its dimension, or NULL */
	const char *value;
};

/* The counters of summary, cpus, processes and cgroups, by key. */
extern const struct cs_prom_key cs_prom_keys[];
extern const unsigned int cs_prom_nkeys;

struct cs_prom;

struct cs_prom *cs_prom_new(void);
void cs_prom_free(struct cs_prom *p);

/*
 * Adds a sample: cs_prom_add(p, family, value, "name", "value", ...); values
 * are escaped here (text.h), names must be valid label names. A value
 * that is not finite is dropped. 0, or -1 if out of memory (the set then
 * writes nothing).
 */
int cs_prom_sample(struct cs_prom *p, enum cs_prom_family f, double value, ...)
	__attribute__((sentinel));
#define cs_prom_add(p, f, ...) \
	cs_prom_sample(p, f, __VA_ARGS__, (const char *)NULL)

/*
 * Adds the samples of every key of cs_prom_keys that get() finds, with
 * one more label (cpu="3", scope="command"), or none if label is NULL.
 */
typedef int (*cs_prom_getter)(const void *ctx, const char *key, double *v);
void cs_prom_add_counts(struct cs_prom *p, cs_prom_getter get,
			const void *ctx, const char *label, const char *value);
/* A getter for cs_prom_add_counts over a summary. */
int cs_prom_summary_getter(const void *summary, const char *key, double *v);

/* A getter over a row of a table (cpus, processes, cgroups). */
struct cs_prom_row {
	const struct cs_table *t;
	size_t row;
};
int cs_prom_row_getter(const void *row, const char *key, double *v);

/*
 * The module's health: info (version, /proc format, pcid, pti, tlb),
 * counters' start time, table use and drops; from a summary.
 */
void cs_prom_add_health(struct cs_prom *p, const struct cs_summary *s);

/*
 * What a scrape of the module holds: its health, and its counters per
 * CPU (cpu="N"; the system-wide count is their sum, so it is not
 * repeated), with whether each CPU is online. stat -a -o prometheus
 * writes this; a long-running exporter would write it per scrape.
 */
void cs_prom_add_system(struct cs_prom *p, const struct cs_summary *s,
			const struct cs_table *cpus);

/*
 * A cgroup's row of /proc/ctxscope/cgroups, as the CS_PROM_CGROUP_*
 * families with cgroup="path".
 */
void cs_prom_add_cgroup(struct cs_prom *p, const struct cs_table *cgroups,
			size_t row, const char *path);

/*
 * A process's row of /proc/ctxscope/processes, as the CS_PROM_PROCESS_*
 * families with tgid and comm.
 */
void cs_prom_add_process(struct cs_prom *p, const struct cs_table *processes,
			 size_t row);

/* Samples held (a scrape's cardinality). */
size_t cs_prom_count(const struct cs_prom *p);

enum cs_prom_format {
	CS_PROM_TEXT,		/* text exposition format 0.0.4 */
	CS_PROM_OPENMETRICS,	/* OpenMetrics 1.0.0 text, ending "# EOF" */
};

/* Every family with samples, in table order: HELP, TYPE, samples. */
int cs_prom_write(const struct cs_prom *p, FILE *out);
int cs_prom_write_as(const struct cs_prom *p, FILE *out,
		     enum cs_prom_format format);

#endif /* CTXSCOPE_PROM_H */
