// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing the /proc/ctxscope files; see procfile.h and
 * docs/proc-interface.md.
 */
#define _POSIX_C_SOURCE 200809L

#include "procfile.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void set_detail(char *detail, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_detail(char *detail, const char *fmt, ...)
{
	if (detail) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(detail, CS_DETAIL_MAX, fmt, ap);
		va_end(ap);
	}
}

/* Records the detail and evaluates to the status. */
#define fail(detail, st, ...) (set_detail((detail), __VA_ARGS__), (st))

const char *cs_proc_dir(void)
{
	const char *dir = getenv("CTXSCOPE_PROC");

	return dir && *dir ? dir : CS_PROC_DIR;
}

const char *cs_status_str(enum cs_status st)
{
	switch (st) {
	case CS_OK:
		return "ok";
	case CS_ERR_NOMODULE:
		return "ctxscope module not loaded";
	case CS_ERR_ACCESS:
		return "permission denied";
	case CS_ERR_FORMAT:
		return "unsupported /proc/ctxscope format";
	case CS_ERR_PARSE:
		return "malformed /proc/ctxscope data";
	case CS_ERR_IO:
		return "read error";
	case CS_ERR_NOMEM:
		return "out of memory";
	case CS_ERR_TIMEOUT:
		return "read timed out";
	case CS_ERR_TOOBIG:
		return "/proc/ctxscope file too large";
	}
	return "unknown error";
}

/* How long a read refused with EAGAIN is tried again, in 5 ms steps. */
#define CS_EAGAIN_TRIES 400

static void sleep_5ms(void)
{
	struct timespec ts = { 0, 5000000 };

	nanosleep(&ts, NULL);
}

static double monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Waits until fd has data or the deadline passes: 0, or -1 on timeout.
 * /proc files are always ready; a FIFO (a test's slow file) may not be.
 */
static int wait_readable(int fd, double deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = deadline - monotonic_now();
		int n;

		if (left <= 0)
			return -1;
		n = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return 0;	/* let read() report it */
	}
}

