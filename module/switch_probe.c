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
#include <linux/hash.h>
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
 * The rows of the tasks that last switched out on this CPU, direct-mapped
 * by task pointer, in front of the hash table: a hit costs a few loads
 * where a lookup hashes, finds the bucket and walks its chain.
 *
 * An entry is written only by this CPU's slow path, which has brought the
 * row up to date first (epoch, last_cpu, IPIs), and every event that would
 * make the row need the slow path again removes the entry:
 *
 *  - a reset (ctxscope_switch_probe_forget_rows(), after the new epoch);
 *  - the task's switch-out on another CPU (the slow path there, which
 *    sees last_cpu change, removes this CPU's entry);
 *  - a shootdown IPI the task sends (ctxscope_switch_probe_forget_current(),
 *    from the tlb_flush probe);
 *  - the row's removal at the task's free (ctxscope_switch_probe_forget_row()).
 *
 * So a hit (an entry whose row's key is prev) means: prev's row, counting
 * in the current epoch, last switched out on this CPU, with no IPIs to
 * credit. The fast path then counts and nothing else. A reset racing a
 * hit counts that one switch in the old epoch, as a switch racing the
 * reset may be.
 */
#define CTXSCOPE_ROW_CACHE_BITS	6

struct ctxscope_row_cache {
	struct ctxscope_task *row[1 << CTXSCOPE_ROW_CACHE_BITS];
};

static DEFINE_PER_CPU_ALIGNED(struct ctxscope_row_cache, ctxscope_row_cache);

/* What an empty entry points to: a row no task owns, so never a hit. */
static struct ctxscope_task ctxscope_no_row;

/*
 * hash_32() of the pointer's low 32 bits, not hash_ptr(): a multiply by an
 * immediate, where the 64-bit constant costs an instruction of its own.
 * Those bits tell task_structs apart (each is a few KiB); two tasks whose
 * addresses differ only above them share a slot, which costs misses only.
 */
static __always_inline u32 ctxscope_row_cache_slot(const struct task_struct *p)
{
	return hash_32((u32)(unsigned long)p, CTXSCOPE_ROW_CACHE_BITS);
}

/* Empties cpu's entry for row, if it still holds it. */
static void ctxscope_row_cache_drop(int cpu, u32 slot,
				    const struct ctxscope_task *row)
{
	struct ctxscope_task **entry =
		&per_cpu_ptr(&ctxscope_row_cache, cpu)->row[slot];

	if (READ_ONCE(*entry) == row)
		WRITE_ONCE(*entry, &ctxscope_no_row);
}

static void ctxscope_row_cache_empty(int cpu)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ctxscope_row_cache.row); i++)
		WRITE_ONCE(per_cpu_ptr(&ctxscope_row_cache, cpu)->row[i],
			   &ctxscope_no_row);
}

void ctxscope_switch_probe_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		ctxscope_row_cache_empty(cpu);
}

void ctxscope_switch_probe_forget_rows(void)
{
	int cpu;

	/*
	 * The new epoch before the first entry is emptied; pairs with the
	 * smp_mb() in ctxscope_row_switch_out_slow(): a slow path that put a
	 * row in an entry either sees the new epoch or has its entry emptied
	 * here.
	 */
	smp_mb();
	for_each_possible_cpu(cpu)
		ctxscope_row_cache_empty(cpu);
}

void ctxscope_switch_probe_forget_current(void)
{
	this_cpu_write(ctxscope_row_cache.row[ctxscope_row_cache_slot(current)],
		       &ctxscope_no_row);
}

void ctxscope_switch_probe_forget_row(const struct ctxscope_task *row)
{
	u32 cpu = READ_ONCE(row->last_cpu);

	/* Only the entry of the CPU it last switched out on can hold it. */
	if (cpu < nr_cpu_ids)
		ctxscope_row_cache_drop(cpu,
					ctxscope_row_cache_slot(row->task),
					row);
}

