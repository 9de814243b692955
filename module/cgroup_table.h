/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-cgroup table: what the processes of each cgroup v2 group did,
 * including processes already gone, for /proc/ctxscope/cgroups.
 *
 * A process counts in the group it is in now, or was in when it exited:
 * its whole history moves with it when it moves. A cgroup row is created
 * when a tracked process enters the group and removed once the group is
 * removed (rmdir) and none of its processes has a row left, so the
 * totals of a finished job stay readable until its group goes.
 *
 * Same rules as the task table (task_table.h): rows change under
 * ctxscope_table_lock, readers walk them under RCU, a removed row is
 * reused after a grace period.
 */
#ifndef CTXSCOPE_CGROUP_TABLE_H
#define CTXSCOPE_CGROUP_TABLE_H

#include <linux/find.h>
#include <linux/list.h>
#include <linux/rculist.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "task_table.h"

struct ctxscope_cgroup {
	u64 key;			/* cgroup v2 id; 0 when free */
	u32 next;
	u32 processes;			/* process rows on its list */
	u32 processes_exited;
	u32 epoch;			/* reset generation of exited.count */
	bool removed;			/* rmdir seen: goes when empty */
	struct list_head procs;
	struct ctxscope_sums exited;	/* of its processes already gone */
	struct rcu_head rcu;
};

struct ctxscope_cgroups {
	u32 capacity;
	u32 hash_bits;
	u32 *hash;
	struct ctxscope_cgroup *rows;
	unsigned long *used;
};

extern struct ctxscope_cgroups ctxscope_cgroups;

int ctxscope_cgroups_init(unsigned int capacity);
void ctxscope_cgroups_free(void);
size_t ctxscope_cgroups_bytes(void);
u32 ctxscope_cgroups_tracked(void);
u64 ctxscope_cgroups_dropped(void);

/* Index of the first row in use at or after from, or capacity. */
static inline u32 ctxscope_next_cgroup(u32 from)
{
	return find_next_bit(ctxscope_cgroups.used, ctxscope_cgroups.capacity,
			     from);
}

/* Zeroes cgroups_dropped; the rows' sums reset lazily. Table lock held. */
void ctxscope_cgroups_reset_locked(void);

/**
 * ctxscope_cgroup_join_locked() - put a process, with its history, in a group
 * @proc: the process row
 * @id: the group's cgroup v2 id
 * @removed: whether the group is already removed (its row then goes with
 *	its last process)
 *
 * Takes it off its current group's list if it has one. A process that
 * finds no free cgroup row is counted in cgroups_dropped and belongs to
 * none. Table lock held; readers of the lists must be held off
 * (lifecycle.c) for a move, not for a process's first join.
 */
void ctxscope_cgroup_join_locked(struct ctxscope_process *proc, u64 id,
				 bool removed);

/**
 * ctxscope_cgroup_leave_locked() - a process is gone: fold it into its group
 * @proc: the process row, all its tasks folded
 *
 * Table lock held, readers held off (lifecycle.c).
 */
void ctxscope_cgroup_leave_locked(struct ctxscope_process *proc);

/* The group id was removed (rmdir): its row goes when empty. Lock held. */
void ctxscope_cgroup_removed_locked(u64 id);

/**
 * ctxscope_cgroup_sum() - what a group's processes did, past and present
 * @cg: the cgroup row
 * @sums: filled in
 *
 * Consistent while lifecycle.c holds folds and moves off
 * (ctxscope_hold_begin()). RCU read lock held.
 *
 * Return: the number of its processes that have a row now.
 */
u32 ctxscope_cgroup_sum(const struct ctxscope_cgroup *cg,
			struct ctxscope_sums *sums);

#endif /* CTXSCOPE_CGROUP_TABLE_H */
