// SPDX-License-Identifier: GPL-2.0
/*
 * cs_testdrv: a driver of known behaviour for ctxscope's guest tests, so
 * that what ctxscope measures can be compared with something that is
 * known by construction. Test VMs only; never load it on a real machine.
 *
 * /proc/cs_testdrv/depth: a write of N recurses in the writer's kernel
 *   stack, filling every frame, until at least N bytes of the stack are in
 *   use. A read gives the depth the last write really reached: the bytes
 *   from the top of the writer's stack to the lowest byte it wrote. The
 *   deepest point of the task's stack is at most a frame below that.
 * /proc/cs_testdrv/stall: a write of N spins for N seconds with
 *   preemption off, on the writer's CPU: a real RCU stall, for the
 *   harness's self-test of its stall verdict (tests/vm/rcu-stalls).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/proc_fs.h>
#include <linux/sched/task_stack.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* Bytes each level of the recursion fills. */
#define CS_TESTDRV_FRAME	192

static struct proc_dir_entry *cs_testdrv_dir;
static unsigned long cs_testdrv_reached;	/* depth of the last write */

/* The top of current's kernel stack: its first byte above the stack. */
static unsigned long cs_testdrv_stack_top(void)
{
	return (unsigned long)task_stack_page(current) + THREAD_SIZE;
}

/*
 * Fills a frame, then goes one deeper until want bytes are in use; returns
 * the lowest address written. noinline and the use of the result after
 * the call keep every level a real frame.
 */
static noinline unsigned long cs_testdrv_recurse(unsigned long want)
{
	unsigned char frame[CS_TESTDRV_FRAME];
	unsigned long lowest = (unsigned long)&frame[0];

	memset(frame, 0xa5, sizeof(frame));
	barrier_data(frame);
	if (cs_testdrv_stack_top() - lowest < want)
		lowest = min(lowest, cs_testdrv_recurse(want));
	return lowest + frame[0] - 0xa5;
}

static ssize_t cs_testdrv_depth_write(struct file *file,
				      const char __user *buf, size_t count,
				      loff_t *ppos)
{
	unsigned long want;
	int ret;

	ret = kstrtoul_from_user(buf, count, 0, &want);
	if (ret)
		return ret;
	/* Leave room for the frames of an interrupt and of the scan. */
	if (want > THREAD_SIZE - 2048)
		return -EINVAL;
	WRITE_ONCE(cs_testdrv_reached,
		   cs_testdrv_stack_top() - cs_testdrv_recurse(want));
	return count;
}

static int cs_testdrv_depth_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%lu\n", READ_ONCE(cs_testdrv_reached));
	return 0;
}

static int cs_testdrv_depth_open(struct inode *inode, struct file *file)
{
	return single_open(file, cs_testdrv_depth_show, NULL);
}

static const struct proc_ops cs_testdrv_depth_ops = {
	.proc_open	= cs_testdrv_depth_open,
	.proc_read	= seq_read,
	.proc_write	= cs_testdrv_depth_write,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

static ssize_t cs_testdrv_stall_write(struct file *file,
				      const char __user *buf, size_t count,
				      loff_t *ppos)
{
	unsigned long secs, end;
	int ret;

	ret = kstrtoul_from_user(buf, count, 0, &secs);
	if (ret)
		return ret;
	if (secs > 600)
		return -EINVAL;
	pr_info("stalling CPU %d for %lu s with preemption off\n",
		raw_smp_processor_id(), secs);
	end = jiffies + secs * HZ;
	preempt_disable();
	while (time_before(jiffies, end))
		mdelay(1);
	preempt_enable();
	return count;
}

static const struct proc_ops cs_testdrv_stall_ops = {
	.proc_write	= cs_testdrv_stall_write,
};

static int __init cs_testdrv_init(void)
{
	cs_testdrv_dir = proc_mkdir("cs_testdrv", NULL);
	if (!cs_testdrv_dir)
		return -ENOMEM;
	if (!proc_create("depth", 0600, cs_testdrv_dir, &cs_testdrv_depth_ops) ||
	    !proc_create("stall", 0200, cs_testdrv_dir, &cs_testdrv_stall_ops)) {
		proc_remove(cs_testdrv_dir);
		return -ENOMEM;
	}
	return 0;
}

static void __exit cs_testdrv_exit(void)
{
	proc_remove(cs_testdrv_dir);
}

module_init(cs_testdrv_init);
module_exit(cs_testdrv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ctxscope test driver: known kernel stack depth, a real stall");
