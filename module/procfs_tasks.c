// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ctxscope/tasks, processes and cgroups: one row per tracked task,
 * process or cgroup, generated with seq_file one row at a time, so that
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
#include <linux/proc_fs.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>

#include "ctxscope.h"
#include "kstack.h"
#include "row_text.h"
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

enum ctxscope_kind {
	CTXSCOPE_TASKS,
	CTXSCOPE_PROCS,
	CTXSCOPE_CGROUPS,
};

static u32 ctxscope_capacity(enum ctxscope_kind kind)
{
	return kind == CTXSCOPE_CGROUPS ? ctxscope_tables.cg_capacity :
					  ctxscope_tables.capacity;
}

static u32 ctxscope_next_row(u32 from, enum ctxscope_kind kind)
{
	switch (kind) {
	case CTXSCOPE_TASKS:
		return ctxscope_next_task(from);
	case CTXSCOPE_PROCS:
		return ctxscope_next_proc(from);
	default:
		return ctxscope_next_cgroup(from);
	}
}

/* The row at index i of a table, or NULL if it is free. */
static void *ctxscope_row_at(u32 i, enum ctxscope_kind kind)
{
	const struct ctxscope_tables *t = &ctxscope_tables;

	switch (kind) {
	case CTXSCOPE_TASKS:
		return READ_ONCE(t->tasks[i].task) ? &t->tasks[i] : NULL;
	case CTXSCOPE_PROCS:
		return READ_ONCE(t->procs[i].key) ? &t->procs[i] : NULL;
	default:
		return READ_ONCE(t->cgroups[i].key) ? &t->cgroups[i] : NULL;
	}
}

/*
 * Positions: 0 is the header, i + 1 the row at index i. Finds the first
 * used row at index from or after it and moves the position there.
 */
static void *ctxscope_rows_from(loff_t from, loff_t *pos,
				enum ctxscope_kind kind)
{
	u32 cap = ctxscope_capacity(kind), i;
	void *row;

	for (i = from < cap ? ctxscope_next_row(from, kind) : cap; i < cap;
	     i = ctxscope_next_row(i + 1, kind)) {
		row = ctxscope_row_at(i, kind);
		if (row) {
			*pos = i + 1;
			return row;
		}
	}
	*pos = (loff_t)cap + 1;
	return NULL;
}

static void *ctxscope_rows_start(loff_t *pos, enum ctxscope_kind kind)
	__acquires(RCU)
{
	if (*pos == 0) {
		mutex_lock(&ctxscope_refresh_lock);
		ctxscope_refresh_tasks();
		if (kind != CTXSCOPE_TASKS)
			ctxscope_refresh_procs();
		mutex_unlock(&ctxscope_refresh_lock);
	}
	/* Until stop(): rows removed meanwhile are not reused. */
	rcu_read_lock();
	if (*pos == 0)
		return SEQ_START_TOKEN;
	return ctxscope_rows_from(*pos - 1, pos, kind);
}

static void ctxscope_rows_stop(struct seq_file *m, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

void ctxscope_show_count_header(struct seq_file *m)
{
	seq_puts(m, " switches voluntary involuntary to_process to_thread to_kernel to_idle migrations");
	if (ctxscope_tlb_available())
		seq_puts(m, " tlb_switch_flush tlb_ipi_sent");
}

static int ctxscope_tasks_show(struct seq_file *m, void *v)
{
	const struct ctxscope_task *row = v;
	u64 count[CTXSCOPE_NR_TASK_COUNTERS];
	struct ctxscope_row_text text, *t = &text;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "pid tgid");
		ctxscope_show_count_header(m);
		seq_puts(m, " kstack_max ustack_max comm\n");
		return 0;
	}
	ctxscope_task_snapshot(row, count);
	ctxscope_row_begin(t);
	ctxscope_row_s64(t, READ_ONCE(row->pid));
	ctxscope_row_s64(t, READ_ONCE(row->tgid));
	ctxscope_row_counts(t, count);
	ctxscope_row_u64(t, READ_ONCE(row->kstack_max));
	ctxscope_row_u64(t, READ_ONCE(row->ustack_max));
	ctxscope_row_end(m, t, row->comm);
	return 0;
}

