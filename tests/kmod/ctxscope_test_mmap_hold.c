// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope_test_mmap_hold: a helper of the test suite, never for a real
 * machine. It stands for what holds a process's mmap_lock for seconds on
 * real machines (a page fault on a hung FUSE or NFS mount, a slow
 * mlock), so that tests/guest/t17-mmap-hold can check that reading
 * /proc/ctxscope and unloading ctxscope do not wait for it.
 *
 * Writing "PID SECONDS" to /proc/ctxscope_test_mmap_hold takes the
 * mmap_lock of task PID's address space for writing and holds it for
 * SECONDS (at most 600), or until the writer gets a signal; the write
 * returns once the lock is released. Reading the file gives the number
 * of locks held at that moment, so that a test can order its steps
 * against the hold instead of timing them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/proc_fs.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#define HOLD_MAX_SECONDS	600

static atomic_t holds_active = ATOMIC_INIT(0);
static struct proc_dir_entry *hold_file;

static struct mm_struct *hold_get_mm(pid_t nr)
{
	struct task_struct *p;
	struct mm_struct *mm;
	struct pid *pid;

	pid = find_get_pid(nr);
	if (!pid)
		return NULL;
	p = get_pid_task(pid, PIDTYPE_PID);
	put_pid(pid);
	if (!p)
		return NULL;
	mm = get_task_mm(p);
	put_task_struct(p);
	return mm;
}

/* Sleeps until the deadline or a signal; interruptible, so a kill ends it. */
static void hold_sleep(unsigned int seconds)
{
	unsigned long end = jiffies + seconds * HZ;

	while (time_before(jiffies, end) && !signal_pending(current))
		schedule_timeout_interruptible(end - jiffies);
}

static ssize_t hold_write(struct file *file, const char __user *ubuf,
			  size_t len, loff_t *ppos)
{
	unsigned int seconds;
	struct mm_struct *mm;
	char buf[32];
	int nr;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%d %u", &nr, &seconds) != 2 || nr <= 0 ||
	    seconds > HOLD_MAX_SECONDS)
		return -EINVAL;
	mm = hold_get_mm(nr);
	if (!mm)
		return -ESRCH;
	if (mmap_write_lock_killable(mm)) {
		mmput(mm);
		return -EINTR;
	}
	atomic_inc(&holds_active);
	pr_info("holding the mmap_lock of pid %d for %u s\n", nr, seconds);
	hold_sleep(seconds);
	atomic_dec(&holds_active);
	mmap_write_unlock(mm);
	mmput(mm);
	pr_info("released the mmap_lock of pid %d\n", nr);
	return len;
}

static int hold_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", atomic_read(&holds_active));
	return 0;
}

static int hold_open(struct inode *inode, struct file *file)
{
	return single_open(file, hold_show, NULL);
}

static const struct proc_ops hold_ops = {
	.proc_open	= hold_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
	.proc_write	= hold_write,
};

static int __init hold_init(void)
{
	hold_file = proc_create("ctxscope_test_mmap_hold", 0600, NULL,
				&hold_ops);
	return hold_file ? 0 : -ENOMEM;
}

static void __exit hold_exit(void)
{
	/* proc_remove() waits for writers still holding a lock. */
	proc_remove(hold_file);
}

module_init(hold_init);
module_exit(hold_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ctxscope test helper: hold a task's mmap_lock for seconds");
