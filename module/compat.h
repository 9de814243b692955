/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels ctxscope builds against lives here;
 * the rest of module/ is written against one API.
 *
 * Oldest supported kernel: 5.18, the release that added the prev_state
 * argument to sched_switch ("sched/tracing: Don't re-read p->state when
 * emitting sched_switch event"). Before it a probe could only re-read
 * prev->__state, which __schedule() may already have set back to
 * TASK_RUNNING (signal_pending_state()), so voluntary and involuntary could
 * not match the kernel's nvcsw/nivcsw exactly. Everything else the module
 * uses is older: proc_ops (5.6), pde_data() (5.17),
 * for_each_kernel_tracepoint() (3.15).
 *
 * Compatibility is checked against the target's headers, not inferred from
 * version numbers, which distribution backports defeat (falcosecurity/libs
 * probes the same way): ctxscope_assert_probe() fails the build unless the
 * probe has exactly the prototype the kernel's tracepoint calls, so a
 * kernel without prev_state, or with any other prototype, is refused at
 * build time rather than called with the wrong arguments.
 */
#ifndef CTXSCOPE_COMPAT_H
#define CTXSCOPE_COMPAT_H

#include <linux/build_bug.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>

#ifdef CONFIG_STACK_GROWSUP
#error "ctxscope: kernel stacks that grow up are not supported"
#endif

/*
 * <trace/events/<system>.h> declares check_trace_callback_type_<event>(),
 * whose one parameter has the exact type a probe of <event> must have.
 */
#define ctxscope_assert_probe(event, probe)				\
	static_assert(__builtin_types_compatible_p(			\
		typeof(check_trace_callback_type_##event),		\
		void (typeof(probe) *)),				\
		"ctxscope: " #probe " does not match this kernel's " #event \
		" tracepoint (Linux 5.18 or later is required)")

/*
 * Whether p still owns its kernel stack. With THREAD_INFO_IN_TASK the
 * stack is freed right after the task's last switch, before the
 * task_struct (stack_refcount drops to zero); otherwise it lives as long
 * as the task_struct.
 */
static inline bool ctxscope_task_stack_alive(const struct task_struct *p)
{
	if (READ_ONCE(p->__state) & TASK_DEAD)
		return false;
#ifdef CONFIG_THREAD_INFO_IN_TASK
	return refcount_read(&p->stack_refcount) > 0;
#else
	return true;
#endif
}

/* The cgroup v2 id of p's cgroup (its directory's inode number). */
#ifdef CONFIG_CGROUPS
#include <linux/cgroup.h>

static inline u64 ctxscope_task_cgroup(struct task_struct *p)
{
	u64 id;

	rcu_read_lock();
	id = cgroup_id(task_dfl_cgroup(p));
	rcu_read_unlock();
	return id;
}
#else
static inline u64 ctxscope_task_cgroup(struct task_struct *p)
{
	return 1;
}
#endif

/*
 * TLB telemetry needs an architecture that emits tlb:tlb_flush: only x86
 * does. The tracepoint itself exists everywhere (mm/rmap.c creates it), so
 * the module attaches to it on every architecture, and reports the
 * counters as unavailable where nothing fires it.
 */
#ifdef CONFIG_X86
#include <asm/cpufeature.h>

static inline bool ctxscope_arch_has_tlb_events(void)
{
	return true;
}

/* The kernel clears these bits when it does not use the feature. */
static inline int ctxscope_arch_pcid(void)
{
	return boot_cpu_has(X86_FEATURE_PCID);
}

static inline int ctxscope_arch_pti(void)
{
	return boot_cpu_has(X86_FEATURE_PTI);
}
#else
static inline bool ctxscope_arch_has_tlb_events(void)
{
	return false;
}

/* -1: not applicable; the summary leaves the line out. */
static inline int ctxscope_arch_pcid(void)
{
	return -1;
}

static inline int ctxscope_arch_pti(void)
{
	return -1;
}
#endif

#endif /* CTXSCOPE_COMPAT_H */
