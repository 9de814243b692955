// SPDX-License-Identifier: GPL-2.0
/*
 * The sched_switch probe: the only code ctxscope runs on every context
 * switch. It is called from __schedule() with interrupts off, preemption
 * off and the runqueue lock held, between rq->nr_switches++ and
 * context_switch(), with current == prev. It touches nothing but the two
 * task_structs, this CPU's counters and prev's row: no locks, no
 * allocation, nothing that can sleep or wake a task.
 */
#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <trace/events/sched.h>

#include "compat.h"
#include "ctxscope.h"
#include "kstack.h"
#include "task_table.h"
#include "ustack.h"

DEFINE_PER_CPU_ALIGNED(struct ctxscope_cpu_counters, ctxscope_cpu_counters);

/* A switch's class indexes both the per-CPU and the per-task counters. */
static_assert(CTXSCOPE_TO_PROCESS == (int)CTXSCOPE_PROCESS &&
	      CTXSCOPE_TO_THREAD == (int)CTXSCOPE_THREAD &&
	      CTXSCOPE_TO_KERNEL == (int)CTXSCOPE_KERNEL &&
	      CTXSCOPE_TO_IDLE == (int)CTXSCOPE_IDLE);

/*
 * The address space next will run in: its own mm, or, for a task without
 * one (kernel thread, idle, a user task switched back in after exit_mm()),
 * the one prev leaves loaded (lazy TLB, see context_switch()).
 */
static __always_inline enum ctxscope_counter
ctxscope_classify(const struct task_struct *prev,
		  const struct task_struct *next,
		  const struct mm_struct *prev_mm,
		  const struct mm_struct *next_mm)
{
	unsigned int flags = prev->flags | next->flags;

	if (unlikely(flags & PF_IDLE))		/* is_idle_task() */
		return CTXSCOPE_IDLE;
	/* Not mm == NULL: kthread_use_mm() gives kernel threads an mm. */
	if (flags & PF_KTHREAD)
		return CTXSCOPE_KERNEL;
	/*
	 * prev->active_mm, not prev->mm: an exiting task's last switch-out
	 * comes after exit_mm() cleared prev->mm.
	 */
	if (!next_mm || next_mm == prev_mm)
		return CTXSCOPE_THREAD;
	return CTXSCOPE_PROCESS;
}

static __always_inline void ctxscope_row_inc(struct ctxscope_task *row,
					     int counter)
{
	WRITE_ONCE(row->count[counter], row->count[counter] + 1);
}

/* A reset happened since this row last counted: start it from zero. */
static noinline void ctxscope_row_rearm(struct ctxscope_task *row, u32 epoch)
{
	int i;

	for (i = 0; i < CTXSCOPE_NR_TASK_COUNTERS; i++)
		WRITE_ONCE(row->count[i], 0);
	/* Pairs with smp_rmb() in ctxscope_task_counts_current(). */
	smp_wmb();
	WRITE_ONCE(row->epoch, epoch);
}

/*
 * What prev caused while it ran here (tlb.c) is credited to it now, to
 * its row if it has one; the counts start again for next.
 */
