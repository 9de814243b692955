// SPDX-License-Identifier: GPL-2.0
/*
 * What every ctxscope command shares; see common.h.
 */
#define _GNU_SOURCE

#include "common.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

const char *cs_prog = "ctxscope";

void cs_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cs_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
		cs_error("cannot parse /proc/ctxscope (%s): install matching versions of the module and ctxscope",
			 detail);
		return CS_EXIT_DATAERR;
	case CS_ERR_IO:
		cs_error("%s", detail);
		return CS_EXIT_IOERR;
	case CS_ERR_NOMEM:
		cs_error("out of memory");
		return CS_EXIT_SOFTWARE;
	}
	return CS_EXIT_SOFTWARE;
}

int cs_load_summary(struct cs_summary *s)
{
	char detail[CS_DETAIL_MAX] = "", path[256];

	snprintf(path, sizeof(path), "%s/summary", cs_proc_dir());
	return cs_report(cs_summary_read(path, s, detail), detail);
}

int cs_load_table(const char *file, struct cs_table *t)
{
	char detail[CS_DETAIL_MAX] = "", path[256];

	snprintf(path, sizeof(path), "%s/%s", cs_proc_dir(), file);
	return cs_report(cs_table_read(path, t, detail), detail);
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
	cs_thousands((uint64_t)ip, whole, sizeof(whole));
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
