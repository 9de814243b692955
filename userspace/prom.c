// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus names of ctxscope and their writer; see prom.h.
 */
#define _GNU_SOURCE

#include "prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text.h"

#ifndef CTXSCOPE_VERSION
#define CTXSCOPE_VERSION "unknown"
#endif

#define COUNTER "counter"
#define GAUGE "gauge"

const struct cs_prom_family_def cs_prom_families[CS_PROM_NFAMILIES] = {
	[CS_PROM_SWITCHES] = { "ctxscope_context_switches_total", COUNTER,
		"Context switches (sched_switch events) by class: process = between user tasks of different address spaces, thread = of one address space, kernel = to or from a kernel thread, idle = to or from an idle task" },
	[CS_PROM_SWITCHES_BY_TYPE] = { "ctxscope_context_switches_by_type_total", COUNTER,
		"Context switches by type, as the kernel counts them per task: voluntary (nvcsw: the task blocked) or involuntary (nivcsw: preempted or still runnable)" },
	[CS_PROM_MM_SWITCHES] = { "ctxscope_mm_switches_total", COUNTER,
		"Context switches that loaded another address space" },
	[CS_PROM_LAZY_SWITCHES] = { "ctxscope_lazy_tlb_switches_total", COUNTER,
		"Context switches to a task without an address space of its own (kernel thread, idle), which keep the previous one loaded (lazy TLB)" },
	[CS_PROM_TLB_EVENTS] = { "ctxscope_tlb_flush_events_total", COUNTER,
		"x86 tlb:tlb_flush events by event: switch_flush and switch_noflush (a scheduler address-space switch that flushed the TLB, or kept it thanks to PCID), other_switch_flush and other_switch_noflush (task-switch flushes outside the scheduler), shootdown_remote, shootdown_local, shootdown_local_mm, ipi_sent (shootdowns that sent IPIs)" },
	[CS_PROM_MIGRATIONS] = { "ctxscope_migrations_total", COUNTER,
		"Switch-outs of a task on another CPU than its previous switch-out" },
	[CS_PROM_KSTACK_MAX] = { "ctxscope_kernel_stack_max_bytes", GAUGE,
		"Deepest kernel stack used by any of the tasks, in bytes" },
	[CS_PROM_USTACK_MAX] = { "ctxscope_user_stack_max_bytes", GAUGE,
		"Deepest user stack seen at a switch-out of any of the tasks, in bytes (a sampled lower bound)" },
	[CS_PROM_CPU_ONLINE] = { "ctxscope_cpu_online", GAUGE,
		"1 if the CPU is online, 0 if not (it keeps the counts it made while online)" },
	[CS_PROM_INFO] = { "ctxscope_info", GAUGE,
		"Always 1: the version of ctxscope, the /proc/ctxscope format, and on x86 whether the kernel uses PCID and page-table isolation and whether TLB events are counted" },
	[CS_PROM_COUNTERS_START] = { "ctxscope_counters_start_time_seconds", GAUGE,
		"Unix time from which the counters count: the module's load or its last reset" },
	[CS_PROM_TASKS_TRACKED] = { "ctxscope_tasks_tracked", GAUGE,
		"Tasks that have a row in the module's per-task table" },
	[CS_PROM_TASKS_CAPACITY] = { "ctxscope_tasks_capacity", GAUGE,
		"Rows of the per-task table (module parameter max_tasks; 0: disabled)" },
	[CS_PROM_TASKS_DROPPED] = { "ctxscope_tasks_dropped_total", COUNTER,
		"Tasks that found the per-task table full: their switches are counted system-wide and per CPU, not per task" },
	[CS_PROM_PROCESSES_TRACKED] = { "ctxscope_processes_tracked", GAUGE,
		"Processes that have a row in the module's per-process table" },
	[CS_PROM_CGROUPS_TRACKED] = { "ctxscope_cgroups_tracked", GAUGE,
		"Cgroups that have a row in the module's per-cgroup table" },
	[CS_PROM_CGROUPS_DROPPED] = { "ctxscope_cgroups_dropped_total", COUNTER,
		"Processes that entered a cgroup for which the per-cgroup table had no free row" },
	[CS_PROM_EXITED_LOGGED] = { "ctxscope_exited_logged_total", COUNTER,
		"Records written to the exit log (/proc/ctxscope/exited) since the load" },
	[CS_PROM_TABLE_BYTES] = { "ctxscope_table_bytes", GAUGE,
		"Memory of the module's tables, allocated at load, in bytes" },
	[CS_PROM_KSTACK_SIZE] = { "ctxscope_kernel_stack_size_bytes", GAUGE,
		"Size of a kernel stack (THREAD_SIZE), in bytes" },
	[CS_PROM_CLASS_RATIO] = { "ctxscope_context_switches_class_ratio", GAUGE,
		"Share of the context switches of the scope in each class, 0 to 1" },
	[CS_PROM_VOLUNTARY_RATIO] = { "ctxscope_context_switches_voluntary_ratio", GAUGE,
		"Share of the context switches of the scope that were voluntary, 0 to 1" },
	[CS_PROM_RUN_INFO] = { "ctxscope_run_info", GAUGE,
		"Always 1: what ctxscope stat measured (command: the command's name) and how it found the command's processes (method: cgroup or process_tree)" },
	[CS_PROM_RUN_ELAPSED] = { "ctxscope_run_elapsed_seconds", GAUGE,
		"Wall-clock time of the measurement: from the start of the command to its reap, or the attachment" },
	[CS_PROM_RUN_EXIT_STATUS] = { "ctxscope_run_exit_status", GAUGE,
		"Exit status of the command (absent if a signal killed it)" },
	[CS_PROM_RUN_SIGNAL] = { "ctxscope_run_signal", GAUGE,
		"The signal that killed the command (absent if it exited)" },
	[CS_PROM_RUN_CPU] = { "ctxscope_run_cpu_seconds_total", COUNTER,
		"CPU time of the command and the descendants it or ctxscope reaped, by mode (user, system), from wait4()" },
	[CS_PROM_RUN_RUSAGE_SWITCHES] = { "ctxscope_run_rusage_context_switches_total", COUNTER,
		"The kernel's own count of context switches of the command and the descendants reaped (wait4() rusage nvcsw and nivcsw), by type: a cross-check of the module's" },
	[CS_PROM_RUN_PROCESSES] = { "ctxscope_run_processes", GAUGE,
		"Processes measured, by state at the end: exited or running" },
	[CS_PROM_RUN_THREADS] = { "ctxscope_run_threads", GAUGE,
		"Threads of the processes measured, exited ones included" },
	[CS_PROM_RUN_RUNS] = { "ctxscope_run_repeats", GAUGE,
		"Runs averaged (stat -r): values are the means over them" },
	[CS_PROM_PROCESS_SWITCHES] = { "ctxscope_process_context_switches_total", COUNTER,
		"Switch-outs of the process's threads by class of the switch (see ctxscope_context_switches_total)" },
	[CS_PROM_PROCESS_SWITCHES_BY_TYPE] = { "ctxscope_process_context_switches_by_type_total", COUNTER,
		"Switch-outs of the process's threads, voluntary or involuntary" },
	[CS_PROM_PROCESS_THREADS] = { "ctxscope_process_threads", GAUGE,
		"Threads of the process, exited ones included" },
	[CS_PROM_PROCESS_KSTACK_MAX] = { "ctxscope_process_kernel_stack_max_bytes", GAUGE,
		"Deepest kernel stack used by a thread of the process, in bytes" },
	[CS_PROM_PROCESS_USTACK_MAX] = { "ctxscope_process_user_stack_max_bytes", GAUGE,
		"Deepest user stack seen at a switch-out of a thread of the process, in bytes" },
	[CS_PROM_TASK_SWITCHES] = { "ctxscope_task_context_switches_total", COUNTER,
		"Switch-outs of the task by class of the switch (see ctxscope_context_switches_total)" },
	[CS_PROM_TASK_SWITCHES_BY_TYPE] = { "ctxscope_task_context_switches_by_type_total", COUNTER,
		"Switch-outs of the task, voluntary or involuntary" },
	[CS_PROM_TASK_MIGRATIONS] = { "ctxscope_task_migrations_total", COUNTER,
		"Switch-outs of the task on another CPU than its previous switch-out" },
	[CS_PROM_TASK_KSTACK_MAX] = { "ctxscope_task_kernel_stack_max_bytes", GAUGE,
		"Kernel stack high-water mark of the task, in bytes" },
	[CS_PROM_TASK_USTACK_MAX] = { "ctxscope_task_user_stack_max_bytes", GAUGE,
		"Deepest user stack of the task seen at a switch-out, in bytes" },
	[CS_PROM_CGROUP_SWITCHES] = { "ctxscope_cgroup_context_switches_total", COUNTER,
		"Switch-outs of the tasks of the cgroup (v2) by class of the switch (see ctxscope_context_switches_total), its exited processes included" },
	[CS_PROM_CGROUP_SWITCHES_BY_TYPE] = { "ctxscope_cgroup_context_switches_by_type_total", COUNTER,
		"Switch-outs of the tasks of the cgroup, voluntary or involuntary, its exited processes included" },
	[CS_PROM_CGROUP_TLB_EVENTS] = { "ctxscope_cgroup_tlb_flush_events_total", COUNTER,
		"x86 TLB events charged to the tasks of the cgroup: switch_flush (scheduler flushes caused by switching into them), ipi_sent (shootdowns they sent IPIs for)" },
	[CS_PROM_CGROUP_MIGRATIONS] = { "ctxscope_cgroup_migrations_total", COUNTER,
		"Switch-outs of the tasks of the cgroup on another CPU than their previous switch-out" },
	[CS_PROM_CGROUP_PROCESSES] = { "ctxscope_cgroup_processes", GAUGE,
		"Processes of the cgroup that have a row in the module's per-process table" },
	[CS_PROM_CGROUP_PROCESSES_EXITED] = { "ctxscope_cgroup_processes_exited_total", COUNTER,
		"Processes of the cgroup that exited, whose counts the cgroup keeps" },
	[CS_PROM_CGROUP_KSTACK_MAX] = { "ctxscope_cgroup_kernel_stack_max_bytes", GAUGE,
		"Deepest kernel stack used by a task of the cgroup, exited ones included, in bytes (compare with ctxscope_kernel_stack_size_bytes)" },
	[CS_PROM_CGROUP_USTACK_MAX] = { "ctxscope_cgroup_user_stack_max_bytes", GAUGE,
		"Deepest user stack seen at a switch-out of a task of the cgroup, in bytes (a sampled lower bound)" },
	[CS_PROM_MODULE_LOADED] = { "ctxscope_module_loaded", GAUGE,
		"1 if the ctxscope module is loaded and its counters are in this scrape, 0 if /proc/ctxscope is absent (only the exporter's own series are then served)" },
	[CS_PROM_EXPORTER_SCRAPE_SECONDS] = { "ctxscope_exporter_scrape_duration_seconds", GAUGE,
		"Time this scrape took to read /proc/ctxscope and build the metrics, in seconds" },
	[CS_PROM_EXPORTER_SCRAPE_ERRORS] = { "ctxscope_exporter_scrape_errors_total", COUNTER,
		"Scrapes answered with an error (HTTP 503, no metrics) since the exporter started, by reason: timeout, too_large, malformed, format, permission, io, nomem, busy" },
	[CS_PROM_EXPORTER_CGROUPS_OMITTED] = { "ctxscope_exporter_cgroups_omitted", GAUGE,
		"Cgroups with a row in the module that this scrape did not export: limit (beyond --collector.cgroups.limit, the least switching first), removed (the group's directory is gone, so it has no path)" },
	[CS_PROM_EXPORTER_PROCESSES_OMITTED] = { "ctxscope_exporter_processes_omitted", GAUGE,
		"Processes with a row in the module that this scrape did not export (beyond --collector.processes.top)" },
	[CS_PROM_BENCH_SWITCH_SECONDS] = { "ctxscope_bench_switch_seconds", GAUGE,
		"ctxscope bench: time per context switch of the ping-pong, in seconds" },
	[CS_PROM_BENCH_NET_SWITCH_SECONDS] = { "ctxscope_bench_net_switch_seconds", GAUGE,
		"ctxscope bench: time per switch less the same work done without switching, in seconds" },
	[CS_PROM_BENCH_CLASS_RATIO] = { "ctxscope_bench_class_ratio", GAUGE,
		"ctxscope bench: share of the switches the module counted during the run in each class (other: kernel and idle)" },
	[CS_PROM_BENCH_TLB_PER_SWITCH] = { "ctxscope_bench_tlb_flushes_per_switch", GAUGE,
		"ctxscope bench: scheduler TLB flushes per switch counted during the run" },
};

