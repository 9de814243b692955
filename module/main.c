// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope: classify every context switch (process, thread, kernel, idle)
 * and export exact totals under /proc/ctxscope.
 *
 * Load order: state first, /proc files next, probes last, so that nothing
 * a probe touches is missing when it first runs. Unload in reverse: once
 * the probes are detached and synchronised and the /proc files removed
 * (proc_remove() waits for open readers), nothing refers to the module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

#include "ctxscope.h"

static int __init ctxscope_init(void)
{
	int ret;

	ctxscope_counters_init();

	ret = ctxscope_procfs_create();
	if (ret) {
		pr_err("cannot create /proc/ctxscope: error %d\n", ret);
		return ret;
	}

	ret = ctxscope_tracepoints_register();
	if (ret) {
		ctxscope_procfs_remove();
		return ret;
	}

	pr_info("version %s loaded\n", CTXSCOPE_VERSION);
	return 0;
}

static void __exit ctxscope_exit(void)
{
	ctxscope_tracepoints_unregister();
	ctxscope_procfs_remove();
	pr_info("unloaded\n");
}

module_init(ctxscope_init);
module_exit(ctxscope_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The ctxscope developers");
MODULE_DESCRIPTION("Classify context switches: process, thread, kernel, idle");
MODULE_VERSION(CTXSCOPE_VERSION);
