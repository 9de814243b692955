// SPDX-License-Identifier: GPL-2.0
/*
 * What every ctxscope command shares; see common.h.
 */
#define _GNU_SOURCE

#include "common.h"

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "text.h"

const char *cs_prog = "ctxscope";

void cs_error(const char *fmt, ...)
{
	char msg[1024], *safe;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	safe = cs_text_escape(CS_TEXT_TERMINAL, msg);
	fprintf(stderr, "%s: %s\n", cs_prog, safe ? safe : msg);
	free(safe);
}

int cs_write_error(const char *what)
{
	int err = errno;

	cs_error("cannot write to %s: %s", what,
		 err ? strerror(err) : "write error");
	return CS_EXIT_IOERR;
}

int cs_bad_option(const char *cmd, int c, char **argv)
{
	char opt[64];

	const char *arg = optind > 0 ? argv[optind - 1] : "";

	/* A long option is named as given, a short one by its letter. */
	if (!strncmp(arg, "--", 2) || !optopt)
		snprintf(opt, sizeof(opt), "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(opt, sizeof(opt), "-%c", optopt);
	if (c == ':')
		cs_error("%s: option %s needs a value (see ctxscope %s --help)",
			 cmd, opt, cmd);
	else
		cs_error("%s: unknown option %s (see ctxscope %s --help)", cmd,
			 opt, cmd);
	return CS_EXIT_USAGE;
}

int cs_report(enum cs_status st, const char *detail)
{
	switch (st) {
	case CS_OK:
		return CS_EXIT_OK;
	case CS_ERR_NOMODULE:
		cs_error("the ctxscope module is not loaded (%s): load it with 'sudo modprobe ctxscope' or 'sudo insmod ctxscope.ko'",
			 detail);
		return CS_EXIT_NOMODULE;
	case CS_ERR_ACCESS:
		cs_error("%s: run as root, or load the module with tasks_mode=0444",
			 detail);
		return CS_EXIT_NOPERM;
	case CS_ERR_FORMAT:
		cs_error("%s", detail);
		return CS_EXIT_DATAERR;
	case CS_ERR_PARSE:
		cs_error("%s: malformed (are the module and ctxscope of matching versions?)",
			 detail);
		return CS_EXIT_DATAERR;
	case CS_ERR_IO:
		cs_error("%s", detail);
		return CS_EXIT_IOERR;
	case CS_ERR_NOMEM:
		cs_error("out of memory");
		return CS_EXIT_SOFTWARE;
	case CS_ERR_TIMEOUT:
	case CS_ERR_TOOBIG:
		cs_error("%s", detail);
		return CS_EXIT_IOERR;
	}
	return CS_EXIT_SOFTWARE;
}

/* The keys and columns the commands rely on: all of format 1. */
static const char *const summary_keys[] = {
	"switches", "switches_process", "switches_thread", "switches_kernel",
	"switches_idle", "voluntary", "involuntary", "since_ns", NULL
};

#define CS_SWITCH_COLS "switches", "voluntary", "involuntary", "to_process", \
	"to_thread", "to_kernel", "to_idle"

static const struct {
	const char *file;
	const char *const cols[24];
} table_cols[] = {
	{ "cpus", { "cpu", "online", "switches", "switches_process",
		    "switches_thread", "switches_kernel", "switches_idle",
		    "voluntary", "involuntary", "mm_switches",
		    "lazy_switches", NULL } },
	{ "tasks", { "pid", "tgid", CS_SWITCH_COLS, "migrations",
		     "kstack_max", "ustack_max", "comm", NULL } },
	{ "processes", { "tgid", "ppid", "cgroup", "threads",
			 "threads_exited", CS_SWITCH_COLS, "kstack_max",
			 "ustack_max", "comm", NULL } },
	{ "cgroups", { "cgroup", "processes", "processes_exited",
		       CS_SWITCH_COLS, NULL } },
	{ "exited", { "seq", "tgid", "ppid", "cgroup", "threads",
		      CS_SWITCH_COLS, "kstack_max", "ustack_max", "comm",
		      NULL } },
};

const char *const *cs_required(const char *file)
{
	size_t i;

	if (!strcmp(file, "summary"))
		return summary_keys;
	for (i = 0; i < sizeof(table_cols) / sizeof(table_cols[0]); i++)
		if (!strcmp(file, table_cols[i].file))
			return table_cols[i].cols;
	return NULL;
}

int cs_load_summary(struct cs_summary *s)
{
	char detail[CS_DETAIL_MAX] = "", path[256];
	enum cs_status st;

	snprintf(path, sizeof(path), "%s/summary", cs_proc_dir());
	st = cs_summary_read(path, s, detail);
	if (st == CS_OK && cs_summary_require(s, summary_keys, detail)) {
		char missing[CS_DETAIL_MAX + 260];

		snprintf(missing, sizeof(missing), "%s: %s", path, detail);
		cs_summary_free(s);
		return cs_report(CS_ERR_PARSE, missing);
	}
	return cs_report(st, detail);
}

/*
 * A per-task file that does not exist while the summary does: the module
 * is loaded with its per-task table disabled.
 */
static bool tasks_disabled(void)
{
	char detail[CS_DETAIL_MAX], path[256];
	struct cs_summary s;
	uint64_t cap = 1;

	snprintf(path, sizeof(path), "%s/summary", cs_proc_dir());
	if (cs_summary_read(path, &s, detail) != CS_OK)
		return false;
	if (cs_summary_get(&s, "tasks_capacity", &cap))
		cap = 1;
	cs_summary_free(&s);
	return cap == 0;
}

int cs_load_table(const char *file, struct cs_table *t)
{
	char detail[CS_DETAIL_MAX] = "", path[256];
	enum cs_status st;

	snprintf(path, sizeof(path), "%s/%s", cs_proc_dir(), file);
	st = cs_table_read(path, t, detail);
	if (st == CS_ERR_NOMODULE && strcmp(file, "cpus") != 0 &&
	    tasks_disabled()) {
		cs_error("%s: the module was loaded with max_tasks=0 (no per-task table): reload it with max_tasks=32768 or more",
			 path);
		return CS_EXIT_CONFIG;
	}
	if (st)
		return cs_report(st, detail);
	if (cs_table_require(t, cs_required(file), detail)) {
		char missing[CS_DETAIL_MAX + 260];

		snprintf(missing, sizeof(missing), "%s: %s", path, detail);
		cs_table_free(t);
		return cs_report(CS_ERR_PARSE, missing);
	}
	return 0;
}

uint64_t cs_get(const struct cs_summary *s, const char *key)
{
	uint64_t v = 0;

	cs_summary_get(s, key, &v);
	return v;
}

bool cs_has(const struct cs_summary *s, const char *key)
{
	uint64_t v;

	return cs_summary_get(s, key, &v) == 0;
}

uint64_t cs_cell(const struct cs_table *t, size_t row, const char *col)
{
	int c = cs_table_col(t, col);

	return c < 0 ? 0 : cs_table_num(t, row, c);
}

const char *cs_thousands(uint64_t v, char *buf, size_t len)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%llu",
			 (unsigned long long)v);
	size_t o = 0;
	int i;

	for (i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

const char *cs_thousands_f(double v, int decimals, char *buf, size_t len)
{
	char whole[32], frac[32] = "";
	double ip;
	double fp = modf(v < 0 ? -v : v, &ip);
	int n;

	/* Round first, so that 9.96 with 1 decimal gives 10.0. */
	n = snprintf(frac, sizeof(frac), "%.*f", decimals, fp);
	if (n > 0 && frac[0] == '1') {
		ip += 1;
		frac[0] = '0';
	}
	cs_thousands(cs_u64(ip), whole, sizeof(whole));
	snprintf(buf, len, "%s%s%s", v < 0 ? "-" : "", whole,
		 decimals > 0 ? frac + 1 : "");
	return buf;
}

int cs_term_width(int def)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		return ws.ws_col;
	return def;
}