static __always_inline void ctxscope_tlb_credit(struct ctxscope_task *row)
{
	u64 flush_in = this_cpu_read(ctxscope_cpu_counters.tlb_flush_in);
	u64 ipi_sent = this_cpu_read(ctxscope_cpu_counters.tlb_ipi_sent);

	if (likely(!(flush_in | ipi_sent)))
		return;
	this_cpu_write(ctxscope_cpu_counters.tlb_flush_in, 0);
	this_cpu_write(ctxscope_cpu_counters.tlb_ipi_sent, 0);
	if (!row)
		return;
	WRITE_ONCE(row->count[CTXSCOPE_TASK_TLB_FLUSH_IN],
		   row->count[CTXSCOPE_TASK_TLB_FLUSH_IN] + flush_in);
	WRITE_ONCE(row->count[CTXSCOPE_TASK_TLB_IPI_SENT],
		   row->count[CTXSCOPE_TASK_TLB_IPI_SENT] + ipi_sent);
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

/* A miss: the hash table's row, if the task has one. */
static noinline struct ctxscope_task *
ctxscope_row_cache_fill(const struct task_struct *p, u32 slot)
{
	struct ctxscope_task *row;

	row = ctxscope_task_lookup(p);
	if (row)
		this_cpu_write(ctxscope_row_cache.row[slot], row);
	return row;
}

static __always_inline struct ctxscope_task *
ctxscope_switch_row(const struct task_struct *p)
{
	u32 slot = hash_ptr(p, CTXSCOPE_ROW_CACHE_BITS);
	struct ctxscope_task *row = this_cpu_read(ctxscope_row_cache.row[slot]);

	/* Pairs with the release of the key in ctxscope_task_insert_locked(). */
	if (likely(row && smp_load_acquire(&row->task) == p))
		return row;
	return ctxscope_row_cache_fill(p, slot);
}

/* prev's share of the switch: counted in its own row, if it has one. */
static __always_inline void ctxscope_task_switch_out(struct task_struct *prev,
						     enum ctxscope_counter cls,
						     bool voluntary,
						     unsigned int prev_state)
{
	struct ctxscope_task *row = ctxscope_switch_row(prev);
	u32 epoch, cpu;

	if (!row) {
		ctxscope_tlb_credit(NULL);
		return;
	}
	epoch = READ_ONCE(ctxscope_tables.epoch);
	if (unlikely(row->epoch != epoch))
		ctxscope_row_rearm(row, epoch);
	ctxscope_tlb_credit(row);

	ctxscope_row_inc(row, cls);
	/* The class before voluntary, as for the per-CPU counters. */
	smp_wmb();
	/* Added rather than branched on: fewer instructions either way. */
	WRITE_ONCE(row->count[CTXSCOPE_TASK_VOLUNTARY],
		   row->count[CTXSCOPE_TASK_VOLUNTARY] + voluntary);

	/* It ran here since it was switched in: a migration if it moved. */
	cpu = raw_smp_processor_id();
	if (unlikely(row->last_cpu != cpu)) {
		if (row->last_cpu != CTXSCOPE_NO_CPU)
			ctxscope_row_inc(row, CTXSCOPE_TASK_MIGRATIONS);
		WRITE_ONCE(row->last_cpu, cpu);
	}

	ctxscope_ustack_sample(row, prev);
	if (ctxscope_kstack_due(row, prev_state))
		ctxscope_kstack_switch_out(row, prev, prev_state);
}

void ctxscope_probe_sched_switch(void *data, bool preempt,
				 struct task_struct *prev,
				 struct task_struct *next,
				 unsigned int prev_state)
{
	const struct mm_struct *prev_mm = prev->active_mm;
	const struct mm_struct *next_mm = next->mm;
	enum ctxscope_counter cls = ctxscope_classify(prev, next, prev_mm,
						      next_mm);
	/* __schedule() charges prev->nvcsw exactly under this condition. */
	bool voluntary = !preempt && prev_state != TASK_RUNNING;

	this_cpu_inc(ctxscope_cpu_counters.count[cls]);
	/*
	 * Everything else is published after the class, so that a reader
	 * that loads it before the classes never sees more voluntary, mm or
	 * lazy switches than switches (ctxscope_snapshot_cpu()).
	 */
	smp_wmb();
	this_cpu_add(ctxscope_cpu_counters.count[CTXSCOPE_VOLUNTARY], (u64)voluntary);

	if (!next_mm)
		this_cpu_inc(ctxscope_cpu_counters.count[CTXSCOPE_LAZY_SWITCHES]);
	else if (next_mm != prev_mm)
		this_cpu_inc(ctxscope_cpu_counters.count[CTXSCOPE_MM_SWITCHES]);

	/* Its tlb_flush, if it loads another mm, comes next (tlb.h). */
	this_cpu_write(ctxscope_cpu_counters.tlb_switching, prev);

	if (static_branch_likely(&ctxscope_task_rows))
		ctxscope_task_switch_out(prev, cls, voluntary, prev_state);
	else					/* max_tasks=0 */
		ctxscope_tlb_credit(NULL);
}

ctxscope_assert_probe(sched_switch, ctxscope_probe_sched_switch);
