// SPDX-License-Identifier: GPL-2.0
/*
 * Rendering for people: perf-stat-like counter lines (value, name, rate or
 * share) and aligned tables with thousands separators and units in the
 * headers. Every string is made terminal-safe (text.h): a task name can
 * hold escape sequences, and the person reading may be root.
 */
#define _GNU_SOURCE

#include "out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "text.h"

/* Characters of a class-share bar, process to idle. */
static const char out_bar_chars[4] = { 'P', 'T', 'K', '.' };

/* Prints s made safe for a terminal. */
static void put_safe(FILE *out, const char *s)
{
	char *safe = cs_text_escape(CS_TEXT_TERMINAL, s);

	fputs(safe ? safe : "?", out);
	free(safe);
}

/* Prints s safe, left-aligned in width columns. */
static void put_safe_left(FILE *out, const char *s, int width)
{
	char *safe = cs_text_escape(CS_TEXT_TERMINAL, s);
	int cols;

	if (!safe) {
		fputc('?', out);
		return;
	}
	fputs(safe, out);
	for (cols = (int)cs_text_columns(safe); cols < width; cols++)
		fputc(' ', out);
	free(safe);
}

static void format_num(double v, int decimals, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (decimals)
		cs_thousands_f(v, decimals, buf, len);
	else
		cs_thousands(cs_u64(v), buf, len);
}

static void format_time(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;

	if (!isfinite(t) || !localtime_r(&s, &tm) ||
	    !strftime(buf, len, "%H:%M:%S", &tm))
		snprintf(buf, len, "-");
}

static void human_metric(const struct out_metric *m, FILE *out)
{
	char num[48], extra[64], more[96] = "";

	format_num(m->value, m->value == floor(m->value) ? 0 : 2, num,
		   sizeof(num));
	extra[0] = '\0';
	if (!isnan(m->share)) {
		snprintf(extra, sizeof(extra), "#  %5.1f%%", 100 * m->share);
	} else if (!isnan(m->rate)) {
		char r[48];

		format_num(m->rate, 1, r, sizeof(r));
		snprintf(extra, sizeof(extra), "#  %s/s", r);
	}
	if (!isnan(m->rel_error))
		snprintf(more, sizeof(more), "  ( +- %5.2f%% )",
			 100 * m->rel_error);
	if (more[0])
		fprintf(out, " %18s  %-34s %-10s%s\n", num, m->label, extra,
			more);
	else if (extra[0])
		fprintf(out, " %18s  %-34s %s\n", num, m->label, extra);
	else
		fprintf(out, " %18s  %s\n", num, m->label);
	/* The kernel's own count right below the module's, to compare. */
	if (!isnan(m->kernel)) {
		format_num(m->kernel, 0, num, sizeof(num));
		fprintf(out, " %18s    the kernel's count of them (wait4)\n", num);
	}
}

static void human_section(const struct out_section *s, FILE *out)
{
	size_t i;

	if (s->title[0]) {
		fputs("\n ", out);
		put_safe(out, s->title);
		fputs("\n\n", out);
	}
	for (i = 0; i < s->n; i++)
		human_metric(&s->m[i], out);
}

static bool shown(const struct out_table *t, size_t c)
{
	return t->cols[c].kind != OUT_TIME || t->show_time;
}

/* The text of a cell, formatted; bars are drawn later, to width. */
static void cell_text(const struct out_column *c, const struct out_cell *cell,
		      char *buf, size_t len)
{
	char *safe;

	switch (c->kind) {
	case OUT_TEXT:
		safe = cs_text_escape(CS_TEXT_TERMINAL, cell->text);
		snprintf(buf, len, "%s", safe ? safe : "?");
		free(safe);
		break;
	case OUT_NUM:
		format_num(cell->num * (c->scale ? c->scale : 1), c->decimals,
			   buf, len);
		break;
	case OUT_TIME:
		format_time(cell->num, buf, len);
		break;
	default:
		buf[0] = '\0';
	}
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

		acc += isfinite(shares[i]) ? shares[i] : 0;
		n = (int)lround(acc * width) - drawn;
		for (; n > 0 && drawn < width; n--, drawn++)
			fputc(out_bar_chars[i], out);
	}
	for (; drawn < width; drawn++)
		fputc(' ', out);
}

static int text_width(const char *s)
{
	return (int)cs_text_columns(s);
}

