/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Probe timing: a build for benchmarks only (KCFLAGS=-DCTXSCOPE_PROBE_TIMING,
 * tests/bench/rt-latency) in which tracepoints.c attaches, in place of each
 * probe, a wrapper of the same prototype that times the probe and records
 * its durations per CPU, shown in /proc/ctxscope/probe_timing. In the
 * normal build this header declares nothing but two empty inline
 * functions, and probe_timing.c compiles to nothing.
 */
#ifndef CTXSCOPE_PROBE_TIMING_H
#define CTXSCOPE_PROBE_TIMING_H

#include <linux/types.h>

#ifdef CTXSCOPE_PROBE_TIMING

#ifdef CTXSCOPE_ATTACH_ONLY
#error "ctxscope: CTXSCOPE_PROBE_TIMING and CTXSCOPE_ATTACH_ONLY are separate builds"
#endif

struct cgroup;
struct linux_binprm;
struct task_struct;

/**
 * ctxscope_probe_timing_start() - allocate the timings, create the file
 *
 * Process context, before any probe is attached.
 *
 * Return: 0 or -ENOMEM.
 */
int ctxscope_probe_timing_start(void);

/*
 * Removes the file (waiting for its readers) and frees the timings; after
 * every probe is detached and synchronised. Safe if start failed.
 */
void ctxscope_probe_timing_stop(void);

/* The wrappers, one per probe, each with its probe's prototype. */
void ctxscope_timed_sched_switch(void *data, bool preempt,
				 struct task_struct *prev,
				 struct task_struct *next,
				 unsigned int prev_state);
void ctxscope_timed_tlb_flush(void *data, int reason, unsigned long pages);
void ctxscope_timed_task_newtask(void *data, struct task_struct *task,
				 unsigned long clone_flags);
void ctxscope_timed_process_exec(void *data, struct task_struct *p,
				 pid_t old_pid, struct linux_binprm *bprm);
void ctxscope_timed_process_exit(void *data, struct task_struct *p);
void ctxscope_timed_process_exit_dead(void *data, struct task_struct *p,
				      bool group_dead);
void ctxscope_timed_process_free(void *data, struct task_struct *p);
void ctxscope_timed_task_rename(void *data, struct task_struct *task,
				const char *comm);
void ctxscope_timed_cgroup_attach(void *data, struct cgroup *dst,
				  const char *path, struct task_struct *task,
				  bool threadgroup);
void ctxscope_timed_cgroup_rmdir(void *data, struct cgroup *cgrp,
				 const char *path);

#else /* !CTXSCOPE_PROBE_TIMING */

static inline int ctxscope_probe_timing_start(void)
{
	return 0;
}

static inline void ctxscope_probe_timing_stop(void)
{
}

#endif /* CTXSCOPE_PROBE_TIMING */

#endif /* CTXSCOPE_PROBE_TIMING_H */