/* This CPU's count of a switch: cell_base is ctxscope_cell(cls, 0, mm). */
static __always_inline void ctxscope_count_switch(unsigned int cell_base,
						  unsigned int voluntary)
{
	this_cpu_inc(ctxscope_cpu_counters.counts.cell[cell_base +
		     voluntary * CTXSCOPE_NR_MM_KINDS]);
}

/* A switch without a row: voluntary as the tracepoint's arguments say. */
static __always_inline void ctxscope_count_rowless(unsigned int cell_base,
						   bool preempt,
						   unsigned int prev_state,
						   unsigned long tlb_switch)
{
	/* The running task's IPIs have no row to go to. */
	if (unlikely(tlb_switch & CTXSCOPE_TLB_IPI))
		this_cpu_write(ctxscope_cpu_counters.tlb_ipis, 0);
	ctxscope_count_switch(cell_base,
			      ctxscope_voluntary_from_args(preempt, prev_state));
}

/*
 * The first switch-out after a reset (or the first at all of a row made
 * before the probe was live): the counts start from zero, and the task's
 * nvcsw before this switch becomes the base of voluntary, and what
 * nvcsw_seen is compared with next. A synced row knows that value; an
 * unsynced one decides this one switch from the tracepoint's arguments.
 */
static void ctxscope_row_rearm(struct ctxscope_task *row, u32 epoch,
			       unsigned long nvcsw, bool preempt,
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
					 unsigned long sp,
					 unsigned int prev_state)
{
	ctxscope_ustack_sample(row, prev, sp);
	if (ctxscope_kstack_due(prev_state))
		ctxscope_kstack_switch_out(row, prev);
}

/*
 * prev's switch-out, counted in its row and in this CPU's cell: what every
 * switch-out of a task with a row does. Voluntary is whether the kernel
 * charged it to prev->nvcsw: the task's own counter moved since its last
 * switch-out, which holds on every kernel, also where the tracepoint
 * reports a sleep aborted by a signal as TASK_RUNNING (6.12's
 * try_to_block_task()). The flush of prev's switch-in, if one paired with
 * it, is credited to it here (tlb.h). The kernel stack is scanned only at
 * a task's last switch-out, which takes the slow path (slow): an exiting
 * task never takes the fast path (kstack.h). preempt is not used:
 * voluntary comes from the task (it is there for a mutant, tests/mutate,
 * that decides from the arguments instead).
 */
static __always_inline void
ctxscope_row_count(struct ctxscope_task *row, struct task_struct *prev,
		   unsigned int cls, unsigned int cell_base, bool preempt,
		   unsigned int prev_state, unsigned long tlb_switch,
		   bool slow)
{
	unsigned long nvcsw, sp;

	/*
	 * Only prev's switch-out writes the counts, on one CPU at a time; a
	 * reader takes the value before or after. Read-modify-writes of
	 * memory, one instruction each, marked as the races they are.
	 */
	data_race(row->tlb_flush_in += tlb_switch & CTXSCOPE_TLB_FLUSHED_IN);
	/* The same for the class count. */
	data_race(row->to[cls]++);
	/* The class before voluntary: pairs with ctxscope_task_snapshot(). */
	smp_wmb();
	nvcsw = READ_ONCE(prev->nvcsw);
	/*
	 * Two increments, not an index computed from voluntary; nvcsw_seen
	 * written only where it changes, and after the comparison, which
	 * then reads it from memory.
	 */
	if (ctxscope_voluntary_decide(nvcsw, row->nvcsw_seen, true, 0)) {
		WRITE_ONCE(row->nvcsw_seen, nvcsw);
		ctxscope_count_switch(cell_base, 1);
	} else {
		ctxscope_count_switch(cell_base, 0);
	}

	sp = ctxscope_user_sp(prev);
	if ((slow && ctxscope_kstack_due(prev_state)) ||
	    unlikely(ctxscope_ustack_news(row, sp)))
		ctxscope_row_stacks(row, prev, sp, prev_state);
}

