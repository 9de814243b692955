// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ctxscope: the module's ABI. docs/proc-interface.md documents every
 * file and key; change both together and bump CTXSCOPE_FORMAT when an
 * existing key changes meaning.
 */
#include <linux/cpumask.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/thread_info.h>

#include "cgroup_table.h"
#include "control.h"
#include "counters.h"
#include "exit_log.h"
#include "procfs.h"
#include "procfs_tables.h"
#include "refresh.h"
#include "task_table.h"
#include "tlb.h"

/* How a column of summary and cpus is derived from the counters. */
enum ctxscope_derive {
	CTXSCOPE_SWITCHES,		/* every cell */
	CTXSCOPE_OF_CLASS,		/* the cells of a class */
	CTXSCOPE_VOLUNTARY,
	CTXSCOPE_INVOLUNTARY,
	CTXSCOPE_OF_MM_KIND,		/* the cells of an mm kind */
	CTXSCOPE_TLB,			/* a TLB counter */
};

/*
 * The counters of summary and cpus, in the documented order. The TLB ones
 * are left out where nothing emits tlb_flush: unavailable, not zero.
 */
static const struct {
	const char *name;
	enum ctxscope_derive how;
	unsigned int arg;
} ctxscope_columns[] = {
	{ "switches",		CTXSCOPE_SWITCHES },
	{ "switches_process",	CTXSCOPE_OF_CLASS, CTXSCOPE_PROCESS },
	{ "switches_thread",	CTXSCOPE_OF_CLASS, CTXSCOPE_THREAD },
	{ "switches_kernel",	CTXSCOPE_OF_CLASS, CTXSCOPE_KERNEL },
	{ "switches_idle",	CTXSCOPE_OF_CLASS, CTXSCOPE_IDLE },
	{ "voluntary",		CTXSCOPE_VOLUNTARY },
	{ "involuntary",	CTXSCOPE_INVOLUNTARY },
	{ "mm_switches",	CTXSCOPE_OF_MM_KIND, CTXSCOPE_MM_SWITCHED },
	{ "lazy_switches",	CTXSCOPE_OF_MM_KIND, CTXSCOPE_MM_LAZY },
	{ "tlb_switch_flush",	CTXSCOPE_TLB, CTXSCOPE_TLB_SWITCH_FLUSH },
	{ "tlb_switch_noflush",	CTXSCOPE_TLB, CTXSCOPE_TLB_SWITCH_NOFLUSH },
	{ "tlb_other_switch_flush", CTXSCOPE_TLB, CTXSCOPE_TLB_OTHER_FLUSH },
	{ "tlb_other_switch_noflush", CTXSCOPE_TLB, CTXSCOPE_TLB_OTHER_NOFLUSH },
	{ "tlb_shootdown_remote", CTXSCOPE_TLB, CTXSCOPE_TLB_SHOOTDOWN_REMOTE },
	{ "tlb_shootdown_local", CTXSCOPE_TLB, CTXSCOPE_TLB_SHOOTDOWN_LOCAL },
	{ "tlb_shootdown_local_mm", CTXSCOPE_TLB, CTXSCOPE_TLB_SHOOTDOWN_LOCAL_MM },
	{ "tlb_ipi_sent",	CTXSCOPE_TLB, CTXSCOPE_TLB_IPI_SENT },
};

static bool ctxscope_column_shown(int i)
{
	return ctxscope_columns[i].how != CTXSCOPE_TLB ||
	       ctxscope_tlb_available();
}

static u64 ctxscope_column_value(const struct ctxscope_counts *c, int i)
{
	unsigned int arg = ctxscope_columns[i].arg;

	switch (ctxscope_columns[i].how) {
	case CTXSCOPE_SWITCHES:
		return ctxscope_counts_switches(c);
	case CTXSCOPE_OF_CLASS:
		return ctxscope_counts_class(c, arg);
	case CTXSCOPE_VOLUNTARY:
		return ctxscope_counts_voluntary(c);
	case CTXSCOPE_INVOLUNTARY:
		return ctxscope_counts_switches(c) -
		       ctxscope_counts_voluntary(c);
	case CTXSCOPE_OF_MM_KIND:
		return ctxscope_counts_mm_kind(c, arg);
	default:
		return c->tlb[arg];
	}
}

static struct proc_dir_entry *ctxscope_proc_dir;

