// SPDX-License-Identifier: GPL-2.0
/*
 * Finding and attaching the tracepoints ctxscope hooks. The tracepoint
 * structures are not exported to modules, so they are looked up by name in
 * the kernel's tracepoint section, as lttng-modules and the kernel's
 * samples/trace_events do.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "ctxscope.h"

struct ctxscope_tracepoint {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool registered;
};

static struct ctxscope_tracepoint ctxscope_tracepoints[] = {
	{ .name = "sched_switch", .probe = ctxscope_probe_sched_switch },
};

static void ctxscope_match_tracepoint(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ctxscope_tracepoints); i++)
		if (!strcmp(tp->name, ctxscope_tracepoints[i].name))
			ctxscope_tracepoints[i].tp = tp;
}

void ctxscope_tracepoints_unregister(void)
{
	struct ctxscope_tracepoint *t;
	int i;

	for (i = ARRAY_SIZE(ctxscope_tracepoints) - 1; i >= 0; i--) {
		t = &ctxscope_tracepoints[i];
		if (!t->registered)
			continue;
		WARN_ON_ONCE(tracepoint_probe_unregister(t->tp, t->probe, NULL));
		t->registered = false;
	}
	/* No probe of ours runs on any CPU once this returns. */
	tracepoint_synchronize_unregister();
}

int ctxscope_tracepoints_register(void)
{
	struct ctxscope_tracepoint *t;
	int i, ret;

	for_each_kernel_tracepoint(ctxscope_match_tracepoint, NULL);
	for (i = 0; i < ARRAY_SIZE(ctxscope_tracepoints); i++) {
		t = &ctxscope_tracepoints[i];
		if (!t->tp) {
			pr_err("tracepoint %s not found in this kernel\n",
			       t->name);
			ret = -ENOENT;
			goto err;
		}
		ret = tracepoint_probe_register(t->tp, t->probe, NULL);
		if (ret) {
			pr_err("cannot attach to tracepoint %s: error %d\n",
			       t->name, ret);
			goto err;
		}
		t->registered = true;
	}
	return 0;
err:
	ctxscope_tracepoints_unregister();
	return ret;
}
