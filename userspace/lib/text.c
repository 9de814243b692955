// SPDX-License-Identifier: GPL-2.0
/*
 * Escaping outside strings for each output; see text.h.
 */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t cs_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c, min;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;	/* a continuation byte, or 0xf8..0xff */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and beyond U+10FFFF. */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

bool cs_text_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

bool cs_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		size_t len = cs_utf8_decode(p + i, n - i, &cp);

		if (!len)
			return false;
		i += len;
	}
	return true;
}

/* A growing output string. */
struct buf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
	char *bigger;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;

		while (b->len + n + 1 > cap)
			cap *= 2;
		bigger = realloc(b->s, cap);
		if (!bigger) {
			b->failed = true;
			return;
		}
		b->s = bigger;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

#define REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD in UTF-8 */

/* One character (or one invalid byte: valid false) in a style. */
static void escape_char(struct buf *b, enum cs_text_style style,
			const unsigned char *s, size_t len, uint32_t cp,
			bool valid)
{
	switch (style) {
	case CS_TEXT_TERMINAL:
		if (!valid || cs_text_is_control(cp))
			puts_(b, "?");
		else
			put(b, (const char *)s, len);
		return;
	case CS_TEXT_JSON:
		if (!valid) {
			puts_(b, "\\ufffd");
		} else if (cp == '"') {
			puts_(b, "\\\"");
		} else if (cp == '\\') {
			puts_(b, "\\\\");
		} else if (cp == '\n') {
			puts_(b, "\\n");
		} else if (cp == '\t') {
			puts_(b, "\\t");
		} else if (cs_text_is_control(cp) || cp == 0x2028 ||
			   cp == 0x2029) {
			char hex[8];

			snprintf(hex, sizeof(hex), "\\u%04x", (unsigned int)cp);
			puts_(b, hex);
		} else {
			put(b, (const char *)s, len);
		}
		return;
	case CS_TEXT_PROMETHEUS:
		if (valid && cp == '\\')
			puts_(b, "\\\\");
		else if (valid && cp == '"')
			puts_(b, "\\\"");
		else if (valid && cp == '\n')
			puts_(b, "\\n");
		else if (!valid || cs_text_is_control(cp))
			puts_(b, REPLACEMENT);
		else
			put(b, (const char *)s, len);
		return;
	case CS_TEXT_CSV:
		if (valid && cp == '"')
			puts_(b, "\"\"");
		else if (!valid || cs_text_is_control(cp))
			puts_(b, REPLACEMENT);
		else
			put(b, (const char *)s, len);
		return;
	}
}

char *cs_text_escape(enum cs_text_style style, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0;
	struct buf b = { NULL, 0, 0, false };
	bool quote = false;
	uint32_t cp = 0;

	if (style == CS_TEXT_JSON)
		puts_(&b, "\"");
	/* RFC 4180: quote a field holding a comma or a quote. */
	if (style == CS_TEXT_CSV && strpbrk((const char *)p, ",\"")) {
		quote = true;
		puts_(&b, "\"");
	}
	put(&b, "", 0);		/* an empty string is still a string */
	while (i < n) {
		size_t len = cs_utf8_decode(p + i, n - i, &cp);

		escape_char(&b, style, p + i, len ? len : 1, cp, len != 0);
		i += len ? len : 1;
	}
	if (style == CS_TEXT_JSON || quote)
		puts_(&b, "\"");
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

size_t cs_text_columns(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, cols = 0;
	uint32_t cp;

	while (i < n) {
		size_t len = cs_utf8_decode(p + i, n - i, &cp);

		i += len ? len : 1;
		cols++;
	}
	return cols;
}