static int ctxscope_summary_show(struct seq_file *m, void *v)
{
	struct ctxscope_counts s;
	u64 since;
	int i, ret;

	ret = ctxscope_read_lock();
	if (ret)
		return ret;
	ctxscope_snapshot_all(&s);
	since = ctxscope_since_ns();
	ctxscope_read_unlock();

	seq_printf(m, "format %d\n", CTXSCOPE_FORMAT);
	for (i = 0; i < ARRAY_SIZE(ctxscope_columns); i++)
		if (ctxscope_column_shown(i))
			seq_printf(m, "%s %llu\n", ctxscope_columns[i].name,
				   ctxscope_column_value(&s, i));
	seq_printf(m, "since_ns %llu\n", since);
	seq_printf(m, "tasks_tracked %u\n", ctxscope_tasks_tracked());
	seq_printf(m, "tasks_dropped %llu\n", ctxscope_tasks_dropped());
	seq_printf(m, "tasks_capacity %u\n", ctxscope_tables.capacity);
	seq_printf(m, "processes_tracked %u\n", ctxscope_procs_tracked());
	seq_printf(m, "cgroups_tracked %u\n", ctxscope_cgroups_tracked());
	seq_printf(m, "cgroups_dropped %llu\n", ctxscope_cgroups_dropped());
	seq_printf(m, "exited_logged %llu\n", ctxscope_exit_log_written());
	seq_printf(m, "table_bytes %zu\n", ctxscope_tables_bytes() +
		   ctxscope_cgroups_bytes() + ctxscope_exit_log_bytes());
	seq_printf(m, "stack_refreshes %llu\n", ctxscope_refreshes());
	seq_printf(m, "kstack_size %lu\n", (unsigned long)THREAD_SIZE);
	seq_printf(m, "tlb_available %d\n", ctxscope_tlb_available());
	if (ctxscope_tlb_pcid() >= 0)
		seq_printf(m, "pcid %d\n", ctxscope_tlb_pcid());
	if (ctxscope_tlb_pti() >= 0)
		seq_printf(m, "pti %d\n", ctxscope_tlb_pti());
	return 0;
}

/*
 * cpus: the seq_file position is 0 for the header and cpu + 1 for a CPU's
 * row. A row's token is cpu + 2, so that it is never NULL (end) or
 * SEQ_START_TOKEN (1, the header). Rows are produced one at a time: the
 * file costs no memory per CPU.
 */
#define CTXSCOPE_CPU_TOKEN(cpu)	((void *)(unsigned long)((cpu) + 2))
#define CTXSCOPE_TOKEN_CPU(v)	((int)((unsigned long)(v) - 2))

static void *ctxscope_cpus_start(struct seq_file *m, loff_t *pos)
{
	unsigned int cpu;

	if (*pos == 0)
		return SEQ_START_TOKEN;
	if (*pos > nr_cpu_ids)
		return NULL;
	/* The first possible CPU at or after the position's. */
	cpu = cpumask_next(*pos - 2, cpu_possible_mask);
	if (cpu >= nr_cpu_ids)
		return NULL;
	*pos = cpu + 1;
	return CTXSCOPE_CPU_TOKEN(cpu);
}

static void *ctxscope_cpus_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return ctxscope_cpus_start(m, pos);
}

static void ctxscope_cpus_stop(struct seq_file *m, void *v)
{
}

static int ctxscope_cpus_show(struct seq_file *m, void *v)
{
	struct ctxscope_counts s;
	int cpu, i, ret;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "cpu online");
		for (i = 0; i < ARRAY_SIZE(ctxscope_columns); i++)
			if (ctxscope_column_shown(i))
				seq_printf(m, " %s", ctxscope_columns[i].name);
		seq_putc(m, '\n');
		return 0;
	}

	cpu = CTXSCOPE_TOKEN_CPU(v);
	ret = ctxscope_read_lock();
	if (ret)
		return ret;
	ctxscope_snapshot_cpu(cpu, &s);
	ctxscope_read_unlock();

	seq_printf(m, "%d %d", cpu, cpu_online(cpu));
	for (i = 0; i < ARRAY_SIZE(ctxscope_columns); i++)
		if (ctxscope_column_shown(i))
			seq_printf(m, " %llu", ctxscope_column_value(&s, i));
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations ctxscope_cpus_seq_ops = {
	.start	= ctxscope_cpus_start,
	.next	= ctxscope_cpus_next,
	.stop	= ctxscope_cpus_stop,
	.show	= ctxscope_cpus_show,
};

int ctxscope_procfs_create(umode_t tasks_mode)
{
	bool ok;

	ctxscope_proc_dir = proc_mkdir("ctxscope", NULL);
	if (!ctxscope_proc_dir)
		return -ENOMEM;
	ok = proc_create_single("summary", 0444, ctxscope_proc_dir,
				ctxscope_summary_show) &&
	     proc_create_seq("cpus", 0444, ctxscope_proc_dir,
			     &ctxscope_cpus_seq_ops) &&
	     proc_create("control", 0200, ctxscope_proc_dir,
			 &ctxscope_control_ops);
	/* Per-task data shows what runs on the machine: root only by default. */
	if (ok && ctxscope_tables.capacity)
		ok = ctxscope_procfs_create_tables(ctxscope_proc_dir,
						   tasks_mode);
	if (!ok) {
		proc_remove(ctxscope_proc_dir);
		ctxscope_proc_dir = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Waits for every reader and writer inside a file; later calls get EIO. */
void ctxscope_procfs_remove(void)
{
	proc_remove(ctxscope_proc_dir);
}