const struct cs_prom_key cs_prom_keys[] = {
	{ "switches_process", CS_PROM_SWITCHES, "class", "process" },
	{ "switches_thread", CS_PROM_SWITCHES, "class", "thread" },
	{ "switches_kernel", CS_PROM_SWITCHES, "class", "kernel" },
	{ "switches_idle", CS_PROM_SWITCHES, "class", "idle" },
	{ "voluntary", CS_PROM_SWITCHES_BY_TYPE, "type", "voluntary" },
	{ "involuntary", CS_PROM_SWITCHES_BY_TYPE, "type", "involuntary" },
	{ "mm_switches", CS_PROM_MM_SWITCHES, NULL, NULL },
	{ "lazy_switches", CS_PROM_LAZY_SWITCHES, NULL, NULL },
	{ "tlb_switch_flush", CS_PROM_TLB_EVENTS, "event", "switch_flush" },
	{ "tlb_switch_noflush", CS_PROM_TLB_EVENTS, "event", "switch_noflush" },
	{ "tlb_other_switch_flush", CS_PROM_TLB_EVENTS, "event", "other_switch_flush" },
	{ "tlb_other_switch_noflush", CS_PROM_TLB_EVENTS, "event", "other_switch_noflush" },
	{ "tlb_shootdown_remote", CS_PROM_TLB_EVENTS, "event", "shootdown_remote" },
	{ "tlb_shootdown_local", CS_PROM_TLB_EVENTS, "event", "shootdown_local" },
	{ "tlb_shootdown_local_mm", CS_PROM_TLB_EVENTS, "event", "shootdown_local_mm" },
	{ "tlb_ipi_sent", CS_PROM_TLB_EVENTS, "event", "ipi_sent" },
	{ "migrations", CS_PROM_MIGRATIONS, NULL, NULL },
	{ "kstack_max", CS_PROM_KSTACK_MAX, NULL, NULL },
	{ "ustack_max", CS_PROM_USTACK_MAX, NULL, NULL },
};