static int ctxscope_processes_show(struct seq_file *m, void *v)
{
	const struct ctxscope_process *proc = v;
	struct ctxscope_row_text text, *t = &text;
	struct ctxscope_sums sums;
	u32 threads;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "tgid ppid cgroup threads threads_exited");
		ctxscope_show_count_header(m);
		seq_puts(m, " kstack_max ustack_max vm_stack_kb comm\n");
		return 0;
	}
	ctxscope_proc_sum(proc, &sums, &threads);
	ctxscope_row_begin(t);
	ctxscope_row_s64(t, READ_ONCE(proc->tgid));
	ctxscope_row_s64(t, READ_ONCE(proc->ppid));
	ctxscope_row_u64(t, READ_ONCE(proc->cgroup));
	ctxscope_row_u64(t, threads);
	ctxscope_row_u64(t, READ_ONCE(proc->threads_exited));
	ctxscope_row_counts(t, sums.count);
	ctxscope_row_u64(t, sums.kstack_max);
	ctxscope_row_u64(t, sums.ustack_max);
	ctxscope_row_u64(t, READ_ONCE(proc->vm_stack_kb));
	ctxscope_row_end(m, t, proc->comm);
	return 0;
}

static int ctxscope_cgroups_show(struct seq_file *m, void *v)
{
	const struct ctxscope_cgroup *cg = v;
	struct ctxscope_row_text text, *t = &text;
	struct ctxscope_sums sums;
	u32 processes;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "cgroup processes processes_exited");
		ctxscope_show_count_header(m);
		seq_puts(m, " kstack_max ustack_max\n");
		return 0;
	}
	ctxscope_cgroup_sum(cg, &sums, &processes);
	ctxscope_row_begin(t);
	ctxscope_row_u64(t, READ_ONCE(cg->key));
	ctxscope_row_u64(t, processes);
	ctxscope_row_u64(t, READ_ONCE(cg->processes_exited));
	ctxscope_row_counts(t, sums.count);
	ctxscope_row_u64(t, sums.kstack_max);
	ctxscope_row_u64(t, sums.ustack_max);
	ctxscope_row_end(m, t, NULL);
	return 0;
}

/* Which table a file shows: the data it was created with. */
static enum ctxscope_kind ctxscope_kind_of(struct seq_file *m)
{
	return (enum ctxscope_kind)(unsigned long)pde_data(file_inode(m->file));
}

static void *ctxscope_table_start(struct seq_file *m, loff_t *pos)
	__acquires(RCU)
{
	return ctxscope_rows_start(pos, ctxscope_kind_of(m));
}

static void *ctxscope_table_next(struct seq_file *m, void *v, loff_t *pos)
{
	return ctxscope_rows_from(*pos, pos, ctxscope_kind_of(m));
}

static int ctxscope_table_show(struct seq_file *m, void *v)
{
	switch (ctxscope_kind_of(m)) {
	case CTXSCOPE_TASKS:
		return ctxscope_tasks_show(m, v);
	case CTXSCOPE_PROCS:
		return ctxscope_processes_show(m, v);
	default:
		return ctxscope_cgroups_show(m, v);
	}
}

static const struct seq_operations ctxscope_table_seq_ops = {
	.start	= ctxscope_table_start,
	.next	= ctxscope_table_next,
	.stop	= ctxscope_rows_stop,
	.show	= ctxscope_table_show,
};

/* tasks, processes and cgroups, with the mode of the tasks_mode parameter. */
bool ctxscope_procfs_create_tables(struct proc_dir_entry *dir, umode_t mode)
{
	return proc_create_seq_data("tasks", mode, dir, &ctxscope_table_seq_ops,
				    (void *)CTXSCOPE_TASKS) &&
	       proc_create_seq_data("processes", mode, dir,
				    &ctxscope_table_seq_ops,
				    (void *)CTXSCOPE_PROCS) &&
	       proc_create_seq_data("cgroups", mode, dir,
				    &ctxscope_table_seq_ops,
				    (void *)CTXSCOPE_CGROUPS);
}
