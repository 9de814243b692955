// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the /proc/ctxscope parser (userspace/lib/procfile.c),
 * on files captured from the real module (tests/fixtures/<kernel>/, made
 * by tests/tools/capture-fixtures) and on truncated, malformed and
 * future-format variants. Built and run under ASan and UBSan.
 */
#define _GNU_SOURCE

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "procfile.h"

static const char *const kernels[] = { "6.1", "6.12" };

static char *fixture(const char *kernel, const char *file, size_t *len)
{
	char path[512], detail[CS_DETAIL_MAX];
	char *buf = NULL;

	snprintf(path, sizeof(path), "%s/%s/%s", FIXTURES, kernel, file);
	if (cs_read_file(path, &buf, len, detail) != CS_OK) {
		fprintf(stderr, "# %s\n", detail);
		return NULL;
	}
	return buf;
}

static enum cs_status parse_summary(const char *text, struct cs_summary *s)
{
	char detail[CS_DETAIL_MAX] = "";

	return cs_summary_parse(text, strlen(text), s, detail);
}

static enum cs_status parse_table(const char *text, struct cs_table *t)
{
	char detail[CS_DETAIL_MAX] = "";

	return cs_table_parse(text, strlen(text), t, detail);
}

static uint64_t get(const struct cs_summary *s, const char *key)
{
	uint64_t v = UINT64_MAX;

	cs_summary_get(s, key, &v);
	return v;
}

TEST(captured_summaries_parse_with_invariants)
{
	size_t k, len;

	for (k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
		struct cs_summary s;
		char *text = fixture(kernels[k], "summary", &len);

		ASSERT_NE(NULL, text);
		ASSERT_EQ(CS_OK, cs_summary_parse(text, len, &s, NULL));
		EXPECT_EQ(1U, s.format);
		EXPECT_EQ(get(&s, "switches"),
			  get(&s, "switches_process") +
			  get(&s, "switches_thread") +
			  get(&s, "switches_kernel") +
			  get(&s, "switches_idle"));
		EXPECT_EQ(get(&s, "switches"),
			  get(&s, "voluntary") + get(&s, "involuntary"));
		EXPECT_NE(UINT64_MAX, get(&s, "since_ns"));
		EXPECT_NE(UINT64_MAX, get(&s, "mm_switches"));
		EXPECT_NE(UINT64_MAX, get(&s, "lazy_switches"));
		cs_summary_free(&s);
		free(text);
	}
}

TEST(captured_cpus_tables_sum_to_plausible_totals)
{
	size_t k, len, row;

	for (k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
		struct cs_table t;
		char *text = fixture(kernels[k], "cpus", &len);
		int sw, vol, inv;

		ASSERT_NE(NULL, text);
		ASSERT_EQ(CS_OK, cs_table_parse(text, len, &t, NULL));
		ASSERT_LE(1U, t.nrows);
		EXPECT_EQ(0, cs_table_col(&t, "cpu"));
		sw = cs_table_col(&t, "switches");
		vol = cs_table_col(&t, "voluntary");
		inv = cs_table_col(&t, "involuntary");
		ASSERT_LE(0, sw);
		ASSERT_LE(0, vol);
		ASSERT_LE(0, inv);
		EXPECT_EQ(-1, cs_table_col(&t, "no_such_column"));
		for (row = 0; row < t.nrows; row++)
			EXPECT_EQ(cs_table_num(&t, row, sw),
				  cs_table_num(&t, row, vol) +
				  cs_table_num(&t, row, inv));
		cs_table_free(&t);
		free(text);
	}
}

/* Every truncation of a real file either parses or fails cleanly. */
TEST(every_truncation_is_handled)
{
	static const char *const files[] = { "summary", "cpus" };
	size_t f, len, cut;

	for (f = 0; f < 2; f++) {
		char *text = fixture("6.12", files[f], &len);

		ASSERT_NE(NULL, text);
		for (cut = 0; cut < len; cut++) {
			char detail[CS_DETAIL_MAX] = "";
			enum cs_status st, want;
			struct cs_summary s;
			struct cs_table t;
			/* A copy of exactly cut bytes, so ASan sees overreads. */
			char *part = malloc(cut + 1);

			ASSERT_NE(NULL, part);
			memcpy(part, text, cut);
			part[cut] = 'X';
			want = cut > 0 && text[cut - 1] == '\n' ? CS_OK : CS_ERR_PARSE;
			if (f == 0)
				st = cs_summary_parse(part, cut, &s, detail);
			else
				st = cs_table_parse(part, cut, &t, detail);
			EXPECT_EQ(want, st) {
				TH_LOG("%s cut at %zu: %s", files[f], cut, detail);
			}
			if (st == CS_OK && f == 0)
				cs_summary_free(&s);
			if (st == CS_OK && f == 1)
				cs_table_free(&t);
			free(part);
		}
		free(text);
	}
}

