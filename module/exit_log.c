// SPDX-License-Identifier: GPL-2.0
/*
 * The exit log: what each process did, recorded when it leaves the table
 * (its last thread freed), in a preallocated ring shown as
 * /proc/ctxscope/exited. It lets `ctxscope stat` report every process of
 * a command's tree, including those that exited before it looked.
 *
 * Records are numbered from 1 (seq); the ring keeps the newest
 * exit_log records. A reader that remembers the last seq it saw detects
 * records it missed as a gap. Records are written under
 * ctxscope_table_lock, and a reader copies each one under it.
 */
#include <linux/ktime.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "row_text.h"
#include "task_table.h"
#include "tlb.h"

struct ctxscope_exit_record {
	u64 seq;
	u64 exit_ns;			/* CLOCK_MONOTONIC */
	u64 cgroup;
	pid_t tgid;
	pid_t ppid;
	u32 threads;
	u32 vm_stack_kb;
	struct ctxscope_sums sums;
	char comm[TASK_COMM_LEN];
};

/* Protected by ctxscope_table_lock. */
static struct ctxscope_exit_record *ctxscope_ring;
static u32 ctxscope_ring_size;
static u64 ctxscope_ring_written;

int ctxscope_exit_log_init(unsigned int capacity)
{
	ctxscope_ring_written = 0;
	ctxscope_ring_size = 0;
	if (!capacity)
		return 0;
	ctxscope_ring = vzalloc(array_size(capacity, sizeof(*ctxscope_ring)));
	if (!ctxscope_ring)
		return -ENOMEM;
	ctxscope_ring_size = capacity;
	return 0;
}

void ctxscope_exit_log_free(void)
{
	vfree(ctxscope_ring);
	ctxscope_ring = NULL;
	ctxscope_ring_size = 0;
}

size_t ctxscope_exit_log_bytes(void)
{
	return (size_t)ctxscope_ring_size * sizeof(*ctxscope_ring);
}

u64 ctxscope_exit_log_written(void)
{
	return READ_ONCE(ctxscope_ring_written);
}

/* Table lock held; proc's threads have all been folded into it. */
void ctxscope_exit_log_add(const struct ctxscope_process *proc)
{
	struct ctxscope_exit_record *rec;

	if (!ctxscope_ring_size)
		return;
	rec = &ctxscope_ring[ctxscope_ring_written % ctxscope_ring_size];
	memset(rec, 0, sizeof(*rec));
	rec->exit_ns = ktime_get_ns();
	rec->cgroup = proc->cgroup;
	rec->tgid = proc->tgid;
	rec->ppid = proc->ppid;
	rec->threads = proc->threads_exited;
	rec->vm_stack_kb = proc->vm_stack_kb;
	ctxscope_sums_add(&rec->sums, &proc->exited,
			  proc->epoch == ctxscope_tables.epoch);
	memcpy(rec->comm, proc->comm, sizeof(rec->comm));
	rec->seq = ++ctxscope_ring_written;
}

/*
 * Positions are seqs: 0 is the header, n the record numbered n or, if it
 * was overwritten, the oldest one kept. The record is copied into the
 * reader's private buffer, so show() prints a stable copy.
 */
static void *ctxscope_exited_at(struct seq_file *m, loff_t *pos)
{
	struct ctxscope_exit_record *copy = m->private;
	unsigned long flags;
	u64 oldest, seq;
	void *v = NULL;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	oldest = ctxscope_ring_written > ctxscope_ring_size ?
		 ctxscope_ring_written - ctxscope_ring_size + 1 : 1;
	seq = max_t(u64, *pos, oldest);
	if (ctxscope_ring_size && seq <= ctxscope_ring_written) {
		*copy = ctxscope_ring[(seq - 1) % ctxscope_ring_size];
		*pos = seq;
		v = copy;
	}
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
	return v;
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

const struct seq_operations ctxscope_exited_seq_ops = {
	.start	= ctxscope_exited_start,
	.next	= ctxscope_exited_next,
	.stop	= ctxscope_exited_stop,
	.show	= ctxscope_exited_show,
};

/* Private buffer size for proc_create_seq_private(). */
const unsigned int ctxscope_exited_private_size =
	sizeof(struct ctxscope_exit_record);
