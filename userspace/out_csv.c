// SPDX-License-Identifier: GPL-2.0
/*
 * CSV (RFC 4180): the tables of a document, a header line of machine
 * names, then one line per row. Meant for interval mode.
 */
#define _GNU_SOURCE

#include "out.h"

#include <math.h>
#include <string.h>

static void csv_text(FILE *out, const char *s)
{
	if (!s || !strpbrk(s, ",\"\n\r")) {
		fputs(s ? s : "", out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
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
			for (i = 0; i < 4; i++)
				fprintf(out, "%s%.4f", i ? "," : "",
					row[c].shares[i]);
			break;
		default:
			if (isnan(row[c].num))
				break;		/* not available: empty */
			if (row[c].num == floor(row[c].num))
				fprintf(out, "%.0f", row[c].num);
			else
				fprintf(out, "%.9g", row[c].num);
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
	return 0;
}

int out_csv_line(const struct out_table *t, size_t row, FILE *out,
		 bool header)
{
	if (header)
		csv_header(t, out);
	csv_row(t, row, out);
	return 0;
}
