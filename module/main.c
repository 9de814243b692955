// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope: classify every context switch (process, thread, kernel, idle),
 * per CPU and per task, and export the counts under /proc/ctxscope.
 *
 * Load order: state and /proc files first, then the task lifecycle probes
 * (the free probe before the one that creates rows: tracepoints.h), then
 * rows for the tasks that already exist, and the switch probe last, so
 * that nothing a probe touches is missing when it first runs. Unload in
 * reverse: once the probes are detached and synchronised, the /proc files
 * removed (proc_remove() waits for readers inside them) and the deferred
 * row recycling flushed (rcu_barrier()), nothing refers to the tables.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>

#include "cgroup_table.h"
#include "counters.h"
#include "ctxscope.h"
#include "exit_log.h"
#include "lifecycle.h"
#include "procfs.h"
#include "selftest.h"
#include "switch_probe.h"
#include "task_table.h"
#include "tlb.h"
#include "tracepoints.h"

#define CTXSCOPE_MIN_TASKS	16
#define CTXSCOPE_MAX_TASKS	BIT(22)
#define CTXSCOPE_MAX_EXIT_LOG	BIT(20)

static unsigned int max_tasks = 32768;
module_param(max_tasks, uint, 0444);
MODULE_PARM_DESC(max_tasks,
		 "Rows of the per-task table, preallocated at load (16..4194304, default 32768; 0: no per-task tables)");

static unsigned int exit_log = 4096;
module_param(exit_log, uint, 0444);
MODULE_PARM_DESC(exit_log,
		 "Records of exited processes kept for /proc/ctxscope/exited (16..1048576, default 4096; 0: none)");

static unsigned int tasks_mode = 0400;
module_param(tasks_mode, uint, 0444);
MODULE_PARM_DESC(tasks_mode,
		 "Mode of /proc/ctxscope/tasks and processes: 0400 (default, root only), 0440 or 0444");

static bool selftest;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest,
		 "Run the in-module self-tests at load (TLB pairing, stack scans); the load fails if one fails");

static unsigned int test_attach_delay_ms;
module_param(test_attach_delay_ms, uint, 0444);
MODULE_PARM_DESC(test_attach_delay_ms,
		 "For tests only: milliseconds to wait between attaching each task lifecycle tracepoint at load (0..1000, default 0)");

static int __init ctxscope_check_params(void)
{
	if (max_tasks &&
	    (max_tasks < CTXSCOPE_MIN_TASKS || max_tasks > CTXSCOPE_MAX_TASKS)) {
		pr_err("max_tasks=%u is out of range: use 0 or %u..%lu\n",
		       max_tasks, CTXSCOPE_MIN_TASKS, CTXSCOPE_MAX_TASKS);
		return -EINVAL;
	}
	if (exit_log && (exit_log < CTXSCOPE_MIN_TASKS ||
			 exit_log > CTXSCOPE_MAX_EXIT_LOG)) {
		pr_err("exit_log=%u is out of range: use 0 or %u..%lu\n",
		       exit_log, CTXSCOPE_MIN_TASKS, CTXSCOPE_MAX_EXIT_LOG);
		return -EINVAL;
	}
	if (tasks_mode != 0400 && tasks_mode != 0440 && tasks_mode != 0444) {
		pr_err("tasks_mode=%#o is not allowed: use 0400, 0440 or 0444\n",
		       tasks_mode);
		return -EINVAL;
	}
	if (test_attach_delay_ms > 1000) {
		pr_err("test_attach_delay_ms=%u is out of range: use 0..1000\n",
		       test_attach_delay_ms);
		return -EINVAL;
	}
	return 0;
}

