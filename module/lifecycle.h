/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The task lifecycle: the tracepoint probes that create, update and
 * remove rows (task_newtask, sched_process_exec, sched_process_exit,
 * sched_process_free, task_rename, cgroup_attach_task, cgroup_rmdir), and
 * the rows of the tasks that exist at load. It drives the stores (task
 * and process rows, cgroups, the exit log) and the stack measurements.
 *
 * It also lets readers hold folds off: while a hold is taken, a freed
 * task's row stays on its process's list (with its final counts) and a
 * process's move to another cgroup waits, so that a reader summing a
 * process or a cgroup counts every task exactly once without retrying.
 * What was held is applied when the last hold ends.
 */
#ifndef CTXSCOPE_LIFECYCLE_H
#define CTXSCOPE_LIFECYCLE_H

#include <linux/types.h>

struct cgroup;
struct linux_binprm;
struct task_struct;

void ctxscope_probe_task_newtask(void *data, struct task_struct *task,
				 unsigned long clone_flags);
void ctxscope_probe_process_exec(void *data, struct task_struct *p,
				 pid_t old_pid, struct linux_binprm *bprm);
/* sched_process_exit: before and after it gained group_dead (compat.h). */
void ctxscope_probe_process_exit(void *data, struct task_struct *p);
void ctxscope_probe_process_exit_dead(void *data, struct task_struct *p,
				      bool group_dead);
void ctxscope_probe_process_free(void *data, struct task_struct *p);
void ctxscope_probe_task_rename(void *data, struct task_struct *task,
				const char *comm);
void ctxscope_probe_cgroup_attach(void *data, struct cgroup *dst,
				  const char *path, struct task_struct *task,
				  bool threadgroup);
void ctxscope_probe_cgroup_rmdir(void *data, struct cgroup *cgrp,
				 const char *path);

/**
 * ctxscope_lifecycle_init() - size the backlog a hold may build up
 * @capacity: rows of the task table
 */
void ctxscope_lifecycle_init(unsigned int capacity);

/**
 * ctxscope_lifecycle_populate() - rows for the tasks that exist now
 *
 * Called with the free, newtask and exec probes attached and after a
 * grace period, so that every task is seen here or by task_newtask, and
 * every task seen here is removed by sched_process_free later. Process
 * context.
 */
void ctxscope_lifecycle_populate(void);

/**
 * ctxscope_hold_begin() - hold folds and cgroup moves off
 *
 * For a reader about to sum processes or cgroups. Refused while the
 * backlog of held work is at its bound, so that readers cannot keep rows
 * from being freed.
 *
 * Return: 0, or -EAGAIN if refused.
 */
int ctxscope_hold_begin(void);

/* Ends a hold; the last one applies what was held. Process context. */
void ctxscope_hold_end(void);

#endif /* CTXSCOPE_LIFECYCLE_H */
