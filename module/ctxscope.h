/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctxscope: internal interfaces between the parts of the module.
 *
 * Data flow: tracepoint probes (switch_probe.c, task_table.c) -> per-CPU
 * counters (counters.c) and per-task rows (task_table.c, kstack.c,
 * ustack.c) -> /proc/ctxscope files (procfs.c, procfs_tasks.c, control.c).
 */
#ifndef CTXSCOPE_H
#define CTXSCOPE_H

#include <linux/percpu.h>
#include <linux/types.h>

struct task_struct;

#define CTXSCOPE_VERSION	"0.1.0"

/* Version of the /proc/ctxscope text format, printed as "format N". */
#define CTXSCOPE_FORMAT		1

/*
 * What the hot path counts, per CPU. Only what cannot be derived is
 * counted: "switches" is the sum of the four classes and "involuntary" is
 * switches - voluntary, so both invariants hold exactly in every snapshot.
 * The first four entries are the switch classes, in enum ctxscope_class
 * order.
 */
enum ctxscope_counter {
	CTXSCOPE_PROCESS,	/* two user tasks, different address spaces */
	CTXSCOPE_THREAD,	/* two user tasks, one address space */
	CTXSCOPE_KERNEL,	/* prev or next is a kernel thread */
	CTXSCOPE_IDLE,		/* prev or next is an idle task */
	CTXSCOPE_VOLUNTARY,	/* counted as the kernel counts nvcsw */
	CTXSCOPE_MM_SWITCHES,	/* next's mm is loaded in place of prev's */
	CTXSCOPE_LAZY_SWITCHES,	/* next has no mm and borrows prev's */
	/* tlb:tlb_flush events (tlb.c); x86 only. */
	CTXSCOPE_TLB_SWITCH_FLUSH,	/* a scheduler switch flushed */
	CTXSCOPE_TLB_SWITCH_NOFLUSH,	/* ... kept its entries (PCID) */
	CTXSCOPE_TLB_OTHER_FLUSH,	/* task-switch flush outside it */
	CTXSCOPE_TLB_OTHER_NOFLUSH,
	CTXSCOPE_TLB_SHOOTDOWN_REMOTE,	/* flush on receiving an IPI */
	CTXSCOPE_TLB_SHOOTDOWN_LOCAL,
	CTXSCOPE_TLB_SHOOTDOWN_LOCAL_MM,
	CTXSCOPE_TLB_IPI_SENT,		/* shootdown IPIs sent */
	CTXSCOPE_NR_COUNTERS
};

#define CTXSCOPE_NR_CLASSES	(CTXSCOPE_IDLE + 1)

struct ctxscope_cpu_counters {
	u64 count[CTXSCOPE_NR_COUNTERS];
	/*
	 * Pairing tlb_flush with the switch in progress (tlb.c): the prev of
	 * this CPU's last switch, until its flush is seen; and what the
	 * running task caused since it was switched in, credited to its row
	 * at its switch-out, in one word so that the switch probe tests one:
	 * CTXSCOPE_TLB_PENDING_FLUSH if its switch-in flushed (at most once:
	 * a switch pairs with one event), plus CTXSCOPE_TLB_PENDING_IPI per
	 * shootdown IPI it sent.
	 */
	const struct task_struct *tlb_switching;
	u64 tlb_pending;
};

#define CTXSCOPE_TLB_PENDING_FLUSH	1ULL
#define CTXSCOPE_TLB_PENDING_IPI	2ULL

DECLARE_PER_CPU_ALIGNED(struct ctxscope_cpu_counters, ctxscope_cpu_counters);

/* A consistent copy of one CPU's counters, or of their sum. */
struct ctxscope_snapshot {
	u64 count[CTXSCOPE_NR_COUNTERS];
};

static inline u64 ctxscope_switches(const struct ctxscope_snapshot *s)
{
	return s->count[CTXSCOPE_PROCESS] + s->count[CTXSCOPE_THREAD] +
	       s->count[CTXSCOPE_KERNEL] + s->count[CTXSCOPE_IDLE];
}

static inline u64 ctxscope_involuntary(const struct ctxscope_snapshot *s)
{
	return ctxscope_switches(s) - s->count[CTXSCOPE_VOLUNTARY];
}

/* counters.c */
void ctxscope_counters_init(void);
int ctxscope_read_lock(void);
void ctxscope_read_unlock(void);
void ctxscope_snapshot_cpu(int cpu, struct ctxscope_snapshot *s);
void ctxscope_snapshot_all(struct ctxscope_snapshot *s);
u64 ctxscope_since_ns(void);
int ctxscope_reset(void);

/* switch_probe.c */
void ctxscope_probe_sched_switch(void *data, bool preempt,
				 struct task_struct *prev,
				 struct task_struct *next,
				 unsigned int prev_state);

/* tracepoints.c */
enum ctxscope_tp {
	CTXSCOPE_TP_SCHED_SWITCH,
	CTXSCOPE_TP_PROCESS_FORK,
	CTXSCOPE_TP_PROCESS_EXEC,
	CTXSCOPE_TP_PROCESS_FREE,
	CTXSCOPE_TP_TASK_RENAME,
	CTXSCOPE_TP_CGROUP_ATTACH,
	CTXSCOPE_TP_CGROUP_RMDIR,
	CTXSCOPE_TP_TLB_FLUSH,
	CTXSCOPE_NR_TP
};

int ctxscope_tracepoints_find(unsigned long needed);
bool ctxscope_tracepoint_found(enum ctxscope_tp id);
int ctxscope_tracepoint_attach(enum ctxscope_tp id);
void ctxscope_tracepoints_detach(void);

/* procfs.c */
int ctxscope_procfs_create(umode_t tasks_mode);
void ctxscope_procfs_remove(void);

/* procfs_tasks.c */
struct proc_dir_entry;
struct seq_file;
bool ctxscope_procfs_create_tables(struct proc_dir_entry *dir, umode_t mode);
void ctxscope_show_count_header(struct seq_file *m);

/* exit_log.c */
extern const unsigned int ctxscope_exited_private_size;

/* control.c */
extern const struct proc_ops ctxscope_control_ops;

#endif /* CTXSCOPE_H */
