// SPDX-License-Identifier: GPL-2.0
/*
 * The task lifecycle; see lifecycle.h. Every probe here runs in the
 * context of the tracepoint (preemption off, some with interrupts off),
 * so each takes the table lock, a raw spinlock, for a bounded time, and
 * nothing here sleeps or takes a lock that sleeps on PREEMPT_RT.
 */
#include <linux/binfmts.h>
#include <linux/cgroup.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <trace/events/cgroup.h>
#include <trace/events/sched.h>
#include <trace/events/task.h>

#include "cgroup_table.h"
#include "compat.h"
#include "exit_log.h"
#include "kstack.h"
#include "lifecycle.h"
#include "switch_probe.h"
#include "task_table.h"
#include "ustack.h"

/* Protected by ctxscope_table_lock. */
static u32 ctxscope_holds;			/* readers holding folds off */
static struct ctxscope_task *ctxscope_held_rows;	/* freed meanwhile */
static struct ctxscope_process *ctxscope_held_moves;	/* moved meanwhile */
static u32 ctxscope_held_count;
static u32 ctxscope_held_cap;

/* What the last hold applies per turn of the lock. */
#define CTXSCOPE_DRAIN_BATCH	64

void ctxscope_lifecycle_init(unsigned int capacity)
{
	ctxscope_holds = 0;
	ctxscope_held_rows = NULL;
	ctxscope_held_moves = NULL;
	ctxscope_held_count = 0;
	ctxscope_held_cap = max(256U, capacity / 8);
}

/* A process whose tasks are all folded: log it, fold it, free its row. */
static void ctxscope_proc_finish_locked(struct ctxscope_process *proc)
{
	ctxscope_exit_log_add_locked(proc);
	ctxscope_cgroup_leave_locked(proc);
	ctxscope_proc_release_locked(proc);
}

/* An unhashed task row's counts go to its process. */
static void ctxscope_task_finish_locked(struct ctxscope_task *row)
{
	struct ctxscope_process *proc = ctxscope_task_fold_locked(row);

	if (!proc->threads)
		ctxscope_proc_finish_locked(proc);
}

/* A process moves, with its history, to cgroup id now or after the holds. */
static void ctxscope_proc_move_locked(struct ctxscope_process *proc, u64 id,
				      bool removed)
{
	if (!ctxscope_holds) {
		ctxscope_cgroup_join_locked(proc, id, removed);
		return;
	}
	proc->move_to = id;
	proc->move_removed = removed;
	if (!proc->move_pending) {
		proc->move_pending = true;
		proc->deferred = ctxscope_held_moves;
		ctxscope_held_moves = proc;
		ctxscope_held_count++;
	}
}

/*
 * Applies up to budget held items, moves first: a process is finished
 * only once no move of it is pending. Returns whether any remain.
 */
static bool ctxscope_drain_locked(unsigned int budget)
{
	while (budget-- && !ctxscope_holds) {
		if (ctxscope_held_moves) {
			struct ctxscope_process *proc = ctxscope_held_moves;

			ctxscope_held_moves = proc->deferred;
			proc->move_pending = false;
			ctxscope_cgroup_join_locked(proc, proc->move_to,
						    proc->move_removed);
		} else if (ctxscope_held_rows) {
			struct ctxscope_task *row = ctxscope_held_rows;

			ctxscope_held_rows = row->deferred;
			ctxscope_task_finish_locked(row);
		} else {
			return false;
		}
		ctxscope_held_count--;
	}
	return ctxscope_held_moves || ctxscope_held_rows;
}

int ctxscope_hold_begin(void)
{
	unsigned long flags;
	int ret = 0;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	if (ctxscope_held_count >= ctxscope_held_cap)
		ret = -EAGAIN;
	else
		ctxscope_holds++;
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
	return ret;
}

void ctxscope_hold_end(void)
{
	unsigned long flags;
	bool more;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	ctxscope_holds--;
	more = ctxscope_drain_locked(CTXSCOPE_DRAIN_BATCH);
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
	/* In batches: interrupts are never off for long. */
	while (more) {
		cond_resched();
		raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
		more = ctxscope_drain_locked(CTXSCOPE_DRAIN_BATCH);
		raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
	}
}

