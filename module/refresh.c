// SPDX-License-Identifier: GPL-2.0
/*
 * The read path's refresh; see refresh.h.
 *
 * A refresh pins each task it looks at, not its row: while it reads the
 * task's stack and address space, the task may exit and its row be
 * freed and reused by another task. What it found is committed under the
 * table lock, and only if the row still belongs to the task (and, for
 * the user stack, exec has not replaced the address space meanwhile).
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>

#include "kstack.h"
#include "refresh.h"
#include "task_table.h"
#include "ustack.h"

static DEFINE_MUTEX(ctxscope_refresh_lock);
static unsigned long ctxscope_refresh_last;	/* jiffies; refresh lock */
static u64 ctxscope_refresh_count;

u64 ctxscope_refreshes(void)
{
	return READ_ONCE(ctxscope_refresh_count);
}

/* What the refresh of one task found, committed if the row is still p's. */
static void ctxscope_refresh_commit(struct ctxscope_task *row,
				    struct task_struct *p, u32 kstack,
				    const struct ctxscope_ustack_found *found,
				    unsigned long ran)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	if (READ_ONCE(row->task) == p) {
		if (kstack)
			ctxscope_store_max(&row->kstack_max, kstack);
		if (found)
			ctxscope_ustack_commit_locked(row, found);
		WRITE_ONCE(row->refreshed, ran);
	}
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

/*
 * What changes whenever the row's task switches out (its class counts)
 * or a reset rearms it (its epoch): a task whose activity is the same as
 * at the last refresh has not run since, so cannot have gone deeper.
 */
static unsigned long ctxscope_row_activity(const struct ctxscope_task *row)
{
	unsigned long sum = (unsigned long)READ_ONCE(row->epoch) << 40;
	int i;

	for (i = 0; i < CTXSCOPE_NR_CLASSES; i++)
		sum += READ_ONCE(row->to[i]);
	return sum;
}

static void ctxscope_refresh_tasks(void)
{
	const struct ctxscope_tables *t = &ctxscope_tables;
	struct ctxscope_ustack_found found;
	u32 i;

	for (i = ctxscope_next_task(0); i < t->capacity;
	     i = ctxscope_next_task(i + 1)) {
		struct ctxscope_task *row = &t->tasks[i];
		bool ran, unresolved, have_found = false;
		struct task_struct *p;
		unsigned long activity;
		u32 kstack = 0;

		if (!READ_ONCE(row->task))
			continue;
		activity = ctxscope_row_activity(row);
		ran = activity != READ_ONCE(row->refreshed);
		/* A user-stack sample may wait for a free mmap_lock. */
		unresolved = ctxscope_ustack_unresolved(row);
		if (!ran && !unresolved)
			continue;
		p = ctxscope_task_get(row);
		if (!p)
			continue;
		if (ran)
			kstack = ctxscope_kstack_refresh(row, p);
		if (unresolved)
			have_found = ctxscope_ustack_lookup(row, p, &found);
		ctxscope_refresh_commit(row, p, kstack,
					have_found ? &found : NULL, activity);
		put_task_struct(p);
		cond_resched();
	}
}

/* VmStk of each process, from the mm of one of its live threads. */
static void ctxscope_refresh_procs(void)
{
	const struct ctxscope_tables *t = &ctxscope_tables;
	u32 i;

	for (i = ctxscope_next_proc(0); i < t->capacity;
	     i = ctxscope_next_proc(i + 1)) {
		struct ctxscope_process *proc = &t->procs[i];
		struct task_struct *p = NULL;
		struct ctxscope_task *row;
		struct mm_struct *mm;

		if (!READ_ONCE(proc->key))
			continue;
		rcu_read_lock();
		row = list_first_or_null_rcu(&proc->tasks, struct ctxscope_task,
					     siblings);
		if (row)
			p = ctxscope_task_get(row);
		rcu_read_unlock();
		if (!p)
			continue;
		mm = get_task_mm(p);
		if (mm) {
			WRITE_ONCE(proc->vm_stack_kb,
				   READ_ONCE(mm->stack_vm) << (PAGE_SHIFT - 10));
			mmput(mm);
		}
		put_task_struct(p);
		cond_resched();
	}
}

void ctxscope_refresh(bool privileged, bool procs)
{
	/* Someone is refreshing: what they find serves this reader too. */
	if (!mutex_trylock(&ctxscope_refresh_lock))
		return;
	if (privileged || !ctxscope_refresh_count ||
	    time_after_eq(jiffies, ctxscope_refresh_last + HZ)) {
		ctxscope_refresh_last = jiffies;
		WRITE_ONCE(ctxscope_refresh_count, ctxscope_refresh_count + 1);
		ctxscope_refresh_tasks();
		if (procs)
			ctxscope_refresh_procs();
	}
	mutex_unlock(&ctxscope_refresh_lock);
}
