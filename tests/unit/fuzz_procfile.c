// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the /proc/ctxscope parser and what the commands do
 * with what it returns. The first byte picks the file (summary, cpus,
 * tasks, processes, cgroups, exited), the rest is its text. Whatever the
 * bytes, nothing may crash, read out of bounds or overflow (ASan, UBSan),
 * an error must name its line, and every output built from the rows
 * (human, JSON, CSV, Prometheus) must be valid UTF-8 without a control
 * byte a terminal would act on.
 *
 * Seeds: tests/fixtures, one file per kind (tests/unit/run makes them).
 * Run by tests/unit/run for a bounded time, make check included.
 */
#define _GNU_SOURCE

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "metrics.h"
#include "out.h"
#include "procfile.h"
#include "prom.h"
#include "text.h"

static const char *const files[] = {
	"summary", "cpus", "tasks", "processes", "cgroups", "exited",
};

static const struct out_column cols[] = {
	OUT_COL_ID("pid", "pid"),
	OUT_COL_COUNT("switches", "switches"),
	OUT_COL_SCALED("kstack_max_bytes", "kstack max", "KiB", 1, 1.0 / 1024),
	OUT_COL_TEXT("comm", "command"),
	OUT_COL_BAR("classes", "classes"),
};

/* Aborts (a finding) unless out is safe for its format. */
static void check_output(const char *out, size_t len, bool newlines)
{
	size_t i;

	if (!cs_utf8_valid(out, len))
		abort();
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];

		if ((c < 0x20 && !(newlines && c == '\n')) || c == 0x7f)
			abort();
	}
}

static void render_all(const struct out_doc *d, const struct cs_prom *p)
{
	static const enum out_format formats[] = { OUT_HUMAN, OUT_JSON,
						   OUT_CSV };
	size_t i;

	for (i = 0; i < 4; i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&buf, &len);

		if (!mem)
			return;
		if (i < 3)
			out_render(d, formats[i], mem);
		else
			cs_prom_write(p, mem);
		fclose(mem);
		check_output(buf, len, true);
		free(buf);
	}
}

static void fuzz_summary(const char *text, size_t len)
{
	char detail[CS_DETAIL_MAX] = "";
	struct cs_summary s;
	struct out_section *sec;
	struct cs_prom *p;
	struct out_doc d;

	if (cs_summary_parse(text, len, &s, detail)) {
		/* A malformed line is named; a format error explains itself. */
		if (!detail[0])
			abort();
		return;
	}
	cs_summary_require(&s, cs_required("summary"), detail);
	out_init(&d, "fuzz");
	sec = out_section(&d, "system");
	cs_metrics_system(sec, &s, &s, 1.0);
	cs_metrics_system(out_section(&d, "since_load"), NULL, &s, 0);
	p = cs_prom_new();
	cs_prom_add_health(p, &s);
	cs_prom_add_counts(p, cs_prom_summary_getter, &s, NULL, NULL);
	render_all(&d, p);
	cs_prom_free(p);
	out_free(&d);
	cs_summary_free(&s);
}

static void fuzz_table(const char *file, const char *text, size_t len)
{
	char detail[CS_DETAIL_MAX] = "";
	struct out_table *tab;
	struct cs_sums total;
	struct cs_table t;
	struct cs_prom *p;
	struct out_doc d;
	size_t row;
	int k;

	if (cs_table_parse(text, len, &t, detail)) {
		if (strncmp(detail, "line ", 5))
			abort();
		return;
	}
	/* What a command does first; then it must not matter either way. */
	cs_table_require(&t, cs_required(file), detail);
	memset(&total, 0, sizeof(total));
	out_init(&d, "fuzz");
	tab = out_table(&d, "rows", cols, sizeof(cols) / sizeof(cols[0]));
	p = cs_prom_new();
	for (row = 0; row < t.nrows && row < 64; row++) {
		const char *comm = cs_table_str(&t, row, cs_table_col(&t, "comm"));
		struct out_cell *c = out_row(tab);
		struct cs_sums s;
		char pid[24];

		cs_sums_from_row(&s, &t, row);
		cs_sums_add(&total, &s);
		if (!c)
			break;
		c[0].num = (double)cs_cell(&t, row, "pid");
		c[1].num = s.switches;
		c[2].num = s.kstack_max;
		out_set_text(&c[3], comm);
		for (k = 0; k < 4; k++)
			c[4].shares[k] = s.switches > 0 ? s.to[k] / s.switches : NAN;
		snprintf(pid, sizeof(pid), "%.0f", c[0].num);
		cs_prom_add(p, CS_PROM_TASK_SWITCHES, s.to[0], "pid", pid,
			    "comm", comm, "class", "process");
		cs_prom_add_counts(p, cs_sums_get, &s, "cpu", pid);
	}
	cs_metrics_sums(out_section(&d, "sum"), &total, 0.5);
	out_note(&d, "%s", detail);
	render_all(&d, p);
	cs_prom_free(p);
	out_free(&d);
	cs_table_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *file;

	if (size < 1)
		return 0;
	file = files[data[0] % (sizeof(files) / sizeof(files[0]))];
	if (!strcmp(file, "summary"))
		fuzz_summary((const char *)data + 1, size - 1);
	else
		fuzz_table(file, (const char *)data + 1, size - 1);
	return 0;
}
