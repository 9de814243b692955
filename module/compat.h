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

#include <linux/binfmts.h>
#include <linux/build_bug.h>
#include <linux/cgroup.h>
#include <linux/mm_types.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>

#ifdef CONFIG_STACK_GROWSUP
#error "ctxscope: kernel stacks that grow up are not supported"
#endif

/*
 * 64-bit only: the counters are u64 read by other CPUs while the switch
 * probe writes them, which a 32-bit CPU does in two halves (a reader
 * could see a count go back by 2^32), and the row layout and the stack
 * arithmetic assume 64-bit pointers.
 */
#ifndef CONFIG_64BIT
#error "ctxscope: 32-bit kernels are not supported (its counters need 64-bit loads and stores)"
#endif

#ifndef CONFIG_CGROUPS
#error "ctxscope: needs a kernel with CONFIG_CGROUPS"
#endif

/*
 * <trace/events/<system>.h> declares check_trace_callback_type_<event>(),
 * whose one parameter has the exact type a probe of <event> must have.
 */
#define ctxscope_probe_matches(event, probe)				\
	__builtin_types_compatible_p(					\
		typeof(check_trace_callback_type_##event),		\
		void (typeof(probe) *))

#define ctxscope_assert_probe(event, probe)				\
	static_assert(ctxscope_probe_matches(event, probe),		\
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

/*
 * The kernel stack pointer p saved at its last switch-out, 0 where the
 * architecture keeps it where a module cannot read it. Everything from
 * there up was in use then, so a scan for the deepest use of a stack that
 * is not current's can start there: where it would start from the top, a
 * gap of untouched words in a frame above (poll()'s inline table, say)
 * would end it early. Read racily: for a running task it is stale, and
 * still a depth the task reached.
 */
static inline unsigned long ctxscope_task_saved_ksp(const struct task_struct *p)
{
#ifdef CONFIG_X86
	return READ_ONCE(p->thread.sp);
#else
	return 0;
#endif
}

/*
 * Tasks that never run user code of their own, so have no user stack to
 * sample: kernel threads (also when they borrow an mm with
 * kthread_use_mm()), io_uring workers (PF_IO_WORKER, all kernels) and,
 * from 6.4, every user worker (PF_USER_WORKER: io_uring and vhost).
 */
#ifdef PF_USER_WORKER
#define CTXSCOPE_PF_NO_USER_STACK	(PF_KTHREAD | PF_IO_WORKER | PF_USER_WORKER)
#else
#define CTXSCOPE_PF_NO_USER_STACK	(PF_KTHREAD | PF_IO_WORKER)
#endif

/*
 * cgroups: only the default (v2) hierarchy counts. cgroup_attach_task and
 * cgroup_rmdir fire for v1 hierarchies too, whose ids are another
 * hierarchy's kernfs inode numbers.
 */
/* p's cgroup on the default hierarchy. RCU read lock held. */
static inline struct cgroup *ctxscope_task_cgroup(struct task_struct *p)
{
	return task_dfl_cgroup(p);
}

static inline bool ctxscope_cgroup_on_dfl(const struct cgroup *cgrp)
{
	return cgrp->root == &cgrp_dfl_root;
}

/*
 * Removed (rmdir) already, perhaps before the module was loaded: what the
 * kernel's own cgroup_is_dead() tests (not in the headers).
 * css_is_dying() would not do: from 6.12 it tests CSS_DYING, which only a
 * controller's css gets, not a cgroup's self.
 */
static inline bool ctxscope_cgroup_removed(struct cgroup *cgrp)
{
	return !(READ_ONCE(cgrp->self.flags) & CSS_ONLINE);
}

/*
 * The stack mapping exec set up, as sched_process_exec sees it: bprm->vma
 * is the new mm's stack VMA (setup_arg_pages() moves it in place and
 * refuses to merge it), and nothing else uses that mm yet, so its bounds
 * can be read without mmap_lock.
 */
static inline bool ctxscope_exec_stack(const struct linux_binprm *bprm,
				       unsigned long *lo, unsigned long *hi)
{
#ifdef CONFIG_MMU
	const struct vm_area_struct *vma = bprm->vma;

	if (!vma)
		return false;
	*lo = READ_ONCE(vma->vm_start);
	*hi = READ_ONCE(vma->vm_end);
	return *lo < *hi;
#else
	return false;
#endif
}

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