/* Column widths: the widest of header and cells; a bar takes what is left. */
static void widths(const struct out_table *t, const struct out_cell *cells,
		   size_t nrows, int *w, bool header)
{
	char buf[256];
	size_t c, r;
	int used = 1, bars = 0;

	for (c = 0; c < t->ncols; c++) {
		w[c] = 0;
		if (!shown(t, c))
			continue;
		if (header) {
			header_text(&t->cols[c], buf, sizeof(buf));
			w[c] = text_width(buf);
		}
		for (r = 0; r < nrows; r++) {
			cell_text(&t->cols[c], &cells[r * t->ncols + c], buf,
				  sizeof(buf));
			if (text_width(buf) > w[c])
				w[c] = text_width(buf);
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

/* The last column shown: it is not padded. */
static size_t last_shown(const struct out_table *t)
{
	size_t c, last = 0;

	for (c = 0; c < t->ncols; c++)
		if (shown(t, c))
			last = c;
	return last;
}

static void print_aligned(FILE *out, const struct out_table *t, size_t c,
			  const char *text, const int *w)
{
	fputc(' ', out);
	if (t->cols[c].kind == OUT_NUM)
		fprintf(out, "%*s", w[c] - text_width(text) + (int)strlen(text),
			text);
	else
		put_safe_left(out, text, c == last_shown(t) ? 0 : w[c]);
	if (c != last_shown(t))
		fputc(' ', out);
}

static void print_header(const struct out_table *t, const int *w, FILE *out)
{
	char buf[256];
	size_t c;

	for (c = 0; c < t->ncols; c++) {
		if (!shown(t, c))
			continue;
		header_text(&t->cols[c], buf, sizeof(buf));
		print_aligned(out, t, c, buf, w);
	}
	fputc('\n', out);
}

static void print_cells(const struct out_table *t,
			const struct out_cell *row, const char *first,
			const int *w, FILE *out)
{
	char buf[256];
	size_t c;

	for (c = 0; c < t->ncols; c++) {
		if (!shown(t, c))
			continue;
		if (t->cols[c].kind == OUT_BAR) {
			fputc(' ', out);
			draw_bar(out, row[c].shares, w[c]);
			if (c != last_shown(t))
				fputc(' ', out);
			continue;
		}
		if (first) {
			snprintf(buf, sizeof(buf), "%s", first);
			first = NULL;
			/* A label where a number was: aligned left. */
			fputc(' ', out);
			put_safe_left(out, buf, w[c]);
			if (c != last_shown(t))
				fputc(' ', out);
			continue;
		}
		cell_text(&t->cols[c], &row[c], buf, sizeof(buf));
		print_aligned(out, t, c, buf, w);
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
	if (t->title[0]) {
		fputs("\n ", out);
		put_safe(out, t->title);
		fputs("\n\n", out);
	}
	widths(t, t->cells, t->nrows, w, true);
	print_header(t, w, out);
	for (r = 0; r < t->nrows; r++)
		print_cells(t, &t->cells[r * t->ncols], NULL, w, out);
	if (has_bar(t))
		fprintf(out, "\n class shares: %c process, %c thread, %c kernel, %c idle\n",
			out_bar_chars[0], out_bar_chars[1], out_bar_chars[2],
			out_bar_chars[3]);
	free(w);
}

int out_human(const struct out_doc *d, FILE *out)
{
	size_t i, width = 0;

	if (d->title[0]) {
		fputs("\n ", out);
		put_safe(out, d->title);
		fputc('\n', out);
	}
	for (i = 0; i < d->ninfo; i++)
		if (strlen(d->info[i].key) > width)
			width = strlen(d->info[i].key);
	if (d->ninfo)
		fputc('\n', out);
	for (i = 0; i < d->ninfo; i++) {
		fprintf(out, " %-*s  ", (int)width + 1, d->info[i].key);
		put_safe(out, d->info[i].value);
		fputc('\n', out);
	}
	for (i = 0; i < d->nsections; i++)
		human_section(&d->sections[i], out);
	for (i = 0; i < d->ntables; i++)
		human_table(&d->tables[i], out);
	if (d->nnotes)
		fputc('\n', out);
	for (i = 0; i < d->nnotes; i++) {
		fputs(" Note: ", out);
		put_safe(out, d->notes[i]);
		fputc('\n', out);
	}
	fputc('\n', out);
	return 0;
}

/*
 * Interval mode for people: fixed widths, wide enough for most values,
 * and the header again every 20 lines (or when asked).
 */
int out_human_cells(const struct out_table *t, const struct out_cell *cells,
		    const char *first, FILE *out, bool header)
{
	int *w = calloc(t->ncols, sizeof(*w));
	size_t c;

	if (!w)
		return -1;
	widths(t, cells, 1, w, true);
	for (c = 0; c < t->ncols; c++)
		if ((t->cols[c].kind == OUT_NUM ||
		     t->cols[c].kind == OUT_TIME) && w[c] < 10)
			w[c] = 10;
	if (header)
		print_header(t, w, out);
	print_cells(t, cells, first, w, out);
	free(w);
	return 0;
}

int out_human_line(const struct out_table *t, size_t row, FILE *out,
		   bool header)
{
	return out_human_cells(t, &t->cells[row * t->ncols], NULL, out,
			       header);
}
