/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracepoints ctxscope hooks, in the order they are attached at load
 * (and detached, in reverse, at unload): the free probe before the one
 * that creates rows, so that no task created while the probes are being
 * attached can leave a row that nothing removes; the rows' other
 * probes; the two hot ones last.
 */
#ifndef CTXSCOPE_TRACEPOINTS_H
#define CTXSCOPE_TRACEPOINTS_H

enum ctxscope_tp {
	CTXSCOPE_TP_PROCESS_FREE,
	CTXSCOPE_TP_TASK_NEWTASK,
	CTXSCOPE_TP_PROCESS_EXEC,
	CTXSCOPE_TP_PROCESS_EXIT,
	CTXSCOPE_TP_TASK_RENAME,
	CTXSCOPE_TP_CGROUP_ATTACH,
	CTXSCOPE_TP_CGROUP_RMDIR,
	CTXSCOPE_TP_TLB_FLUSH,
	CTXSCOPE_TP_SCHED_SWITCH,
	CTXSCOPE_NR_TP
};

/* The lifecycle probes, which only the per-task tables need. */
#define CTXSCOPE_TP_FIRST_LIFECYCLE	CTXSCOPE_TP_PROCESS_FREE
#define CTXSCOPE_TP_LAST_LIFECYCLE	CTXSCOPE_TP_CGROUP_RMDIR

/**
 * ctxscope_tracepoints_find() - look the tracepoints up by name
 * @needed: bit mask of the ids that must exist
 *
 * In the probe-timing build (probe_timing.h) it also sets the timings up.
 *
 * Return: 0, or -ENOENT (naming the missing one in the log), or -ENOMEM.
 */
int ctxscope_tracepoints_find(unsigned long needed);

/* Whether ctxscope_tracepoints_find() found id. */
bool ctxscope_tracepoint_found(enum ctxscope_tp id);

/* Attaches id's probe; 0 or the error, logged. */
int ctxscope_tracepoint_attach(enum ctxscope_tp id);

/*
 * Detaches every attached probe, in reverse order, and waits for them;
 * then, in the probe-timing build, removes the timings.
 */
void ctxscope_tracepoints_detach(void);

#endif /* CTXSCOPE_TRACEPOINTS_H */