TEST(malformed_summaries_are_refused)
{
	static const struct {
		const char *text;
		enum cs_status want;
	} cases[] = {
		{ "", CS_ERR_PARSE },
		{ "format 1", CS_ERR_PARSE },			/* no newline */
		{ "switches 1\n", CS_ERR_FORMAT },		/* no format */
		{ "format 1\nswitches\n", CS_ERR_PARSE },
		{ "format 1\nswitches 1 2\n", CS_ERR_PARSE },
		{ "format 1\nswitches -1\n", CS_ERR_PARSE },
		{ "format 1\nswitches +1\n", CS_ERR_PARSE },
		{ "format 1\nswitches 0x10\n", CS_ERR_PARSE },
		{ "format 1\nswitches 18446744073709551616\n", CS_ERR_PARSE },
		{ "format 1\nswitches  1\n", CS_ERR_PARSE },
		{ "format 1\nSwitches 1\n", CS_ERR_PARSE },
		{ "format 1\n switches 1\n", CS_ERR_PARSE },
		{ "format 1\nswitches 1\nswitches 2\n", CS_ERR_PARSE },
		{ "format 1\n\n", CS_ERR_PARSE },
		{ "format x\n", CS_ERR_PARSE },
		{ "format 0\n", CS_ERR_FORMAT },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cs_summary s;
		enum cs_status st = parse_summary(cases[i].text, &s);

		EXPECT_EQ(cases[i].want, st) {
			TH_LOG("case %zu: \"%s\"", i, cases[i].text);
		}
		if (st == CS_OK)
			cs_summary_free(&s);
	}
}

TEST(largest_value_and_embedded_nul)
{
	static const char nul[] = "format 1\nswi\0ches 1\n";
	struct cs_summary s;

	ASSERT_EQ(CS_OK,
		  parse_summary("format 1\nswitches 18446744073709551615\n",
				&s));
	EXPECT_EQ(UINT64_MAX, get(&s, "switches"));
	cs_summary_free(&s);
	EXPECT_EQ(CS_ERR_PARSE,
		  cs_summary_parse(nul, sizeof(nul) - 1, &s, NULL));
}

TEST(future_format_is_refused_with_a_clear_detail)
{
	char detail[CS_DETAIL_MAX] = "";
	static const char text[] = "format 2\nswitches 5\n";
	struct cs_summary s;

	ASSERT_EQ(CS_ERR_FORMAT,
		  cs_summary_parse(text, strlen(text), &s, detail));
	EXPECT_NE(NULL, strstr(detail, "format 2"));
	EXPECT_NE(NULL, strstr(detail, "format 1"));
}

TEST(unknown_keys_and_columns_are_kept_for_newer_modules)
{
	struct cs_summary s;
	struct cs_table t;

	ASSERT_EQ(CS_OK, parse_summary("format 1\nfuture_key 7\nswitches 3\n",
				       &s));
	EXPECT_EQ(7U, get(&s, "future_key"));
	EXPECT_EQ(3U, get(&s, "switches"));
	cs_summary_free(&s);

	ASSERT_EQ(CS_OK, parse_table("cpu future switches\n0 9 4\n", &t));
	EXPECT_EQ(4U, cs_table_num(&t, 0, cs_table_col(&t, "switches")));
	cs_table_free(&t);
}

TEST(malformed_tables_are_refused)
{
	static const char *const bad[] = {
		"",
		"cpu switches",				/* no newline */
		"cpu switches\n0 1 2\n",		/* too many fields */
		"cpu switches\n0\n",			/* too few */
		"cpu switches\n0 x\n",
		"cpu  switches\n0 1\n",			/* empty column name */
		"cpu Switches\n0 1\n",
		"cpu switches\n0 1\n\n",		/* empty row */
		"pid comm\n1 bad\\9escape\n",
		"pid comm\n1 trailing\\\n",
		"pid comm\n1 short\\04\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cs_table t;

		EXPECT_EQ(CS_ERR_PARSE, parse_table(bad[i], &t)) {
			TH_LOG("case %zu: \"%s\"", i, bad[i]);
		}
	}
}

