// SPDX-License-Identifier: GPL-2.0
/*
 * The per-cgroup table; see cgroup_table.h.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "cgroup_table.h"

struct ctxscope_cgroups ctxscope_cgroups __read_mostly;

/* Protected by ctxscope_table_lock. */
static u32 ctxscope_free_cg;
static u32 ctxscope_nr_cgroups;
static u64 ctxscope_cg_dropped;

static struct ctxscope_cgroup *ctxscope_cg_row(u32 id)
{
	return &ctxscope_cgroups.rows[id - 1];
}

int ctxscope_cgroups_init(unsigned int capacity)
{
	struct ctxscope_cgroups *t = &ctxscope_cgroups;
	u32 i;

	memset(t, 0, sizeof(*t));
	ctxscope_free_cg = CTXSCOPE_NO_ROW;
	ctxscope_nr_cgroups = 0;
	ctxscope_cg_dropped = 0;
	if (!capacity)
		return 0;
	t->hash_bits = ilog2(roundup_pow_of_two(capacity)) + 1;
	t->hash = vzalloc(array_size(1UL << t->hash_bits, sizeof(u32)));
	t->rows = vzalloc(array_size(capacity, sizeof(*t->rows)));
	t->used = vzalloc(BITS_TO_LONGS(capacity) * sizeof(long));
	if (!t->hash || !t->rows || !t->used) {
		ctxscope_cgroups_free();
		return -ENOMEM;
	}
	t->capacity = capacity;
	for (i = 0; i < capacity; i++)
		t->rows[i].next = i + 2 <= capacity ? i + 2 : CTXSCOPE_NO_ROW;
	ctxscope_free_cg = 1;
	return 0;
}

void ctxscope_cgroups_free(void)
{
	struct ctxscope_cgroups *t = &ctxscope_cgroups;

	vfree(t->hash);
	vfree(t->rows);
	vfree(t->used);
	memset(t, 0, sizeof(*t));
}

size_t ctxscope_cgroups_bytes(void)
{
	const struct ctxscope_cgroups *t = &ctxscope_cgroups;

	if (!t->capacity)
		return 0;
	return (sizeof(u32) << t->hash_bits) +
	       t->capacity * sizeof(*t->rows) +
	       BITS_TO_LONGS(t->capacity) * sizeof(long);
}

u32 ctxscope_cgroups_tracked(void)
{
	return READ_ONCE(ctxscope_nr_cgroups);
}

u64 ctxscope_cgroups_dropped(void)
{
	return READ_ONCE(ctxscope_cg_dropped);
}

void ctxscope_cgroups_reset_locked(void)
{
	lockdep_assert_held(&ctxscope_table_lock);
	WRITE_ONCE(ctxscope_cg_dropped, 0);
}

static u32 *ctxscope_cg_head(u64 id)
{
	return &ctxscope_cgroups.hash[hash_64(id, ctxscope_cgroups.hash_bits)];
}

static u32 ctxscope_cg_lookup(u64 id)
{
	u32 row = *ctxscope_cg_head(id);

	while (row != CTXSCOPE_NO_ROW && ctxscope_cg_row(row)->key != id)
		row = ctxscope_cg_row(row)->next;
	return row;
}

/* The row of group id, created if needed, or NO_ROW if the table is full. */
static u32 ctxscope_cg_get(u64 id, bool removed)
{
	struct ctxscope_cgroup *cg;
	u32 row = ctxscope_cg_lookup(id), *head;

	if (row != CTXSCOPE_NO_ROW)
		return row;
	row = ctxscope_free_cg;
	if (row == CTXSCOPE_NO_ROW) {
		WRITE_ONCE(ctxscope_cg_dropped, ctxscope_cg_dropped + 1);
		return CTXSCOPE_NO_ROW;
	}
	cg = ctxscope_cg_row(row);
	ctxscope_free_cg = cg->next;
	cg->processes = 0;
	cg->processes_exited = 0;
	cg->epoch = ctxscope_tables.epoch;
	/* A group removed before the module saw its rmdir goes when empty. */
	cg->removed = removed;
	INIT_LIST_HEAD(&cg->procs);
	memset(&cg->exited, 0, sizeof(cg->exited));
	WRITE_ONCE(cg->key, id);
	head = ctxscope_cg_head(id);
	cg->next = *head;
	/* Publish the row only once it is complete. */
	smp_store_release(head, row);
	set_bit(row - 1, ctxscope_cgroups.used);
	WRITE_ONCE(ctxscope_nr_cgroups, ctxscope_nr_cgroups + 1);
	return row;
}

