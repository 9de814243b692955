// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel stack high-water marks; see kstack.h.
 */
#include <linux/kernel.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "kstack.h"

/* Words copied at a time from another task's stack. */
#define CTXSCOPE_KSTACK_CHUNK	64

/*
 * A word of a live kernel stack, read without KASAN's check, as the
 * kernel's own unwinders read stacks: a scan from the current frame down
 * crosses this frame's redzones (and any poison a frame below left), which
 * KASAN rightly reports for ordinary loads.
 */
static __always_inline unsigned long ctxscope_stack_word(const unsigned long *w)
{
	return READ_ONCE_NOCHECK(*w);
}

/* Bytes in use when the deepest non-zero word has index i. */
static u32 ctxscope_kstack_used(unsigned long i)
{
	return THREAD_SIZE - i * sizeof(unsigned long);
}

/* Index of the deepest non-zero word a mark of used bytes implies. */
static unsigned long ctxscope_kstack_index(u32 used)
{
	return (THREAD_SIZE - used) / sizeof(unsigned long);
}

/*
 * Scans look at blocks of words: an OR of eight loads and one test per
 * block rather than a test and a branch per word, most of a short scan's
 * cost (docs/performance.md).
 */
#define CTXSCOPE_KSTACK_BLOCK	8

static __always_inline unsigned long
ctxscope_stack_block(const unsigned long *w)
{
	return ctxscope_stack_word(&w[0]) | ctxscope_stack_word(&w[1]) |
	       ctxscope_stack_word(&w[2]) | ctxscope_stack_word(&w[3]) |
	       ctxscope_stack_word(&w[4]) | ctxscope_stack_word(&w[5]) |
	       ctxscope_stack_word(&w[6]) | ctxscope_stack_word(&w[7]);
}

/* The whole free region, from just above the canary (word 0). */
unsigned long ctxscope_kstack_exact(const unsigned long *base)
{
	unsigned long i = 1;

	while (i + CTXSCOPE_KSTACK_BLOCK <= CTXSCOPE_KSTACK_WORDS &&
	       !ctxscope_stack_block(&base[i]))
		i += CTXSCOPE_KSTACK_BLOCK;
	while (i < CTXSCOPE_KSTACK_WORDS && !ctxscope_stack_word(&base[i]))
		i++;
	return i;
}

/*
 * Moves the mark h down over every non-zero word found before a run of
 * CTXSCOPE_KSTACK_WINDOW zero words. Stack frames are contiguous, so
 * deeper use shows up as non-zero words (return addresses at least) close
 * below the old mark; an unused gap longer than the window is caught by
 * the exact scan at exit. A block is read whole, so a scan may look up to
 * seven words past the window.
 */
unsigned long ctxscope_kstack_extend(const unsigned long *base,
				     unsigned long h)
{
	unsigned long i = h, zeros = 0;
	unsigned long stop = h > CTXSCOPE_KSTACK_SCAN_MAX + 1 ?
			     h - CTXSCOPE_KSTACK_SCAN_MAX : 1;

	while (i > stop && zeros < CTXSCOPE_KSTACK_WINDOW) {
		unsigned long lo = i > stop + CTXSCOPE_KSTACK_BLOCK ?
				   i - CTXSCOPE_KSTACK_BLOCK : stop;
		unsigned long j;

		if (lo + CTXSCOPE_KSTACK_BLOCK == i &&
		    !ctxscope_stack_block(&base[lo])) {
			zeros += CTXSCOPE_KSTACK_BLOCK;
			i = lo;
			continue;
		}
		/* The lowest non-zero word of [lo, i), if any, is the mark. */
		for (j = lo; j < i && !ctxscope_stack_word(&base[j]); j++)
			;
		if (j < i) {
			h = j;
			zeros = j - lo;
		} else {
			zeros += i - lo;
		}
		i = lo;
	}
	return h;
}

/* Switch-out of prev, which is current: its stack is live and ours. */
void ctxscope_kstack_switch_out(struct ctxscope_task *row,
				struct task_struct *prev)
{
	const unsigned long *base = end_of_stack(prev);
	unsigned long h, here;

	/* What is in use right now is a first bound. */
	here = ((unsigned long)&h - (unsigned long)base) /
	       sizeof(unsigned long);
	h = min(here, ctxscope_kstack_index(READ_ONCE(row->kstack_max)));
	h = ctxscope_kstack_extend(base, h);
	ctxscope_store_max(&row->kstack_max, ctxscope_kstack_used(h));
}

void ctxscope_kstack_exit(struct ctxscope_task *row)
{
	unsigned long h = ctxscope_kstack_exact(end_of_stack(current));

	ctxscope_store_max(&row->kstack_max, ctxscope_kstack_used(h));
}

/*
 * Read path: p may run or sleep on another CPU and may exit meanwhile, so
 * its stack is only read through copy_from_kernel_nofault(), and the
 * result counts only if the stack was still p's when the scan ended.
 */
u32 ctxscope_kstack_refresh(const struct ctxscope_task *row,
			    struct task_struct *p)
{
	unsigned long buf[CTXSCOPE_KSTACK_CHUNK];
	const unsigned long *base;
	unsigned long h, i, zeros = 0, n, j, sp;

	if (!ctxscope_task_stack_alive(p))
		return 0;
	base = end_of_stack(p);
	h = ctxscope_kstack_index(READ_ONCE(row->kstack_max));
	/* Where it last switched out, if deeper (compat.h). */
	sp = ctxscope_task_saved_ksp(p);
	if (sp > (unsigned long)base &&
	    sp < (unsigned long)base + THREAD_SIZE)
		h = min(h, (sp - (unsigned long)base) / sizeof(unsigned long));
	i = h;
	/* Preemptible, a chunk at a time: not bounded like a short scan. */
	while (i > 1 && zeros < CTXSCOPE_KSTACK_WINDOW) {
		n = min(i - 1, (unsigned long)CTXSCOPE_KSTACK_CHUNK);
		if (copy_from_kernel_nofault(buf, base + i - n,
					     n * sizeof(unsigned long)))
			return 0;
		for (j = n; j-- > 0 && zeros < CTXSCOPE_KSTACK_WINDOW;) {
			if (buf[j]) {
				h = i - n + j;
				zeros = 0;
			} else {
				zeros++;
			}
		}
		i -= n;
	}
	if (!ctxscope_task_stack_alive(p))
		return 0;
	return ctxscope_kstack_used(h);
}
