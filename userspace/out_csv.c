// SPDX-License-Identifier: GPL-2.0
/*
 * CSV (RFC 4180): the tables of a document, one header line of machine
 * names, then one line per row; strings are valid UTF-8 without control
 * characters (text.h), so that each row is one line. Meant for interval
 * mode.
 */
#define _GNU_SOURCE

#include "out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static void csv_text(FILE *out, const char *s)
{
	char *e = cs_text_escape(CS_TEXT_CSV, s);

	fputs(e ? e : "", out);
	free(e);
}

static void csv_header(const struct out_table *t, FILE *out)
{
	static const char *const classes[] = { "process", "thread", "kernel",
					       "idle" };
	size_t c;
	int i;

	for (c = 0; c < t->ncols; c++) {
		if (t->cols[c].kind == OUT_BAR) {
			for (i = 0; i < 4; i++)
				fprintf(out, "%s%s_%s", c || i ? "," : "",
					t->cols[c].key, classes[i]);
			continue;
		}
		fprintf(out, "%s%s", c ? "," : "", t->cols[c].key);
	}
	fputc('\n', out);
}

static void csv_num(FILE *out, double v, const char *whole)
{
	if (!isfinite(v))
		return;		/* not available: empty */
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(out, "%.0f", v);
	else
		fprintf(out, whole, v);
}

static void csv_row(const struct out_table *t, size_t r, FILE *out)
{
	const struct out_cell *row = &t->cells[r * t->ncols];
	size_t c;
	int i;

	for (c = 0; c < t->ncols; c++) {
		if (c)
			fputc(',', out);
		switch (t->cols[c].kind) {
		case OUT_TEXT:
			csv_text(out, row[c].text);
			break;
		case OUT_BAR:
			for (i = 0; i < 4; i++) {
				if (i)
					fputc(',', out);
				if (isfinite(row[c].shares[i]))
					fprintf(out, "%.4f", row[c].shares[i]);
			}
			break;
		case OUT_TIME:
			if (isfinite(row[c].num))
				fprintf(out, "%.3f", row[c].num);
			break;
		default:
			csv_num(out, row[c].num, "%.9g");
		}
	}
	fputc('\n', out);
}

int out_csv(const struct out_doc *d, FILE *out, bool header)
{
	size_t i, r;

	for (i = 0; i < d->ntables; i++) {
		if (i)
			fputc('\n', out);
		if (header)
			csv_header(&d->tables[i], out);
		for (r = 0; r < d->tables[i].nrows; r++)
			csv_row(&d->tables[i], r, out);
	}
	return ferror(out) ? -1 : 0;
}

int out_csv_line(const struct out_table *t, size_t row, FILE *out,
		 bool header)
{
	if (header)
		csv_header(t, out);
	csv_row(t, row, out);
	return 0;
}
