/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctxscope: what every part of the module shares: the version, the /proc
 * format, the classes of a switch and the counters a task, a process or a
 * cgroup accumulates.
 *
 * Layers, bottom to top (docs/design.md):
 *   stores:   task_table.c (tasks, processes), cgroup_table.c, exit_log.c,
 *             counters.c (per CPU)
 *   measures: kstack.c, ustack.c, tlb.c (pure logic on rows and events)
 *   events:   switch_probe.c (every switch), lifecycle.c (fork, exec,
 *             exit, free, rename, cgroup moves), tracepoints.c
 *   readers:  refresh.c, procfs.c, procfs_tables.c, control.c, row_text.c
 * A layer calls only the layers below it and its own.
 */
#ifndef CTXSCOPE_H
#define CTXSCOPE_H

#define CTXSCOPE_VERSION	"0.1.0"

/* Version of the /proc/ctxscope text format, printed as "format N". */
#define CTXSCOPE_FORMAT		1

/* What a switch is, from prev's and next's point of view. */
enum ctxscope_class {
	CTXSCOPE_PROCESS,	/* two user tasks, different address spaces */
	CTXSCOPE_THREAD,	/* two user tasks, one address space */
	CTXSCOPE_KERNEL,	/* prev or next is a kernel thread */
	CTXSCOPE_IDLE,		/* prev or next is an idle task */
	CTXSCOPE_NR_CLASSES
};

/*
 * What a task, process or cgroup did, as the table files show it: its
 * switch-outs by class first (so that a class indexes it), then the rest.
 * Involuntary is not kept: it is the switches minus the voluntary ones.
 */
enum ctxscope_sum_counter {
	CTXSCOPE_TO_PROCESS = CTXSCOPE_PROCESS,
	CTXSCOPE_TO_THREAD = CTXSCOPE_THREAD,
	CTXSCOPE_TO_KERNEL = CTXSCOPE_KERNEL,
	CTXSCOPE_TO_IDLE = CTXSCOPE_IDLE,
	CTXSCOPE_SUM_VOLUNTARY,
	CTXSCOPE_SUM_MIGRATIONS,
	CTXSCOPE_SUM_TLB_FLUSH_IN,	/* scheduler flushes switching into it */
	CTXSCOPE_SUM_TLB_IPI_SENT,	/* shootdown IPIs it sent */
	CTXSCOPE_NR_SUM_COUNTERS
};

#endif /* CTXSCOPE_H */
