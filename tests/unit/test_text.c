// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the escaping of outside strings (userspace/lib/text.c):
 * task names any user can set, as they must come out in each format. The
 * expected strings are written out by hand from the rules of text.h (ps's
 * '?', RFC 8259, the Prometheus text format, RFC 4180), not computed.
 */
#define _GNU_SOURCE

#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "text.h"

/* ESC [2J (clear), ESC ]0;x BEL (retitle), 0xff, a backslash, quotes. */
static const char hostile[] = "\033[2J\033]0;x\a\xff\\\"q\"\n";

static char *esc(enum cs_text_style s, const char *in)
{
	return cs_text_escape(s, in);
}

TEST(terminal_shows_control_bytes_and_bad_utf8_as_question_marks)
{
	char *s = esc(CS_TEXT_TERMINAL, hostile);

	ASSERT_NE(NULL, s);
	EXPECT_STREQ("?[2J?]0;x??\\\"q\"?", s);
	free(s);
	/* DEL, and C1 CSI as UTF-8 (U+009B): a terminal may act on both. */
	s = esc(CS_TEXT_TERMINAL, "a\x7f" "b\xc2\x9b" "c");
	EXPECT_STREQ("a?b?c", s);
	free(s);
	/* Valid UTF-8 stays: a name may be in any script. */
	s = esc(CS_TEXT_TERMINAL, "caf\xc3\xa9 \xe6\x97\xa5");
	EXPECT_STREQ("caf\xc3\xa9 \xe6\x97\xa5", s);
	EXPECT_EQ(6U, cs_text_columns(s));
	free(s);
}

TEST(terminal_rejects_overlong_surrogates_and_truncated_sequences)
{
	char *s;

	/* Overlong '/', a UTF-16 surrogate, a sequence cut short, 0xf8. */
	s = esc(CS_TEXT_TERMINAL, "\xc0\xaf|\xed\xa0\x80|\xe6\x97|\xf8");
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("??|???|??|?", s);
	free(s);
	/* Beyond U+10FFFF. */
	s = esc(CS_TEXT_TERMINAL, "\xf4\x90\x80\x80");
	EXPECT_STREQ("????", s);
	free(s);
}

TEST(json_escapes_controls_and_replaces_bad_bytes_with_fffd)
{
	char *s = esc(CS_TEXT_JSON, hostile);

	ASSERT_NE(NULL, s);
	EXPECT_STREQ("\"\\u001b[2J\\u001b]0;x\\u0007\\ufffd\\\\\\\"q\\\"\\n\"", s);
	free(s);
	s = esc(CS_TEXT_JSON, "\x7f\xc2\x9b\xe2\x80\xa8\t");
	EXPECT_STREQ("\"\\u007f\\u009b\\u2028\\t\"", s);
	free(s);
	s = esc(CS_TEXT_JSON, "caf\xc3\xa9");
	EXPECT_STREQ("\"caf\xc3\xa9\"", s);
	free(s);
	s = esc(CS_TEXT_JSON, NULL);
	EXPECT_STREQ("\"\"", s);
	free(s);
}

TEST(prometheus_escapes_backslash_quote_newline_and_replaces_the_rest)
{
	char *s = esc(CS_TEXT_PROMETHEUS, hostile);

	ASSERT_NE(NULL, s);
	EXPECT_STREQ("\xef\xbf\xbd[2J\xef\xbf\xbd]0;x\xef\xbf\xbd\xef\xbf\xbd"
		     "\\\\\\\"q\\\"\\n", s);
	EXPECT_TRUE(cs_utf8_valid(s, strlen(s)));
	free(s);
}

TEST(csv_quotes_commas_and_quotes_and_keeps_one_line)
{
	char *s = esc(CS_TEXT_CSV, "a,b\"c\nd\xff");

	ASSERT_NE(NULL, s);
	EXPECT_STREQ("\"a,b\"\"c\xef\xbf\xbd" "d\xef\xbf\xbd\"", s);
	EXPECT_EQ(NULL, strchr(s, '\n'));
	free(s);
	s = esc(CS_TEXT_CSV, "plain");
	EXPECT_STREQ("plain", s);
	free(s);
}

TEST(every_byte_value_escapes_to_safe_utf8_in_every_style)
{
	static const enum cs_text_style styles[] = {
		CS_TEXT_TERMINAL, CS_TEXT_JSON, CS_TEXT_PROMETHEUS, CS_TEXT_CSV,
	};
	char in[3] = "";
	size_t k, i;
	int b;

	for (k = 0; k < 4; k++) {
		for (b = 1; b < 256; b++) {
			char *s;

			in[0] = (char)b;
			in[1] = 'x';
			s = esc(styles[k], in);
			ASSERT_NE(NULL, s);
			EXPECT_TRUE(cs_utf8_valid(s, strlen(s)));
			for (i = 0; s[i]; i++) {
				unsigned char c = (unsigned char)s[i];

				/* No control byte at all in any style. */
				EXPECT_TRUE(c >= 0x20 && c != 0x7f) {
					TH_LOG("style %zu byte 0x%02x gives 0x%02x",
					       k, b, c);
				}
			}
			free(s);
		}
	}
}

TEST_HARNESS_MAIN
