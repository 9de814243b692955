// SPDX-License-Identifier: GPL-2.0
/*
 * JSON rendering: one document per run, one object per line in interval
 * mode. The layout is versioned (OUT_JSON_SCHEMA_VERSION) and documented
 * in ctxscope(1). Keys are the machine names of out.h; numbers are
 * numbers (integers where the value is whole), a value that is not
 * available is null; strings are valid UTF-8 (text.h).
 */
#define _GNU_SOURCE

#include "out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

#ifndef CTXSCOPE_VERSION
#define CTXSCOPE_VERSION "unknown"
#endif

void out_json_string(FILE *out, const char *s)
{
	char *e = cs_text_escape(CS_TEXT_JSON, s);

	fputs(e ? e : "\"\"", out);
	free(e);
}

void out_json_number(FILE *out, double v)
{
	if (!isfinite(v))
		fputs("null", out);
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(out, "%.0f", v);
	else
		fprintf(out, "%.15g", v);
}

static void json_cell(FILE *out, const struct out_column *c,
		      const struct out_cell *cell)
{
	static const char *const classes[] = { "process", "thread", "kernel",
					       "idle" };
	int i;

	switch (c->kind) {
	case OUT_TEXT:
		out_json_string(out, cell->text);
		break;
	case OUT_BAR:
		fputc('{', out);
		for (i = 0; i < 4; i++) {
			fprintf(out, "%s\"%s\":", i ? "," : "", classes[i]);
			out_json_number(out, cell->shares[i]);
		}
		fputc('}', out);
		break;
	case OUT_TIME:
		if (isfinite(cell->num))
			fprintf(out, "%.3f", cell->num);
		else
			fputs("null", out);
		break;
	default:
		out_json_number(out, cell->num);
	}
}

static void json_row(const struct out_table *t, size_t row, FILE *out)
{
	size_t c;

	fputc('{', out);
	for (c = 0; c < t->ncols; c++) {
		if (c)
			fputc(',', out);
		out_json_string(out, t->cols[c].key);
		fputc(':', out);
		json_cell(out, &t->cols[c], &t->cells[row * t->ncols + c]);
	}
	fputc('}', out);
}

enum json_map_of { JSON_RATES, JSON_STDDEVS };

/* One map of a section's metrics: their rates, or their deviations. */
static void json_map(const struct out_section *s, FILE *out, const char *name,
		     enum json_map_of of)
{
	size_t i;
	int n = 0;

	for (i = 0; i < s->n; i++) {
		double v = of == JSON_RATES ? s->m[i].rate : s->m[i].stddev;

		if (isnan(v))
			continue;
		if (!n++)
			fprintf(out, ",\"%s\":{", name);
		else
			fputc(',', out);
		out_json_string(out, s->m[i].key);
		fputc(':', out);
		out_json_number(out, v);
	}
	if (n)
		fputc('}', out);
}

static void json_section(const struct out_section *s, FILE *out)
{
	size_t i;

	fputc('{', out);
	for (i = 0; i < s->n; i++) {
		if (i)
			fputc(',', out);
		out_json_string(out, s->m[i].key);
		fputc(':', out);
		out_json_number(out, s->m[i].value);
	}
	/* Before the values: an empty section has no maps either. */
	if (s->n) {
		json_map(s, out, "per_second", JSON_RATES);
		json_map(s, out, "stddev", JSON_STDDEVS);
	}
	fputc('}', out);
}

static void json_field_value(const struct out_field *f, FILE *out)
{
	size_t i;

	switch (f->type) {
	case OUT_F_NUM:
		out_json_number(out, f->num);
		break;
	case OUT_F_STR:
		out_json_string(out, f->str);
		break;
	case OUT_F_NULL:
		fputs("null", out);
		break;
	case OUT_F_STRV:
	case OUT_F_NUMV:
		fputc('[', out);
		for (i = 0; i < f->nv; i++) {
			if (i)
				fputc(',', out);
			if (f->type == OUT_F_STRV)
				out_json_string(out, f->strv[i]);
			else
				out_json_number(out, f->numv[i]);
		}
		fputc(']', out);
		break;
	}
}