TEST(comm_escapes_are_decoded)
{
	struct cs_table t;
	int comm;

	ASSERT_EQ(CS_OK,
		  parse_table("pid comm\n1 a\\040b\\012c\\134\n2 plain\n", &t));
	ASSERT_EQ(2U, t.nrows);
	comm = cs_table_col(&t, "comm");
	ASSERT_EQ(1, comm);
	EXPECT_STREQ("a b\nc\\", cs_table_str(&t, 0, comm));
	EXPECT_STREQ("plain", cs_table_str(&t, 1, comm));
	EXPECT_EQ(2U, cs_table_num(&t, 1, 0));
	cs_table_free(&t);
}

TEST(header_only_table_has_no_rows)
{
	struct cs_table t;

	ASSERT_EQ(CS_OK, parse_table("pid tgid comm\n", &t));
	EXPECT_EQ(0U, t.nrows);
	EXPECT_EQ(3U, t.ncols);
	cs_table_free(&t);
}

TEST(missing_file_means_module_not_loaded)
{
	char detail[CS_DETAIL_MAX] = "";
	struct cs_summary s;

	EXPECT_EQ(CS_ERR_NOMODULE,
		  cs_summary_read("/nonexistent/ctxscope/summary", &s, detail));
	EXPECT_NE(NULL, strstr(detail, "/nonexistent/ctxscope/summary"));
	EXPECT_STREQ("ctxscope module not loaded",
		     cs_status_str(CS_ERR_NOMODULE));
}

TEST(every_error_names_its_line)
{
	static const struct {
		const char *text;
		const char *line;
	} cases[] = {
		{ "", "line 1:" },
		{ "cpu switches\n0 1\n1", "line 3:" },	/* cut short */
		{ "cpu switches\n0 1\n1 2 3\n", "line 3:" },
		{ "cpu switches\n0 1\n1 x\n", "line 3:" },
		{ "cpu Switches\n0 1\n", "line 1:" },
		{ "cpu cpu\n0 1\n", "line 1:" },		/* twice */
	};
	static const char nul[] = "cpu switches\n0 1\n2 \0\n";
	char detail[CS_DETAIL_MAX];
	struct cs_summary sm;
	struct cs_table t;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		detail[0] = '\0';
		EXPECT_EQ(CS_ERR_PARSE, cs_table_parse(cases[i].text,
						       strlen(cases[i].text),
						       &t, detail));
		EXPECT_EQ(0, strncmp(detail, cases[i].line,
				     strlen(cases[i].line))) {
			TH_LOG("case %zu: \"%s\" gives \"%s\"", i,
			       cases[i].text, detail);
		}
	}
	EXPECT_EQ(CS_ERR_PARSE, cs_table_parse(nul, sizeof(nul) - 1, &t, detail));
	EXPECT_STREQ("line 3: NUL byte", detail);
	detail[0] = '\0';
	EXPECT_EQ(CS_ERR_PARSE, cs_summary_parse("format 1\nswitches 1\nbad\n",
						 24, &sm, detail));
	EXPECT_STREQ("line 3: expected \"key value\"", detail);
}

TEST(read_errors_name_the_file_and_the_line)
{
	char path[] = "/tmp/ctxscope-test-XXXXXX", detail[CS_DETAIL_MAX] = "";
	static const char text[] = "pid comm\n1 a\n2 b c\n";
	struct cs_table t;
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(text), write(fd, text, strlen(text)));
	close(fd);
	EXPECT_EQ(CS_ERR_PARSE, cs_table_read(path, &t, detail));
	EXPECT_NE(NULL, strstr(detail, path));
	EXPECT_NE(NULL, strstr(detail, "line 3:")) {
		TH_LOG("%s", detail);
	}
	unlink(path);
}

