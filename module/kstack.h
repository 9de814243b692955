/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel stack high-water marks, in bytes, measured as the kernel's own
 * stack_not_used() would: kernel stacks are zeroed when allocated, so the
 * deepest point ever used is the lowest non-zero word above the
 * STACK_END_MAGIC canary at end_of_stack().
 *
 * A full scan costs a few thousand instructions, too much for a switch
 * and, on PREEMPT_RT, for any section with interrupts off. The whole free
 * region is scanned once per task, at sched_process_exit, in the exiting
 * task itself, with interrupts on. The switch probe runs one short scan,
 * of the exiting task's own (current's, so live) stack just below the
 * mark, at its last switch-out: what the rest of do_exit() used. It reads
 * at most CTXSCOPE_KSTACK_SCAN_MAX words, with interrupts off. The /proc
 * read path extends the marks of the tasks that ran since its last
 * refresh the same way, preemptibly, through copy_from_kernel_nofault():
 * a live task's mark is a lower bound between reads, what its stack shows
 * at each read; after the exit scan it is exact.
 */
#ifndef CTXSCOPE_KSTACK_H
#define CTXSCOPE_KSTACK_H

#include <linux/sched.h>
#include <linux/thread_info.h>

#include "task_table.h"

#define CTXSCOPE_KSTACK_WORDS	(THREAD_SIZE / sizeof(unsigned long))
/* A run of zero words this long below the mark ends a short scan. */
#define CTXSCOPE_KSTACK_WINDOW	64
/* The most words a short scan reads (4 KiB on 64-bit). */
#define CTXSCOPE_KSTACK_SCAN_MAX	512

/*
 * Whether a switch-out is one where prev's stack is scanned: its last one
 * (TASK_DEAD), which only the switch probe's slow path sees.
 */
static __always_inline bool ctxscope_kstack_due(unsigned int prev_state)
{
	return unlikely(prev_state & TASK_DEAD);
}

/* Index of the deepest non-zero word of a whole stack. */
unsigned long ctxscope_kstack_exact(const unsigned long *base);

/*
 * Index of the deepest non-zero word found below mark h before a run of
 * CTXSCOPE_KSTACK_WINDOW zero words, reading at most
 * CTXSCOPE_KSTACK_SCAN_MAX words; h if none.
 */
unsigned long ctxscope_kstack_extend(const unsigned long *base,
				     unsigned long h);

/**
 * ctxscope_kstack_switch_out() - a short scan of prev's stack at its switch-out
 * @row: prev's row
 * @prev: the task switching out, which is current
 *
 * Interrupts off; bounded by CTXSCOPE_KSTACK_SCAN_MAX words.
 */
void ctxscope_kstack_switch_out(struct ctxscope_task *row,
				struct task_struct *prev);

/**
 * ctxscope_kstack_exit() - the exact mark of the exiting current task
 * @row: its row
 *
 * From sched_process_exit, with interrupts on.
 */
void ctxscope_kstack_exit(struct ctxscope_task *row);

/**
 * ctxscope_kstack_refresh() - extend the mark of a task from the read path
 * @row: its row
 * @p: the task, pinned by the caller; it may run or exit meanwhile
 *
 * Return: the mark to commit (bytes), or 0 if the stack was not p's to
 * the end of the scan.
 */
u32 ctxscope_kstack_refresh(const struct ctxscope_task *row,
			    struct task_struct *p);

#endif /* CTXSCOPE_KSTACK_H */