const unsigned int cs_prom_nkeys = sizeof(cs_prom_keys) / sizeof(cs_prom_keys[0]);

struct cs_prom_sample {
	enum cs_prom_family family;
	char *labels;		/* name="escaped value",... or NULL */
	double value;
};

struct cs_prom {
	struct cs_prom_sample *s;
	size_t n, cap;
	bool failed;
};

struct cs_prom *cs_prom_new(void)
{
	return calloc(1, sizeof(struct cs_prom));
}

void cs_prom_free(struct cs_prom *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		free(p->s[i].labels);
	free(p->s);
	free(p);
}

/* name="value",... from the pairs of ap; NULL if out of memory. */
static char *prom_labels(va_list ap, bool *oom)
{
	char *out = NULL, *v, *more;
	const char *name;
	size_t len = 0;

	*oom = false;
	while ((name = va_arg(ap, const char *))) {
		const char *value = va_arg(ap, const char *);
		size_t need;

		/* An empty label value is an absent label (Prometheus). */
		if (!value || !*value)
			continue;
		v = cs_text_escape(CS_TEXT_PROMETHEUS, value);
		if (!v)
			goto oom;
		need = len + strlen(name) + strlen(v) + 5;
		more = realloc(out, need);
		if (!more) {
			free(v);
			goto oom;
		}
		out = more;
		len += (size_t)snprintf(out + len, need - len, "%s%s=\"%s\"",
					len ? "," : "", name, v);
		free(v);
	}
	return out;
oom:
	free(out);
	*oom = true;
	return NULL;
}