/* A row for p, in its process's row, created if needed. */
static void ctxscope_task_add_locked(struct task_struct *p, pid_t ppid,
				     const struct ctxscope_task_init *init,
				     struct cgroup *cgrp)
{
	struct ctxscope_process *proc;

	/* Populate and task_newtask may both see a task born meanwhile. */
	if (ctxscope_task_lookup(p))
		return;
	/* A process has a task row at least: with one free, so is one. */
	if (!ctxscope_task_rows_left_locked()) {
		ctxscope_task_dropped_locked();
		return;
	}
	proc = ctxscope_proc_lookup_locked(p->signal);
	if (!proc) {
		proc = ctxscope_proc_insert_locked(p, ppid);
		if (WARN_ON_ONCE(!proc)) {
			ctxscope_task_dropped_locked();
			return;
		}
		/* A first join adds to a list: readers need no hold. */
		ctxscope_cgroup_join_locked(proc, cgroup_id(cgrp),
					    ctxscope_cgroup_removed(cgrp));
	}
	ctxscope_task_insert_locked(p, proc, init);
}

/*
 * Every task copy_process() makes: by fork, clone, vfork and also
 * create_io_thread() (io_uring workers) and vhost_task_create(), which
 * sched_process_fork misses. In the creator (current), after the child is
 * in the task list and in its cgroup, before it can run.
 */
void ctxscope_probe_task_newtask(void *data, struct task_struct *task,
				 unsigned long clone_flags)
{
	struct ctxscope_task_init init = {
		.synced = ctxscope_switch_probe_live(),
		.last_cpu = CTXSCOPE_NO_CPU,
	};
	unsigned long flags;
	struct cgroup *cgrp;
	pid_t ppid;

	rcu_read_lock();
	/* Its real parent, which is not current under CLONE_PARENT. */
	ppid = rcu_dereference(task->real_parent)->tgid;
	ctxscope_ustack_clone(task, ctxscope_task_lookup(current), &init);
	cgrp = ctxscope_task_cgroup(task);
	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	ctxscope_task_add_locked(task, ppid, &init, cgrp);
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
	rcu_read_unlock();
}

/* In p (current), once the new program is in place. */
void ctxscope_probe_process_exec(void *data, struct task_struct *p,
				 pid_t old_pid, struct linux_binprm *bprm)
{
	struct ctxscope_process *proc;
	struct ctxscope_task *row;
	unsigned long flags;
	struct cgroup *cgrp;

	rcu_read_lock();
	cgrp = ctxscope_task_cgroup(p);
	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	row = ctxscope_task_lookup(p);
	if (row) {
		proc = ctxscope_proc_row(row->proc);
		/* A non-leader that execs takes over the leader's pid. */
		WRITE_ONCE(row->pid, p->pid);
		strscpy_pad(row->comm, p->comm, sizeof(row->comm));
		strscpy_pad(proc->comm, p->comm, sizeof(proc->comm));
		/* Its cgroup, should a move have been missed. */
		ctxscope_proc_move_locked(proc, cgroup_id(cgrp),
					  ctxscope_cgroup_removed(cgrp));
		ctxscope_ustack_exec_locked(row, p, bprm);
	}
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
	rcu_read_unlock();
}

/*
 * In the exiting task itself, interrupts on: the one full scan of its
 * kernel stack (kstack.h). Its last switch-out extends the mark by what
 * the rest of do_exit() uses.
 */
static void ctxscope_exit_task(struct task_struct *p)
{
	struct ctxscope_task *row;

	if (WARN_ON_ONCE(p != current))
		return;
	rcu_read_lock();
	row = ctxscope_task_lookup(p);
	if (row)
		ctxscope_kstack_exit(row);
	rcu_read_unlock();
}

void ctxscope_probe_process_exit(void *data, struct task_struct *p)
{
	ctxscope_exit_task(p);
}

void ctxscope_probe_process_exit_dead(void *data, struct task_struct *p,
				      bool group_dead)
{
	ctxscope_exit_task(p);
}

/*
 * From an RCU callback, after release_task() and the task's last switch:
 * no switch of the task can come after its row is gone.
 */
