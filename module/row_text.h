/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One row of a table file (tasks, processes, cgroups, exited), built on
 * the stack and handed to seq_file with one seq_write(). Formatting the
 * numbers was most of the cost of reading tasks: with seq_printf(),
 * vsnprintf() took 80% of the instructions, with seq_put_decimal_ull()
 * num_to_str() and the per-call checks still half (docs/benchmarks.md).
 * The output is byte for byte what "%llu", "%d" and seq_escape() print.
 */
#ifndef CTXSCOPE_ROW_TEXT_H
#define CTXSCOPE_ROW_TEXT_H

#include <linux/sched.h>
#include <linux/types.h>

struct seq_file;

/* The most numbers a row has (exited: 19), and what they can take. */
#define CTXSCOPE_ROW_NUMBERS	24
#define CTXSCOPE_ROW_BYTES	(CTXSCOPE_ROW_NUMBERS * 21 +		\
				 1 + 4 * TASK_COMM_LEN + 1)

struct ctxscope_row_text {
	unsigned int len;
	unsigned int numbers;		/* appended so far, for the bound */
	char buf[CTXSCOPE_ROW_BYTES];
};

static inline void ctxscope_row_begin(struct ctxscope_row_text *t)
{
	t->len = 0;
	t->numbers = 0;
}

/* Appends v, after a space unless it is the row's first column. */
void ctxscope_row_u64(struct ctxscope_row_text *t, u64 v);
void ctxscope_row_s64(struct ctxscope_row_text *t, s64 v);
/* switches ... tlb_ipi_sent, as ctxscope_show_count_header() names them. */
void ctxscope_row_counts(struct ctxscope_row_text *t, const u64 *count);
/* Ends the row, with comm as its last column if not NULL, and writes it. */
void ctxscope_row_end(struct seq_file *m, struct ctxscope_row_text *t,
		      const char *comm);

#endif /* CTXSCOPE_ROW_TEXT_H */
