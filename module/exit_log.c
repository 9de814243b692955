// SPDX-License-Identifier: GPL-2.0
/*
 * The exit log; see exit_log.h.
 */
#include <linux/ktime.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "exit_log.h"

/* Protected by ctxscope_table_lock. */
static struct ctxscope_exit_record *ctxscope_ring;
static u32 ctxscope_ring_size;
static u64 ctxscope_ring_written;

int ctxscope_exit_log_init(unsigned int capacity)
{
	ctxscope_ring_written = 0;
	ctxscope_ring_size = 0;
	if (!capacity)
		return 0;
	ctxscope_ring = vzalloc(array_size(capacity, sizeof(*ctxscope_ring)));
	if (!ctxscope_ring)
		return -ENOMEM;
	ctxscope_ring_size = capacity;
	return 0;
}

void ctxscope_exit_log_free(void)
{
	vfree(ctxscope_ring);
	ctxscope_ring = NULL;
	ctxscope_ring_size = 0;
}

size_t ctxscope_exit_log_bytes(void)
{
	return (size_t)ctxscope_ring_size * sizeof(*ctxscope_ring);
}

u64 ctxscope_exit_log_written(void)
{
	return READ_ONCE(ctxscope_ring_written);
}

void ctxscope_exit_log_add_locked(const struct ctxscope_process *proc)
{
	struct ctxscope_exit_record *rec;

	lockdep_assert_held(&ctxscope_table_lock);
	if (!ctxscope_ring_size)
		return;
	rec = &ctxscope_ring[ctxscope_ring_written % ctxscope_ring_size];
	memset(rec, 0, sizeof(*rec));
	rec->exit_ns = ktime_get_ns();
	rec->cgroup = proc->cgroup;
	rec->tgid = proc->tgid;
	rec->ppid = proc->ppid;
	rec->threads = proc->threads_exited;
	rec->vm_stack_kb = proc->vm_stack_kb;
	ctxscope_sums_add(&rec->sums, &proc->exited,
			  ctxscope_epoch_current(proc->epoch));
	memcpy(rec->comm, proc->comm, sizeof(rec->comm));
	rec->seq = ctxscope_ring_written + 1;
	WRITE_ONCE(ctxscope_ring_written, rec->seq);
}

bool ctxscope_exit_log_copy(u64 *seq, struct ctxscope_exit_record *rec)
{
	unsigned long flags;
	u64 oldest, want;
	bool found = false;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	oldest = ctxscope_ring_written > ctxscope_ring_size ?
		 ctxscope_ring_written - ctxscope_ring_size + 1 : 1;
	want = max(*seq, oldest);
	if (ctxscope_ring_size && want <= ctxscope_ring_written) {
		*rec = ctxscope_ring[(want - 1) % ctxscope_ring_size];
		*seq = want;
		found = true;
	}
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
	return found;
}
