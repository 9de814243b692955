// SPDX-License-Identifier: GPL-2.0
/*
 * In-module self-tests (module parameter selftest=1): logic that real
 * hardware or the test VM cannot drive through every branch, fed with
 * synthetic input through the same functions the probes use.
 *
 * - TLB pairing (tlb.h): QEMU's TCG has no PCID, so every scheduler mm
 *   switch flushes there; the no-flush (PCID) branch and unpaired events
 *   are exercised here, in classify() and in the probe's own code for
 *   the scheduler's event, ctxscope_tlb_count_switch().
 * - Kernel stack scans (kstack.c), on a synthetic stack.
 * - User stack samples (ustack.h): the floor that keeps most samples off
 *   the slow path must give the same maximum and pending sample as
 *   placing every sample, whatever the order of samples, bounds and
 *   refreshes by a reader; samples on another stack are never counted.
 * - The voluntary decision (switch_probe.h), fed the switches a test in
 *   the VM cannot make happen at will: a sleep aborted by a signal, which
 *   6.12 reports to the tracepoint as TASK_RUNNING.
 *
 * Each failed check prints one line; a failure makes the load fail.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": selftest: " fmt

#include <linux/cache.h>
#include <linux/irqflags.h>
#include <linux/magic.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kstack.h"
#include "selftest.h"
#include "switch_probe.h"
#include "tlb.h"
#include "ustack.h"

static int ctxscope_checks, ctxscope_failures;

#define CTXSCOPE_CHECK(cond, fmt, ...)					\
	do {								\
		ctxscope_checks++;					\
		if (!(cond)) {						\
			ctxscope_failures++;				\
			pr_err("FAIL: " fmt "\n", ##__VA_ARGS__);	\
		}							\
	} while (0)

/*
 * Stand-ins for tasks: only their addresses are compared, aligned as a
 * task_struct is (tlb.h keeps marks in the low bits of one).
 */
static u8 ctxscope_stand_ins[2][L1_CACHE_BYTES] __aligned(L1_CACHE_BYTES);
static struct task_struct *const ctxscope_task_a =
	(struct task_struct *)ctxscope_stand_ins[0];
static struct task_struct *const ctxscope_task_b =
	(struct task_struct *)ctxscope_stand_ins[1];

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
	struct ctxscope_tlb_verdict v;
	unsigned long sw;
	int i;

	for (i = 0; i < ARRAY_SIZE(ctxscope_tlb_cases); i++) {
		const struct ctxscope_tlb_case *c = &ctxscope_tlb_cases[i];

		sw = c->switched ? (unsigned long)ctxscope_task_a : 0;
		v = ctxscope_tlb_classify(sw, c->from_b ? ctxscope_task_b :
							  ctxscope_task_a,
					  c->reason, c->pages);
		CTXSCOPE_CHECK(v.counter == c->counter,
			       "tlb: %s: counter %d, expected %d", c->name,
			       v.counter, c->counter);
		CTXSCOPE_CHECK(!!(v.mark & CTXSCOPE_TLB_FLUSHED_IN) ==
			       c->flush_in &&
			       !!(v.mark & CTXSCOPE_TLB_IPI) == c->ipi_sent,
			       "tlb: %s: credit flush_in %d ipi_sent %d",
			       c->name, !!(v.mark & CTXSCOPE_TLB_FLUSHED_IN),
			       !!(v.mark & CTXSCOPE_TLB_IPI));
		/* A paired event marks the record; nothing else does. */
		CTXSCOPE_CHECK(!!(v.mark & CTXSCOPE_TLB_PAIRED) == c->paired,
			       "tlb: %s: record %s", c->name,
			       v.mark & CTXSCOPE_TLB_PAIRED ? "paired" :
							      "kept");
	}

	/* One switch pairs with one flush: a second one is not its. */
	sw = (unsigned long)ctxscope_task_a;
	sw |= ctxscope_tlb_classify(sw, ctxscope_task_a,
				    TLB_FLUSH_ON_TASK_SWITCH,
				    CTXSCOPE_TLB_FLUSH_ALL).mark;
	v = ctxscope_tlb_classify(sw, ctxscope_task_a,
				  TLB_FLUSH_ON_TASK_SWITCH, CTXSCOPE_TLB_FLUSH_ALL);
	CTXSCOPE_CHECK(v.counter == CTXSCOPE_TLB_OTHER_FLUSH && !v.mark,
		       "tlb: second flush after one switch counted as %d",
		       v.counter);

	/* A shootdown on this CPU does not consume the switch's record. */
	sw = (unsigned long)ctxscope_task_a;
	sw |= ctxscope_tlb_classify(sw, ctxscope_task_a,
				    TLB_REMOTE_SHOOTDOWN, 1).mark;
	v = ctxscope_tlb_classify(sw, ctxscope_task_a,
				  TLB_FLUSH_ON_TASK_SWITCH, 0);
	CTXSCOPE_CHECK(v.counter == CTXSCOPE_TLB_SWITCH_NOFLUSH,
		       "tlb: switch after a shootdown counted as %d",
		       v.counter);

	/*
	 * An IPI mark: the running task sent shootdowns, so the recorded
	 * prev is not in its switch any more.
	 */
	sw = (unsigned long)ctxscope_task_a | CTXSCOPE_TLB_IPI;
	v = ctxscope_tlb_classify(sw, ctxscope_task_a,
				  TLB_FLUSH_ON_TASK_SWITCH, 0);
	CTXSCOPE_CHECK(v.counter == CTXSCOPE_TLB_OTHER_NOFLUSH && !v.mark,
		       "tlb: task-switch event after an IPI mark counted as %d",
		       v.counter);
}

