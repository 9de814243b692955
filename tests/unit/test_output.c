// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the reporter's output layer (userspace/out*.c,
 * common.c): every format renders a known document exactly, escapes what
 * it must, and numbers are formatted for people. Built and run under ASan
 * and UBSan. tests/unit/cli.sh checks whole commands with jq and promtool.
 */
#define _GNU_SOURCE

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "common.h"
#include "metrics.h"
#include "out.h"

static const struct out_column cols[] = {
	OUT_COL_ID("tgid", "tgid"),
	OUT_COL_COUNT("switches", "switches"),
	OUT_COL_NUM("kstack_kib", "kstack", "KiB", 1),
	OUT_COL_TEXT("comm", "command"),
};

/* Renders d in format f into a malloc'd string. */
static char *render(const struct out_doc *d, enum out_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	if (!mem)
		return NULL;
	out_render(d, f, mem);
	fclose(mem);
	return buf;
}

static void sample(struct out_doc *d)
{
	struct out_section *s;
	struct out_table *t;
	struct out_cell *c;

	out_init(d);
	snprintf(d->title, sizeof(d->title), "title with \"quotes\"");
	out_info(d, "command", "echo a,b");
	s = out_section(d, "system");
	out_metric(s, "switches", "context switches", "Help \\ text", true,
		   1234567)->rate = 10.5;
	out_metric(s, "tasks_tracked", "tasks", "Rows", false, 7)->share = 0.25;
	t = out_table(d, "processes", cols, 4);
	c = out_row(t);
	c[0].num = 42;
	c[1].num = 1000;
	c[2].num = 2.5;
	out_set_text(&c[3], "a \"b\",c\nd");
	c = out_row(t);
	c[0].num = 43;
	c[1].num = 0;
	c[2].num = 0;
	out_set_text(&c[3], "plain");
	out_note(d, "a note");
}

TEST(json_document_is_exact)
{
	struct out_doc d;
	char *s;

	sample(&d);
	s = render(&d, OUT_JSON);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("{\"title\":\"title with \\\"quotes\\\"\",\"info\":{\"command\":\"echo a,b\"},"
		     "\"system\":{\"switches\":1234567,\"tasks_tracked\":7,\"per_second\":{\"switches\":10.5}},"
		     "\"processes\":[{\"tgid\":42,\"switches\":1000,\"kstack_kib\":2.5,\"comm\":\"a \\\"b\\\",c\\nd\"},"
		     "{\"tgid\":43,\"switches\":0,\"kstack_kib\":0,\"comm\":\"plain\"}],"
		     "\"notes\":[\"a note\"]}\n", s);
	free(s);
	out_free(&d);
}

TEST(prometheus_families_have_help_type_and_escaped_labels)
{
	struct out_doc d;
	char *s;

	sample(&d);
	s = render(&d, OUT_PROMETHEUS);
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "# HELP ctxscope_switches_total Help \\\\ text\n"
				  "# TYPE ctxscope_switches_total counter\n"
				  "ctxscope_switches_total{scope=\"system\"} 1234567\n"));
	EXPECT_NE(NULL, strstr(s, "# TYPE ctxscope_tasks_tracked gauge\n"
				  "ctxscope_tasks_tracked{scope=\"system\"} 7\n"));
	EXPECT_NE(NULL, strstr(s, "# TYPE ctxscope_processes_switches_total counter\n"
				  "ctxscope_processes_switches_total{tgid=\"42\",comm=\"a \\\"b\\\",c\\nd\"} 1000\n"));
	EXPECT_NE(NULL, strstr(s, "# TYPE ctxscope_processes_kstack_kib gauge\n"
				  "ctxscope_processes_kstack_kib{tgid=\"42\",comm=\"a \\\"b\\\",c\\nd\"} 2.5\n"));
	/* An identifying column is a label, never a metric. */
	EXPECT_EQ(NULL, strstr(s, "ctxscope_processes_tgid"));
	free(s);
	out_free(&d);
}

TEST(csv_quotes_what_needs_quoting)
{
	struct out_doc d;
	char *s;

	sample(&d);
	s = render(&d, OUT_CSV);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("tgid,switches,kstack_kib,comm\n"
		     "42,1000,2.5,\"a \"\"b\"\",c\nd\"\n"
		     "43,0,0,plain\n", s);
	free(s);
	out_free(&d);
}

TEST(human_output_has_separators_units_and_rates)
{
	struct out_doc d;
	char *s;

	sample(&d);
	s = render(&d, OUT_HUMAN);
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "1,234,567  context switches"));
	EXPECT_NE(NULL, strstr(s, "#  10.5/s"));
	EXPECT_NE(NULL, strstr(s, "#   25.0%"));
	EXPECT_NE(NULL, strstr(s, "kstack (KiB)"));
	EXPECT_NE(NULL, strstr(s, "1,000"));
	EXPECT_NE(NULL, strstr(s, "Note: a note"));
	/* No line ends in a space. */
	EXPECT_EQ(NULL, strstr(s, " \n"));
	free(s);
	out_free(&d);
}

