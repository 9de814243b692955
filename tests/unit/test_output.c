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

#include <unistd.h>

#include "kselftest_harness.h"
#include "common.h"
#include "metrics.h"
#include "out.h"
#include "prom.h"
#include "text.h"

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
	static char *const argv[] = { "echo", "a,b", NULL };
	struct out_section *s;
	struct out_table *t;
	struct out_cell *c;

	out_init(d, "stat");
	d->timestamp = 1700000000.25;
	d->proc_format = 1;
	snprintf(d->title, sizeof(d->title), "title with \"quotes\"");
	out_info(d, "command", "echo a,b");
	out_field_strv(d, "run.argv", argv, 2);
	out_field_num(d, "run.exit_status", 3);
	out_field_null(d, "run.signal");
	out_field_num(d, "run.processes.total", 2);
	out_field_num(d, "run.processes.exited", 1);
	out_field_str(d, "run.method", "cgroup");
	out_field_num(d, "top", 7);
	s = out_section(d, "system");
	out_metric(s, "switches", "context switches", 1234567)->rate = 10.5;
	out_metric(s, "tasks_tracked", "tasks", 7)->share = 0.25;
	t = out_table(d, "processes", cols, 4);
	c = out_row(t);
	c[0].num = 42;
	c[1].num = 1000;
	c[2].num = 2.5;
	out_set_text(&c[3], "a \"b\",c\nd");
	c = out_row(t);
	c[0].num = 43;
	c[1].num = 0;
	c[2].num = NAN;
	out_set_text(&c[3], "plain");
	out_note(d, "a note");
}

TEST(json_document_is_exact)
{
	char host[256] = "", *hj, *s, want[2048];
	struct out_doc d;

	gethostname(host, sizeof(host) - 1);
	hj = cs_text_escape(CS_TEXT_JSON, host);
	ASSERT_NE(NULL, hj);
	sample(&d);
	s = render(&d, OUT_JSON);
	ASSERT_NE(NULL, s);
	snprintf(want, sizeof(want),
		 "{\"schema_version\":1,\"report\":\"stat\",\"ctxscope_version\":\"%s\","
		 "\"proc_format\":1,\"hostname\":%s,\"timestamp\":1700000000.250,"
		 "\"run\":{\"argv\":[\"echo\",\"a,b\"],\"exit_status\":3,\"signal\":null,"
		 "\"processes\":{\"total\":2,\"exited\":1},\"method\":\"cgroup\"},\"top\":7,"
		 "\"system\":{\"switches\":1234567,\"tasks_tracked\":7,\"per_second\":{\"switches\":10.5}},"
		 "\"processes\":[{\"tgid\":42,\"switches\":1000,\"kstack_kib\":2.5,\"comm\":\"a \\\"b\\\",c\\nd\"},"
		 "{\"tgid\":43,\"switches\":0,\"kstack_kib\":null,\"comm\":\"plain\"}],"
		 "\"notes\":[\"a note\"]}\n", CTXSCOPE_VERSION, hj);
	EXPECT_STREQ(want, s);
	free(s);
	free(hj);
	out_free(&d);
}

TEST(json_nests_fields_by_path_and_closes_every_object)
{
	struct out_doc d;
	static const char want[] =
		",\"a\":{\"b\":{\"c\":1,\"d\":2},\"e\":3},\"f\":{\"g\":4},\"h\":5,";
	char *s, *p;

	out_init(&d, "x");
	out_field_num(&d, "a.b.c", 1);
	out_field_num(&d, "a.b.d", 2);
	out_field_num(&d, "a.e", 3);
	out_field_num(&d, "f.g", 4);
	out_field_num(&d, "h", 5);
	s = render(&d, OUT_JSON);
	ASSERT_NE(NULL, s);
	p = strstr(s, ",\"a\":");
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, strncmp(p, want, strlen(want))) {
		TH_LOG("%s", p);
	}
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
	/* A newline in a name would split the row: it becomes U+FFFD. */
	EXPECT_STREQ("tgid,switches,kstack_kib,comm\n"
		     "42,1000,2.5,\"a \"\"b\"\",c\xef\xbf\xbd" "d\"\n"
		     "43,0,,plain\n", s);
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
	/* A name's newline is a '?' for people: rows stay rows. */
	EXPECT_NE(NULL, strstr(s, "a \"b\",c?d"));
	/* No line ends in a space. */
	EXPECT_EQ(NULL, strstr(s, " \n"));
	free(s);
	out_free(&d);
}

