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
 * What the task switching out caused while it ran here (tlb.h), as this
 * CPU's tlb_switch word was before the switch: the flush of its switch-in
 * and the shootdown IPIs it sent, credited to its row; without a row,
 * the IPIs are only forgotten.
 */
static __always_inline void ctxscope_tlb_credit(struct ctxscope_task *row,
						unsigned long tlb_switch)
{
	if (unlikely(tlb_switch & CTXSCOPE_TLB_IPI)) {
		u64 ipis = this_cpu_read(ctxscope_cpu_counters.tlb_ipis);

		this_cpu_write(ctxscope_cpu_counters.tlb_ipis, 0);
		WRITE_ONCE(row->tlb_ipi_sent, row->tlb_ipi_sent + ipis);
	}
	WRITE_ONCE(row->tlb_flush_in, row->tlb_flush_in +
		   (tlb_switch & CTXSCOPE_TLB_FLUSHED_IN));
}

static __always_inline void ctxscope_tlb_forget(unsigned long tlb_switch)
{
	if (unlikely(tlb_switch & CTXSCOPE_TLB_IPI))
		this_cpu_write(ctxscope_cpu_counters.tlb_ipis, 0);
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
 * prev's switch-out, counted in its row (counting in the current epoch)
 * and in this CPU's cell. Voluntary is whether the kernel charged it to
 * prev->nvcsw: the task's own counter moved since its last switch-out,
 * which holds on every kernel, also where the tracepoint reports a sleep
 * aborted by a signal as TASK_RUNNING (6.12's try_to_block_task()).
 */
static __always_inline void
ctxscope_row_count(struct ctxscope_task *row, struct task_struct *prev,
		   unsigned int cls, unsigned int cell_base,
		   unsigned int prev_state, unsigned long tlb_switch)
{
	unsigned long nvcsw = READ_ONCE(prev->nvcsw);
	unsigned int voluntary;
	unsigned long sp;
	u64 n;
	u32 cpu;
	bool due;

	voluntary = ctxscope_voluntary_decide(nvcsw, row->nvcsw_seen, true, 0);
	ctxscope_tlb_credit(row, tlb_switch);

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
 * The first switch-out of a row in this epoch, out of line (the common
 * path then keeps few enough values live to save no registers).
 */
static noinline void
ctxscope_row_switch_out_rearm(struct ctxscope_task *row,
			      struct task_struct *prev, unsigned int cls,
			      unsigned int cell_base, bool preempt,
			      unsigned int prev_state, unsigned long tlb_switch)
{
	ctxscope_row_rearm(row, READ_ONCE(ctxscope_tables.epoch),
			   READ_ONCE(prev->nvcsw), preempt, prev_state);
	ctxscope_row_count(row, prev, cls, cell_base, prev_state, tlb_switch);
}

/* prev's switch-out, counted in its row and in this CPU's cell. */
static __always_inline void
ctxscope_row_switch_out(struct ctxscope_task *row, struct task_struct *prev,
			unsigned int cls, unsigned int cell_base, bool preempt,
			unsigned int prev_state, unsigned long tlb_switch)
{
	if (unlikely(row->epoch != READ_ONCE(ctxscope_tables.epoch)))
		ctxscope_row_switch_out_rearm(row, prev, cls, cell_base,
					      preempt, prev_state, tlb_switch);
	else
		ctxscope_row_count(row, prev, cls, cell_base, prev_state,
				   tlb_switch);
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
						   unsigned long tlb_switch,
						   u32 slot)
{
	struct ctxscope_task *row = ctxscope_task_lookup(prev);

	if (!row) {
		ctxscope_tlb_forget(tlb_switch);
		ctxscope_count_switch(cell_base,
				      ctxscope_voluntary_from_args(preempt,
								   prev_state));
		return;
	}
	this_cpu_write(ctxscope_row_cache.row[slot], row);
	ctxscope_row_switch_out(row, prev, cls, cell_base, preempt,
				prev_state, tlb_switch);
}

/* prev's share of the switch: counted in its own row, if it has one. */
static __always_inline void ctxscope_task_switch_out(struct task_struct *prev,
						     unsigned int cls,
						     unsigned int cell_base,
						     bool preempt,
						     unsigned int prev_state,
						     unsigned long tlb_switch)
{
	u32 slot = hash_ptr(prev, CTXSCOPE_ROW_CACHE_BITS);
	struct ctxscope_task *row = this_cpu_read(ctxscope_row_cache.row[slot]);

	/* Pairs with the release of the key in ctxscope_task_insert_locked(). */
	if (likely(smp_load_acquire(&row->task) == prev))
		ctxscope_row_switch_out(row, prev, cls, cell_base, preempt,
					prev_state, tlb_switch);
	else
		ctxscope_task_switch_out_miss(prev, cls, cell_base, preempt,
					      prev_state, tlb_switch, slot);
}

/*
 * A switch of class cls, next running in an address space of mm_kind:
 * counted in this CPU's cell and in prev's row. The idle task has no row:
 * spare it the lookup.
 */
static __always_inline void ctxscope_switch_count(struct task_struct *prev,
						  bool prev_idle,
						  unsigned int cls,
						  unsigned int mm_kind,
						  bool preempt,
						  unsigned int prev_state,
						  unsigned long tlb_switch)
{
	unsigned int cell_base = ctxscope_cell(cls, 0, mm_kind);

	if (static_branch_likely(&ctxscope_task_rows) && likely(!prev_idle)) {
		ctxscope_task_switch_out(prev, cls, cell_base, preempt,
					 prev_state, tlb_switch);
		return;
	}
	ctxscope_tlb_forget(tlb_switch);
	ctxscope_count_switch(cell_base,
			      ctxscope_voluntary_from_args(preempt, prev_state));
}

/*
 * The switches the probe does not count inline: a kernel thread or an
 * idle task on either side, or next a user task switched back in after
 * exit_mm(), which has no mm.
 */
static noinline void ctxscope_switch_other(bool preempt,
					   struct task_struct *prev,
					   struct task_struct *next,
					   unsigned int prev_state,
					   unsigned long tlb_switch)
{
	const struct mm_struct *next_mm = next->mm;
	unsigned int flags = prev->flags | next->flags;
	unsigned int mm_kind, cls;

	/*
	 * Without an mm of its own (kernel thread, idle, a task after
	 * exit_mm()), next runs in the one prev leaves loaded.
	 */
	if (!next_mm)
		mm_kind = CTXSCOPE_MM_LAZY;
	else if (next_mm == prev->active_mm)
		mm_kind = CTXSCOPE_MM_KEPT;
	else
		mm_kind = CTXSCOPE_MM_SWITCHED;
	/*
	 * is_idle_task() first; then kernel threads by their flag, not by
	 * mm == NULL: kthread_use_mm() gives kernel threads an mm. Two user
	 * tasks here share the address space prev leaves loaded.
	 */
	if (flags & PF_IDLE)
		cls = CTXSCOPE_IDLE;
	else if (flags & PF_KTHREAD)
		cls = CTXSCOPE_KERNEL;
	else
		cls = CTXSCOPE_THREAD;

	ctxscope_switch_count(prev, prev->flags & PF_IDLE, cls, mm_kind,
			      preempt, prev_state, tlb_switch);
}

void ctxscope_probe_sched_switch(void *data, bool preempt,
				 struct task_struct *prev,
				 struct task_struct *next,
				 unsigned int prev_state)
{
	const struct mm_struct *next_mm = next->mm;
	unsigned long tlb_switch;

	/* Its tlb_flush, if it loads another mm, comes next (tlb.h). */
	tlb_switch = this_cpu_read(ctxscope_cpu_counters.tlb_switch);
	this_cpu_write(ctxscope_cpu_counters.tlb_switch, (unsigned long)prev);

	if (unlikely(((prev->flags | next->flags) & (PF_IDLE | PF_KTHREAD)) ||
		     !next_mm)) {
		ctxscope_switch_other(preempt, prev, next, prev_state,
				      tlb_switch);
		return;
	}
	/*
	 * Two user tasks, next with its own mm: context_switch() loads it
	 * unless prev leaves it loaded. prev->active_mm, not prev->mm: an
	 * exiting task's last switch-out comes after exit_mm().
	 */
	if (next_mm != prev->active_mm)
		ctxscope_switch_count(prev, false, CTXSCOPE_PROCESS,
				      CTXSCOPE_MM_SWITCHED, preempt, prev_state,
				      tlb_switch);
	else
		ctxscope_switch_count(prev, false, CTXSCOPE_THREAD,
				      CTXSCOPE_MM_KEPT, preempt, prev_state,
				      tlb_switch);
}

ctxscope_assert_probe(sched_switch, ctxscope_probe_sched_switch);
