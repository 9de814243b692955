// SPDX-License-Identifier: GPL-2.0
/*
 * The sched_switch probe: the only code ctxscope runs on every context
 * switch. It is called from __schedule() with interrupts off, preemption
 * off and the runqueue lock held, between rq->nr_switches++ (and
 * ++prev->nvcsw or ->nivcsw) and context_switch(), with current == prev.
 * With interrupts off it is also an RCU read-side critical section, which
 * the lockless row lookup relies on. It touches nothing but the two
 * task_structs, this CPU's counters and prev's row: no locks, no
 * allocation, nothing that can sleep or wake a task, no unbounded loop.
 */
#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <trace/events/sched.h>

#include "compat.h"
#include "counters.h"
#include "kstack.h"
#include "switch_probe.h"
#include "task_table.h"
#include "ustack.h"

static bool ctxscope_switch_live;

bool ctxscope_switch_probe_live(void)
{
	return READ_ONCE(ctxscope_switch_live);
}

void ctxscope_switch_probe_set_live(bool live)
{
	WRITE_ONCE(ctxscope_switch_live, live);
}

/*
 * What prev caused while it ran here (tlb.c) is credited to it now, to
 * its row if it has one; the counts start again for next.
 */
static __always_inline void ctxscope_tlb_credit(struct ctxscope_task *row)
{
	u64 pending = this_cpu_read(ctxscope_cpu_counters.tlb_pending);

	if (likely(!pending))
		return;
	this_cpu_write(ctxscope_cpu_counters.tlb_pending, 0);
	if (!row)
		return;
	/* A process switch that flushed, and nothing else: the common case. */
	if (likely(pending == CTXSCOPE_TLB_PENDING_FLUSH)) {
		WRITE_ONCE(row->tlb_flush_in, row->tlb_flush_in + 1);
		return;
	}
	WRITE_ONCE(row->tlb_flush_in,
		   row->tlb_flush_in + (pending & CTXSCOPE_TLB_PENDING_FLUSH));
	WRITE_ONCE(row->tlb_ipi_sent,
		   row->tlb_ipi_sent + pending / CTXSCOPE_TLB_PENDING_IPI);
}

/* This CPU's count of a switch: cell_base is ctxscope_cell(cls, 0, mm). */
static __always_inline void ctxscope_count_switch(unsigned int cell_base,
						  unsigned int voluntary)
{
	this_cpu_inc(ctxscope_cpu_counters.counts.cell[cell_base +
		     voluntary * CTXSCOPE_NR_MM_KINDS]);
}

/*
 * The first switch-out after a reset (or the first at all of a row made
 * before the probe was live): the counts start from zero, and the task's
 * nvcsw before this switch becomes the base of voluntary, and what
 * nvcsw_seen is compared with next. A synced row knows that value; an
 * unsynced one decides this one switch from the tracepoint's arguments.
 */
static __always_inline void ctxscope_row_rearm(struct ctxscope_task *row,
					       u32 epoch, unsigned long nvcsw,
					       bool preempt,
					       unsigned int prev_state)
{
	unsigned long before = row->nvcsw_seen;
	int i;

	if (row->epoch == CTXSCOPE_EPOCH_UNSYNCED)
		before = nvcsw - ctxscope_voluntary_from_args(preempt,
							      prev_state);
	for (i = 0; i < CTXSCOPE_NR_CLASSES; i++)
		WRITE_ONCE(row->to[i], 0);
	WRITE_ONCE(row->migrations, 0);
	WRITE_ONCE(row->tlb_flush_in, 0);
	WRITE_ONCE(row->tlb_ipi_sent, 0);
	WRITE_ONCE(row->nvcsw_base, before);
	WRITE_ONCE(row->nvcsw_seen, before);
	/* Pairs with smp_rmb() in ctxscope_task_snapshot(). */
	smp_wmb();
	WRITE_ONCE(row->epoch, epoch);
}