/*
 * prev's switch-out, counted in row, the slow way: on a miss in the row
 * cache, and for every switch the probe does not count inline. Brings the
 * row up to date (epoch, migration, IPIs) and puts it in this CPU's entry.
 */
static void ctxscope_row_switch_out_slow(struct ctxscope_task *row,
					 struct task_struct *prev,
					 unsigned int cls,
					 unsigned int cell_base, bool preempt,
					 unsigned int prev_state,
					 unsigned long tlb_switch, u32 slot)
{
	u32 cpu = raw_smp_processor_id(), last;
	u32 epoch;

	if (this_cpu_read(ctxscope_row_cache.row[slot]) != row) {
		this_cpu_write(ctxscope_row_cache.row[slot], row);
		/* Pairs with ctxscope_switch_probe_forget_rows(). */
		smp_mb();
	}
	epoch = READ_ONCE(ctxscope_tables.epoch);
	if (unlikely(row->epoch != epoch))
		ctxscope_row_rearm(row, epoch, READ_ONCE(prev->nvcsw), preempt,
				   prev_state);

	/* It ran here since it was switched in: a migration if it moved. */
	last = row->last_cpu;
	if (last != cpu) {
		if (last != CTXSCOPE_NO_CPU) {
			WRITE_ONCE(row->migrations, row->migrations + 1);
			ctxscope_row_cache_drop(last, slot, row);
		}
		WRITE_ONCE(row->last_cpu, cpu);
	}

	/* The shootdown IPIs prev sent while it ran (tlb.h). */
	if (unlikely(tlb_switch & CTXSCOPE_TLB_IPI)) {
		u64 ipis = this_cpu_read(ctxscope_cpu_counters.tlb_ipis);

		this_cpu_write(ctxscope_cpu_counters.tlb_ipis, 0);
		WRITE_ONCE(row->tlb_ipi_sent, row->tlb_ipi_sent + ipis);
	}

	ctxscope_row_count(row, prev, cls, cell_base, preempt, prev_state,
			   tlb_switch, true);
}

/*
 * prev's share of a switch the fast path does not take: counted in its
 * own row, if it has one, else only in this CPU's cell.
 */
static noinline __noipa void
ctxscope_task_switch_out_slow(unsigned int cell_base, bool preempt,
			      struct task_struct *prev, unsigned int cls,
			      unsigned int prev_state, unsigned long tlb_switch)
{
	u32 slot = ctxscope_row_cache_slot(prev);
	struct ctxscope_task *row = this_cpu_read(ctxscope_row_cache.row[slot]);

	/* Pairs with the release of the key in ctxscope_task_insert_locked(). */
	if (smp_load_acquire(&row->task) != prev) {
		row = ctxscope_task_lookup(prev);
		if (!row) {
			ctxscope_count_rowless(cell_base, preempt, prev_state,
					       tlb_switch);
			return;
		}
	}
	ctxscope_row_switch_out_slow(row, prev, cls, cell_base, preempt,
				     prev_state, tlb_switch, slot);
}

/*
 * Every switch the probe does not count inline: a kernel thread or an
 * idle task on either side, an exiting prev, next a user task without an
 * mm (after exit_mm(), or not yet exec'ed from a kernel thread), and a
 * miss in the row cache. The probe's arguments, in the same registers
 * (but data, which the probe has no use for).
 */