TEST(interval_rows_stream_one_line_each)
{
	struct out_doc d;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	sample(&d);
	mem = open_memstream(&buf, &len);
	ASSERT_NE(NULL, mem);
	out_stream_row(&d.tables[0], 0, OUT_JSON, mem, true);
	out_stream_row(&d.tables[0], 1, OUT_JSON, mem, false);
	out_stream_row(&d.tables[0], 0, OUT_CSV, mem, true);
	out_stream_row(&d.tables[0], 1, OUT_CSV, mem, false);
	fclose(mem);
	EXPECT_STREQ("{\"tgid\":42,\"switches\":1000,\"kstack_kib\":2.5,\"comm\":\"a \\\"b\\\",c\\nd\"}\n"
		     "{\"tgid\":43,\"switches\":0,\"kstack_kib\":0,\"comm\":\"plain\"}\n"
		     "tgid,switches,kstack_kib,comm\n"
		     "42,1000,2.5,\"a \"\"b\"\",c\nd\"\n"
		     "43,0,0,plain\n", buf);
	free(buf);
	out_free(&d);
}

TEST(numbers_are_formatted_for_people)
{
	char b[64];

	EXPECT_STREQ("0", cs_thousands(0, b, sizeof(b)));
	EXPECT_STREQ("999", cs_thousands(999, b, sizeof(b)));
	EXPECT_STREQ("1,000", cs_thousands(1000, b, sizeof(b)));
	EXPECT_STREQ("18,446,744,073,709,551,615",
		     cs_thousands(UINT64_MAX, b, sizeof(b)));
	EXPECT_STREQ("1,234.5", cs_thousands_f(1234.5, 1, b, sizeof(b)));
	EXPECT_STREQ("10.0", cs_thousands_f(9.96, 1, b, sizeof(b)));
	EXPECT_STREQ("1,000.00", cs_thousands_f(999.999, 2, b, sizeof(b)));
	EXPECT_STREQ("-2.5", cs_thousands_f(-2.5, 1, b, sizeof(b)));
}

TEST(command_line_values_are_validated)
{
	EXPECT_EQ(1.0, cs_parse_seconds("1"));
	EXPECT_EQ(0.25, cs_parse_seconds("0.25"));
	EXPECT_EQ(-1, cs_parse_seconds("0"));
	EXPECT_EQ(-1, cs_parse_seconds("-1"));
	EXPECT_EQ(-1, cs_parse_seconds("1s"));
	EXPECT_EQ(-1, cs_parse_seconds(""));
	EXPECT_EQ(-1, cs_parse_seconds("nan"));
	EXPECT_EQ(42, cs_parse_uint("42", 100));
	EXPECT_EQ(-1, cs_parse_uint("101", 100));
	EXPECT_EQ(-1, cs_parse_uint("-1", 100));
	EXPECT_EQ(-1, cs_parse_uint("4x", 100));
	EXPECT_EQ(-1, cs_parse_uint("", 100));
	EXPECT_EQ(-1, cs_parse_uint("99999999999999999999999", 100));
}

TEST(output_formats_are_named)
{
	enum out_format f;

	EXPECT_EQ(0, out_parse_format("json", &f));
	EXPECT_EQ(OUT_JSON, f);
	EXPECT_EQ(0, out_parse_format("prometheus", &f));
	EXPECT_EQ(OUT_PROMETHEUS, f);
	EXPECT_EQ(-1, out_parse_format("xml", &f));
	EXPECT_EQ(-1, out_parse_format("", &f));
}

TEST(system_metrics_compute_shares_and_rates)
{
	static const char a_text[] = "format 1\nswitches 100\nswitches_process 10\nsince_ns 5\n";
	static const char b_text[] = "format 1\nswitches 300\nswitches_process 110\nsince_ns 5\n";
	struct cs_summary a, b;
	struct out_doc d;
	struct out_section *s;

	ASSERT_EQ(CS_OK, cs_summary_parse(a_text, strlen(a_text), &a, NULL));
	ASSERT_EQ(CS_OK, cs_summary_parse(b_text, strlen(b_text), &b, NULL));
	out_init(&d);
	s = out_section(&d, "system");
	cs_metrics_system(s, &a, &b, 2.0);
	/* Keys this module does not print are left out, not zero. */
	ASSERT_EQ(2U, s->n);
	EXPECT_STREQ("switches", s->m[0].key);
	EXPECT_EQ(200.0, s->m[0].value);
	EXPECT_EQ(100.0, s->m[0].rate);
	EXPECT_EQ(100.0, s->m[1].value);
	EXPECT_EQ(0.5, s->m[1].share);
	out_free(&d);
	cs_summary_free(&a);
	cs_summary_free(&b);
}

TEST_HARNESS_MAIN
