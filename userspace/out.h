/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output of a ctxscope command, built as data first and rendered in
 * one go by one of the renderers (out_human.c, out_json.c, out_csv.c; the
 * Prometheus output has names of its own, prom.c): a failure half-way
 * prints nothing, never half a document.
 *
 * A document has, for people, a title, info lines and notes; for machines,
 * typed fields (JSON); for both, sections of metrics (counters of the
 * whole system, of a command's processes) and tables (one row per
 * process, task or interval). Every string from outside (task names,
 * command lines) is escaped by the renderer for its format (text.h).
 */
#ifndef CTXSCOPE_OUT_H
#define CTXSCOPE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The version of the JSON documents' layout, documented in ctxscope(1). */
#define OUT_JSON_SCHEMA_VERSION 1

enum out_format { OUT_HUMAN, OUT_JSON, OUT_PROMETHEUS, OUT_CSV };

/* "human", "json", "prometheus", "csv", in any case; -1 if unknown. */
int out_parse_format(const char *s, enum out_format *f);

struct out_metric {
	const char *key;	/* machine name: "switches_process" */
	const char *label;	/* for people: "process switches" */
	double value;
	double rate;		/* per second, or NAN */
	double share;		/* of its section's switches, or NAN */
	double stddev;		/* over repeated runs, or NAN */
	double rel_error;	/* of the mean over runs (perf's +-), or NAN */
	double kernel;		/* the kernel's own count (wait4), or NAN */
};

#define OUT_MAX_METRICS 40

struct out_section {
	const char *name;	/* "system", "command": JSON key */
	char title[200];	/* heading for people */
	size_t n;
	struct out_metric m[OUT_MAX_METRICS];
};

enum out_col_kind {
	OUT_NUM,
	OUT_TEXT,
	OUT_BAR,
	OUT_TIME,	/* Unix time: a number for machines, HH:MM:SS for
			 * people, shown to them only if the table says so */
};

/*
 * Cells hold values in base units (seconds, bytes, fractions), as JSON
 * and CSV print them; people see them times scale, in unit.
 */
struct out_column {
	const char *key;	/* machine name */
	const char *label;	/* header for people */
	const char *unit;	/* shown in the human header, or NULL */
	enum out_col_kind kind;
	int decimals;		/* for people */
	bool id;		/* identifies the row */
	bool counter;		/* a count of events */
	double scale;		/* for people; 0 means 1 */
};

/* Column definitions, every field given. */
#define OUT_COL_ID(key, label) { key, label, NULL, OUT_NUM, 0, true, false, 1 }
#define OUT_COL_COUNT(key, label) \
	{ key, label, NULL, OUT_NUM, 0, false, true, 1 }
#define OUT_COL_NUM(key, label, unit, decimals) \
	{ key, label, unit, OUT_NUM, decimals, false, false, 1 }
#define OUT_COL_SCALED(key, label, unit, decimals, scale) \
	{ key, label, unit, OUT_NUM, decimals, false, false, scale }
#define OUT_COL_TEXT(key, label) \
	{ key, label, NULL, OUT_TEXT, 0, false, false, 1 }
#define OUT_COL_BAR(key, label) { key, label, NULL, OUT_BAR, 0, false, false, 1 }
#define OUT_COL_TIME(key, label) { key, label, NULL, OUT_TIME, 0, false, false, 1 }

struct out_cell {
	double num;		/* NAN: not available ("-", null, empty) */
	char *text;		/* OUT_TEXT, owned */
	double shares[4];	/* OUT_BAR: process, thread, kernel, idle */
};

struct out_table {
	const char *name;	/* JSON key */
	char title[200];
	size_t ncols;
	const struct out_column *cols;
	bool show_time;		/* people see the OUT_TIME columns (-T) */
	size_t nrows, cap;
	struct out_cell *cells;	/* nrows * ncols */
};

/* A typed value for JSON, at a dotted path ("run.processes.total"). */
enum out_field_type { OUT_F_NUM, OUT_F_STR, OUT_F_NULL, OUT_F_STRV, OUT_F_NUMV };

struct out_field {
	char path[48];
	enum out_field_type type;
	double num;
	char *str;		/* owned */
	char **strv;		/* owned, nv of them */
	double *numv;		/* owned, nv of them */
	size_t nv;
};

#define OUT_MAX_INFO 16
#define OUT_MAX_SECTIONS 4
#define OUT_MAX_TABLES 4
#define OUT_MAX_NOTES 8
#define OUT_MAX_FIELDS 40

struct out_doc {
	const char *report;	/* "stat", "tasks": JSON "report" */
	unsigned int proc_format;	/* 0: not read */
	double timestamp;	/* Unix time of the document */
	char title[256];
	size_t ninfo;
	struct {
		const char *key;
		char value[320];
	} info[OUT_MAX_INFO];
	size_t nfields;
	struct out_field fields[OUT_MAX_FIELDS];
	size_t nsections, ntables, nnotes;
	struct out_section sections[OUT_MAX_SECTIONS];
	struct out_table tables[OUT_MAX_TABLES];
	char notes[OUT_MAX_NOTES][320];
};

/* An empty document of a report, stamped with the time now. */
void out_init(struct out_doc *d, const char *report);
void out_free(struct out_doc *d);
/* A line for people: "key  value". */
void out_info(struct out_doc *d, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A note for people and machines (JSON "notes"). */
void out_note(struct out_doc *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Fields for machines; 0, or -1 if out of room or memory. */
int out_field_num(struct out_doc *d, const char *path, double v);
int out_field_str(struct out_doc *d, const char *path, const char *s);
int out_field_null(struct out_doc *d, const char *path);
int out_field_strv(struct out_doc *d, const char *path, char *const *v,
		   size_t n);
int out_field_numv(struct out_doc *d, const char *path, const double *v,
		   size_t n);

struct out_section *out_section(struct out_doc *d, const char *name);
struct out_metric *out_metric(struct out_section *s, const char *key,
			      const char *label, double value);
/* The metric of a section with that key, or NULL. */
struct out_metric *out_find_metric(struct out_section *s, const char *key);
struct out_table *out_table(struct out_doc *d, const char *name,
			    const struct out_column *cols, size_t ncols);
/* Appends a row (every number NAN); its cells, or NULL if out of memory. */
struct out_cell *out_row(struct out_table *t);
int out_set_text(struct out_cell *c, const char *text);

/* Renders d to f (not OUT_PROMETHEUS); 0, or -1 if writing failed. */
int out_render(const struct out_doc *d, enum out_format f, FILE *out);

int out_human(const struct out_doc *d, FILE *out);
int out_json(const struct out_doc *d, FILE *out);
int out_csv(const struct out_doc *d, FILE *out, bool header);

/*
 * Interval mode: one row of a table as a line of its own (human: aligned
 * columns with a header when asked; JSON: one object per line; CSV).
 */
int out_stream_row(const struct out_table *t, size_t row,
		   enum out_format f, FILE *out, bool header);
/*
 * For people, a row that is not in the table (cells: ncols), aligned as
 * out_stream_row aligns; first replaces the text of the first column
 * shown ("Average:").
 */
int out_human_cells(const struct out_table *t, const struct out_cell *cells,
		    const char *first, FILE *out, bool header);

/* Between the renderers. */
void out_json_string(FILE *out, const char *s);
void out_json_number(FILE *out, double v);
int out_json_line(const struct out_table *t, size_t row, FILE *out);
int out_human_line(const struct out_table *t, size_t row, FILE *out,
		   bool header);
int out_csv_line(const struct out_table *t, size_t row, FILE *out,
		 bool header);

#endif /* CTXSCOPE_OUT_H */