int cs_prom_sample(struct cs_prom *p, enum cs_prom_family f, double value, ...)
{
	struct cs_prom_sample *s;
	va_list ap;
	char *labels;
	bool oom;

	if (!p || p->failed)
		return -1;
	if (!isfinite(value))
		return 0;
	va_start(ap, value);
	labels = prom_labels(ap, &oom);
	va_end(ap);
	if (oom)
		goto oom;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;

		s = realloc(p->s, cap * sizeof(*s));
		if (!s) {
			free(labels);
			goto oom;
		}
		p->s = s;
		p->cap = cap;
	}
	p->s[p->n].family = f;
	p->s[p->n].labels = labels;
	p->s[p->n].value = value;
	p->n++;
	return 0;
oom:
	p->failed = true;
	return -1;
}

void cs_prom_add_counts(struct cs_prom *p, cs_prom_getter get,
			const void *ctx, const char *label, const char *value)
{
	unsigned int i;

	for (i = 0; i < cs_prom_nkeys; i++) {
		const struct cs_prom_key *k = &cs_prom_keys[i];
		double v;

		if (get(ctx, k->key, &v))
			continue;
		if (label && k->label)
			cs_prom_add(p, k->family, v, label, value, k->label,
				    k->value);
		else if (label)
			cs_prom_add(p, k->family, v, label, value);
		else if (k->label)
			cs_prom_add(p, k->family, v, k->label, k->value);
		else
			cs_prom_add(p, k->family, v);
	}
}

