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
#include <strings.h>
#include <time.h>

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
		if (!strcasecmp(s, names[i].name)) {
			*f = names[i].f;
			return 0;
		}
	}
	return -1;
}

void out_init(struct out_doc *d, const char *report)
{
	struct timespec ts;

	memset(d, 0, sizeof(*d));
	d->report = report;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* In whole milliseconds, as JSON prints it. */
	d->timestamp = (double)ts.tv_sec +
		       (double)(ts.tv_nsec - ts.tv_nsec % 1000000) / 1e9;
}

static void field_free(struct out_field *f)
{
	size_t i;

	free(f->str);
	for (i = 0; f->strv && i < f->nv; i++)
		free(f->strv[i]);
	free(f->strv);
	free(f->numv);
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
	for (i = 0; i < d->nfields; i++)
		field_free(&d->fields[i]);
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

static struct out_field *field(struct out_doc *d, const char *path,
			       enum out_field_type type)
{
	struct out_field *f;

	if (d->nfields == OUT_MAX_FIELDS || strlen(path) >= sizeof(f->path))
		return NULL;
	f = &d->fields[d->nfields++];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->type = type;
	return f;
}

int out_field_num(struct out_doc *d, const char *path, double v)
{
	struct out_field *f = field(d, path, OUT_F_NUM);

	if (!f)
		return -1;
	f->num = v;
	return 0;
}

int out_field_str(struct out_doc *d, const char *path, const char *s)
{
	struct out_field *f = field(d, path, OUT_F_STR);

	if (!f)
		return -1;
	f->str = strdup(s ? s : "");
	return f->str ? 0 : -1;
}

int out_field_null(struct out_doc *d, const char *path)
{
	return field(d, path, OUT_F_NULL) ? 0 : -1;
}

int out_field_strv(struct out_doc *d, const char *path, char *const *v,
		   size_t n)
{
	struct out_field *f = field(d, path, OUT_F_STRV);
	size_t i;

	if (!f)
		return -1;
	f->strv = calloc(n + 1, sizeof(*f->strv));
	if (!f->strv)
		return -1;
	for (i = 0; i < n; i++) {
		f->strv[i] = strdup(v[i] ? v[i] : "");
		if (!f->strv[i])
			return -1;
		f->nv = i + 1;
	}
	return 0;
}

int out_field_numv(struct out_doc *d, const char *path, const double *v,
		   size_t n)
{
	struct out_field *f = field(d, path, OUT_F_NUMV);

	if (!f)
		return -1;
	f->numv = calloc(n + 1, sizeof(*f->numv));
	if (!f->numv)
		return -1;
	if (n)
		memcpy(f->numv, v, n * sizeof(*v));
	f->nv = n;
	return 0;
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
			      const char *label, double value)
{
	struct out_metric *m;

	if (!s || s->n == OUT_MAX_METRICS)
		return NULL;
	m = &s->m[s->n++];
	m->key = key;
	m->label = label;
	m->value = value;
	m->rate = NAN;
	m->share = NAN;
	m->stddev = NAN;
	m->rel_error = NAN;
	m->kernel = NAN;
	return m;
}

struct out_metric *out_find_metric(struct out_section *s, const char *key)
{
	size_t i;

	for (i = 0; s && i < s->n; i++)
		if (!strcmp(s->m[i].key, key))
			return &s->m[i];
	return NULL;
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
	size_t c;

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
	for (c = 0; c < t->ncols; c++)
		row[c].num = NAN;
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
	case OUT_CSV:
		ret = out_csv(d, out, true);
		break;
	case OUT_HUMAN:
		ret = out_human(d, out);
		break;
	default:
		ret = -1;	/* Prometheus has names of its own: prom.h */
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