/*
 * The stacks' slow paths, out of line: a user sp below the row's floor,
 * a kernel stack scan. Called last, as a tail call, so that the common
 * path calls nothing and saves no registers.
 */
static noinline void ctxscope_row_stacks(struct ctxscope_task *row,
					 struct task_struct *prev,
					 unsigned long sp, bool kstack_due)
{
	ctxscope_ustack_sample(row, prev, sp);
	if (kstack_due)
		ctxscope_kstack_switch_out(row, prev);
}

/*
 * prev's switch-out, counted in its row and in this CPU's cell. Voluntary
 * is whether the kernel charged it to prev->nvcsw: the task's own counter
 * moved since its last switch-out, which holds on every kernel, also
 * where the tracepoint reports a sleep aborted by a signal as
 * TASK_RUNNING (6.12's try_to_block_task()).
 */
static __always_inline void
ctxscope_row_switch_out(struct ctxscope_task *row, struct task_struct *prev,
			unsigned int cls, unsigned int cell_base, bool preempt,
			unsigned int prev_state)
{
	u32 epoch = READ_ONCE(ctxscope_tables.epoch);
	unsigned long nvcsw = READ_ONCE(prev->nvcsw);
	unsigned int voluntary;
	unsigned long sp;
	u64 n;
	u32 cpu;
	bool due;

	if (unlikely(row->epoch != epoch))
		ctxscope_row_rearm(row, epoch, nvcsw, preempt, prev_state);
	voluntary = ctxscope_voluntary_decide(nvcsw, row->nvcsw_seen, true, 0);
	ctxscope_tlb_credit(row);

	n = row->to[cls] + 1;
	WRITE_ONCE(row->to[cls], n);
	/* The class before voluntary: pairs with ctxscope_task_snapshot(). */
	smp_wmb();
	WRITE_ONCE(row->nvcsw_seen, nvcsw);

	/* It ran here since it was switched in: a migration if it moved. */
	cpu = raw_smp_processor_id();
	if (unlikely(row->last_cpu != cpu)) {
		if (row->last_cpu != CTXSCOPE_NO_CPU)
			WRITE_ONCE(row->migrations, row->migrations + 1);
		WRITE_ONCE(row->last_cpu, cpu);
	}

	ctxscope_count_switch(cell_base, voluntary);

	sp = ctxscope_user_sp(prev);
	due = ctxscope_kstack_due(n, prev_state);
	if (unlikely(due || ctxscope_ustack_news(row, sp)))
		ctxscope_row_stacks(row, prev, sp, due);
}

/*
 * The rows of the tasks that last switched out on this CPU, direct-mapped
 * by task pointer, in front of the hash table: a hit costs a few loads
 * where a lookup hashes, finds the bucket and walks its chain, and the
 * few tasks a CPU runs between two switches of one of them fit.
 *
 * An entry is only a hint, used if the row's key is still the task. A row
 * whose key is prev is prev's row: a task has at most one row, and prev
 * (running) has not been freed, so its row has not been removed. Rows are
 * never freed while the probe is attached (the table lives until unload),
 * so a stale entry points to a row of the table, free or reused, whose
 * key then differs; and a row's key is published last (task_table.c).
 */
#define CTXSCOPE_ROW_CACHE_BITS	6

struct ctxscope_row_cache {
	struct ctxscope_task *row[1 << CTXSCOPE_ROW_CACHE_BITS];
};

static DEFINE_PER_CPU_ALIGNED(struct ctxscope_row_cache, ctxscope_row_cache);

/* What an empty entry points to: a row no task owns, so never a hit. */
static struct ctxscope_task ctxscope_no_row;

void ctxscope_switch_probe_init(void)
{
	int cpu, i;

	for_each_possible_cpu(cpu)
		for (i = 0; i < ARRAY_SIZE(ctxscope_row_cache.row); i++)
			per_cpu_ptr(&ctxscope_row_cache, cpu)->row[i] =
				&ctxscope_no_row;
}

