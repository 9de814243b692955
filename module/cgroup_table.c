// SPDX-License-Identifier: GPL-2.0
/*
 * Per-cgroup aggregation: what the processes of each cgroup v2 group did,
 * including processes already gone, for /proc/ctxscope/cgroups (and
 * `ctxscope stat`, which runs its command in a cgroup of its own).
 *
 * A process is counted in the cgroup it is in now, or was in when it
 * exited: its whole history moves with it when it migrates (threaded
 * cgroups are followed per process, by their leader). A cgroup row is
 * created when a tracked process enters the cgroup and removed once the
 * cgroup is removed (rmdir) and none of its processes has a row left, so
 * the totals of a finished job stay readable until its cgroup goes.
 *
 * Same rules as task_table.c: rows change under ctxscope_table_lock,
 * readers walk them under RCU, a removed row is reused after a grace
 * period.
 */
#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/vmalloc.h>
#include <trace/events/cgroup.h>

#include "compat.h"
#include "task_table.h"

/* Protected by ctxscope_table_lock. */
static u32 ctxscope_free_cg;
static u32 ctxscope_nr_cgroups;
static u64 ctxscope_cg_dropped;

int ctxscope_cgroups_init(unsigned int capacity)
{
	struct ctxscope_tables *t = &ctxscope_tables;
	u32 i;

	if (!capacity)
		return 0;
	t->cg_hash_bits = ilog2(roundup_pow_of_two(capacity)) + 1;
	t->cg_hash = vzalloc(array_size(1UL << t->cg_hash_bits, sizeof(u32)));
	t->cgroups = vzalloc(array_size(capacity, sizeof(*t->cgroups)));
	t->cgroups_used = vzalloc(BITS_TO_LONGS(capacity) * sizeof(long));
	if (!t->cg_hash || !t->cgroups || !t->cgroups_used) {
		ctxscope_cgroups_free();
		return -ENOMEM;
	}
	t->cg_capacity = capacity;
	for (i = 0; i < capacity; i++) {
		t->cgroups[i].next = i + 2 <= capacity ? i + 2 : CTXSCOPE_NO_ROW;
		seqcount_init(&t->cgroups[i].seq);
	}
	ctxscope_free_cg = 1;
	ctxscope_nr_cgroups = 0;
	ctxscope_cg_dropped = 0;
	return 0;
}

void ctxscope_cgroups_free(void)
{
	struct ctxscope_tables *t = &ctxscope_tables;

	vfree(t->cg_hash);
	vfree(t->cgroups);
	vfree(t->cgroups_used);
	t->cg_hash = NULL;
	t->cgroups = NULL;
	t->cgroups_used = NULL;
	t->cg_capacity = 0;
}

size_t ctxscope_cgroups_bytes(void)
{
	const struct ctxscope_tables *t = &ctxscope_tables;

	if (!t->cg_capacity)
		return 0;
	return (sizeof(u32) << t->cg_hash_bits) +
	       t->cg_capacity * sizeof(*t->cgroups) +
	       BITS_TO_LONGS(t->cg_capacity) * sizeof(long);
}

u32 ctxscope_cgroups_tracked(void)
{
	return READ_ONCE(ctxscope_nr_cgroups);
}

u64 ctxscope_cgroups_dropped(void)
{
	return READ_ONCE(ctxscope_cg_dropped);
}

/* Table lock held; the epoch of the rows' sums is reset lazily. */
void ctxscope_cgroups_reset(void)
{
	WRITE_ONCE(ctxscope_cg_dropped, 0);
}

static u32 *ctxscope_cg_head(u64 id)
{
	return &ctxscope_tables.cg_hash[hash_64(id, ctxscope_tables.cg_hash_bits)];
}

static u32 ctxscope_cg_lookup(u64 id)
{
	u32 row = READ_ONCE(*ctxscope_cg_head(id));

	while (row != CTXSCOPE_NO_ROW && READ_ONCE(ctxscope_cg_row(row)->key) != id)
		row = READ_ONCE(ctxscope_cg_row(row)->next);
	return row;
}

/* The row of cgroup id, created if needed, or NO_ROW if the table is full. */
static u32 ctxscope_cg_get(u64 id)
{
	struct ctxscope_cgroup *cg;
	u32 row = ctxscope_cg_lookup(id), *head;

	if (row != CTXSCOPE_NO_ROW)
		return row;
	row = ctxscope_free_cg;
	if (row == CTXSCOPE_NO_ROW) {
		ctxscope_cg_dropped++;
		return CTXSCOPE_NO_ROW;
	}
	cg = ctxscope_cg_row(row);
	ctxscope_free_cg = cg->next;
	cg->processes = 0;
	cg->processes_exited = 0;
	cg->epoch = ctxscope_tables.epoch;
	cg->removed = false;
	INIT_LIST_HEAD(&cg->procs);
	memset(&cg->exited, 0, sizeof(cg->exited));
	WRITE_ONCE(cg->key, id);
	head = ctxscope_cg_head(id);
	cg->next = *head;
	/* Publish the row only once it is complete: lookups are lockless. */
	smp_store_release(head, row);
	set_bit(row - 1, ctxscope_tables.cgroups_used);
	ctxscope_nr_cgroups++;
	return row;
}