int cs_prom_summary_getter(const void *summary, const char *key, double *v)
{
	uint64_t u;

	if (cs_summary_get(summary, key, &u))
		return -1;
	*v = (double)u;
	return 0;
}

int cs_prom_row_getter(const void *row, const char *key, double *v)
{
	const struct cs_prom_row *r = row;
	int c = cs_table_col(r->t, key);

	if (c < 0)
		return -1;
	*v = (double)cs_table_num(r->t, r->row, c);
	return 0;
}

void cs_prom_add_system(struct cs_prom *p, const struct cs_summary *s,
			const struct cs_table *cpus)
{
	size_t row;

	cs_prom_add_health(p, s);
	for (row = 0; row < cpus->nrows; row++) {
		struct cs_prom_row r = { cpus, row };
		char cpu[24];
		double online;

		snprintf(cpu, sizeof(cpu), "%llu", (unsigned long long)
			 cs_table_num(cpus, row, cs_table_col(cpus, "cpu")));
		if (!cs_prom_row_getter(&r, "online", &online))
			cs_prom_add(p, CS_PROM_CPU_ONLINE, online, "cpu", cpu);
		cs_prom_add_counts(p, cs_prom_row_getter, &r, "cpu", cpu);
	}
}

static double clock_seconds(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cs_prom_add_health(struct cs_prom *p, const struct cs_summary *s)
{
	static const struct {
		const char *key;
		enum cs_prom_family f;
	} levels[] = {
		{ "tasks_tracked", CS_PROM_TASKS_TRACKED },
		{ "tasks_capacity", CS_PROM_TASKS_CAPACITY },
		{ "tasks_dropped", CS_PROM_TASKS_DROPPED },
		{ "processes_tracked", CS_PROM_PROCESSES_TRACKED },
		{ "cgroups_tracked", CS_PROM_CGROUPS_TRACKED },
		{ "cgroups_dropped", CS_PROM_CGROUPS_DROPPED },
		{ "exited_logged", CS_PROM_EXITED_LOGGED },
		{ "table_bytes", CS_PROM_TABLE_BYTES },
		{ "kstack_size", CS_PROM_KSTACK_SIZE },
	};
	char format[16], pcid[8], pti[8], tlb[8];
	uint64_t v;
	size_t i;

	snprintf(format, sizeof(format), "%u", s->format);
	snprintf(pcid, sizeof(pcid), "%s", cs_summary_get(s, "pcid", &v) ?
		 "" : v ? "1" : "0");
	snprintf(pti, sizeof(pti), "%s", cs_summary_get(s, "pti", &v) ?
		 "" : v ? "1" : "0");
	snprintf(tlb, sizeof(tlb), "%s",
		 cs_summary_get(s, "tlb_available", &v) || !v ? "0" : "1");
	/* pcid and pti are x86's: an empty label is an absent one. */
	cs_prom_add(p, CS_PROM_INFO, 1, "version", CTXSCOPE_VERSION,
		    "proc_format", format, "pcid", pcid, "pti", pti, "tlb",
		    tlb);
	if (!cs_summary_get(s, "since_ns", &v))
		cs_prom_add(p, CS_PROM_COUNTERS_START,
			    clock_seconds(CLOCK_REALTIME) -
			    clock_seconds(CLOCK_MONOTONIC) + (double)v / 1e9);
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!cs_summary_get(s, levels[i].key, &v))
			cs_prom_add(p, levels[i].f, (double)v);
}