int cs_term_height(int def)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_row > 0)
		return ws.ws_row;
	return def;
}

double cs_parse_seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 86400)
		return -1;
	return v;
}

long long cs_parse_uint(const char *s, long long max)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	return v;
}

int cs_set_interval(const char *cmd, const char *arg, double *v)
{
	double s = cs_parse_seconds(arg);

	if (s < 0) {
		cs_error("%s: invalid interval '%s': give seconds, e.g. 1 or 0.5",
			 cmd, arg);
		return CS_EXIT_USAGE;
	}
	if (s < CS_MIN_INTERVAL) {
		cs_error("%s: interval %s is too short: at least %.1f s (shorter ones would measure ctxscope's own reads)",
			 cmd, arg, CS_MIN_INTERVAL);
		return CS_EXIT_USAGE;
	}
	*v = s;
	return 0;
}

int cs_set_count(const char *cmd, const char *arg, long long *v)
{
	long long n = cs_parse_uint(arg, 1000000000);

	if (n <= 0) {
		cs_error("%s: invalid count '%s': give a positive number", cmd,
			 arg);
		return CS_EXIT_USAGE;
	}
	*v = n;
	return 0;
}

int cs_positional_interval(const char *cmd, int argc, char **argv, int first,
			   double *interval, long long *count, int *given)
{
	*given = 0;
	if (first < argc) {
		if (cs_set_interval(cmd, argv[first], interval))
			return CS_EXIT_USAGE;
		*given = 1;
	}
	if (first + 1 < argc) {
		if (cs_set_count(cmd, argv[first + 1], count))
			return CS_EXIT_USAGE;
		*given = 2;
	}
	if (first + 2 < argc) {
		cs_error("%s: unexpected argument '%s': the arguments are [interval [count]]",
			 cmd, argv[first + 2]);
		return CS_EXIT_USAGE;
	}
	return 0;
}

