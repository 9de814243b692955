// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ctxscope/control: the one write interface. The whole command must
 * arrive in one write(); anything but "reset" or "reset\n" is refused with
 * EINVAL before any state is touched.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/uaccess.h>

#include "cgroup_table.h"
#include "control.h"
#include "counters.h"
#include "switch_probe.h"
#include "task_table.h"

/* Longer than any command, so that an oversized write is recognisable. */
#define CTXSCOPE_CONTROL_MAX	16

static bool ctxscope_control_is_reset(const char *buf, size_t len)
{
	static const char reset[] = "reset";

	if (len && buf[len - 1] == '\n')
		len--;
	return len == sizeof(reset) - 1 && !memcmp(buf, reset, len);
}

/*
 * Every counter starts again from zero: the per-CPU ones take a new base
 * (no IPI, no pause of the probes), the rows a new epoch, which each row
 * notices at its next switch-out or fold (task_table.c).
 */
static int ctxscope_reset(void)
{
	unsigned long flags;
	int ret;

	ret = ctxscope_counters_reset();
	if (ret)
		return ret;
	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	ctxscope_tables_reset_locked();
	ctxscope_cgroups_reset_locked();
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
	/* After the new epoch: no row counts on in the old one. */
	ctxscope_switch_probe_forget_rows();
	return 0;
}

static ssize_t ctxscope_control_write(struct file *file,
				      const char __user *ubuf,
				      size_t count, loff_t *ppos)
{
	char buf[CTXSCOPE_CONTROL_MAX];
	int ret;

	/* The opener and the writer both need it: no fd passing around it. */
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) ||
	    !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (count == 0 || count > sizeof(buf) || *ppos != 0)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	if (!ctxscope_control_is_reset(buf, count))
		return -EINVAL;

	ret = ctxscope_reset();
	return ret ? ret : count;
}

const struct proc_ops ctxscope_control_ops = {
	.proc_write	= ctxscope_control_write,
	.proc_lseek	= noop_llseek,
};