static int __init ctxscope_attach(void)
{
	unsigned long needed = BIT(CTXSCOPE_TP_SCHED_SWITCH);
	int i, ret;

	if (max_tasks)
		for (i = CTXSCOPE_TP_FIRST_LIFECYCLE;
		     i <= CTXSCOPE_TP_LAST_LIFECYCLE; i++)
			needed |= BIT(i);
	ret = ctxscope_tracepoints_find(needed);
	if (ret)
		return ret;

	if (max_tasks) {
		for (i = CTXSCOPE_TP_FIRST_LIFECYCLE;
		     i <= CTXSCOPE_TP_LAST_LIFECYCLE; i++) {
			if (i != CTXSCOPE_TP_FIRST_LIFECYCLE &&
			    test_attach_delay_ms)
				msleep(test_attach_delay_ms);
			ret = ctxscope_tracepoint_attach(i);
			if (ret)
				return ret;
		}
		/*
		 * Every task_newtask and sched_process_free that started
		 * before the probes were attached is over after a grace
		 * period: what they did is visible in the task list.
		 */
		synchronize_rcu_expedited();
		ctxscope_lifecycle_populate();
	}
	/* Optional: without it the TLB counters read as unavailable. */
	ret = ctxscope_tracepoint_found(CTXSCOPE_TP_TLB_FLUSH) ?
	      ctxscope_tracepoint_attach(CTXSCOPE_TP_TLB_FLUSH) : -ENOENT;
	ctxscope_tlb_detect(!ret);
	ret = ctxscope_tracepoint_attach(CTXSCOPE_TP_SCHED_SWITCH);
	/* Rows made from now on count from their task's creation. */
	if (!ret)
		ctxscope_switch_probe_set_live(true);
	return ret;
}

static void ctxscope_free(void)
{
	ctxscope_exit_log_free();
	ctxscope_cgroups_free();
	ctxscope_tables_free();
}

/* One cgroup row per 8 task rows: cgroups hold many tasks each. */
static unsigned int ctxscope_cgroup_rows(void)
{
	return max_tasks ? max(max_tasks / 8, CTXSCOPE_MIN_TASKS) : 0;
}

static int __init ctxscope_alloc(void)
{
	int ret;

	ctxscope_lifecycle_init(max_tasks);
	ret = ctxscope_tables_init(max_tasks);
	if (!ret)
		ret = ctxscope_cgroups_init(ctxscope_cgroup_rows());
	if (!ret)
		ret = ctxscope_exit_log_init(max_tasks ? exit_log : 0);
	if (ret) {
		pr_err("cannot allocate the tables for max_tasks=%u exit_log=%u\n",
		       max_tasks, exit_log);
		ctxscope_free();
	}
	return ret;
}

static void ctxscope_teardown(void)
{
	ctxscope_tracepoints_detach();
	ctxscope_switch_probe_set_live(false);
	ctxscope_procfs_remove();
	/* Row recycling queued with call_rcu() runs our code: wait for it. */
	rcu_barrier();
	ctxscope_free();
}

static int __init ctxscope_init(void)
{
	int ret;

	ret = ctxscope_check_params();
	if (ret)
		return ret;
	if (selftest) {
		ret = ctxscope_selftest();
		if (ret)
			return ret;
	}
	ctxscope_counters_init();
	ctxscope_switch_probe_init();
	ret = ctxscope_alloc();
	if (ret)
		return ret;
	ret = ctxscope_procfs_create(tasks_mode);
	if (ret) {
		pr_err("cannot create /proc/ctxscope: error %d\n", ret);
		ctxscope_free();
		return ret;
	}
	ret = ctxscope_attach();
	if (ret) {
		ctxscope_teardown();
		return ret;
	}
	pr_info("version %s loaded, %u task rows (%zu KiB)\n",
		CTXSCOPE_VERSION, max_tasks,
		(ctxscope_tables_bytes() + ctxscope_cgroups_bytes() +
		 ctxscope_exit_log_bytes()) / 1024);
	return 0;
}

static void __exit ctxscope_exit(void)
{
	ctxscope_teardown();
	pr_info("unloaded\n");
}

module_init(ctxscope_init);
module_exit(ctxscope_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The ctxscope developers");
MODULE_DESCRIPTION("Classify context switches: process, thread, kernel, idle");
MODULE_VERSION(CTXSCOPE_VERSION);
