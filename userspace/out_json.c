// SPDX-License-Identifier: GPL-2.0
/*
 * JSON rendering: one document per run, one object per line in interval
 * mode. Keys are the machine names of out.h; numbers are integers where
 * the value is whole.
 */
#define _GNU_SOURCE

#include "out.h"

#include <math.h>

void out_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', out);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void out_json_number(FILE *out, double v)
{
	if (!isfinite(v))
		fputs("null", out);
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(out, "%.0f", v);
	else
		fprintf(out, "%.6g", v);
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

static void json_section(const struct out_section *s, FILE *out)
{
	size_t i;
	int rates = 0;

	fputc('{', out);
	for (i = 0; i < s->n; i++) {
		if (i)
			fputc(',', out);
		out_json_string(out, s->m[i].key);
		fputc(':', out);
		out_json_number(out, s->m[i].value);
	}
	for (i = 0; i < s->n; i++) {
		if (isnan(s->m[i].rate))
			continue;
		fputs(rates++ ? "," : ",\"per_second\":{", out);
		out_json_string(out, s->m[i].key);
		fputc(':', out);
		out_json_number(out, s->m[i].rate);
	}
	if (rates)
		fputc('}', out);
	fputc('}', out);
}

int out_json(const struct out_doc *d, FILE *out)
{
	size_t i, r;

	fputs("{\"title\":", out);
	out_json_string(out, d->title);
	fputs(",\"info\":{", out);
	for (i = 0; i < d->ninfo; i++) {
		if (i)
			fputc(',', out);
		out_json_string(out, d->info[i].key);
		fputc(':', out);
		out_json_string(out, d->info[i].value);
	}
	fputc('}', out);
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
	return 0;
}

int out_json_line(const struct out_table *t, size_t row, FILE *out)
{
	json_row(t, row, out);
	fputc('\n', out);
	return 0;
}