TEST(human_output_never_prints_a_control_byte)
{
	struct out_doc d;
	struct out_table *t;
	struct out_cell *c;
	char *s;
	size_t i;

	out_init(&d, "tasks");
	snprintf(d.title, sizeof(d.title), "for '\033]0;title\a'");
	out_info(&d, "command", "x\033[2Jy");
	t = out_table(&d, "tasks", cols, 4);
	c = out_row(t);
	out_set_text(&c[3], "\033[31mred\xff\x9b");
	out_note(&d, "note \r over");
	s = render(&d, OUT_HUMAN);
	ASSERT_NE(NULL, s);
	for (i = 0; s[i]; i++)
		EXPECT_TRUE((unsigned char)s[i] >= 0x20 || s[i] == '\n') {
			TH_LOG("byte 0x%02x at %zu", (unsigned char)s[i], i);
		}
	EXPECT_TRUE(cs_utf8_valid(s, strlen(s)));
	EXPECT_NE(NULL, strstr(s, "?[31mred??"));
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
		     "{\"tgid\":43,\"switches\":0,\"kstack_kib\":null,\"comm\":\"plain\"}\n"
		     "tgid,switches,kstack_kib,comm\n"
		     "42,1000,2.5,\"a \"\"b\"\",c\xef\xbf\xbd" "d\"\n"
		     "43,0,,plain\n", buf);
	free(buf);
	out_free(&d);
}

TEST(prometheus_families_are_named_typed_and_helped)
{
	size_t f, i;

	for (f = 0; f < CS_PROM_NFAMILIES; f++) {
		const struct cs_prom_family_def *d = &cs_prom_families[f];
		size_t n;

		ASSERT_NE(NULL, d->name) {
			TH_LOG("family %zu has no name", f);
		}
		n = strlen(d->name);
		EXPECT_EQ(0, strncmp(d->name, "ctxscope_", 9));
		for (i = 0; i < n; i++)
			EXPECT_TRUE((d->name[i] >= 'a' && d->name[i] <= 'z') ||
				    d->name[i] == '_');
		/* Counters end in _total, and nothing else does. */
		EXPECT_EQ(!strcmp(d->type, "counter"),
			  n > 6 && !strcmp(d->name + n - 6, "_total")) {
			TH_LOG("%s is a %s", d->name, d->type);
		}
		EXPECT_TRUE(d->help && strlen(d->help) > 20);
		for (i = 0; i < f; i++)
			EXPECT_NE(0, strcmp(d->name, cs_prom_families[i].name));
	}
}