/*
 * The probe's own code for the scheduler's event, on this CPU's real
 * counters with interrupts off, restored afterwards (the self-test runs
 * before the probes are attached), for every state of the word: what it
 * counts and marks, stated here independently of tlb.h (only a word that
 * is exactly current pairs), and the same as classify() says.
 */
static void ctxscope_selftest_tlb_probe(void)
{
	static const unsigned long marks[] = { 0, CTXSCOPE_TLB_PAIRED,
		CTXSCOPE_TLB_PAIRED | CTXSCOPE_TLB_FLUSHED_IN, CTXSCOPE_TLB_IPI,
		CTXSCOPE_TLB_IPI | CTXSCOPE_TLB_PAIRED,
		CTXSCOPE_TLB_IPI | CTXSCOPE_TLB_PAIRED | CTXSCOPE_TLB_FLUSHED_IN };
	static const unsigned long pages[] = { 0, 1, CTXSCOPE_TLB_FLUSH_ALL };
	struct ctxscope_cpu_counters *c, saved, before;
	struct ctxscope_tlb_verdict v;
	unsigned long flags, sw, mark;
	int i, j, k, from, counter;

	for (i = 0; i < ARRAY_SIZE(marks); i++) {
		for (j = 0; j < ARRAY_SIZE(pages); j++) {
			for (from = 0; from < 2; from++) {
				struct task_struct *curr = from ?
					ctxscope_task_b : ctxscope_task_a;
				bool paired = !from && !marks[i], same = true;

				if (paired) {
					counter = pages[j] ? CTXSCOPE_TLB_SWITCH_FLUSH :
							     CTXSCOPE_TLB_SWITCH_NOFLUSH;
					mark = CTXSCOPE_TLB_PAIRED |
					       (pages[j] ? CTXSCOPE_TLB_FLUSHED_IN : 0);
				} else {
					counter = pages[j] ? CTXSCOPE_TLB_OTHER_FLUSH :
							     CTXSCOPE_TLB_OTHER_NOFLUSH;
					mark = 0;
				}
				sw = (unsigned long)ctxscope_task_a | marks[i];
				v = ctxscope_tlb_classify(sw, curr,
							  TLB_FLUSH_ON_TASK_SWITCH,
							  pages[j]);
				local_irq_save(flags);
				c = this_cpu_ptr(&ctxscope_cpu_counters);
				saved = *c;
				c->tlb_switch = sw;
				before = *c;
				ctxscope_tlb_count_switch(curr, pages[j]);
				for (k = 0; k < CTXSCOPE_NR_TLB_COUNTERS; k++)
					same &= c->counts.tlb[k] ==
						before.counts.tlb[k] +
						(k == counter);
				same &= c->tlb_switch == (sw | mark);
				same &= c->tlb_ipis == before.tlb_ipis;
				*c = saved;
				local_irq_restore(flags);
				CTXSCOPE_CHECK(same,
					       "tlb probe: word +%lu, pages %lu, from %s: not counter %d, mark %lu",
					       marks[i], pages[j],
					       from ? "another task" : "prev",
					       counter, mark);
				CTXSCOPE_CHECK(v.counter == counter &&
					       v.mark == mark,
					       "tlb: word +%lu, pages %lu, from %s: classified %d, mark %lu; expected %d, %lu",
					       marks[i], pages[j],
					       from ? "another task" : "prev",
					       v.counter, v.mark, counter, mark);
			}
		}
	}
}