static void ctxscope_cg_row_free_rcu(struct rcu_head *rcu)
{
	struct ctxscope_cgroup *cg = container_of(rcu, struct ctxscope_cgroup,
						  rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	cg->next = ctxscope_free_cg;
	ctxscope_free_cg = cg - ctxscope_cgroups.rows + 1;
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

/* Removes a cgroup row that has nothing left to show. */
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
	clear_bit(row - 1, ctxscope_cgroups.used);
	WRITE_ONCE(ctxscope_nr_cgroups, ctxscope_nr_cgroups - 1);
	call_rcu(&cg->rcu, ctxscope_cg_row_free_rcu);
}

/* Takes proc off its group's list, folding its sums there if it is gone. */
static void ctxscope_cg_unlink(struct ctxscope_process *proc, bool exited)
{
	struct ctxscope_cgroup *cg;
	u32 row = proc->cg;

	if (row == CTXSCOPE_NO_ROW)
		return;
	cg = ctxscope_cg_row(row);
	if (exited) {
		ctxscope_sums_fold(&cg->exited, &cg->epoch, &proc->exited,
				   ctxscope_epoch_current(proc->epoch));
		WRITE_ONCE(cg->processes_exited, cg->processes_exited + 1);
	}
	list_del_rcu(&proc->cg_siblings);
	WRITE_ONCE(cg->processes, cg->processes - 1);
	proc->cg = CTXSCOPE_NO_ROW;
	ctxscope_cg_put(row);
}

void ctxscope_cgroup_join_locked(struct ctxscope_process *proc, u64 id,
				 bool removed)
{
	struct ctxscope_cgroup *cg;
	u32 row;

	lockdep_assert_held(&ctxscope_table_lock);
	if (proc->cg != CTXSCOPE_NO_ROW && proc->cgroup == id)
		return;
	/* Its new row first: it must not be freed as the old one empties. */
	row = ctxscope_cgroups.capacity ? ctxscope_cg_get(id, removed) :
					  CTXSCOPE_NO_ROW;
	ctxscope_cg_unlink(proc, false);
	WRITE_ONCE(proc->cgroup, id);
	proc->cg = row;
	if (row == CTXSCOPE_NO_ROW)
		return;
	cg = ctxscope_cg_row(row);
	list_add_tail_rcu(&proc->cg_siblings, &cg->procs);
	WRITE_ONCE(cg->processes, cg->processes + 1);
}

void ctxscope_cgroup_leave_locked(struct ctxscope_process *proc)
{
	lockdep_assert_held(&ctxscope_table_lock);
	ctxscope_cg_unlink(proc, true);
}

void ctxscope_cgroup_removed_locked(u64 id)
{
	u32 row;

	lockdep_assert_held(&ctxscope_table_lock);
	if (!ctxscope_cgroups.capacity)
		return;
	row = ctxscope_cg_lookup(id);
	if (row == CTXSCOPE_NO_ROW)
		return;
	ctxscope_cg_row(row)->removed = true;
	ctxscope_cg_put(row);
}

u32 ctxscope_cgroup_sum(const struct ctxscope_cgroup *cg,
			struct ctxscope_sums *sums)
{
	const struct ctxscope_process *proc;
	struct ctxscope_sums one;

	memset(sums, 0, sizeof(*sums));
	ctxscope_sums_add(sums, &cg->exited,
			  ctxscope_epoch_current(READ_ONCE(cg->epoch)));
	list_for_each_entry_rcu(proc, &cg->procs, cg_siblings) {
		ctxscope_proc_sum(proc, &one);
		ctxscope_sums_add(sums, &one, true);
	}
	return READ_ONCE(cg->processes);
}
