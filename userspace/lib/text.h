/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strings that come from outside ctxscope (task names, which any user
 * sets with prctl(PR_SET_NAME) or /proc/PID/comm; a command line) made
 * safe for each output, byte by byte:
 *
 *   terminal    control characters (C0, DEL, C1) and bytes that are not
 *               UTF-8 become '?', as ps(1) shows them: nothing printed can
 *               move the cursor, clear the screen or retitle the window.
 *   JSON        valid UTF-8 (RFC 8259): '"', '\' and control characters
 *               escaped (\n, \t, \u00XX; C1 as \u0080..\u009f, U+2028 and
 *               U+2029 too); a byte that is not part of valid UTF-8
 *               becomes \ufffd (U+FFFD, as a UTF-8 decoder's "replace").
 *   Prometheus  a label value of the text exposition format: '\', '"' and
 *               newline escaped (\\, \", \n); other control characters
 *               and bytes that are not UTF-8 become U+FFFD, so that the
 *               file is valid UTF-8 and safe to print.
 *   CSV         RFC 4180 quoting where needed; control characters and
 *               bytes that are not UTF-8 become U+FFFD, so that each row
 *               is one line.
 *
 * UTF-8 is accepted only in its shortest form, without surrogates and up
 * to U+10FFFF (RFC 3629).
 */
#ifndef CTXSCOPE_TEXT_H
#define CTXSCOPE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cs_text_style {
	CS_TEXT_TERMINAL,
	CS_TEXT_JSON,		/* with the surrounding quotes */
	CS_TEXT_PROMETHEUS,	/* a label value, without the quotes */
	CS_TEXT_CSV,		/* a field, quoted if it needs to be */
};

/*
 * Decodes the character at s (n > 0 bytes available): returns its length
 * and sets *cp, or returns 0 if s does not start a valid UTF-8 sequence.
 */
size_t cs_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* C0 controls, DEL and C1 controls: what a terminal may act on. */
bool cs_text_is_control(uint32_t cp);

/* Whether all of s[0..n) is valid UTF-8. */
bool cs_utf8_valid(const char *s, size_t n);

/*
 * s escaped for style, NUL-terminated, into a new string the caller frees;
 * NULL if out of memory. A NULL s is the empty string.
 */
char *cs_text_escape(enum cs_text_style style, const char *s);

/*
 * Columns that terminal-safe text (the output of CS_TEXT_TERMINAL) takes:
 * one per character (East Asian wide characters are counted as one).
 */
size_t cs_text_columns(const char *s);

#endif /* CTXSCOPE_TEXT_H */