void ctxscope_probe_process_free(void *data, struct task_struct *p)
{
	struct ctxscope_task *row;
	unsigned long flags;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	row = ctxscope_task_lookup(p);
	if (row) {
		/* At once: the task_struct may be reused by a new task. */
		ctxscope_switch_probe_forget_row(row);
		ctxscope_task_unhash_locked(row);
		if (ctxscope_holds) {
			row->deferred = ctxscope_held_rows;
			ctxscope_held_rows = row;
			ctxscope_held_count++;
		} else {
			ctxscope_task_finish_locked(row);
		}
	}
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

void ctxscope_probe_task_rename(void *data, struct task_struct *task,
				const char *comm)
{
	struct ctxscope_task *row;

	rcu_read_lock();
	row = ctxscope_task_lookup(task);
	if (row) {
		strscpy_pad(row->comm, comm, sizeof(row->comm));
		if (thread_group_leader(task))
			strscpy_pad(ctxscope_proc_row(row->proc)->comm, comm,
				    sizeof(row->comm));
	}
	rcu_read_unlock();
}

/*
 * After a task moved, on any hierarchy; for a whole process (cgroup.procs)
 * task is its leader. Only the default hierarchy counts, and only whole
 * processes: a thread moved alone (cgroup.threads, in a threaded subtree)
 * leaves its process where it is. The caller holds cgroup_mutex and the
 * threadgroup lock, so task's thread group is stable.
 */
void ctxscope_probe_cgroup_attach(void *data, struct cgroup *dst,
				  const char *path, struct task_struct *task,
				  bool threadgroup)
{
	struct ctxscope_task *row;
	unsigned long flags;

	if (!ctxscope_cgroup_on_dfl(dst) ||
	    (!threadgroup && !thread_group_empty(task)))
		return;
	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	row = ctxscope_task_lookup(task);
	if (row)
		ctxscope_proc_move_locked(ctxscope_proc_row(row->proc),
					  cgroup_id(dst),
					  ctxscope_cgroup_removed(dst));
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

void ctxscope_probe_cgroup_rmdir(void *data, struct cgroup *cgrp,
				 const char *path)
{
	unsigned long flags;

	if (!ctxscope_cgroup_on_dfl(cgrp))
		return;
	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	ctxscope_cgroup_removed_locked(cgroup_id(cgrp));
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

void ctxscope_lifecycle_populate(void)
{
	struct ctxscope_task_init init = { .synced = false };
	struct task_struct *g, *p;
	unsigned long flags;
	pid_t ppid;

	if (!ctxscope_tables.capacity)
		return;
	/*
	 * for_each_process_thread() without its lockdep condition, which
	 * names tasklist_lock: not exported, so with PROVE_RCU_LIST the
	 * module would not link. The RCU read lock is what protects the walk.
	 */
	rcu_read_lock();
	for_each_process(g) {
		list_for_each_entry_rcu(p, &g->signal->thread_head, thread_node) {
			init.last_cpu = task_cpu(p);
			ctxscope_ustack_existing(p, &init);
			ppid = rcu_dereference(p->real_parent)->tgid;
			raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
			ctxscope_task_add_locked(p, ppid, &init,
						 ctxscope_task_cgroup(g));
			raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
		}
	}
	rcu_read_unlock();
}

ctxscope_assert_probe(task_newtask, ctxscope_probe_task_newtask);
ctxscope_assert_probe(sched_process_exec, ctxscope_probe_process_exec);
ctxscope_assert_probe(sched_process_free, ctxscope_probe_process_free);
ctxscope_assert_probe(task_rename, ctxscope_probe_task_rename);
ctxscope_assert_probe(cgroup_attach_task, ctxscope_probe_cgroup_attach);
ctxscope_assert_probe(cgroup_rmdir, ctxscope_probe_cgroup_rmdir);
/* One of the two, whichever this kernel has (tracepoints.c chooses). */
static_assert(ctxscope_probe_matches(sched_process_exit,
				     ctxscope_probe_process_exit) ||
	      ctxscope_probe_matches(sched_process_exit,
				     ctxscope_probe_process_exit_dead),
	      "ctxscope: sched_process_exit has a prototype this module does not know");
