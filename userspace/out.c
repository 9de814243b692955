// SPDX-License-Identifier: GPL-2.0
/*
 * Building output documents; see out.h. The renderers are in out_*.c.
 */
#define _GNU_SOURCE

#include "out.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int out_parse_format(const char *s, enum out_format *f)
{
	static const struct {
		const char *name;
		enum out_format f;
	} names[] = {
		{ "human", OUT_HUMAN },
		{ "json", OUT_JSON },
		{ "prometheus", OUT_PROMETHEUS },
		{ "csv", OUT_CSV },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*f = names[i].f;
			return 0;
		}
	}
	return -1;
}

void out_init(struct out_doc *d)
{
	memset(d, 0, sizeof(*d));
}

void out_free(struct out_doc *d)
{
	size_t t, i;

	for (t = 0; t < d->ntables; t++) {
		struct out_table *tab = &d->tables[t];

		for (i = 0; i < tab->nrows * tab->ncols; i++)
			free(tab->cells[i].text);
		free(tab->cells);
	}
	memset(d, 0, sizeof(*d));
}

void out_info(struct out_doc *d, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (d->ninfo == OUT_MAX_INFO)
		return;
	d->info[d->ninfo].key = key;
	va_start(ap, fmt);
	vsnprintf(d->info[d->ninfo].value, sizeof(d->info[0].value), fmt, ap);
	va_end(ap);
	d->ninfo++;
}

void out_note(struct out_doc *d, const char *fmt, ...)
{
	va_list ap;

	if (d->nnotes == OUT_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(d->notes[d->nnotes], sizeof(d->notes[0]), fmt, ap);
	va_end(ap);
	d->nnotes++;
}

struct out_section *out_section(struct out_doc *d, const char *name)
{
	struct out_section *s;

	if (d->nsections == OUT_MAX_SECTIONS)
		return NULL;
	s = &d->sections[d->nsections++];
	memset(s, 0, sizeof(*s));
	s->name = name;
	return s;
}

struct out_metric *out_metric(struct out_section *s, const char *key,
			      const char *label, const char *help,
			      bool counter, double value)
{
	struct out_metric *m;

	if (!s || s->n == OUT_MAX_METRICS)
		return NULL;
	m = &s->m[s->n++];
	m->key = key;
	m->label = label;
	m->help = help;
	m->counter = counter;
	m->value = value;
	m->rate = NAN;
	m->share = NAN;
	return m;
}

struct out_table *out_table(struct out_doc *d, const char *name,
			    const struct out_column *cols, size_t ncols)
{
	struct out_table *t;

	if (d->ntables == OUT_MAX_TABLES)
		return NULL;
	t = &d->tables[d->ntables++];
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->cols = cols;
	t->ncols = ncols;
	return t;
}

struct out_cell *out_row(struct out_table *t)
{
	struct out_cell *row;

	if (!t)
		return NULL;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct out_cell *cells = realloc(t->cells, cap * t->ncols *
						 sizeof(*cells));

		if (!cells)
			return NULL;
		t->cells = cells;
		t->cap = cap;
	}
	row = &t->cells[t->nrows * t->ncols];
	memset(row, 0, t->ncols * sizeof(*row));
	t->nrows++;
	return row;
}

int out_set_text(struct out_cell *c, const char *text)
{
	free(c->text);
	c->text = strdup(text ? text : "");
	return c->text ? 0 : -1;
}

int out_render(const struct out_doc *d, enum out_format f, FILE *out)
{
	int ret;

	switch (f) {
	case OUT_JSON:
		ret = out_json(d, out);
		break;
	case OUT_PROMETHEUS:
		ret = out_prometheus(d, out);
		break;
	case OUT_CSV:
		ret = out_csv(d, out, true);
		break;
	default:
		ret = out_human(d, out);
		break;
	}
	if (fflush(out) || ferror(out))
		ret = -1;
	return ret;
}

int out_stream_row(const struct out_table *t, size_t row,
		   enum out_format f, FILE *out, bool header)
{
	int ret;

	switch (f) {
	case OUT_JSON:
		ret = out_json_line(t, row, out);
		break;
	case OUT_CSV:
		ret = out_csv_line(t, row, out, header);
		break;
	default:
		ret = out_human_line(t, row, out, header);
		break;
	}
	if (fflush(out) || ferror(out))
		ret = -1;
	return ret;
}