static void ctxscope_selftest_kstack(void)
{
	unsigned long *stack = vzalloc(THREAD_SIZE);
	const unsigned long top = CTXSCOPE_KSTACK_WORDS;
	unsigned long h, i;

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

	/* A short scan reads a bounded number of words, however deep. */
	for (i = 1; i < top; i++)
		stack[i] = 1;
	h = ctxscope_kstack_extend(stack, top - 1);
	CTXSCOPE_CHECK(h >= top - 1 - CTXSCOPE_KSTACK_SCAN_MAX,
		       "kstack: a short scan went %lu words deep, more than %d",
		       top - 1 - h, CTXSCOPE_KSTACK_SCAN_MAX);
	h = ctxscope_kstack_exact(stack);
	CTXSCOPE_CHECK(h == 1, "kstack: exact of a full stack found %lu", h);

	/* An untouched stack reads as using nothing but the canary. */
	memset(stack + 1, 0, THREAD_SIZE - sizeof(unsigned long));
	h = ctxscope_kstack_exact(stack);
	CTXSCOPE_CHECK(h == top, "kstack: empty stack found %lu", h);
	vfree(stack);
}

/* What placing every sample gives: the reference for the floor. */
struct ctxscope_ustack_model {
	unsigned long lo, hi;		/* known bounds, or hi == 0 */
	unsigned long anchor;		/* an address in the stack */
	unsigned long max, pending;
};

/* Every test sample is within the smallest stack limit (128 KiB). */
static void ctxscope_model_sample(struct ctxscope_ustack_model *m,
				  unsigned long sp)
{
	unsigned long top = m->hi ? m->hi : m->anchor + 1;

	if (m->hi && sp >= m->lo && sp < m->hi)
		m->max = max(m->max, m->hi - sp);
	else if (sp < top && sp < m->pending && top - sp <= SZ_128K)
		m->pending = sp;
}

/* A pseudo-random sp within 16 KiB of [lo, hi). */
static unsigned long ctxscope_next_sp(u32 *seed, unsigned long lo,
				      unsigned long hi)
{
	*seed = *seed * 1664525 + 1013904223;
	return lo - SZ_16K + (*seed >> 8) % (hi - lo + 2 * SZ_16K);
}

/* A row of a thread whose stack, [lo, hi), holds the anchor. */
static void ctxscope_selftest_row(struct ctxscope_task *row,
				  unsigned long anchor)
{
	memset(row, 0, sizeof(*row));
	row->ustack_pending = ULONG_MAX;
	row->ustack_anchor = anchor;
	row->ustack_floor = anchor + 1;
}

