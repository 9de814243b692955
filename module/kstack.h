/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel stack high-water marks, in bytes, measured as the kernel's own
 * stack_not_used() would: kernel stacks are zeroed when allocated, so the
 * deepest point ever used is the lowest non-zero word above the
 * STACK_END_MAGIC canary at end_of_stack().
 *
 * A full scan costs a few thousand instructions, far too much for every
 * switch. The switch probe scans its own (current's, so live) stack only:
 * exactly at the task's last switch-out, and every CTXSCOPE_KSTACK_PERIOD
 * switch-outs a short scan just below the known mark. The /proc read path
 * extends the mark of sleeping tasks the same way, through
 * copy_from_kernel_nofault(). Between scans the mark is a lower bound; at
 * exit it is exact.
 */
#ifndef CTXSCOPE_KSTACK_H
#define CTXSCOPE_KSTACK_H

#include <linux/thread_info.h>

#include "task_table.h"

#define CTXSCOPE_KSTACK_PERIOD	64	/* power of two */
#define CTXSCOPE_KSTACK_WORDS	(THREAD_SIZE / sizeof(unsigned long))
/* A run of zero words this long below the mark ends a short scan. */
#define CTXSCOPE_KSTACK_WINDOW	64

/* Whether the switch-out of prev is one where its stack is scanned. */
static __always_inline bool ctxscope_kstack_due(struct ctxscope_task *row,
						unsigned int prev_state)
{
	u32 n = row->samples;

	WRITE_ONCE(row->samples, n + 1);
	return unlikely((prev_state & TASK_DEAD) ||
			!(n & (CTXSCOPE_KSTACK_PERIOD - 1)));
}

/* Index of the deepest non-zero word: of all, or found below mark h. */
unsigned long ctxscope_kstack_exact(const unsigned long *base);
unsigned long ctxscope_kstack_extend(const unsigned long *base,
				     unsigned long h);

void ctxscope_kstack_switch_out(struct ctxscope_task *row,
				struct task_struct *prev,
				unsigned int prev_state);
void ctxscope_kstack_refresh(struct ctxscope_task *row, struct task_struct *p);

#endif /* CTXSCOPE_KSTACK_H */
