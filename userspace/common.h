/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every ctxscope command shares: exit statuses, error messages that
 * name the fix, number formatting and reading the /proc files.
 */
#ifndef CTXSCOPE_COMMON_H
#define CTXSCOPE_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "procfile.h"

#ifndef CTXSCOPE_VERSION
#define CTXSCOPE_VERSION "unknown"	/* the Makefile gives module/'s */
#endif

/* Exit statuses (sysexits.h values), documented in ctxscope(1). */
enum cs_exit {
	CS_EXIT_OK = 0,
	CS_EXIT_USAGE = 64,		/* bad command line */
	CS_EXIT_DATAERR = 65,		/* /proc format not understood */
	CS_EXIT_NOINPUT = 66,		/* no such task */
	CS_EXIT_NOMODULE = 69,		/* module not loaded */
	CS_EXIT_SOFTWARE = 70,		/* internal error, out of memory */
	CS_EXIT_OSERR = 71,		/* fork, cgroup, ... failed */
	CS_EXIT_CANTCREAT = 73,		/* cannot create the output file */
	CS_EXIT_IOERR = 74,		/* reading /proc or writing failed */
	CS_EXIT_NOPERM = 77,		/* permission denied */
	CS_EXIT_CONFIG = 78,		/* module loaded with max_tasks=0 */
	CS_EXIT_CANNOT_EXEC = 126,	/* CMD found but not executable */
	CS_EXIT_NOT_FOUND = 127,	/* CMD not found */
};

extern const char *cs_prog;

/*
 * Prints "ctxscope: <message>" on stderr, made terminal-safe (a message
 * may quote a task name or a command line).
 */
void cs_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Reports that writing the output failed (what: "standard output", a
 * file name) with errno's reason, and returns CS_EXIT_IOERR.
 */
int cs_write_error(const char *what);

/*
 * Reports a bad option of a command in one line (getopt_long returned c:
 * '?' unknown, ':' missing value) and returns CS_EXIT_USAGE. Commands
 * parse with opterr = 0 and a leading ':' in their option string.
 */
int cs_bad_option(const char *cmd, int c, char **argv);

/*
 * Reports a failed /proc read with the fix for its cause and returns the
 * exit status to use.
 */
int cs_report(enum cs_status st, const char *detail);

/*
 * Reads the summary, or reports why not; 0 or an exit status. The keys
 * every command relies on must be there, else it is malformed.
 */
int cs_load_summary(struct cs_summary *s);
/*
 * Reads /proc/ctxscope/<file> as a table, or reports why not: with the
 * file and line of what is malformed, a column the commands need that is
 * missing, or a per-task file absent because the module was loaded with
 * max_tasks=0.
 */
int cs_load_table(const char *file, struct cs_table *t);
/*
 * The columns of /proc/ctxscope/<file> (the summary's keys for
 * "summary") the commands rely on, NULL-terminated: a file without one of
 * them is malformed. NULL for a file ctxscope does not know.
 */
const char *const *cs_required(const char *file);

/* A summary key, or 0 if absent (keys of later formats). */
uint64_t cs_get(const struct cs_summary *s, const char *key);
bool cs_has(const struct cs_summary *s, const char *key);
/* A column of a row, or 0 if the column is absent. */
uint64_t cs_cell(const struct cs_table *t, size_t row, const char *col);

/* 1234567 -> "1,234,567" into buf (at least 32 bytes). */
const char *cs_thousands(uint64_t v, char *buf, size_t len);
/* 1234.5 -> "1,234.5" with the given decimals. */
const char *cs_thousands_f(double v, int decimals, char *buf, size_t len);

/* Columns of the terminal on stdout, or def if it is not one. */
int cs_term_width(int def);
int cs_term_height(int def);

/* Parses a positive number of seconds ("0.5", "2"); -1 if invalid. */
double cs_parse_seconds(const char *s);
/* Parses an unsigned decimal; -1 if invalid or above max. */
long long cs_parse_uint(const char *s, long long max);

/* Intervals shorter than this would measure ctxscope's own reads. */
#define CS_MIN_INTERVAL 0.1

/*
 * An interval (-i or positional): 0 and sets *v, or reports the problem
 * ("cmd: invalid interval ...", below CS_MIN_INTERVAL) and returns
 * CS_EXIT_USAGE.
 */
int cs_set_interval(const char *cmd, const char *arg, double *v);
int cs_set_count(const char *cmd, const char *arg, long long *v);
/*
 * The positional "[interval [count]]" of argv[first..argc): sets what is
 * given (*given: how many), or reports and returns CS_EXIT_USAGE.
 */
int cs_positional_interval(const char *cmd, int argc, char **argv, int first,
			   double *interval, long long *count, int *given);

/* A set of pids from -p PID[,PID...], repeatable. */
struct cs_pids {
	int *v;
	size_t n, cap;
};

/* Adds the pids of a comma list; 0, or reports and returns CS_EXIT_USAGE. */
int cs_pids_add(struct cs_pids *p, const char *cmd, const char *list);
bool cs_pids_has(const struct cs_pids *p, int pid);
void cs_pids_free(struct cs_pids *p);

/*
 * Sleeps until CLOCK_MONOTONIC reaches deadline or *stop is set by a
 * signal handler.
 */
void cs_sleep_until(double deadline, const volatile sig_atomic_t *stop);

double cs_monotonic(void);
/* Unix time, with its fractions. */
double cs_realtime(void);

/*
 * v as an unsigned 64-bit integer, rounded: NaN and negative values give
 * 0, values beyond the range the largest.
 */
uint64_t cs_u64(double v);

/* Whether ctxscope runs in a QEMU guest (times are then emulated). */
bool cs_under_qemu(void);

#endif /* CTXSCOPE_COMMON_H */