/* A reader resolves the pending sample, as refresh.c commits it. */
static void ctxscope_selftest_commit(struct ctxscope_task *row,
				     unsigned long lo, unsigned long hi)
{
	struct ctxscope_ustack_found found = {
		.gen = row->ustack_gen,
		.pending = row->ustack_pending,
		.lo = lo,
		.hi = hi,
	};
	unsigned long flags;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	ctxscope_ustack_commit_locked(row, &found);
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

static void ctxscope_selftest_ustack_run(struct ctxscope_task *row,
					 const char *name, bool known)
{
	const unsigned long lo = 0x7ff000100000UL, hi = lo + SZ_64K;
	struct ctxscope_ustack_model m = {
		.anchor = hi - 256, .pending = ULONG_MAX,
	};
	u32 seed = 12345, bad = 0;
	int i;

	ctxscope_selftest_row(row, m.anchor);
	if (known) {
		ctxscope_selftest_commit(row, lo, hi);
		m.lo = lo;
		m.hi = hi;
	}
	for (i = 0; i < 4000; i++) {
		unsigned long sp = ctxscope_next_sp(&seed, lo, hi);

		ctxscope_ustack_sample(row, current, sp);
		ctxscope_model_sample(&m, sp);
		if (i % 500 == 250)
			/* A reader refreshed: nothing may be lost. */
			ctxscope_ustack_refloor(row);
		if (i == 2000 && !known) {
			ctxscope_selftest_commit(row, lo, hi);
			m.lo = lo;
			m.hi = hi;
			if (m.pending >= lo && m.pending < hi)
				m.max = max(m.max, hi - m.pending);
			m.pending = ULONG_MAX;
		}
		if (row->ustack_max != min_t(unsigned long, m.max, U32_MAX) ||
		    row->ustack_pending != m.pending)
			bad++;
	}
	CTXSCOPE_CHECK(!bad && m.max,
		       "ustack, %s: %u of 4000 samples left max %u pending %lx, not %lu %lx",
		       name, bad, row->ustack_max, row->ustack_pending, m.max,
		       m.pending);
}

static void ctxscope_selftest_ustack(void)
{
	struct ctxscope_task *row = kzalloc(sizeof(*row), GFP_KERNEL);
	const unsigned long lo = 0x7ff000100000UL, hi = lo + SZ_64K;
	u32 seed = 1;
	int i;

	CTXSCOPE_CHECK(row, "ustack: cannot allocate a test row");
	if (!row)
		return;
	ctxscope_selftest_ustack_run(row, "known bounds", true);
	ctxscope_selftest_ustack_run(row, "bounds found by a reader", false);

	/*
	 * Samples on another stack, before the bounds are known: a
	 * coroutine or sigaltstack far below (more than the largest stack
	 * limit), or above the anchor. They are not kept, and the bounds a
	 * reader then finds are the anchor's mapping, not theirs.
	 */
	ctxscope_selftest_row(row, hi - 256);
	ctxscope_ustack_sample(row, current, lo - SZ_2G);
	ctxscope_ustack_sample(row, current, hi + SZ_1M);
	CTXSCOPE_CHECK(row->ustack_pending == ULONG_MAX,
		       "ustack: a sample on another stack is pending (%lx)",
		       row->ustack_pending);
	ctxscope_ustack_sample(row, current, hi - SZ_4K);
	ctxscope_ustack_sample(row, current, lo - SZ_2G);
	ctxscope_selftest_commit(row, lo, hi);
	CTXSCOPE_CHECK(row->ustack_max == SZ_4K && row->ustack_hi == hi,
		       "ustack: other stacks changed the result: max %u, hi %lx",
		       row->ustack_max, row->ustack_hi);

	/* exec replaced the address space: a stale lookup is dropped. */
	ctxscope_selftest_row(row, hi - 256);
	ctxscope_ustack_sample(row, current, hi - SZ_8K);
	{
		struct ctxscope_ustack_found stale = {
			.gen = row->ustack_gen, .pending = row->ustack_pending,
			.lo = lo, .hi = hi,
		};
		unsigned long flags;

		row->ustack_gen++;
		raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
		ctxscope_ustack_commit_locked(row, &stale);
		raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
	}
	CTXSCOPE_CHECK(!row->ustack_hi && !row->ustack_max,
		       "ustack: a lookup from before exec was committed");

	/* A row without a user stack samples nothing. */
	memset(row, 0, sizeof(*row));
	row->ustack_pending = ULONG_MAX;
	row->ustack_floor = CTXSCOPE_USTACK_NEVER;
	for (i = 0; i < 100; i++)
		ctxscope_ustack_sample(row, current,
				       ctxscope_next_sp(&seed, SZ_1M, SZ_2M));
	CTXSCOPE_CHECK(row->ustack_pending == ULONG_MAX && !row->ustack_max,
		       "ustack: a kernel thread's row took a sample");
	kfree(row);
}

/*
 * The voluntary decision against what __schedule() charged. A row that
 * saw its task's previous switch-out is told by nvcsw alone; one that
 * did not falls back to the tracepoint's arguments.
 */
static void ctxscope_selftest_voluntary(void)
{
	static const struct {
		const char *name;
		bool preempt;
		unsigned int prev_state;
		bool charged_nvcsw;	/* what __schedule() did */
	} cases[] = {
		{ "sleep", false, TASK_INTERRUPTIBLE, true },
		{ "sleep aborted by a signal, state reported as it was (6.1)",
		  false, TASK_INTERRUPTIBLE, true },
		{ "sleep aborted by a signal, reported as TASK_RUNNING (6.12)",
		  false, TASK_RUNNING, true },
		{ "preemption", true, TASK_INTERRUPTIBLE, false },
		{ "schedule() while running (yield)", false, TASK_RUNNING, false },
		{ "exit", false, TASK_DEAD, true },
	};
	const unsigned long seen = 1000;
	unsigned int args;
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned long nvcsw = seen + cases[i].charged_nvcsw;

		args = ctxscope_voluntary_from_args(cases[i].preempt,
						    cases[i].prev_state);
		CTXSCOPE_CHECK(ctxscope_voluntary_decide(nvcsw, seen, true, args) ==
			       cases[i].charged_nvcsw,
			       "voluntary: %s: decided %u with a synced row",
			       cases[i].name,
			       ctxscope_voluntary_decide(nvcsw, seen, true, args));
	}
	/* The one case the arguments alone get wrong, for an unsynced row. */
	args = ctxscope_voluntary_from_args(false, TASK_RUNNING);
	CTXSCOPE_CHECK(!ctxscope_voluntary_decide(seen + 1, 0, false, args),
		       "voluntary: an unsynced row did not fall back to the arguments");
}

int ctxscope_selftest(void)
{
	ctxscope_checks = 0;
	ctxscope_failures = 0;
	ctxscope_selftest_tlb();
	ctxscope_selftest_tlb_probe();
	ctxscope_selftest_kstack();
	ctxscope_selftest_ustack();
	ctxscope_selftest_voluntary();
	pr_info("%d of %d checks passed\n", ctxscope_checks - ctxscope_failures,
		ctxscope_checks);
	return ctxscope_failures ? -EINVAL : 0;
}