#define JSON_MAX_DEPTH 4

/* Splits a dotted path into at most JSON_MAX_DEPTH segments; their count. */
static size_t split_path(const char *path, char seg[][48])
{
	size_t n = 0;
	const char *dot;

	while (n < JSON_MAX_DEPTH) {
		dot = strchr(path, '.');
		if (!dot || n + 1 == JSON_MAX_DEPTH) {
			snprintf(seg[n++], 48, "%s", path);
			break;
		}
		snprintf(seg[n++], 48, "%.*s", (int)(dot - path), path);
		path = dot + 1;
	}
	return n;
}

/*
 * Fields in order, nesting dotted paths: "run.a", "run.b", "x" gives
 * "run":{"a":..,"b":..},"x":... Fields of one object must be adjacent.
 */
static void json_fields(const struct out_doc *d, FILE *out)
{
	char prev[JSON_MAX_DEPTH][48], cur[JSON_MAX_DEPTH][48];
	size_t i, j, open = 0, keep;
	bool first = false;	/* the top level has members already */

	for (i = 0; i < d->nfields; i++) {
		size_t n = split_path(d->fields[i].path, cur);

		/* Objects still open that this path shares stay open. */
		for (keep = 0; keep < open && keep + 1 < n &&
		     !strcmp(prev[keep], cur[keep]); keep++)
			;
		for (; open > keep; open--) {
			fputc('}', out);
			first = false;
		}
		for (j = open; j + 1 < n; j++) {
			if (!first)
				fputc(',', out);
			out_json_string(out, cur[j]);
			fputs(":{", out);
			first = true;
			snprintf(prev[j], sizeof(prev[j]), "%s", cur[j]);
			open++;
		}
		if (!first)
			fputc(',', out);
		first = false;
		out_json_string(out, cur[n - 1]);
		fputc(':', out);
		json_field_value(&d->fields[i], out);
	}
	for (; open > 0; open--)
		fputc('}', out);
}

static void json_hostname(FILE *out)
{
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	out_json_string(out, host);
}

int out_json(const struct out_doc *d, FILE *out)
{
	size_t i, r;

	fprintf(out, "{\"schema_version\":%d,\"report\":",
		OUT_JSON_SCHEMA_VERSION);
	out_json_string(out, d->report ? d->report : "");
	fputs(",\"ctxscope_version\":", out);
	out_json_string(out, CTXSCOPE_VERSION);
	if (d->proc_format)
		fprintf(out, ",\"proc_format\":%u", d->proc_format);
	fputs(",\"hostname\":", out);
	json_hostname(out);
	fprintf(out, ",\"timestamp\":%.3f", d->timestamp);
	json_fields(d, out);
	for (i = 0; i < d->nsections; i++) {
		fputc(',', out);
		out_json_string(out, d->sections[i].name);
		fputc(':', out);
		json_section(&d->sections[i], out);
	}
	for (i = 0; i < d->ntables; i++) {
		const struct out_table *t = &d->tables[i];

		fputc(',', out);
		out_json_string(out, t->name);
		fputs(":[", out);
		for (r = 0; r < t->nrows; r++) {
			if (r)
				fputc(',', out);
			json_row(t, r, out);
		}
		fputc(']', out);
	}
	fputs(",\"notes\":[", out);
	for (i = 0; i < d->nnotes; i++) {
		if (i)
			fputc(',', out);
		out_json_string(out, d->notes[i]);
	}
	fputs("]}\n", out);
	return ferror(out) ? -1 : 0;
}

int out_json_line(const struct out_table *t, size_t row, FILE *out)
{
	json_row(t, row, out);
	fputc('\n', out);
	return 0;
}