int cs_pids_add(struct cs_pids *p, const char *cmd, const char *list)
{
	const char *s = list;

	for (;;) {
		size_t len = strcspn(s, ",");
		char one[24];
		long long pid;

		snprintf(one, sizeof(one), "%.*s", (int)(len < 23 ? len : 23), s);
		pid = len < 23 ? cs_parse_uint(one, INT_MAX) : -1;
		if (pid <= 0) {
			cs_error("%s: invalid pid '%.*s' in '%s': give PID[,PID...]",
				 cmd, (int)len, s, list);
			return CS_EXIT_USAGE;
		}
		if (!cs_pids_has(p, (int)pid)) {
			if (p->n == p->cap) {
				size_t cap = p->cap ? 2 * p->cap : 8;
				int *v = realloc(p->v, cap * sizeof(*v));

				if (!v) {
					cs_error("out of memory");
					return CS_EXIT_SOFTWARE;
				}
				p->v = v;
				p->cap = cap;
			}
			p->v[p->n++] = (int)pid;
		}
		if (!s[len])
			return 0;
		s += len + 1;
	}
}

bool cs_pids_has(const struct cs_pids *p, int pid)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i] == pid)
			return true;
	return false;
}

void cs_pids_free(struct cs_pids *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

void cs_sleep_until(double deadline, const volatile sig_atomic_t *stop)
{
	struct timespec ts = {
		.tv_sec = (time_t)deadline,
		.tv_nsec = (long)((deadline - floor(deadline)) * 1e9),
	};

	while (!*stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					 NULL) == EINTR)
		;
}

double cs_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t cs_u64(double v)
{
	if (!(v > 0))
		return 0;
	if (v >= 18446744073709549568.0)	/* the largest double < 2^64 */
		return UINT64_MAX;
	/* From 2^53 on, every double is a whole number already. */
	return v < 9007199254740992.0 ? (uint64_t)llround(v) : (uint64_t)v;
}

double cs_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool cs_under_qemu(void)
{
	char vendor[64] = "";
	FILE *f = fopen("/sys/class/dmi/id/sys_vendor", "re");

	if (!f)
		return false;
	if (!fgets(vendor, sizeof(vendor), f))
		vendor[0] = '\0';
	fclose(f);
	return strncmp(vendor, "QEMU", 4) == 0;
}
