/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every ctxscope command shares: exit statuses, error messages that
 * name the fix, number formatting and reading the /proc files.
 */
#ifndef CTXSCOPE_COMMON_H
#define CTXSCOPE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "procfile.h"

/* Exit statuses (sysexits.h values), documented in ctxscope(1). */
enum cs_exit {
	CS_EXIT_OK = 0,
	CS_EXIT_USAGE = 64,		/* bad command line */
	CS_EXIT_DATAERR = 65,		/* /proc format not understood */
	CS_EXIT_NOINPUT = 66,		/* no such task */
	CS_EXIT_NOMODULE = 69,		/* module not loaded */
	CS_EXIT_SOFTWARE = 70,		/* internal error, out of memory */
	CS_EXIT_OSERR = 71,		/* fork, cgroup, ... failed */
	CS_EXIT_IOERR = 74,		/* reading /proc failed */
	CS_EXIT_NOPERM = 77,		/* permission denied */
	CS_EXIT_CANNOT_EXEC = 126,	/* CMD found but not executable */
	CS_EXIT_NOT_FOUND = 127,	/* CMD not found */
};

extern const char *cs_prog;

/* Prints "ctxscope: <message>" on stderr. */
void cs_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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

/* Reads the summary, or reports why not; 0 or an exit status. */
int cs_load_summary(struct cs_summary *s);
/* Reads /proc/ctxscope/<file> as a table, or reports why not. */
int cs_load_table(const char *file, struct cs_table *t);

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

double cs_monotonic(void);

/* Whether ctxscope runs in a QEMU guest (times are then emulated). */
bool cs_under_qemu(void);

#endif /* CTXSCOPE_COMMON_H */
