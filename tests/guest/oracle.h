/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Independent oracles for the guest tests: the kernel's own record of what
 * happened, read without ctxscope, to compare ctxscope's counters with.
 *
 * The switch histogram is ftrace's: a hist trigger on sched:sched_switch
 * keyed by (CPU, prev pid, next pid) counts every switch the kernel makes
 * in a window; each pair is then classified from what /proc says of the
 * two tasks (pid 0 is idle, PF_KTHREAD in /proc/PID/stat is a kernel
 * thread, the same Tgid is the same address space), as
 * docs/proc-interface.md defines the classes, independently of how the
 * module decides them.
 */
#ifndef CTXSCOPE_ORACLE_H
#define CTXSCOPE_ORACLE_H

#include <stdint.h>

#define ORACLE_MAX_CPUS	8

/* Switches of a window, by class, as the kernel's events say. */
struct switch_classes {
	uint64_t switches;
	uint64_t process;	/* two user tasks of different processes */
	uint64_t thread;	/* two user tasks of one process */
	uint64_t kernel;	/* a kernel thread, no idle task */
	uint64_t idle;		/* an idle task */
	uint64_t unknown;	/* a task gone before it could be looked up */
	uint64_t into_no_mm;	/* next is idle or a kernel thread: lazy */
	uint64_t user_from_no_mm; /* idle or kernel thread -> user task */
};

#define ORACLE_MAX_WATCHED	16

struct switch_hist {
	struct switch_classes all, cpu[ORACLE_MAX_CPUS];
	/* Switch-outs of the watched tasks, as prev: their rows' to_* */
	int watched[ORACLE_MAX_WATCHED];
	struct switch_classes out[ORACLE_MAX_WATCHED];
	int nwatched;
	uint64_t entries, dropped;
	int ncpus;
};

/*
 * Installs the hist trigger and clears it: from now on every switch is
 * counted. 0, or -1 if the kernel has no hist triggers.
 */
int switch_hist_start(void);

/* Stops counting (the window's end); switch_hist_stop() reads it. */
int switch_hist_pause(void);

/*
 * Stops counting if it still counts, reads the histogram, removes the
 * trigger and classifies every pair. The n tasks of watch (at most
 * ORACLE_MAX_WATCHED) also get their switch-outs by class in h->out.
 * Classify while the tasks of the window still exist: a pid that is gone
 * counts as unknown. 0, or -1 on error.
 */
int switch_hist_stop(struct switch_hist *h, const int *watch, int n);

/* Whether /proc says pid is a kernel thread (PF_KTHREAD); -1 if gone. */
int pid_is_kthread(int pid);

/* The sum of a kernel thread's nvcsw and nivcsw, over all of them. */
struct kthread_csw {
	uint64_t switches;	/* sum of nvcsw + nivcsw */
	unsigned int threads;	/* kernel threads seen */
};
void kthreads_csw(struct kthread_csw *k);

/* Per-CPU sched_goidle of /proc/schedstat (kernel.sched_schedstats=1). */
int schedstat_goidle(uint64_t goidle[ORACLE_MAX_CPUS], int *ncpus);

/* Turns schedstats on; its previous value, or -1. */
int schedstats_enable(void);
void schedstats_restore(int old);

/* se.nr_migrations of a task, from /proc/PID/task/TID/sched; -1 if none. */
long long task_nr_migrations(int pid, int tid);

#endif /* CTXSCOPE_ORACLE_H */
