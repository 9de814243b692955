/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output of a ctxscope command, built as data first and rendered in
 * one go by one of the renderers (out_human.c, out_json.c, out_prom.c,
 * out_csv.c): a failure half-way prints nothing, never half a document.
 *
 * A document has info lines (what ran, for how long), sections of
 * metrics (counters of the whole system, of the command's processes) and
 * tables (one row per process, task or interval).
 */
#ifndef CTXSCOPE_OUT_H
#define CTXSCOPE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum out_format { OUT_HUMAN, OUT_JSON, OUT_PROMETHEUS, OUT_CSV };

/* "human", "json", "prometheus", "csv"; -1 if unknown. */
int out_parse_format(const char *s, enum out_format *f);

struct out_metric {
	const char *key;	/* machine name: "switches_process" */
	const char *label;	/* for people: "process switches" */
	const char *help;	/* one line, Prometheus HELP */
	bool counter;		/* a count of events, else a level */
	double value;
	double rate;		/* per second, or NAN */
	double share;		/* of its section's total, or NAN */
};

#define OUT_MAX_METRICS 40

struct out_section {
	const char *name;	/* "system", "command": JSON key, label */
	char title[160];	/* heading for people */
	size_t n;
	struct out_metric m[OUT_MAX_METRICS];
};

enum out_col_kind { OUT_NUM, OUT_TEXT, OUT_BAR };

/*
 * Cells hold values in base units (seconds, bytes, fractions), as JSON,
 * CSV and Prometheus print them; people see them times scale, in unit.
 */
struct out_column {
	const char *key;	/* machine name */
	const char *label;	/* header for people */
	const char *unit;	/* shown in the human header, or NULL */
	enum out_col_kind kind;
	int decimals;		/* for people */
	bool id;		/* identifies the row: a Prometheus label */
	bool counter;		/* a count of events (Prometheus _total) */
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

struct out_cell {
	double num;
	char *text;		/* OUT_TEXT, owned */
	double shares[4];	/* OUT_BAR: process, thread, kernel, idle */
};

struct out_table {
	const char *name;	/* JSON key, Prometheus metric prefix */
	char title[160];
	size_t ncols;
	const struct out_column *cols;
	size_t nrows, cap;
	struct out_cell *cells;	/* nrows * ncols */
};

#define OUT_MAX_INFO 12
#define OUT_MAX_SECTIONS 4
#define OUT_MAX_TABLES 4
#define OUT_MAX_NOTES 8

struct out_doc {
	char title[256];
	size_t ninfo;
	struct {
		const char *key;
		char value[256];
	} info[OUT_MAX_INFO];
	size_t nsections, ntables, nnotes;
	struct out_section sections[OUT_MAX_SECTIONS];
	struct out_table tables[OUT_MAX_TABLES];
	char notes[OUT_MAX_NOTES][256];
};

void out_init(struct out_doc *d);
void out_free(struct out_doc *d);
void out_info(struct out_doc *d, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void out_note(struct out_doc *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct out_section *out_section(struct out_doc *d, const char *name);
struct out_metric *out_metric(struct out_section *s, const char *key,
			      const char *label, const char *help,
			      bool counter, double value);
struct out_table *out_table(struct out_doc *d, const char *name,
			    const struct out_column *cols, size_t ncols);
/* Appends a row; returns its cells (ncols), or NULL if out of memory. */
struct out_cell *out_row(struct out_table *t);
int out_set_text(struct out_cell *c, const char *text);

/* Renders d to f; 0, or -1 if writing failed. */
int out_render(const struct out_doc *d, enum out_format f, FILE *out);

int out_human(const struct out_doc *d, FILE *out);
int out_json(const struct out_doc *d, FILE *out);
int out_prometheus(const struct out_doc *d, FILE *out);
int out_csv(const struct out_doc *d, FILE *out, bool header);

/*
 * Interval mode: one row of a table as a line of its own (human: aligned
 * columns with a header when asked; JSON: one object per line; CSV).
 */
int out_stream_row(const struct out_table *t, size_t row,
		   enum out_format f, FILE *out, bool header);

/* Between the renderers. */
void out_json_string(FILE *out, const char *s);
void out_json_number(FILE *out, double v);
int out_json_line(const struct out_table *t, size_t row, FILE *out);
int out_human_line(const struct out_table *t, size_t row, FILE *out,
		   bool header);
int out_csv_line(const struct out_table *t, size_t row, FILE *out,
		 bool header);

#endif /* CTXSCOPE_OUT_H */
