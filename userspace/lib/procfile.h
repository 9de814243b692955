/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing the /proc/ctxscope files (docs/proc-interface.md).
 *
 * Two shapes exist: "key value" files (summary) and tables (cpus, tasks,
 * processes: a header line naming the columns, then one row per line).
 * Columns are found by name, never by position, so that columns added in
 * later versions of the same format do not break this parser. Every value
 * is an unsigned decimal integer except the columns named "comm", which
 * are strings with space, tab, newline and backslash escaped as \ooo octal.
 *
 * Nothing here prints or exits: every function returns a cs_status and, on
 * error, fills a short human-readable detail that names the line ("line
 * 3: 14 fields, header has 15") and, for the *_read functions, the file.
 */
#ifndef CTXSCOPE_PROCFILE_H
#define CTXSCOPE_PROCFILE_H

#include <stddef.h>
#include <stdint.h>

/* The newest /proc/ctxscope format this code understands. */
#define CS_FORMAT_SUPPORTED 1

#define CS_PROC_DIR "/proc/ctxscope"

/*
 * The directory the ctxscope command reads: CS_PROC_DIR, or the value of
 * the environment variable CTXSCOPE_PROC (for tests on captured files).
 */
const char *cs_proc_dir(void);

enum cs_status {
	CS_OK = 0,
	CS_ERR_NOMODULE,	/* the file does not exist: module not loaded */
	CS_ERR_ACCESS,		/* permission denied */
	CS_ERR_FORMAT,		/* missing or newer "format" than supported */
	CS_ERR_PARSE,		/* malformed or truncated content */
	CS_ERR_IO,		/* any other read error */
	CS_ERR_NOMEM,
	CS_ERR_TIMEOUT,		/* a bounded read passed its deadline */
	CS_ERR_TOOBIG,		/* a bounded read passed its size */
};

#define CS_DETAIL_MAX 320

struct cs_kv {
	const char *key;
	uint64_t value;
};

struct cs_summary {
	unsigned int format;
	size_t n;
	struct cs_kv *kv;
	char *buf;		/* owns the key strings */
};

struct cs_table {
	size_t ncols;
	const char **cols;	/* column names, pointing into buf */
	size_t nrows;
	uint64_t *num;		/* nrows * ncols; 0 in string columns */
	const char **str;	/* nrows * ncols; NULL in number columns */
	char *buf;		/* owns the names and the unescaped strings */
};

const char *cs_status_str(enum cs_status st);

/* Reads a whole file; *buf is NUL-terminated and must be freed. */
enum cs_status cs_read_file(const char *path, char **buf, size_t *len,
			    char *detail);
/*
 * The same from an open descriptor (path: for messages). A read refused
 * with EAGAIN (the module holds off readers of processes and cgroups
 * while exits wait: docs/proc-interface.md) is tried again every 5 ms
 * for up to 2 s, then given up with CS_ERR_IO and a detail that says so.
 */
enum cs_status cs_read_fd(int fd, const char *path, char **buf, size_t *len,
			  char *detail);

/*
 * Bounds of a read, for a reader that must answer in time (the
 * exporter): a CLOCK_MONOTONIC deadline in seconds (0: none), until which
 * EAGAIN is tried again and data is waited for (CS_ERR_TIMEOUT after it),
 * and a size in bytes (0: none; CS_ERR_TOOBIG beyond it). A NULL bounds
 * is the unbounded read above.
 */
struct cs_read_bounds {
	double deadline;
	size_t max_bytes;
};

enum cs_status cs_read_fd_bounded(int fd, const char *path,
				  const struct cs_read_bounds *b, char **buf,
				  size_t *len, char *detail);
enum cs_status cs_read_file_bounded(const char *path,
				    const struct cs_read_bounds *b,
				    char **buf, size_t *len, char *detail);

enum cs_status cs_summary_parse(const char *text, size_t len,
				struct cs_summary *s, char *detail);
enum cs_status cs_summary_read(const char *path, struct cs_summary *s,
			       char *detail);
void cs_summary_free(struct cs_summary *s);
/* Returns 0 and sets *value, or -1 if the key is absent. */
int cs_summary_get(const struct cs_summary *s, const char *key,
		   uint64_t *value);

enum cs_status cs_table_parse(const char *text, size_t len,
			      struct cs_table *t, char *detail);
enum cs_status cs_table_read(const char *path, struct cs_table *t,
			     char *detail);
void cs_table_free(struct cs_table *t);
/* Index of a column, or -1. */
int cs_table_col(const struct cs_table *t, const char *name);
/* A cell; 0 or NULL for a column or row that does not exist (col -1). */
uint64_t cs_table_num(const struct cs_table *t, size_t row, int col);
const char *cs_table_str(const struct cs_table *t, size_t row, int col);

/*
 * CS_OK if every name of the NULL-terminated list is a column (a key),
 * else CS_ERR_PARSE with a detail naming the first one missing.
 */
enum cs_status cs_table_require(const struct cs_table *t,
				const char *const *names, char *detail);
enum cs_status cs_summary_require(const struct cs_summary *s,
				  const char *const *keys, char *detail);

#endif /* CTXSCOPE_PROCFILE_H */
