// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope_test_depth: a helper of the test suite, never for a real
 * machine. A driver of known kernel stack depth, so that
 * tests/guest/t22-kstack can measure ctxscope's kstack_max against
 * something known by construction.
 *
 * Writing N to /proc/ctxscope_test_depth recurses in the writer's kernel
 * stack, filling every frame, until at least N bytes of the stack are in
 * use. Reading the file gives two numbers. First the depth the last write
 * really reached: the bytes from the top of the writer's stack to the
 * lowest byte it wrote. The deepest point of that task's stack is then at
 * most a frame below (an interrupt's entry frame, if one came in just
 * then). Second, the stack the writer had used once the recursion was
 * back, as the kernel itself defines it with CONFIG_DEBUG_STACK_USAGE:
 * THREAD_SIZE less stack_not_used(), the bytes below the deepest non-zero
 * word (stacks are zeroed when allocated). Nothing the writer does later
 * goes as deep as the recursion, so that is its deepest stack for life.
 *
 * Writing "sleep N" instead recurses to a quarter of the stack, leaves
 * 1 KiB of it untouched (a frame whose array nothing writes, as poll()'s
 * inline table often is), recurses on until at least N bytes are in use,
 * and sleeps there until a signal comes. The first number read, meanwhile,
 * is the depth it sleeps below, and a third number the pid of the task
 * asleep there (0 when none is). A scan of that task's stack for its
 * deepest use that starts from the top stops at the untouched gap.
 *
 * Writing "release N" makes the release of that open file recurse to N
 * (and set the first number read); a task that exits with the file open
 * releases it in its exit, after ctxscope's exact scan at
 * sched_process_exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* Bytes each level of the recursion fills. */
#define DEPTH_FRAME	192

static struct proc_dir_entry *depth_file;
static unsigned long depth_reached;	/* by the last write */
static unsigned long depth_used;	/* after the last write */
static pid_t depth_sleeper;		/* asleep at the bottom of "sleep N" */

/* The top of current's kernel stack: its first byte above the stack. */
static unsigned long depth_stack_top(void)
{
	return (unsigned long)task_stack_page(current) + THREAD_SIZE;
}

/*
 * Fills a frame, then goes one deeper until want bytes are in use, where
 * it calls bottom(bottom_want) if given; returns the lowest address
 * written. noinline and the use of the result after the call keep every
 * level a real frame.
 */
static noinline unsigned long depth_recurse(unsigned long want,
					    unsigned long (*bottom)(unsigned long),
					    unsigned long bottom_want)
{
	unsigned char frame[DEPTH_FRAME];
	unsigned long lowest = (unsigned long)&frame[0];

	memset(frame, 0xa5, sizeof(frame));
	barrier_data(frame);
	if (depth_stack_top() - lowest < want)
		lowest = min(lowest, depth_recurse(want, bottom, bottom_want));
	else if (bottom)
		lowest = min(lowest, bottom(bottom_want));
	return lowest + frame[0] - 0xa5;
}

/* At the bottom of "sleep N": says how deep it is, sleeps until a signal. */
static noinline unsigned long depth_sleep(unsigned long arg)
{
	unsigned long here = (unsigned long)&arg;

	WRITE_ONCE(depth_reached, depth_stack_top() - here);
	WRITE_ONCE(depth_sleeper, task_pid_nr(current));
	while (!signal_pending(current))
		schedule_timeout_interruptible(60 * HZ);
	WRITE_ONCE(depth_sleeper, 0);
	return here;
}

/* 1 KiB nothing writes, between two filled stretches of the stack. */
#define DEPTH_GAP	1024

static noinline unsigned long depth_gap(unsigned long want)
{
	unsigned long gap[DEPTH_GAP / sizeof(unsigned long)];
	unsigned long lowest;

	barrier_data(gap);
	lowest = depth_recurse(want, depth_sleep, 0);
	barrier_data(gap);
	return lowest;
}

/*
 * The kernel's stack_not_used() (include/linux/sched/task_stack.h), built
 * only with CONFIG_DEBUG_STACK_USAGE: the first word above the canary at
 * end_of_stack() that is not zero.
 */
static unsigned long depth_not_used(void)
{
	unsigned long *end = end_of_stack(current), *n = end;

	do {
		n++;
	} while (n < (unsigned long *)depth_stack_top() && !*n);
	return (unsigned long)n - (unsigned long)end;
}

static ssize_t depth_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	bool sleep, release;
	unsigned long want;
	char cmd[32];
	int ret;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, buf, count))
		return -EFAULT;
	cmd[count] = '\0';
	sleep = str_has_prefix(cmd, "sleep ");
	release = str_has_prefix(cmd, "release ");
	ret = kstrtoul(strim(cmd + (sleep ? 6 : release ? 8 : 0)), 0, &want);
	if (ret)
		return ret;
	/* Leave room for the frames of an interrupt and of the scan. */
	if (want > THREAD_SIZE - 2048 ||
	    (sleep && want < THREAD_SIZE / 4 + DEPTH_GAP + 1024))
		return -EINVAL;
	if (sleep) {
		depth_recurse(THREAD_SIZE / 4, depth_gap, want);
		return -EINTR;
	}
	if (release) {
		m->private = (void *)want;
		return count;
	}
	WRITE_ONCE(depth_reached,
		   depth_stack_top() - depth_recurse(want, NULL, 0));
	WRITE_ONCE(depth_used, THREAD_SIZE - depth_not_used());
	return count;
}

static int depth_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%lu %lu %d\n", READ_ONCE(depth_reached),
		   READ_ONCE(depth_used), READ_ONCE(depth_sleeper));
	return 0;
}

static int depth_open(struct inode *inode, struct file *file)
{
	return single_open(file, depth_show, NULL);
}

/*
 * "release N": the recursion runs when the file is released, which for a
 * task that exits with it open is in the task's exit, after
 * sched_process_exit (exit_files(), then the deferred fput's task work).
 */
static int depth_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	unsigned long want = (unsigned long)m->private;

	if (want)
		WRITE_ONCE(depth_reached,
			   depth_stack_top() - depth_recurse(want, NULL, 0));
	return single_release(inode, file);
}

static const struct proc_ops depth_ops = {
	.proc_open	= depth_open,
	.proc_read	= seq_read,
	.proc_write	= depth_write,
	.proc_lseek	= seq_lseek,
	.proc_release	= depth_release,
};

static int __init depth_init(void)
{
	depth_file = proc_create("ctxscope_test_depth", 0600, NULL, &depth_ops);
	return depth_file ? 0 : -ENOMEM;
}

static void __exit depth_exit(void)
{
	proc_remove(depth_file);
}

module_init(depth_init);
module_exit(depth_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ctxscope test helper: a driver of known kernel stack depth");