static void ctxscope_cg_row_free_rcu(struct rcu_head *rcu)
{
	struct ctxscope_cgroup *cg = container_of(rcu, struct ctxscope_cgroup,
						  rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	cg->next = ctxscope_free_cg;
	ctxscope_free_cg = cg - ctxscope_tables.cgroups + 1;
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

/* Removes a cgroup row that has nothing left to show. Table lock held. */
static void ctxscope_cg_put(u32 row)
{
	struct ctxscope_cgroup *cg = ctxscope_cg_row(row);
	u32 *link;

	if (!cg->removed || cg->processes)
		return;
	/* An unlinked row keeps ->next for readers standing on it. */
	for (link = ctxscope_cg_head(cg->key); *link != row;
	     link = &ctxscope_cg_row(*link)->next)
		;
	WRITE_ONCE(*link, cg->next);
	WRITE_ONCE(cg->key, 0);
	clear_bit(row - 1, ctxscope_tables.cgroups_used);
	ctxscope_nr_cgroups--;
	call_rcu(&cg->rcu, ctxscope_cg_row_free_rcu);
}

/*
 * Moves a live process, with its history, to cgroup id. Table lock held.
 * The row goes onto the new list without waiting for a grace period: a
 * reader of the old list standing on it follows it into the new one, and
 * only the old cgroup's seqcount, bumped before the relink, tells it so
 * (ctxscope_cgroup_sum()).
 */
void ctxscope_proc_set_cgroup(struct ctxscope_process *proc, u64 id)
{
	struct ctxscope_cgroup *cg;
	u32 old = proc->cg;

	if (proc->cgroup == id && old != CTXSCOPE_NO_ROW)
		return;
	if (old != CTXSCOPE_NO_ROW) {
		cg = ctxscope_cg_row(old);
		write_seqcount_begin(&cg->seq);
		list_del_rcu(&proc->cg_siblings);
		cg->processes--;
		write_seqcount_end(&cg->seq);
	}
	WRITE_ONCE(proc->cgroup, id);
	proc->cg = ctxscope_tables.cg_capacity ? ctxscope_cg_get(id) :
						 CTXSCOPE_NO_ROW;
	if (proc->cg != CTXSCOPE_NO_ROW) {
		cg = ctxscope_cg_row(proc->cg);
		write_seqcount_begin(&cg->seq);
		list_add_tail_rcu(&proc->cg_siblings, &cg->procs);
		cg->processes++;
		write_seqcount_end(&cg->seq);
	}
	if (old != CTXSCOPE_NO_ROW && old != proc->cg)
		ctxscope_cg_put(old);
}

/* A process is gone: its totals stay with its cgroup. Table lock held. */
void ctxscope_proc_leave_cgroup(struct ctxscope_process *proc)
{
	struct ctxscope_cgroup *cg;
	u32 row = proc->cg;

	if (row == CTXSCOPE_NO_ROW)
		return;
	cg = ctxscope_cg_row(row);
	write_seqcount_begin(&cg->seq);
	ctxscope_sums_fold(&cg->exited, &cg->epoch, &proc->exited,
			   proc->epoch == ctxscope_tables.epoch);
	list_del_rcu(&proc->cg_siblings);
	cg->processes--;
	cg->processes_exited++;
	write_seqcount_end(&cg->seq);
	proc->cg = CTXSCOPE_NO_ROW;
	ctxscope_cg_put(row);
}

/* What a cgroup's processes did, past and present. RCU read lock held. */
void ctxscope_cgroup_sum(const struct ctxscope_cgroup *cg,
			 struct ctxscope_sums *sums, u32 *processes)
{
	const struct ctxscope_process *proc;
	struct ctxscope_sums one;
	unsigned int seq;
	u32 threads;

	do {
		seq = read_seqcount_begin(&cg->seq);
		memset(sums, 0, sizeof(*sums));
		*processes = READ_ONCE(cg->processes);
		ctxscope_sums_add(sums, &cg->exited,
				  READ_ONCE(cg->epoch) ==
				  READ_ONCE(ctxscope_tables.epoch));
		list_for_each_entry_rcu(proc, &cg->procs, cg_siblings) {
			/*
			 * A process that moved meanwhile is on its new
			 * cgroup's list at once (no grace period), so proc
			 * may be that list's head, not a process. The move
			 * bumped our seqcount before relinking it
			 * (ctxscope_proc_set_cgroup()): start again.
			 */
			if (read_seqcount_retry(&cg->seq, seq))
				break;
			ctxscope_proc_sum(proc, &one, &threads);
			ctxscope_sums_add(sums, &one, true);
		}
	} while (read_seqcount_retry(&cg->seq, seq));
}

/* After a task moved; for a whole thread group, task is its leader. */
void ctxscope_probe_cgroup_attach(void *data, struct cgroup *dst,
				  const char *path, struct task_struct *task,
				  bool threadgroup)
{
	struct ctxscope_task *row;
	unsigned long flags;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	row = ctxscope_task_lookup(task);
	if (row)
		ctxscope_proc_set_cgroup(ctxscope_proc_row(row->proc),
					 cgroup_id(dst));
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

void ctxscope_probe_cgroup_rmdir(void *data, struct cgroup *cgrp,
				 const char *path)
{
	unsigned long flags;
	u32 row;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	row = ctxscope_tables.cg_capacity ? ctxscope_cg_lookup(cgroup_id(cgrp)) :
					    CTXSCOPE_NO_ROW;
	if (row != CTXSCOPE_NO_ROW) {
		ctxscope_cg_row(row)->removed = true;
		ctxscope_cg_put(row);
	}
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

ctxscope_assert_probe(cgroup_attach_task, ctxscope_probe_cgroup_attach);
ctxscope_assert_probe(cgroup_rmdir, ctxscope_probe_cgroup_rmdir);