static noinline __noipa void
ctxscope_switch_other(void *unused, bool preempt, struct task_struct *prev,
		      struct task_struct *next, unsigned int prev_state,
		      unsigned long tlb_switch)
{
	const struct mm_struct *next_mm = next->mm;
	unsigned int flags = prev->flags | next->flags;
	unsigned int mm_kind, cls, cell_base;

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
	 * mm == NULL: kthread_use_mm() gives kernel threads an mm. Between
	 * two user tasks, a process switch if next's address space is
	 * loaded for it, as inline.
	 */
	if (flags & PF_IDLE)
		cls = CTXSCOPE_IDLE;
	else if (flags & PF_KTHREAD)
		cls = CTXSCOPE_KERNEL;
	else if (mm_kind == CTXSCOPE_MM_SWITCHED)
		cls = CTXSCOPE_PROCESS;
	else
		cls = CTXSCOPE_THREAD;
	cell_base = ctxscope_cell(cls, 0, mm_kind);

	/* The idle task has no row: spare it the lookup. */
	if (static_branch_likely(&ctxscope_task_rows) &&
	    likely(!(prev->flags & PF_IDLE)))
		ctxscope_task_switch_out_slow(cell_base, preempt, prev, cls,
					      prev_state, tlb_switch);
	else
		ctxscope_count_rowless(cell_base, preempt, prev_state,
				       tlb_switch);
}

/*
 * A switch between two user tasks, prev not exiting, counted inline on a
 * hit in the row cache. Without a hit (a miss, or no task rows at all:
 * the cache is empty then), the probe's own arguments go as they are to
 * the slow path, which classifies the switch again.
 */
static __always_inline void ctxscope_switch_user(void *data, bool preempt,
						 struct task_struct *prev,
						 struct task_struct *next,
						 unsigned int prev_state,
						 unsigned long tlb_switch,
						 unsigned int cls,
						 unsigned int mm_kind)
{
	struct ctxscope_task *row;

	row = this_cpu_read(ctxscope_row_cache.row[ctxscope_row_cache_slot(prev)]);
	/*
	 * A plain load, to fold into the comparison. No acquire: an entry
	 * holds a row only after this CPU's slow path found it by its key
	 * with one, and the row is emptied from the cache before its key
	 * can change (its removal, after its task's last switch), so a
	 * racing change is never to prev.
	 */
	if (likely(data_race(row->task) == prev))
		ctxscope_row_count(row, prev, cls, ctxscope_cell(cls, 0, mm_kind),
				   preempt, prev_state, tlb_switch, false);
	else
		ctxscope_switch_other(NULL, preempt, prev, next, prev_state,
				      tlb_switch);
}

/* Not traced itself: it runs on every switch, and ftrace's hook costs. */
void notrace ctxscope_probe_sched_switch(void *data, bool preempt,
					 struct task_struct *prev,
					 struct task_struct *next,
					 unsigned int prev_state)
{
	const struct mm_struct *next_mm = next->mm;
	unsigned long tlb_switch;

	/* Its tlb_flush, if it loads another mm, comes next (tlb.h). */
	tlb_switch = this_cpu_read(ctxscope_cpu_counters.tlb_switch);
	this_cpu_write(ctxscope_cpu_counters.tlb_switch, (unsigned long)prev);

	/*
	 * An exiting prev too: its last switch-out scans its kernel stack
	 * (PF_EXITING is set long before TASK_DEAD).
	 */
	if (unlikely((prev->flags & (PF_IDLE | PF_KTHREAD | PF_EXITING)) ||
		     (next->flags & (PF_IDLE | PF_KTHREAD)) || !next_mm)) {
		ctxscope_switch_other(NULL, preempt, prev, next, prev_state,
				      tlb_switch);
		return;
	}
	/*
	 * Two user tasks, next with its own mm: context_switch() loads it
	 * unless prev leaves it loaded.
	 */
	if (next_mm != prev->active_mm)
		ctxscope_switch_user(data, preempt, prev, next, prev_state,
				     tlb_switch, CTXSCOPE_PROCESS,
				     CTXSCOPE_MM_SWITCHED);
	else
		ctxscope_switch_user(data, preempt, prev, next, prev_state,
				     tlb_switch, CTXSCOPE_THREAD,
				     CTXSCOPE_MM_KEPT);
}

ctxscope_assert_probe(sched_switch, ctxscope_probe_sched_switch);
