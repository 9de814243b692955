// SPDX-License-Identifier: GPL-2.0
/*
 * In-module self-tests (module parameter selftest=1): logic that real
 * hardware or the test VM cannot drive through every branch, fed with
 * synthetic input through the same functions the probes use.
 *
 * - TLB pairing (tlb.h): QEMU's TCG has no PCID, so every scheduler mm
 *   switch flushes there; the no-flush (PCID) branch and unpaired events
 *   are exercised here.
 * - Kernel stack scans (kstack.c), on a synthetic stack.
 *
 * Each failed check prints one line; a failure makes the load fail.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": selftest: " fmt

#include <linux/magic.h>
#include <linux/printk.h>
#include <linux/vmalloc.h>

#include "kstack.h"
#include "selftest.h"
#include "tlb.h"

static int ctxscope_checks, ctxscope_failures;

#define CTXSCOPE_CHECK(cond, fmt, ...)					\
	do {								\
		ctxscope_checks++;					\
		if (!(cond)) {						\
			ctxscope_failures++;				\
			pr_err("FAIL: " fmt "\n", ##__VA_ARGS__);	\
		}							\
	} while (0)

/* Stand-ins for tasks: only their addresses are compared. */
static struct task_struct *const ctxscope_task_a =
	(struct task_struct *)&ctxscope_checks;
static struct task_struct *const ctxscope_task_b =
	(struct task_struct *)&ctxscope_failures;

struct ctxscope_tlb_case {
	const char *name;
	bool switched;			/* a switch a -> b was recorded */
	bool from_b;			/* the event comes from b, not a */
	int reason;
	unsigned long pages;
	int counter;			/* expected verdict */
	bool flush_in, ipi_sent, paired;
};

static const struct ctxscope_tlb_case ctxscope_tlb_cases[] = {
	{ "scheduler switch, full flush", true, false,
	  TLB_FLUSH_ON_TASK_SWITCH, CTXSCOPE_TLB_FLUSH_ALL,
	  CTXSCOPE_TLB_SWITCH_FLUSH, true, false, true },
	{ "scheduler switch, cached PCID kept the TLB", true, false,
	  TLB_FLUSH_ON_TASK_SWITCH, 0,
	  CTXSCOPE_TLB_SWITCH_NOFLUSH, false, false, true },
	{ "task-switch flush with no switch recorded", false, false,
	  TLB_FLUSH_ON_TASK_SWITCH, CTXSCOPE_TLB_FLUSH_ALL,
	  CTXSCOPE_TLB_OTHER_FLUSH, false, false, false },
	{ "task-switch no-flush with no switch recorded", false, false,
	  TLB_FLUSH_ON_TASK_SWITCH, 0,
	  CTXSCOPE_TLB_OTHER_NOFLUSH, false, false, false },
	{ "task-switch flush from another task (leave_mm, exec)", true, true,
	  TLB_FLUSH_ON_TASK_SWITCH, CTXSCOPE_TLB_FLUSH_ALL,
	  CTXSCOPE_TLB_OTHER_FLUSH, false, false, false },
	{ "task-switch no-flush from another task", true, true,
	  TLB_FLUSH_ON_TASK_SWITCH, 0,
	  CTXSCOPE_TLB_OTHER_NOFLUSH, false, false, false },
	{ "remote shootdown", true, false, TLB_REMOTE_SHOOTDOWN, 3,
	  CTXSCOPE_TLB_SHOOTDOWN_REMOTE, false, false, false },
	{ "local shootdown", false, false, TLB_LOCAL_SHOOTDOWN, 1,
	  CTXSCOPE_TLB_SHOOTDOWN_LOCAL, false, false, false },
	{ "local mm shootdown", false, false, TLB_LOCAL_MM_SHOOTDOWN,
	  CTXSCOPE_TLB_FLUSH_ALL, CTXSCOPE_TLB_SHOOTDOWN_LOCAL_MM, false, false, false },
	{ "shootdown IPI sent", false, false, TLB_REMOTE_SEND_IPI, 1,
	  CTXSCOPE_TLB_IPI_SENT, false, true, false },
	{ "unknown reason", false, false, NR_TLB_FLUSH_REASONS, 0,
	  -1, false, false, false },
};