static void prom_help(FILE *out, const char *help, enum cs_prom_format fmt)
{
	/* HELP text: backslash and newline (OpenMetrics: and ") escaped. */
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", out);
		else if (*help == '\n')
			fputs("\\n", out);
		else if (*help == '"' && fmt == CS_PROM_OPENMETRICS)
			fputs("\\\"", out);
		else
			fputc(*help, out);
	}
}

static void prom_value(FILE *out, double v)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(out, "%.0f", v);
	else
		fprintf(out, "%.17g", v);
}

/*
 * The name of a family in HELP and TYPE: OpenMetrics names a counter's
 * family without the _total its samples carry.
 */
static int family_name_len(const struct cs_prom_family_def *d,
			   enum cs_prom_format fmt)
{
	size_t n = strlen(d->name);

	if (fmt == CS_PROM_OPENMETRICS && !strcmp(d->type, COUNTER) &&
	    n > 6 && !strcmp(d->name + n - 6, "_total"))
		n -= 6;
	return (int)n;
}

int cs_prom_write(const struct cs_prom *p, FILE *out)
{
	return cs_prom_write_as(p, out, CS_PROM_TEXT);
}

int cs_prom_write_as(const struct cs_prom *p, FILE *out,
		     enum cs_prom_format fmt)
{
	unsigned int f;
	size_t i;

	if (!p || p->failed)
		return -1;
	for (f = 0; f < CS_PROM_NFAMILIES; f++) {
		const struct cs_prom_family_def *d = &cs_prom_families[f];
		int len = family_name_len(d, fmt);
		bool seen = false;

		for (i = 0; i < p->n; i++) {
			if (p->s[i].family != f)
				continue;
			if (!seen) {
				fprintf(out, "# HELP %.*s ", len, d->name);
				prom_help(out, d->help, fmt);
				fprintf(out, "\n# TYPE %.*s %s\n", len, d->name,
					d->type);
				seen = true;
			}
			fputs(d->name, out);
			if (p->s[i].labels)
				fprintf(out, "{%s}", p->s[i].labels);
			fputc(' ', out);
			prom_value(out, p->s[i].value);
			fputc('\n', out);
		}
	}
	if (fmt == CS_PROM_OPENMETRICS)
		fputs("# EOF\n", out);
	return ferror(out) ? -1 : 0;
}

size_t cs_prom_count(const struct cs_prom *p)
{
	return p ? p->n : 0;
}

static uint64_t cs_cell_or0(const struct cs_table *t, size_t row,
			    const char *col)
{
	return cs_table_num(t, row, cs_table_col(t, col));
}