enum cs_status cs_read_fd_bounded(int fd, const char *path,
				  const struct cs_read_bounds *b, char **bufp,
				  size_t *lenp, char *detail)
{
	size_t cap = 4096, len = 0;
	double deadline = b ? b->deadline : 0;
	size_t max = b && b->max_bytes ? b->max_bytes : SIZE_MAX - 1;
	char *buf, *bigger;
	int busy = 0;

	buf = malloc(cap);
	if (!buf)
		return fail(detail, CS_ERR_NOMEM, "%s: out of memory", path);
	for (;;) {
		if (cap - len < 2) {
			bigger = cap <= max ? realloc(buf, cap * 2) : NULL;
			if (!bigger) {
				free(buf);
				if (cap > max)
					return fail(detail, CS_ERR_TOOBIG,
						    "%s: larger than %zu bytes",
						    path, max);
				return fail(detail, CS_ERR_NOMEM,
					    "%s: out of memory", path);
			}
			buf = bigger;
			cap *= 2;
		}
		if (deadline > 0 && wait_readable(fd, deadline)) {
			free(buf);
			return fail(detail, CS_ERR_TIMEOUT,
				    "%s: read timed out after %zu bytes", path,
				    len);
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/*
			 * The module refuses a batch of processes or cgroups
			 * rows while too many exits wait for readers; the
			 * same read, again, goes on where it stopped: for
			 * 2 s, or until the deadline.
			 */
			if (errno == EAGAIN && ++busy &&
			    (deadline > 0 ? monotonic_now() < deadline :
			     busy < CS_EAGAIN_TRIES)) {
				sleep_5ms();
				continue;
			}
			int err = errno;

			free(buf);
			if (err == EAGAIN && deadline > 0)
				return fail(detail, CS_ERR_TIMEOUT,
					    "%s: the module refused %d reads until the deadline (EAGAIN: too many exited tasks wait for readers to finish)",
					    path, busy);
			if (err == EAGAIN)
				return fail(detail, CS_ERR_IO,
					    "%s: the module refused %d reads over 2 s (EAGAIN: too many exited tasks wait for readers to finish); try again",
					    path, busy);
			/* EIO: the module was unloaded while we read. */
			return fail(detail, err == EIO ? CS_ERR_NOMODULE :
				    CS_ERR_IO, "%s: %s", path, strerror(err));
		}
		len += (size_t)n;
		if (len > max) {
			free(buf);
			return fail(detail, CS_ERR_TOOBIG,
				    "%s: larger than %zu bytes", path, max);
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return CS_OK;
}

enum cs_status cs_read_fd(int fd, const char *path, char **bufp,
			  size_t *lenp, char *detail)
{
	return cs_read_fd_bounded(fd, path, NULL, bufp, lenp, detail);
}

enum cs_status cs_read_file_bounded(const char *path,
				    const struct cs_read_bounds *b,
				    char **bufp, size_t *lenp, char *detail)
{
	enum cs_status st;
	int fd;

	/* O_NONBLOCK: opening a FIFO (a test's slow file) must not wait. */
	fd = open(path, O_RDONLY | O_CLOEXEC | (b ? O_NONBLOCK : 0));
	if (fd < 0) {
		int err = errno;

		if (err == ENOENT)
			return fail(detail, CS_ERR_NOMODULE, "%s: %s", path,
				    strerror(err));
		if (err == EACCES || err == EPERM)
			return fail(detail, CS_ERR_ACCESS, "%s: %s", path,
				    strerror(err));
		return fail(detail, CS_ERR_IO, "%s: %s", path, strerror(err));
	}
	st = cs_read_fd_bounded(fd, path, b, bufp, lenp, detail);
	close(fd);
	return st;
}

enum cs_status cs_read_file(const char *path, char **bufp, size_t *lenp,
			    char *detail)
{
	return cs_read_file_bounded(path, NULL, bufp, lenp, detail);
}

/* Parses a whole decimal u64 token; rejects signs, blanks and overflow. */
/* "line 3: ..." becomes "/proc/ctxscope/tasks: line 3: ...". */
static void prefix_path(char *detail, const char *path)
{
	char tmp[CS_DETAIL_MAX];

	if (!detail)
		return;
	snprintf(tmp, sizeof(tmp), "%s", detail);
	set_detail(detail, "%s: %s", path, tmp);
}

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (d > 9)
			return -1;
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int valid_key(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Counts lines; the text must end in a newline (else it was cut short). */
static enum cs_status count_lines(const char *text, size_t len, size_t *n,
				  char *detail)
{
	size_t i, lines = 0;

	*n = 0;
	if (len == 0)
		return fail(detail, CS_ERR_PARSE, "line 1: empty file");
	for (i = 0; i < len; i++) {
		if (text[i] == '\0')
			return fail(detail, CS_ERR_PARSE, "line %zu: NUL byte",
				    lines + 1);
		if (text[i] == '\n')
			lines++;
	}
	if (text[len - 1] != '\n' || lines == 0)
		return fail(detail, CS_ERR_PARSE,
			    "line %zu: truncated (no newline at the end)",
			    lines + 1);
	*n = lines;
	return CS_OK;
}

static enum cs_status check_format(unsigned long long fmt, char *detail)
{
	if (fmt == 0 || fmt > CS_FORMAT_SUPPORTED)
		return fail(detail, CS_ERR_FORMAT,
			    "/proc/ctxscope format %llu, this ctxscope reads format %d: install matching versions of the module and ctxscope",
			    fmt, CS_FORMAT_SUPPORTED);
	return CS_OK;
}

void cs_summary_free(struct cs_summary *s)
{
	free(s->kv);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/* Index of key among the first n pairs, or -1. */
static long find_key(const struct cs_kv *kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return (long)i;
	return -1;
}

enum cs_status cs_summary_parse(const char *text, size_t len,
				struct cs_summary *s, char *detail)
{
	enum cs_status st;
	size_t lines, n = 0, line_no = 0;
	struct cs_kv *kv;
	char *buf, *p, *end;

	memset(s, 0, sizeof(*s));
	st = count_lines(text, len, &lines, detail);
	if (st)
		return st;
	buf = malloc(len + 1);
	kv = calloc(lines, sizeof(*kv));
	if (!buf || !kv) {
		st = fail(detail, CS_ERR_NOMEM, "out of memory");
		goto err;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';

	for (p = buf; p < buf + len; p = end + 1) {
		char *sp;
		uint64_t v;

		end = memchr(p, '\n', (size_t)(buf + len - p));
		if (!end)
			break;
		*end = '\0';
		line_no++;
		sp = strchr(p, ' ');
		if (!sp || !valid_key(p, (size_t)(sp - p)) ||
		    parse_u64(sp + 1, strlen(sp + 1), &v)) {
			st = fail(detail, CS_ERR_PARSE,
				  "line %zu: expected \"key value\"", line_no);
			goto err;
		}
		*sp = '\0';
		if (line_no == 1) {
			if (strcmp(p, "format") != 0) {
				st = fail(detail, CS_ERR_FORMAT,
					  "line 1: not \"format N\"");
				goto err;
			}
			st = check_format(v, detail);
			if (st)
				goto err;
			s->format = (unsigned int)v;
			continue;
		}
		if (find_key(kv, n, p) >= 0) {
			st = fail(detail, CS_ERR_PARSE,
				  "line %zu: duplicate key %s", line_no, p);
			goto err;
		}
		kv[n].key = p;
		kv[n].value = v;
		n++;
	}
	s->buf = buf;
	s->kv = kv;
	s->n = n;
	return CS_OK;
err:
	free(kv);
	free(buf);
	memset(s, 0, sizeof(*s));
	return st;
}

enum cs_status cs_summary_read(const char *path, struct cs_summary *s,
			       char *detail)
{
	enum cs_status st;
	size_t len = 0;
	char *buf = NULL;

	memset(s, 0, sizeof(*s));
	st = cs_read_file(path, &buf, &len, detail);
	if (st)
		return st;
	st = cs_summary_parse(buf, len, s, detail);
	free(buf);
	if (st)
		prefix_path(detail, path);
	return st;
}

int cs_summary_get(const struct cs_summary *s, const char *key,
		   uint64_t *value)
{
	long i = find_key(s->kv, s->n, key);

	if (i < 0)
		return -1;
	*value = s->kv[i].value;
	return 0;
}

/* Undoes the kernel's seq_escape(): \ooo octal escapes, in place. */
static int unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (*s != '\\') {
			*out++ = *s++;
			continue;
		}
		if (s[1] < '0' || s[1] > '3' || s[2] < '0' || s[2] > '7' ||
		    s[3] < '0' || s[3] > '7')
			return -1;
		*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				(s[3] - '0'));
		s += 4;
	}
	*out = '\0';
	return 0;
}

static int is_string_column(const char *name)
{
	return !strcmp(name, "comm");
}

void cs_table_free(struct cs_table *t)
{
	free(t->cols);
	free(t->num);
	free(t->str);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

/* Index of name among the first n columns, or -1. */
static int find_col(const char *const *cols, size_t n, const char *name)
{
	size_t c;

	for (c = 0; c < n; c++)
		if (!strcmp(cols[c], name))
			return (int)c;
	return -1;
}

/* Splits a line at single spaces into at most max fields. */
static size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line, *sp;

	for (;;) {
		if (n == max)
			return max + 1;
		fields[n++] = p;
		sp = strchr(p, ' ');
		if (!sp)
			return n;
		*sp = '\0';
		p = sp + 1;
	}
}

enum cs_status cs_table_parse(const char *text, size_t len,
			      struct cs_table *t, char *detail)
{
	enum cs_status st;
	size_t lines, nf, c, row = 0;
	char *p, *end, **fields = NULL;

	memset(t, 0, sizeof(*t));
	st = count_lines(text, len, &lines, detail);
	if (st)
		return st;
	t->buf = malloc(len + 1);
	if (!t->buf)
		return fail(detail, CS_ERR_NOMEM, "out of memory");
	memcpy(t->buf, text, len);
	t->buf[len] = '\0';

	/* Header: as many columns as it has spaces plus one. */
	end = strchr(t->buf, '\n');
	*end = '\0';
	t->ncols = 1;
	for (p = t->buf; *p; p++)
		t->ncols += *p == ' ';
	t->cols = calloc(t->ncols, sizeof(*t->cols));
	fields = calloc(t->ncols + 1, sizeof(*fields));
	t->num = calloc((lines - 1) * t->ncols + 1, sizeof(*t->num));
	t->str = calloc((lines - 1) * t->ncols + 1, sizeof(*t->str));
	if (!t->cols || !fields || !t->num || !t->str) {
		st = fail(detail, CS_ERR_NOMEM, "out of memory");
		goto err;
	}
	if (split_fields(t->buf, fields, t->ncols) != t->ncols) {
		st = fail(detail, CS_ERR_PARSE, "line 1: cannot split");
		goto err;
	}
	for (c = 0; c < t->ncols; c++) {
		if (!valid_key(fields[c], strlen(fields[c]))) {
			st = fail(detail, CS_ERR_PARSE,
				  "line 1: bad column name \"%.32s\"",
				  fields[c]);
			goto err;
		}
		t->cols[c] = fields[c];
		if (find_col(t->cols, c, fields[c]) >= 0) {
			st = fail(detail, CS_ERR_PARSE,
				  "line 1: column %.32s appears twice",
				  fields[c]);
			goto err;
		}
	}

	for (p = end + 1; p < t->buf + len; p = end + 1) {
		end = strchr(p, '\n');
		*end = '\0';
		nf = split_fields(p, fields, t->ncols);
		if (nf != t->ncols) {
			st = fail(detail, CS_ERR_PARSE,
				  "line %zu: %zu fields, header has %zu",
				  row + 2, nf > t->ncols ? nf - 1 : nf,
				  t->ncols);
			goto err;
		}
		for (c = 0; c < t->ncols; c++) {
			size_t i = row * t->ncols + c;

			if (is_string_column(t->cols[c])) {
				if (unescape(fields[c]))
					goto bad_field;
				t->str[i] = fields[c];
			} else if (parse_u64(fields[c], strlen(fields[c]),
					     &t->num[i])) {
				goto bad_field;
			}
			continue;
bad_field:
			st = fail(detail, CS_ERR_PARSE,
				  "line %zu: bad value in column %s", row + 2,
				  t->cols[c]);
			goto err;
		}
		row++;
	}
	t->nrows = row;
	free(fields);
	return CS_OK;
err:
	free(fields);
	cs_table_free(t);
	return st;
}

enum cs_status cs_table_read(const char *path, struct cs_table *t,
			     char *detail)
{
	enum cs_status st;
	size_t len = 0;
	char *buf = NULL;

	memset(t, 0, sizeof(*t));
	st = cs_read_file(path, &buf, &len, detail);
	if (st)
		return st;
	st = cs_table_parse(buf, len, t, detail);
	free(buf);
	if (st)
		prefix_path(detail, path);
	return st;
}

int cs_table_col(const struct cs_table *t, const char *name)
{
	return find_col(t->cols, t->ncols, name);
}

uint64_t cs_table_num(const struct cs_table *t, size_t row, int col)
{
	if (col < 0 || (size_t)col >= t->ncols || row >= t->nrows)
		return 0;
	return t->num[row * t->ncols + (size_t)col];
}

const char *cs_table_str(const struct cs_table *t, size_t row, int col)
{
	if (col < 0 || (size_t)col >= t->ncols || row >= t->nrows)
		return NULL;
	return t->str[row * t->ncols + (size_t)col];
}

enum cs_status cs_table_require(const struct cs_table *t,
				const char *const *names, char *detail)
{
	for (; names && *names; names++)
		if (cs_table_col(t, *names) < 0)
			return fail(detail, CS_ERR_PARSE,
				    "line 1: no column %s", *names);
	return CS_OK;
}

enum cs_status cs_summary_require(const struct cs_summary *s,
				  const char *const *keys, char *detail)
{
	uint64_t v;

	for (; keys && *keys; keys++)
		if (cs_summary_get(s, *keys, &v))
			return fail(detail, CS_ERR_PARSE, "no key %s", *keys);
	return CS_OK;
}
