// SPDX-License-Identifier: GPL-2.0
/*
 * Row formatting for the table files; see row_text.h.
 */
#include <linux/bug.h>
#include <linux/math64.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "ctxscope.h"
#include "row_text.h"
#include "tlb.h"

/* Two digits per 64-bit division: half the divisions of one at a time. */
static void ctxscope_row_digits(struct ctxscope_row_text *t, u64 v)
{
	char digits[20];		/* U64_MAX has 20 */
	unsigned int i = sizeof(digits), r;

	while (v >= 100) {
		r = do_div(v, 100);
		digits[--i] = '0' + r % 10;
		digits[--i] = '0' + r / 10;
	}
	r = v;				/* below 100 */
	if (r >= 10)
		digits[--i] = '0' + r % 10;
	digits[--i] = '0' + (r >= 10 ? r / 10 : r);
	memcpy(&t->buf[t->len], &digits[i], sizeof(digits) - i);
	t->len += sizeof(digits) - i;
}

/*
 * Every append fits while a row has at most CTXSCOPE_ROW_NUMBERS numbers:
 * each takes at most 21 bytes (a space and 20 characters).
 */
static bool ctxscope_row_room(struct ctxscope_row_text *t)
{
	if (WARN_ON_ONCE(t->numbers >= CTXSCOPE_ROW_NUMBERS))
		return false;
	if (t->numbers++)
		t->buf[t->len++] = ' ';
	return true;
}

void ctxscope_row_u64(struct ctxscope_row_text *t, u64 v)
{
	if (ctxscope_row_room(t))
		ctxscope_row_digits(t, v);
}

void ctxscope_row_s64(struct ctxscope_row_text *t, s64 v)
{
	if (!ctxscope_row_room(t))
		return;
	if (v < 0)
		t->buf[t->len++] = '-';
	/* -(S64_MIN) does not fit in s64; it does in u64. */
	ctxscope_row_digits(t, v < 0 ? -(u64)v : (u64)v);
}

void ctxscope_row_counts(struct ctxscope_row_text *t, const u64 *count)
{
	u64 switches = count[CTXSCOPE_TO_PROCESS] + count[CTXSCOPE_TO_THREAD] +
		       count[CTXSCOPE_TO_KERNEL] + count[CTXSCOPE_TO_IDLE];

	ctxscope_row_u64(t, switches);
	ctxscope_row_u64(t, count[CTXSCOPE_SUM_VOLUNTARY]);
	ctxscope_row_u64(t, switches - count[CTXSCOPE_SUM_VOLUNTARY]);
	ctxscope_row_u64(t, count[CTXSCOPE_TO_PROCESS]);
	ctxscope_row_u64(t, count[CTXSCOPE_TO_THREAD]);
	ctxscope_row_u64(t, count[CTXSCOPE_TO_KERNEL]);
	ctxscope_row_u64(t, count[CTXSCOPE_TO_IDLE]);
	ctxscope_row_u64(t, count[CTXSCOPE_SUM_MIGRATIONS]);
	if (ctxscope_tlb_available()) {
		ctxscope_row_u64(t, count[CTXSCOPE_SUM_TLB_FLUSH_IN]);
		ctxscope_row_u64(t, count[CTXSCOPE_SUM_TLB_IPI_SENT]);
	}
}

/*
 * The characters of a name that would break a row, printed as \ooo, as
 * seq_escape(m, name, " \t\n\\") prints them; others go out as they are.
 */
static bool ctxscope_comm_escaped(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\\';
}

void ctxscope_row_end(struct seq_file *m, struct ctxscope_row_text *t,
		      const char *comm)
{
	char name[TASK_COMM_LEN];
	unsigned int i;

	if (comm) {
		/* The row may be renamed meanwhile: a terminated copy. */
		strscpy(name, comm, sizeof(name));
		t->buf[t->len++] = ' ';
		for (i = 0; name[i]; i++) {
			unsigned char c = name[i];

			if (!ctxscope_comm_escaped(c)) {
				t->buf[t->len++] = c;
				continue;
			}
			t->buf[t->len++] = '\\';
			t->buf[t->len++] = '0' + ((c >> 6) & 7);
			t->buf[t->len++] = '0' + ((c >> 3) & 7);
			t->buf[t->len++] = '0' + (c & 7);
		}
	}
	t->buf[t->len++] = '\n';
	seq_write(m, t->buf, t->len);
}
