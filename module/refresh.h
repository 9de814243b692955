/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The read path's refresh: before tasks, processes or cgroups is printed,
 * the stack marks of live tasks are brought up to date where the switch
 * probe could not: kernel stacks of tasks that slept since their last
 * scan (kstack.c), user-stack samples the probe could not place
 * (ustack.c), and each process's VmStk.
 *
 * It never waits: a refresh already running serves every reader that
 * comes meanwhile, and a task's mmap_lock is only tried. An unprivileged
 * reader (tasks_mode=0440 or 0444) starts at most one refresh a second,
 * so that reading cannot be used to make the module walk every task's
 * address space over and over.
 */
#ifndef CTXSCOPE_REFRESH_H
#define CTXSCOPE_REFRESH_H

#include <linux/types.h>

/**
 * ctxscope_refresh() - refresh the stack marks before a table is printed
 * @privileged: the reader has CAP_SYS_ADMIN: not rate-limited
 * @procs: also each process's VmStk
 *
 * Process context; may sleep, never for a lock another task holds long.
 */
void ctxscope_refresh(bool privileged, bool procs);

/* Refresh passes since the load (summary: stack_refreshes). */
u64 ctxscope_refreshes(void);

#endif /* CTXSCOPE_REFRESH_H */