static void ctxscope_selftest_tlb(void)
{
	const struct task_struct *switching;
	struct ctxscope_tlb_verdict v;
	int i;

	for (i = 0; i < ARRAY_SIZE(ctxscope_tlb_cases); i++) {
		const struct ctxscope_tlb_case *c = &ctxscope_tlb_cases[i];

		switching = c->switched ? ctxscope_task_a : NULL;
		v = ctxscope_tlb_classify(&switching,
					  c->from_b ? ctxscope_task_b :
						      ctxscope_task_a,
					  c->reason, c->pages);
		CTXSCOPE_CHECK(v.counter == c->counter,
			       "tlb: %s: counter %d, expected %d", c->name,
			       v.counter, c->counter);
		CTXSCOPE_CHECK(v.flush_in == c->flush_in &&
			       v.ipi_sent == c->ipi_sent,
			       "tlb: %s: credit flush_in %d ipi_sent %d",
			       c->name, v.flush_in, v.ipi_sent);
		/* A paired event consumes the record; nothing else does. */
		CTXSCOPE_CHECK(!switching == (c->paired || !c->switched),
			       "tlb: %s: record %s", c->name,
			       switching ? "kept" : "consumed");
	}

	/* One switch pairs with one flush: a second one is not its. */
	switching = ctxscope_task_a;
	ctxscope_tlb_classify(&switching, ctxscope_task_a,
			      TLB_FLUSH_ON_TASK_SWITCH, CTXSCOPE_TLB_FLUSH_ALL);
	v = ctxscope_tlb_classify(&switching, ctxscope_task_a,
				  TLB_FLUSH_ON_TASK_SWITCH, CTXSCOPE_TLB_FLUSH_ALL);
	CTXSCOPE_CHECK(v.counter == CTXSCOPE_TLB_OTHER_FLUSH,
		       "tlb: second flush after one switch counted as %d",
		       v.counter);

	/* A shootdown in between does not consume the switch's record. */
	switching = ctxscope_task_a;
	ctxscope_tlb_classify(&switching, ctxscope_task_a,
			      TLB_REMOTE_SHOOTDOWN, 1);
	v = ctxscope_tlb_classify(&switching, ctxscope_task_a,
				  TLB_FLUSH_ON_TASK_SWITCH, 0);
	CTXSCOPE_CHECK(v.counter == CTXSCOPE_TLB_SWITCH_NOFLUSH,
		       "tlb: switch after a shootdown counted as %d",
		       v.counter);
}

static void ctxscope_selftest_kstack(void)
{
	unsigned long *stack = vzalloc(THREAD_SIZE);
	const unsigned long top = CTXSCOPE_KSTACK_WORDS;
	unsigned long h;

	CTXSCOPE_CHECK(stack, "kstack: cannot allocate a test stack");
	if (!stack)
		return;
	stack[0] = STACK_END_MAGIC;
	/* In use: the top 100 words, contiguous. */
	stack[top - 1] = 1;
	stack[top - 100] = 1;
	h = ctxscope_kstack_exact(stack);
	CTXSCOPE_CHECK(h == top - 100, "kstack: exact found %lu, not %lu", h,
		       top - 100);
	h = ctxscope_kstack_extend(stack, top - 50);
	CTXSCOPE_CHECK(h == top - 100, "kstack: extend found %lu, not %lu", h,
		       top - 100);

	/* Deeper use within the window below the mark is found. */
	stack[top - 100 - CTXSCOPE_KSTACK_WINDOW + 1] = 1;
	h = ctxscope_kstack_extend(stack, top - 100);
	CTXSCOPE_CHECK(h == top - 100 - CTXSCOPE_KSTACK_WINDOW + 1,
		       "kstack: extend missed a word within the window");

	/* A gap longer than the window stops a short scan, not an exact one. */
	stack[200] = 1;
	h = ctxscope_kstack_extend(stack, top - 100 - CTXSCOPE_KSTACK_WINDOW + 1);
	CTXSCOPE_CHECK(h == top - 100 - CTXSCOPE_KSTACK_WINDOW + 1,
		       "kstack: extend crossed a gap longer than its window");
	h = ctxscope_kstack_exact(stack);
	CTXSCOPE_CHECK(h == 200, "kstack: exact found %lu, not 200", h);

	/* An untouched stack reads as using nothing but the canary. */
	memset(stack + 1, 0, THREAD_SIZE - sizeof(unsigned long));
	h = ctxscope_kstack_exact(stack);
	CTXSCOPE_CHECK(h == top, "kstack: empty stack found %lu", h);
	vfree(stack);
}

int ctxscope_selftest(void)
{
	ctxscope_checks = 0;
	ctxscope_failures = 0;
	ctxscope_selftest_tlb();
	ctxscope_selftest_kstack();
	pr_info("%d of %d checks passed\n", ctxscope_checks - ctxscope_failures,
		ctxscope_checks);
	return ctxscope_failures ? -EINVAL : 0;
}
