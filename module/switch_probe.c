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

/* What a switch is: its class, and the address-space counter it adds to. */
struct ctxscope_switch_kind {
	enum ctxscope_counter cls;
	int mm_counter;			/* LAZY_SWITCHES, MM_SWITCHES or -1 */
};

/*
 * The address space next will run in: its own mm, or, for a task without
 * one (kernel thread, idle, a user task switched back in after exit_mm()),
 * the one prev leaves loaded (lazy TLB, see context_switch()). One
 * decision tree for both, so that the mm pointers are compared once.
 */
static __always_inline struct ctxscope_switch_kind
ctxscope_classify(const struct task_struct *prev,
		  const struct task_struct *next,
		  const struct mm_struct *prev_mm,
		  const struct mm_struct *next_mm)
{
	unsigned int flags = prev->flags | next->flags;
	struct ctxscope_switch_kind k;

	/*
	 * prev->active_mm, not prev->mm: an exiting task's last switch-out
	 * comes after exit_mm() cleared prev->mm.
	 */
	if (!next_mm) {
		k.cls = CTXSCOPE_THREAD;
		k.mm_counter = CTXSCOPE_LAZY_SWITCHES;
	} else if (next_mm == prev_mm) {
		k.cls = CTXSCOPE_THREAD;
		k.mm_counter = -1;
	} else {
		k.cls = CTXSCOPE_PROCESS;
		k.mm_counter = CTXSCOPE_MM_SWITCHES;
	}
	/*
	 * is_idle_task() first; then kernel threads by their flag, not by
	 * mm == NULL: kthread_use_mm() gives kernel threads an mm.
	 */
	if (unlikely(flags & (PF_IDLE | PF_KTHREAD)))
		k.cls = flags & PF_IDLE ? CTXSCOPE_IDLE : CTXSCOPE_KERNEL;
	return k;
}

static __always_inline void ctxscope_row_inc(struct ctxscope_task *row,
					     int counter)
{
	WRITE_ONCE(row->count[counter], row->count[counter] + 1);
}

/* A reset happened since this row last counted: start it from zero. */
static __always_inline void ctxscope_row_rearm(struct ctxscope_task *row,
					       u32 epoch)
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
	u64 pending = this_cpu_read(ctxscope_cpu_counters.tlb_pending);

	if (likely(!pending))
		return;
	this_cpu_write(ctxscope_cpu_counters.tlb_pending, 0);
	if (!row)
		return;
	WRITE_ONCE(row->count[CTXSCOPE_TASK_TLB_FLUSH_IN],
		   row->count[CTXSCOPE_TASK_TLB_FLUSH_IN] +
		   (pending & CTXSCOPE_TLB_PENDING_FLUSH));
	WRITE_ONCE(row->count[CTXSCOPE_TASK_TLB_IPI_SENT],
		   row->count[CTXSCOPE_TASK_TLB_IPI_SENT] +
		   pending / CTXSCOPE_TLB_PENDING_IPI);
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

/*
 * The stacks' slow paths, out of line: a user sp below the row's floor,
 * a kernel stack scan. Everything before them is calls-free, so that the
 * common path saves no registers.
 */
static noinline void ctxscope_row_stacks(struct ctxscope_task *row,
					 struct task_struct *prev,
					 unsigned int prev_state,
					 unsigned long sp, bool kstack_due)
{
	ctxscope_ustack_sample_sp(row, sp);
	if (kstack_due)
		ctxscope_kstack_switch_out(row, prev, prev_state);
}

/* prev's share of the switch, counted in its row. */
static __always_inline void ctxscope_row_switch_out(struct ctxscope_task *row,
						    struct task_struct *prev,
						    enum ctxscope_counter cls,
						    bool voluntary,
						    unsigned int prev_state)
{
	u32 epoch = READ_ONCE(ctxscope_tables.epoch);
	unsigned long sp;
	u32 cpu;
	bool due;

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

	sp = ctxscope_user_sp(prev);
	due = ctxscope_kstack_due(row, prev_state);
	if (unlikely(due || ctxscope_ustack_news(row, sp)))
		ctxscope_row_stacks(row, prev, prev_state, sp, due);
}

/* A miss in the row cache: the hash table's row, if the task has one. */
static noinline void ctxscope_task_switch_out_miss(struct task_struct *prev,
						   enum ctxscope_counter cls,
						   bool voluntary,
						   unsigned int prev_state,
						   u32 slot)
{
	struct ctxscope_task *row = ctxscope_task_lookup(prev);

	if (!row) {
		ctxscope_tlb_credit(NULL);
		return;
	}
	this_cpu_write(ctxscope_row_cache.row[slot], row);
	ctxscope_row_switch_out(row, prev, cls, voluntary, prev_state);
}

/* prev's share of the switch: counted in its own row, if it has one. */
static __always_inline void ctxscope_task_switch_out(struct task_struct *prev,
						     enum ctxscope_counter cls,
						     bool voluntary,
						     unsigned int prev_state)
{
	u32 slot = hash_ptr(prev, CTXSCOPE_ROW_CACHE_BITS);
	struct ctxscope_task *row = this_cpu_read(ctxscope_row_cache.row[slot]);

	/* Pairs with the release of the key in ctxscope_task_insert_locked(). */
	if (likely(row && smp_load_acquire(&row->task) == prev))
		ctxscope_row_switch_out(row, prev, cls, voluntary, prev_state);
	else
		ctxscope_task_switch_out_miss(prev, cls, voluntary, prev_state,
					      slot);
}

void ctxscope_probe_sched_switch(void *data, bool preempt,
				 struct task_struct *prev,
				 struct task_struct *next,
				 unsigned int prev_state)
{
	struct ctxscope_switch_kind k = ctxscope_classify(prev, next,
							  prev->active_mm,
							  next->mm);
	/* __schedule() charges prev->nvcsw exactly under this condition. */
	bool voluntary = !preempt && prev_state != TASK_RUNNING;

	this_cpu_inc(ctxscope_cpu_counters.count[k.cls]);
	/*
	 * Everything else is published after the class, so that a reader
	 * that loads it before the classes never sees more voluntary, mm or
	 * lazy switches than switches (ctxscope_snapshot_cpu()).
	 */
	smp_wmb();
	this_cpu_add(ctxscope_cpu_counters.count[CTXSCOPE_VOLUNTARY], (u64)voluntary);
	if (k.mm_counter >= 0)
		this_cpu_inc(ctxscope_cpu_counters.count[k.mm_counter]);

	/* Its tlb_flush, if it loads another mm, comes next (tlb.h). */
	this_cpu_write(ctxscope_cpu_counters.tlb_switching, prev);

	if (static_branch_likely(&ctxscope_task_rows))
		ctxscope_task_switch_out(prev, k.cls, voluntary, prev_state);
	else					/* max_tasks=0 */
		ctxscope_tlb_credit(NULL);
}

ctxscope_assert_probe(sched_switch, ctxscope_probe_sched_switch);
