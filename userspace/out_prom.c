// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text exposition (version 0.0.4), for node_exporter's textfile
 * collector: every metric family once, with HELP and TYPE, all its samples
 * together. Counts of events are counters named ctxscope_<key>_total;
 * levels are gauges. Sections become the label scope="system" or
 * scope="command"; table rows are labelled by their identifying columns.
 */
#define _GNU_SOURCE

#include "out.h"

#include <math.h>
#include <string.h>

static void prom_label_value(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n') {
			fputs("\\n", out);
			continue;
		}
		fputc(*s, out);
	}
}

static void prom_value(FILE *out, double v)
{
	if (isnan(v))
		fputs("NaN", out);
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(out, "%.0f", v);
	else
		fprintf(out, "%.17g", v);
}

static void prom_family(FILE *out, const char *prefix, const char *key,
			const char *help, bool counter)
{
	fprintf(out, "# HELP ctxscope_%s%s%s ", prefix, key,
		counter ? "_total" : "");
	/* HELP text: backslash and newline must be escaped. */
	for (; help && *help; help++) {
		if (*help == '\\')
			fputs("\\\\", out);
		else if (*help == '\n')
			fputs("\\n", out);
		else
			fputc(*help, out);
	}
	fprintf(out, "\n# TYPE ctxscope_%s%s%s %s\n", prefix, key,
		counter ? "_total" : "", counter ? "counter" : "gauge");
}

/* A metric seen in an earlier section was already written with it. */
static bool seen_before(const struct out_doc *d, size_t sec, const char *key)
{
	size_t s, i;

	for (s = 0; s < sec; s++)
		for (i = 0; i < d->sections[s].n; i++)
			if (!strcmp(d->sections[s].m[i].key, key))
				return true;
	return false;
}

static void prom_sections(const struct out_doc *d, FILE *out)
{
	size_t s, i, s2, i2;

	for (s = 0; s < d->nsections; s++) {
		for (i = 0; i < d->sections[s].n; i++) {
			const struct out_metric *m = &d->sections[s].m[i];

			if (seen_before(d, s, m->key))
				continue;
			prom_family(out, "", m->key, m->help, m->counter);
			for (s2 = s; s2 < d->nsections; s2++) {
				for (i2 = 0; i2 < d->sections[s2].n; i2++) {
					const struct out_metric *m2 =
						&d->sections[s2].m[i2];

					if (strcmp(m2->key, m->key) != 0)
						continue;
					fprintf(out, "ctxscope_%s%s{scope=\"%s\"} ",
						m->key, m->counter ? "_total" : "",
						d->sections[s2].name);
					prom_value(out, m2->value);
					fputc('\n', out);
				}
			}
		}
	}
}

static void prom_labels(FILE *out, const struct out_table *t,
			const struct out_cell *row)
{
	size_t c;
	int n = 0;

	fputc('{', out);
	for (c = 0; c < t->ncols; c++) {
		if (!t->cols[c].id && t->cols[c].kind != OUT_TEXT)
			continue;
		fprintf(out, "%s%s=\"", n++ ? "," : "", t->cols[c].key);
		if (t->cols[c].kind == OUT_TEXT)
			prom_label_value(out, row[c].text);
		else
			fprintf(out, "%.0f", row[c].num);
		fputc('"', out);
	}
	fputc('}', out);
}

static void prom_table(const struct out_table *t, FILE *out)
{
	char prefix[64];
	size_t c, r;

	snprintf(prefix, sizeof(prefix), "%s_", t->name);
	for (c = 0; c < t->ncols; c++) {
		const struct out_column *col = &t->cols[c];

		if (col->kind != OUT_NUM || col->id)
			continue;
		prom_family(out, prefix, col->key, col->label, col->counter);
		for (r = 0; r < t->nrows; r++) {
			const struct out_cell *row = &t->cells[r * t->ncols];

			fprintf(out, "ctxscope_%s%s%s", prefix, col->key,
				col->counter ? "_total" : "");
			prom_labels(out, t, row);
			fputc(' ', out);
			prom_value(out, row[c].num);
			fputc('\n', out);
		}
	}
}

int out_prometheus(const struct out_doc *d, FILE *out)
{
	size_t i;

	prom_sections(d, out);
	for (i = 0; i < d->ntables; i++)
		prom_table(&d->tables[i], out);
	return 0;
}