TEST(prometheus_writes_each_family_once_with_escaped_labels)
{
	struct cs_prom *p = cs_prom_new();
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	ASSERT_NE(NULL, p);
	cs_prom_add(p, CS_PROM_SWITCHES, 5, "cpu", "0", "class", "process");
	cs_prom_add(p, CS_PROM_TASKS_TRACKED, 7);
	cs_prom_add(p, CS_PROM_SWITCHES, 6, "cpu", "1", "class", "process");
	cs_prom_add(p, CS_PROM_TASK_SWITCHES, 1, "comm", "a\\b\"c\nd\xff\033");
	/* Not a number: never written, not even as NaN. */
	cs_prom_add(p, CS_PROM_MM_SWITCHES, NAN);
	cs_prom_add(p, CS_PROM_INFO, 1, "version", "1", "pcid", "");
	mem = open_memstream(&buf, &len);
	ASSERT_NE(NULL, mem);
	EXPECT_EQ(0, cs_prom_write(p, mem));
	fclose(mem);
	EXPECT_NE(NULL, strstr(buf, "# TYPE ctxscope_context_switches_total counter\n"
				    "ctxscope_context_switches_total{cpu=\"0\",class=\"process\"} 5\n"
				    "ctxscope_context_switches_total{cpu=\"1\",class=\"process\"} 6\n"));
	EXPECT_NE(NULL, strstr(buf, "ctxscope_tasks_tracked 7\n"));
	EXPECT_NE(NULL, strstr(buf, "{comm=\"a\\\\b\\\"c\\nd\xef\xbf\xbd\xef\xbf\xbd\"} 1\n"));
	EXPECT_EQ(NULL, strstr(buf, "mm_switches"));
	EXPECT_EQ(NULL, strstr(buf, "NaN"));
	/* An empty label value is no label. */
	EXPECT_NE(NULL, strstr(buf, "ctxscope_info{version=\"1\"} 1\n"));
	free(buf);
	cs_prom_free(p);
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

TEST(pid_lists_accumulate_and_reject_junk)
{
	struct cs_pids p = { NULL, 0, 0 };

	EXPECT_EQ(0, cs_pids_add(&p, "t", "1,22"));
	EXPECT_EQ(0, cs_pids_add(&p, "t", "333"));
	EXPECT_EQ(0, cs_pids_add(&p, "t", "22"));
	ASSERT_EQ(3U, p.n);
	EXPECT_EQ(1, p.v[0]);
	EXPECT_EQ(22, p.v[1]);
	EXPECT_EQ(333, p.v[2]);
	EXPECT_EQ(CS_EXIT_USAGE, cs_pids_add(&p, "t", "4,x"));
	EXPECT_EQ(CS_EXIT_USAGE, cs_pids_add(&p, "t", "5,"));
	EXPECT_EQ(CS_EXIT_USAGE, cs_pids_add(&p, "t", "0"));
	EXPECT_EQ(CS_EXIT_USAGE, cs_pids_add(&p, "t", "99999999999"));
	cs_pids_free(&p);
}

TEST(intervals_have_a_minimum_and_positional_forms)
{
	char *argv[] = { "top", "0.5", "3", "x", NULL };
	long long count = -1;
	double iv = 2;
	int given;

	EXPECT_EQ(0, cs_set_interval("t", "0.1", &iv));
	EXPECT_EQ(0.1, iv);
	EXPECT_EQ(CS_EXIT_USAGE, cs_set_interval("t", "0.05", &iv));
	EXPECT_EQ(0, cs_positional_interval("t", 3, argv, 1, &iv, &count, &given));
	EXPECT_EQ(0.5, iv);
	EXPECT_EQ(3, count);
	EXPECT_EQ(2, given);
	EXPECT_EQ(CS_EXIT_USAGE,
		  cs_positional_interval("t", 4, argv, 1, &iv, &count, &given));
	EXPECT_EQ(0, cs_positional_interval("t", 1, argv, 1, &iv, &count, &given));
	EXPECT_EQ(0, given);
}

TEST(huge_and_odd_values_format_without_overflow)
{
	char b[64];

	EXPECT_EQ(0U, cs_u64(NAN));
	EXPECT_EQ(0U, cs_u64(-5));
	EXPECT_EQ(UINT64_MAX, cs_u64(1e30));
	EXPECT_EQ(UINT64_MAX, cs_u64((double)UINT64_MAX));
	EXPECT_EQ(3U, cs_u64(2.5000001));
	EXPECT_STREQ("18,446,744,073,709,551,615",
		     cs_thousands_f(1e300, 0, b, sizeof(b)));
}

TEST(output_formats_are_named_in_any_case)
{
	enum out_format f;

	EXPECT_EQ(0, out_parse_format("json", &f));
	EXPECT_EQ(OUT_JSON, f);
	EXPECT_EQ(0, out_parse_format("JSON", &f));
	EXPECT_EQ(OUT_JSON, f);
	EXPECT_EQ(0, out_parse_format("Csv", &f));
	EXPECT_EQ(OUT_CSV, f);
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
	out_init(&d, "stat");
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
