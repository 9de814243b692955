// SPDX-License-Identifier: GPL-2.0
/*
 * Rendering for people: perf-stat-like counter lines (value, name, rate or
 * share) and aligned tables with thousands separators and units in the
 * headers.
 */
#define _GNU_SOURCE

#include "out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Characters of a class-share bar, process to idle. */
static const char out_bar_chars[4] = { 'P', 'T', 'K', '.' };

static void format_num(double v, int decimals, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (decimals)
		cs_thousands_f(v, decimals, buf, len);
	else
		cs_thousands((uint64_t)llround(v < 0 ? 0 : v), buf, len);
}

static void human_section(const struct out_section *s, FILE *out)
{
	char num[48], extra[64];
	size_t i;

	if (s->title[0])
		fprintf(out, "\n %s\n\n", s->title);
	for (i = 0; i < s->n; i++) {
		const struct out_metric *m = &s->m[i];

		format_num(m->value, m->value == floor(m->value) ? 0 : 2, num,
			   sizeof(num));
		extra[0] = '\0';
		if (!isnan(m->share)) {
			snprintf(extra, sizeof(extra), "#  %5.1f%%",
				 100 * m->share);
		} else if (!isnan(m->rate)) {
			char r[48];

			format_num(m->rate, 1, r, sizeof(r));
			snprintf(extra, sizeof(extra), "#  %s/s", r);
		}
		if (extra[0])
			fprintf(out, " %18s  %-34s %s\n", num, m->label, extra);
		else
			fprintf(out, " %18s  %s\n", num, m->label);
	}
}

/* The text of a cell, formatted; bars are drawn later, to width. */
static void cell_text(const struct out_column *c, const struct out_cell *cell,
		      char *buf, size_t len)
{
	if (c->kind == OUT_TEXT)
		snprintf(buf, len, "%s", cell->text ? cell->text : "");
	else if (c->kind == OUT_NUM)
		format_num(cell->num * (c->scale ? c->scale : 1), c->decimals,
			   buf, len);
	else
		buf[0] = '\0';
}

static void header_text(const struct out_column *c, char *buf, size_t len)
{
	if (c->unit)
		snprintf(buf, len, "%s (%s)", c->label, c->unit);
	else
		snprintf(buf, len, "%s", c->label);
}

static void draw_bar(FILE *out, const double shares[4], int width)
{
	int i, drawn = 0;
	double acc = 0;

	for (i = 0; i < 4; i++) {
		int n;

		acc += shares[i];
		n = (int)lround(acc * width) - drawn;
		for (; n > 0; n--, drawn++)
			fputc(out_bar_chars[i], out);
	}
	for (; drawn < width; drawn++)
		fputc(' ', out);
}

/* Column widths: the widest of header and cells; a bar takes what is left. */
static void widths(const struct out_table *t, size_t from, size_t to,
		   int *w, bool header)
{
	char buf[256];
	size_t c, r;
	int used = 1, bars = 0;

	for (c = 0; c < t->ncols; c++) {
		w[c] = 0;
		if (header) {
			header_text(&t->cols[c], buf, sizeof(buf));
			w[c] = (int)strlen(buf);
		}
		for (r = from; r < to; r++) {
			cell_text(&t->cols[c], &t->cells[r * t->ncols + c], buf,
				  sizeof(buf));
			if ((int)strlen(buf) > w[c])
				w[c] = (int)strlen(buf);
		}
		if (t->cols[c].kind == OUT_BAR)
			bars++;
		else
			used += w[c] + 2;
	}
	for (c = 0; c < t->ncols; c++)
		if (t->cols[c].kind == OUT_BAR)
			w[c] = (cs_term_width(100) - used) / (bars ? bars : 1) - 2;
	for (c = 0; c < t->ncols; c++)
		if (t->cols[c].kind == OUT_BAR && w[c] < 10)
			w[c] = 10;
}

static void print_header(const struct out_table *t, const int *w, FILE *out)
{
	char buf[256];
	size_t c;

	for (c = 0; c < t->ncols; c++) {
		header_text(&t->cols[c], buf, sizeof(buf));
		if (t->cols[c].kind == OUT_NUM)
			fprintf(out, " %*s", w[c], buf);
		else
			fprintf(out, " %-*s", c + 1 == t->ncols ? 0 : w[c], buf);
		if (c + 1 < t->ncols)
			fputc(' ', out);
	}
	fputc('\n', out);
}

static void print_row(const struct out_table *t, size_t r, const int *w,
		      FILE *out)
{
	const struct out_cell *row = &t->cells[r * t->ncols];
	char buf[256];
	size_t c;

	for (c = 0; c < t->ncols; c++) {
		if (t->cols[c].kind == OUT_BAR) {
			fputc(' ', out);
			draw_bar(out, row[c].shares, w[c]);
		} else {
			cell_text(&t->cols[c], &row[c], buf, sizeof(buf));
			if (t->cols[c].kind == OUT_NUM)
				fprintf(out, " %*s", w[c], buf);
			else
				fprintf(out, " %-*s",
					c + 1 == t->ncols ? 0 : w[c], buf);
		}
		if (c + 1 < t->ncols)
			fputc(' ', out);
	}
	fputc('\n', out);
}

static bool has_bar(const struct out_table *t)
{
	size_t c;

	for (c = 0; c < t->ncols; c++)
		if (t->cols[c].kind == OUT_BAR)
			return true;
	return false;
}

static void human_table(const struct out_table *t, FILE *out)
{
	int *w = calloc(t->ncols, sizeof(*w));
	size_t r;

	if (!w)
		return;
	if (t->title[0])
		fprintf(out, "\n %s\n\n", t->title);
	widths(t, 0, t->nrows, w, true);
	print_header(t, w, out);
	for (r = 0; r < t->nrows; r++)
		print_row(t, r, w, out);
	if (has_bar(t))
		fprintf(out, "\n class shares: %c process, %c thread, %c kernel, %c idle\n",
			out_bar_chars[0], out_bar_chars[1], out_bar_chars[2],
			out_bar_chars[3]);
	free(w);
}

int out_human(const struct out_doc *d, FILE *out)
{
	size_t i, width = 0;

	if (d->title[0])
		fprintf(out, "\n %s\n", d->title);
	for (i = 0; i < d->ninfo; i++)
		if (strlen(d->info[i].key) > width)
			width = strlen(d->info[i].key);
	if (d->ninfo)
		fputc('\n', out);
	for (i = 0; i < d->ninfo; i++)
		fprintf(out, " %-*s  %s\n", (int)width + 1, d->info[i].key,
			d->info[i].value);
	for (i = 0; i < d->nsections; i++)
		human_section(&d->sections[i], out);
	for (i = 0; i < d->ntables; i++)
		human_table(&d->tables[i], out);
	if (d->nnotes)
		fputc('\n', out);
	for (i = 0; i < d->nnotes; i++)
		fprintf(out, " Note: %s\n", d->notes[i]);
	fputc('\n', out);
	return 0;
}

/*
 * Interval mode for people: fixed widths, wide enough for most values,
 * and the header again every 20 lines (or when asked).
 */
int out_human_line(const struct out_table *t, size_t row, FILE *out,
		   bool header)
{
	int *w = calloc(t->ncols, sizeof(*w));
	size_t c;

	if (!w)
		return -1;
	widths(t, row, row + 1, w, true);
	for (c = 0; c < t->ncols; c++)
		if (t->cols[c].kind == OUT_NUM && w[c] < 10)
			w[c] = 10;
	if (header)
		print_header(t, w, out);
	print_row(t, row, w, out);
	free(w);
	return 0;
}