/*
 * A miss in the row cache: the hash table's row, if the task has one;
 * without one, voluntary as the tracepoint's arguments say.
 */
static noinline void ctxscope_task_switch_out_miss(struct task_struct *prev,
						   unsigned int cls,
						   unsigned int cell_base,
						   bool preempt,
						   unsigned int prev_state,
						   u32 slot)
{
	struct ctxscope_task *row = ctxscope_task_lookup(prev);

	if (!row) {
		ctxscope_tlb_credit(NULL);
		ctxscope_count_switch(cell_base,
				      ctxscope_voluntary_from_args(preempt,
								   prev_state));
		return;
	}
	this_cpu_write(ctxscope_row_cache.row[slot], row);
	ctxscope_row_switch_out(row, prev, cls, cell_base, preempt,
				prev_state);
}

/* prev's share of the switch: counted in its own row, if it has one. */
static __always_inline void ctxscope_task_switch_out(struct task_struct *prev,
						     unsigned int cls,
						     unsigned int cell_base,
						     bool preempt,
						     unsigned int prev_state)
{
	u32 slot = hash_ptr(prev, CTXSCOPE_ROW_CACHE_BITS);
	struct ctxscope_task *row = this_cpu_read(ctxscope_row_cache.row[slot]);

	/* Pairs with the release of the key in ctxscope_task_insert_locked(). */
	if (likely(smp_load_acquire(&row->task) == prev))
		ctxscope_row_switch_out(row, prev, cls, cell_base, preempt,
					prev_state);
	else
		ctxscope_task_switch_out_miss(prev, cls, cell_base, preempt,
					      prev_state, slot);
}

void ctxscope_probe_sched_switch(void *data, bool preempt,
				 struct task_struct *prev,
				 struct task_struct *next,
				 unsigned int prev_state)
{
	const struct mm_struct *next_mm = next->mm;
	unsigned int flags = prev->flags | next->flags;
	unsigned int mm_kind, cls;

	/*
	 * The address space next runs in (context_switch()): its own mm, or,
	 * without one (kernel thread, idle, a task switched back in after
	 * exit_mm()), the one prev leaves loaded. prev->active_mm, not
	 * prev->mm: an exiting task's last switch-out comes after exit_mm().
	 */
	if (!next_mm) {
		mm_kind = CTXSCOPE_MM_LAZY;
		cls = CTXSCOPE_THREAD;
	} else if (next_mm == prev->active_mm) {
		mm_kind = CTXSCOPE_MM_KEPT;
		cls = CTXSCOPE_THREAD;
	} else {
		mm_kind = CTXSCOPE_MM_SWITCHED;
		cls = CTXSCOPE_PROCESS;
	}
	/*
	 * is_idle_task() first; then kernel threads by their flag, not by
	 * mm == NULL: kthread_use_mm() gives kernel threads an mm.
	 */
	if (unlikely(flags & (PF_IDLE | PF_KTHREAD)))
		cls = flags & PF_IDLE ? CTXSCOPE_IDLE : CTXSCOPE_KERNEL;

	/* Its tlb_flush, if it loads another mm, comes next (tlb.h). */
	this_cpu_write(ctxscope_cpu_counters.tlb_switching, prev);

	/* The idle task has no row: spare it the lookup. */
	if (static_branch_likely(&ctxscope_task_rows) &&
	    likely(!(prev->flags & PF_IDLE))) {
		ctxscope_task_switch_out(prev, cls,
					 ctxscope_cell(cls, 0, mm_kind),
					 preempt, prev_state);
		return;
	}
	ctxscope_tlb_credit(NULL);
	ctxscope_count_switch(ctxscope_cell(cls, 0, mm_kind),
			      ctxscope_voluntary_from_args(preempt, prev_state));
}

ctxscope_assert_probe(sched_switch, ctxscope_probe_sched_switch);
