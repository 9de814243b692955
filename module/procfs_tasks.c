// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ctxscope/tasks and /proc/ctxscope/processes: one row per tracked
 * task or process, generated with seq_file one row at a time, so that
 * tens of thousands of rows stream without a large allocation.
 *
 * A read starts with a refresh pass in process context (it may sleep):
 * it extends the kernel stack marks of the tasks and places the user
 * stack samples the switch probe could not (kstack.c, ustack.c). The rows
 * are then printed inside an RCU read-side section: rows removed meanwhile
 * are not reused before it ends.
 */
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>

#include "ctxscope.h"
#include "kstack.h"
#include "task_table.h"
#include "tlb.h"
#include "ustack.h"

/* One refresh at a time; concurrent readers would only repeat it. */
static DEFINE_MUTEX(ctxscope_refresh_lock);

static void ctxscope_refresh_tasks(void)
{
	const struct ctxscope_tables *t = &ctxscope_tables;
	u32 i;

	for (i = ctxscope_next_task(0); i < t->capacity;
	     i = ctxscope_next_task(i + 1)) {
		struct ctxscope_task *row = &t->tasks[i];
		struct task_struct *p;

		if (!READ_ONCE(row->task))
			continue;
		/*
		 * A task that has not run since the last refresh cannot have
		 * gone deeper, and has no new user stack sample to place.
		 */
		if (READ_ONCE(row->refreshed) == READ_ONCE(row->samples))
			continue;
		WRITE_ONCE(row->refreshed, READ_ONCE(row->samples));
		p = ctxscope_task_get(row);
		if (!p)
			continue;
		ctxscope_kstack_refresh(row, p);
		ctxscope_ustack_resolve(row, p);
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

/*
 * Positions: 0 is the header, i + 1 the row at index i. Finds the first
 * used row at index from or after it and moves the position there.
 */
static u32 ctxscope_next_row(u32 from, bool procs)
{
	return procs ? ctxscope_next_proc(from) : ctxscope_next_task(from);
}

/* The row at index i of the task or process table, or NULL if free. */
static void *ctxscope_row_at(u32 i, bool procs)
{
	const struct ctxscope_tables *t = &ctxscope_tables;

	if (procs)
		return READ_ONCE(t->procs[i].key) ? &t->procs[i] : NULL;
	return READ_ONCE(t->tasks[i].task) ? &t->tasks[i] : NULL;
}

static void *ctxscope_rows_from(loff_t from, loff_t *pos, bool procs)
{
	u32 cap = ctxscope_tables.capacity, i;
	void *row;

	for (i = from < cap ? ctxscope_next_row(from, procs) : cap; i < cap;
	     i = ctxscope_next_row(i + 1, procs)) {
		row = ctxscope_row_at(i, procs);
		if (row) {
			*pos = i + 1;
			return row;
		}
	}
	*pos = (loff_t)cap + 1;
	return NULL;
}

static void *ctxscope_rows_start(loff_t *pos, bool procs)
	__acquires(RCU)
{
	if (*pos == 0) {
		mutex_lock(&ctxscope_refresh_lock);
		ctxscope_refresh_tasks();
		if (procs)
			ctxscope_refresh_procs();
		mutex_unlock(&ctxscope_refresh_lock);
	}
	/* Until stop(): rows removed meanwhile are not reused. */
	rcu_read_lock();
	if (*pos == 0)
		return SEQ_START_TOKEN;
	return ctxscope_rows_from(*pos - 1, pos, procs);
}

static void *ctxscope_tasks_start(struct seq_file *m, loff_t *pos)
	__acquires(RCU)
{
	return ctxscope_rows_start(pos, false);
}

static void *ctxscope_procs_start(struct seq_file *m, loff_t *pos)
	__acquires(RCU)
{
	return ctxscope_rows_start(pos, true);
}

static void *ctxscope_tasks_next(struct seq_file *m, void *v, loff_t *pos)
{
	return ctxscope_rows_from(*pos, pos, false);
}

static void *ctxscope_procs_next(struct seq_file *m, void *v, loff_t *pos)
{
	return ctxscope_rows_from(*pos, pos, true);
}

static void ctxscope_rows_stop(struct seq_file *m, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

/* switches ... tlb_ipi_sent, as in the header, from a counter snapshot. */
static void ctxscope_show_counts(struct seq_file *m,
				 const u64 count[CTXSCOPE_NR_TASK_COUNTERS])
{
	u64 switches = count[CTXSCOPE_TO_PROCESS] + count[CTXSCOPE_TO_THREAD] +
		       count[CTXSCOPE_TO_KERNEL] + count[CTXSCOPE_TO_IDLE];

	seq_printf(m, " %llu %llu %llu %llu %llu %llu %llu %llu", switches,
		   count[CTXSCOPE_TASK_VOLUNTARY],
		   switches - count[CTXSCOPE_TASK_VOLUNTARY],
		   count[CTXSCOPE_TO_PROCESS], count[CTXSCOPE_TO_THREAD],
		   count[CTXSCOPE_TO_KERNEL], count[CTXSCOPE_TO_IDLE],
		   count[CTXSCOPE_TASK_MIGRATIONS]);
	if (ctxscope_tlb_available())
		seq_printf(m, " %llu %llu", count[CTXSCOPE_TASK_TLB_FLUSH_IN],
			   count[CTXSCOPE_TASK_TLB_IPI_SENT]);
}

static void ctxscope_show_count_header(struct seq_file *m)
{
	seq_puts(m, " switches voluntary involuntary to_process to_thread to_kernel to_idle migrations");
	if (ctxscope_tlb_available())
		seq_puts(m, " tlb_switch_flush tlb_ipi_sent");
}

static void ctxscope_show_comm(struct seq_file *m, const char *comm)
{
	char name[TASK_COMM_LEN];

	/* The row may be renamed meanwhile: print a terminated copy. */
	strscpy(name, comm, sizeof(name));
	seq_putc(m, ' ');
	seq_escape(m, name, " \t\n\\");
	seq_putc(m, '\n');
}

static int ctxscope_tasks_show(struct seq_file *m, void *v)
{
	const struct ctxscope_task *row = v;
	u64 count[CTXSCOPE_NR_TASK_COUNTERS];

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "pid tgid");
		ctxscope_show_count_header(m);
		seq_puts(m, " kstack_max ustack_max comm\n");
		return 0;
	}
	ctxscope_task_snapshot(row, count);
	seq_printf(m, "%d %d", READ_ONCE(row->pid), READ_ONCE(row->tgid));
	ctxscope_show_counts(m, count);
	seq_printf(m, " %u %u", READ_ONCE(row->kstack_max),
		   READ_ONCE(row->ustack_max));
	ctxscope_show_comm(m, row->comm);
	return 0;
}

static int ctxscope_procs_show(struct seq_file *m, void *v)
{
	const struct ctxscope_process *proc = v;
	u64 count[CTXSCOPE_NR_TASK_COUNTERS], one[CTXSCOPE_NR_TASK_COUNTERS];
	const struct ctxscope_task *row;
	u32 threads, kmax, umax;
	unsigned int seq;
	int i;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "tgid threads");
		ctxscope_show_count_header(m);
		seq_puts(m, " kstack_max ustack_max vm_stack_kb comm\n");
		return 0;
	}
	do {
		seq = read_seqcount_begin(&proc->seq);
		threads = READ_ONCE(proc->threads);
		kmax = READ_ONCE(proc->exited_kstack_max);
		umax = READ_ONCE(proc->exited_ustack_max);
		if (ctxscope_proc_counts_current(proc))
			for (i = 0; i < CTXSCOPE_NR_TASK_COUNTERS; i++)
				count[i] = READ_ONCE(proc->exited[i]);
		else
			memset(count, 0, sizeof(count));
		list_for_each_entry_rcu(row, &proc->tasks, siblings) {
			ctxscope_task_snapshot(row, one);
			for (i = 0; i < CTXSCOPE_NR_TASK_COUNTERS; i++)
				count[i] += one[i];
			kmax = max(kmax, READ_ONCE(row->kstack_max));
			umax = max(umax, READ_ONCE(row->ustack_max));
		}
	} while (read_seqcount_retry(&proc->seq, seq));

	seq_printf(m, "%d %u", READ_ONCE(proc->tgid), threads);
	ctxscope_show_counts(m, count);
	seq_printf(m, " %u %u %u", kmax, umax, READ_ONCE(proc->vm_stack_kb));
	ctxscope_show_comm(m, proc->comm);
	return 0;
}

const struct seq_operations ctxscope_tasks_seq_ops = {
	.start	= ctxscope_tasks_start,
	.next	= ctxscope_tasks_next,
	.stop	= ctxscope_rows_stop,
	.show	= ctxscope_tasks_show,
};

const struct seq_operations ctxscope_processes_seq_ops = {
	.start	= ctxscope_procs_start,
	.next	= ctxscope_procs_next,
	.stop	= ctxscope_rows_stop,
	.show	= ctxscope_procs_show,
};
