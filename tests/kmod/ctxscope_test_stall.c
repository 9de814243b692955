// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope_test_stall: a helper of the test suite, never for a real
 * machine. A real RCU stall on demand, for the harness's self-test of
 * its stall verdict (tests/check, tests/vm/stalls): a stall the guest
 * itself causes must be judged real, however loaded the host is.
 *
 * Writing N to /proc/ctxscope_test_stall spins for N seconds (at most
 * 600) on the writer's CPU with preemption off.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/proc_fs.h>
#include <linux/smp.h>
#include <linux/uaccess.h>

#define STALL_MAX_SECONDS	600

static struct proc_dir_entry *stall_file;

static ssize_t stall_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	unsigned long secs, end;
	int ret;

	ret = kstrtoul_from_user(buf, count, 0, &secs);
	if (ret)
		return ret;
	if (secs > STALL_MAX_SECONDS)
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

static const struct proc_ops stall_ops = {
	.proc_write	= stall_write,
};

static int __init stall_init(void)
{
	stall_file = proc_create("ctxscope_test_stall", 0200, NULL, &stall_ops);
	return stall_file ? 0 : -ENOMEM;
}

static void __exit stall_exit(void)
{
	proc_remove(stall_file);
}

module_init(stall_init);
module_exit(stall_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ctxscope test helper: a CPU stalled with preemption off");
