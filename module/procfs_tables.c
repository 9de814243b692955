// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ctxscope/tasks, processes, cgroups and exited: one row per
 * tracked task, process, cgroup or exited process, generated with
 * seq_file one row at a time, so that tens of thousands of rows stream
 * without a large allocation.
 *
 * The first read() of a file starts with a refresh (refresh.c). Rows are
 * printed inside an RCU read-side section, so that rows removed
 * meanwhile are not reused under the reader; processes and cgroups also
 * hold folds and moves off (lifecycle.h) for the rows of one read(), so
 * that each process or cgroup sums every task exactly once.
 */
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "cgroup_table.h"
#include "exit_log.h"
#include "lifecycle.h"
#include "procfs_tables.h"
#include "refresh.h"
#include "row_text.h"
#include "task_table.h"
#include "tlb.h"

enum ctxscope_kind {
	CTXSCOPE_TASKS,
	CTXSCOPE_PROCS,
	CTXSCOPE_CGROUPS,
};

/* Which table a file shows: the data it was created with. */
static enum ctxscope_kind ctxscope_kind_of(struct seq_file *m)
{
	return (enum ctxscope_kind)(unsigned long)pde_data(file_inode(m->file));
}

static u32 ctxscope_capacity(enum ctxscope_kind kind)
{
	return kind == CTXSCOPE_CGROUPS ? ctxscope_cgroups.capacity :
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
		return READ_ONCE(ctxscope_cgroups.rows[i].key) ?
		       &ctxscope_cgroups.rows[i] : NULL;
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

/* Whether printing a kind sums over a membership list. */
static bool ctxscope_kind_holds(enum ctxscope_kind kind)
{
	return kind != CTXSCOPE_TASKS;
}

static void *ctxscope_table_start(struct seq_file *m, loff_t *pos)
	__acquires(RCU)
{
	enum ctxscope_kind kind = ctxscope_kind_of(m);
	int ret;

	if (*pos == 0)
		ctxscope_refresh(ns_capable_noaudit(&init_user_ns,
						    CAP_SYS_ADMIN),
				 kind != CTXSCOPE_TASKS);
	if (ctxscope_kind_holds(kind)) {
		ret = ctxscope_hold_begin();
		if (ret) {
			/* stop() is called all the same: keep RCU balanced. */
			rcu_read_lock();
			return ERR_PTR(ret);
		}
	}
	/* Until stop(): rows removed meanwhile are not reused. */
	rcu_read_lock();
	if (*pos == 0)
		return SEQ_START_TOKEN;
	return ctxscope_rows_from(*pos - 1, pos, kind);
}

static void *ctxscope_table_next(struct seq_file *m, void *v, loff_t *pos)
{
	return ctxscope_rows_from(*pos, pos, ctxscope_kind_of(m));
}

static void ctxscope_table_stop(struct seq_file *m, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
	if (ctxscope_kind_holds(ctxscope_kind_of(m)) && !IS_ERR(v))
		ctxscope_hold_end();
}

static void ctxscope_show_count_header(struct seq_file *m)
{
	seq_puts(m, " switches voluntary involuntary to_process to_thread to_kernel to_idle migrations");
	if (ctxscope_tlb_available())
		seq_puts(m, " tlb_switch_flush tlb_ipi_sent");
}

static int ctxscope_tasks_show(struct seq_file *m, void *v)
{
	const struct ctxscope_task *row = v;
	u64 count[CTXSCOPE_NR_SUM_COUNTERS];
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
	threads = ctxscope_proc_sum(proc, &sums);
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
	processes = ctxscope_cgroup_sum(cg, &sums);
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
	.stop	= ctxscope_table_stop,
	.show	= ctxscope_table_show,
};

/*
 * exited: positions are seqs: 0 is the header, n the record numbered n
 * or, if it was overwritten, the oldest one kept. The record is copied
 * into the reader's private buffer, so show() prints a stable copy.
 */
static void *ctxscope_exited_at(struct seq_file *m, loff_t *pos)
{
	struct ctxscope_exit_record *copy = m->private;
	u64 seq = *pos;

	if (!ctxscope_exit_log_copy(&seq, copy))
		return NULL;
	*pos = seq;
	return copy;
}

static void *ctxscope_exited_start(struct seq_file *m, loff_t *pos)
{
	return *pos == 0 ? SEQ_START_TOKEN : ctxscope_exited_at(m, pos);
}

static void *ctxscope_exited_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return ctxscope_exited_at(m, pos);
}

static void ctxscope_exited_stop(struct seq_file *m, void *v)
{
}

static int ctxscope_exited_show(struct seq_file *m, void *v)
{
	const struct ctxscope_exit_record *rec = v;
	struct ctxscope_row_text text, *t = &text;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "seq exit_ns tgid ppid cgroup threads");
		ctxscope_show_count_header(m);
		seq_puts(m, " kstack_max ustack_max vm_stack_kb comm\n");
		return 0;
	}
	ctxscope_row_begin(t);
	ctxscope_row_u64(t, rec->seq);
	ctxscope_row_u64(t, rec->exit_ns);
	ctxscope_row_s64(t, rec->tgid);
	ctxscope_row_s64(t, rec->ppid);
	ctxscope_row_u64(t, rec->cgroup);
	ctxscope_row_u64(t, rec->threads);
	ctxscope_row_counts(t, rec->sums.count);
	ctxscope_row_u64(t, rec->sums.kstack_max);
	ctxscope_row_u64(t, rec->sums.ustack_max);
	ctxscope_row_u64(t, rec->vm_stack_kb);
	ctxscope_row_end(m, t, rec->comm);
	return 0;
}

static const struct seq_operations ctxscope_exited_seq_ops = {
	.start	= ctxscope_exited_start,
	.next	= ctxscope_exited_next,
	.stop	= ctxscope_exited_stop,
	.show	= ctxscope_exited_show,
};

bool ctxscope_procfs_create_tables(struct proc_dir_entry *dir, umode_t mode)
{
	return proc_create_seq_data("tasks", mode, dir, &ctxscope_table_seq_ops,
				    (void *)CTXSCOPE_TASKS) &&
	       proc_create_seq_data("processes", mode, dir,
				    &ctxscope_table_seq_ops,
				    (void *)CTXSCOPE_PROCS) &&
	       proc_create_seq_data("cgroups", mode, dir,
				    &ctxscope_table_seq_ops,
				    (void *)CTXSCOPE_CGROUPS) &&
	       proc_create_seq_private("exited", mode, dir,
				       &ctxscope_exited_seq_ops,
				       sizeof(struct ctxscope_exit_record),
				       NULL);
}