TEST(a_missing_column_is_an_error_not_a_crash)
{
	static const char *const need[] = { "pid", "comm", NULL };
	char detail[CS_DETAIL_MAX] = "";
	struct cs_table t;

	ASSERT_EQ(CS_OK, parse_table("pid tgid\n1 1\n", &t));
	EXPECT_EQ(CS_ERR_PARSE, cs_table_require(&t, need, detail));
	EXPECT_STREQ("line 1: no column comm", detail);
	/* A column that is not there reads as nothing, never out of bounds. */
	EXPECT_EQ(NULL, cs_table_str(&t, 0, cs_table_col(&t, "comm")));
	EXPECT_EQ(0U, cs_table_num(&t, 0, -1));
	EXPECT_EQ(0U, cs_table_num(&t, 5, 0));
	EXPECT_EQ(0U, cs_table_num(&t, 0, 2));
	cs_table_free(&t);
}

TEST(a_missing_summary_key_is_named)
{
	static const char *const need[] = { "switches", "since_ns", NULL };
	char detail[CS_DETAIL_MAX] = "";
	struct cs_summary s;

	ASSERT_EQ(CS_OK, parse_summary("format 1\nswitches 4\n", &s));
	EXPECT_EQ(CS_ERR_PARSE, cs_summary_require(&s, need, detail));
	EXPECT_STREQ("no key since_ns", detail);
	cs_summary_free(&s);
}

struct later {
	int fd;
	const char *text;
};

static void *write_later(void *arg)
{
	const struct later *l = arg;
	struct timespec ts = { 0, 50000000 };

	nanosleep(&ts, NULL);
	if (write(l->fd, l->text, strlen(l->text)) < 0)
		return NULL;
	close(l->fd);
	return NULL;
}

/*
 * A read refused with EAGAIN goes on where it stopped: here a pipe that
 * says EAGAIN for 50 ms between the two halves of a table.
 */
TEST(a_read_refused_with_eagain_is_tried_again)
{
	static const char first[] = "pid comm\n1 a\n";
	struct later l = { -1, "2 b\n" };
	char detail[CS_DETAIL_MAX] = "", *buf = NULL;
	struct cs_table t;
	pthread_t th;
	size_t len = 0;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, fcntl(p[0], F_SETFL, O_NONBLOCK));
	ASSERT_EQ((ssize_t)strlen(first), write(p[1], first, strlen(first)));
	l.fd = p[1];
	ASSERT_EQ(0, pthread_create(&th, NULL, write_later, &l));
	EXPECT_EQ(CS_OK, cs_read_fd(p[0], "pipe", &buf, &len, detail)) {
		TH_LOG("%s", detail);
	}
	pthread_join(th, NULL);
	close(p[0]);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(CS_OK, cs_table_parse(buf, len, &t, detail));
	EXPECT_EQ(2U, t.nrows);
	EXPECT_STREQ("b", cs_table_str(&t, 1, cs_table_col(&t, "comm")));
	cs_table_free(&t);
	free(buf);
}

/*
 * A module that keeps saying EAGAIN is given up on after a bounded time
 * (400 tries, 5 ms apart: about 2 s), with an error that names the file
 * and why, and nothing read is kept.
 */
TEST(a_read_refused_for_2_s_is_a_clear_error)
{
	char detail[CS_DETAIL_MAX] = "", *buf = NULL;
	struct timespec t0, t1;
	size_t len = 0;
	long ms;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, fcntl(p[0], F_SETFL, O_NONBLOCK));
	ASSERT_EQ(2, write(p[1], "pi", 2));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(CS_ERR_IO, cs_read_fd(p[0], "/proc/ctxscope/processes",
					&buf, &len, detail));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(p[0]);
	close(p[1]);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	EXPECT_NE(NULL, strstr(detail, "/proc/ctxscope/processes")) {
		TH_LOG("%s", detail);
	}
	EXPECT_NE(NULL, strstr(detail, "EAGAIN")) {
		TH_LOG("%s", detail);
	}
	EXPECT_NE(NULL, strstr(detail, "try again")) {
		TH_LOG("%s", detail);
	}
	EXPECT_EQ(NULL, buf);
	/* After the 399 pauses of 5 ms, and not much later. */
	EXPECT_LE(1995, ms) {
		TH_LOG("gave up after %ld ms", ms);
	}
	EXPECT_GT(20000, ms) {
		TH_LOG("gave up after %ld ms", ms);
	}
}

TEST_HARNESS_MAIN