/* A cgroups or processes row's columns, and the families they feed. */
struct row_key {
	const char *col;
	enum cs_prom_family cgroup, process;
	const char *label, *value;
};

#define NONE CS_PROM_NFAMILIES

static const struct row_key row_keys[] = {
	{ "to_process", CS_PROM_CGROUP_SWITCHES, CS_PROM_PROCESS_SWITCHES,
	  "class", "process" },
	{ "to_thread", CS_PROM_CGROUP_SWITCHES, CS_PROM_PROCESS_SWITCHES,
	  "class", "thread" },
	{ "to_kernel", CS_PROM_CGROUP_SWITCHES, CS_PROM_PROCESS_SWITCHES,
	  "class", "kernel" },
	{ "to_idle", CS_PROM_CGROUP_SWITCHES, CS_PROM_PROCESS_SWITCHES,
	  "class", "idle" },
	{ "voluntary", CS_PROM_CGROUP_SWITCHES_BY_TYPE,
	  CS_PROM_PROCESS_SWITCHES_BY_TYPE, "type", "voluntary" },
	{ "involuntary", CS_PROM_CGROUP_SWITCHES_BY_TYPE,
	  CS_PROM_PROCESS_SWITCHES_BY_TYPE, "type", "involuntary" },
	{ "tlb_switch_flush", CS_PROM_CGROUP_TLB_EVENTS, NONE, "event",
	  "switch_flush" },
	{ "tlb_ipi_sent", CS_PROM_CGROUP_TLB_EVENTS, NONE, "event",
	  "ipi_sent" },
	{ "migrations", CS_PROM_CGROUP_MIGRATIONS, NONE, NULL, NULL },
	{ "processes", CS_PROM_CGROUP_PROCESSES, NONE, NULL, NULL },
	{ "processes_exited", CS_PROM_CGROUP_PROCESSES_EXITED, NONE, NULL,
	  NULL },
	{ "kstack_max", CS_PROM_CGROUP_KSTACK_MAX, CS_PROM_PROCESS_KSTACK_MAX,
	  NULL, NULL },
	{ "ustack_max", CS_PROM_CGROUP_USTACK_MAX, CS_PROM_PROCESS_USTACK_MAX,
	  NULL, NULL },
};

void cs_prom_add_cgroup(struct cs_prom *p, const struct cs_table *t,
			size_t row, const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(row_keys) / sizeof(row_keys[0]); i++) {
		const struct row_key *k = &row_keys[i];
		int c = cs_table_col(t, k->col);
		double v;

		if (k->cgroup == NONE || c < 0)
			continue;
		v = (double)cs_table_num(t, row, c);
		if (k->label)
			cs_prom_add(p, k->cgroup, v, "cgroup", path, k->label,
				    k->value);
		else
			cs_prom_add(p, k->cgroup, v, "cgroup", path);
	}
}

void cs_prom_add_process(struct cs_prom *p, const struct cs_table *t,
			 size_t row)
{
	const char *comm = cs_table_str(t, row, cs_table_col(t, "comm"));
	char tgid[24];
	size_t i;

	snprintf(tgid, sizeof(tgid), "%llu", (unsigned long long)
		 cs_table_num(t, row, cs_table_col(t, "tgid")));
	for (i = 0; i < sizeof(row_keys) / sizeof(row_keys[0]); i++) {
		const struct row_key *k = &row_keys[i];
		int c = cs_table_col(t, k->col);
		double v;

		if (k->process == NONE || c < 0)
			continue;
		v = (double)cs_table_num(t, row, c);
		if (k->label)
			cs_prom_add(p, k->process, v, "tgid", tgid, "comm",
				    comm, k->label, k->value);
		else
			cs_prom_add(p, k->process, v, "tgid", tgid, "comm",
				    comm);
	}
	/* Its threads, exited ones included (as stat --per-pid says). */
	cs_prom_add(p, CS_PROM_PROCESS_THREADS,
		    (double)(cs_cell_or0(t, row, "threads") +
			     cs_cell_or0(t, row, "threads_exited")),
		    "tgid", tgid, "comm", comm);
}
