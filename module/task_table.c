// SPDX-License-Identifier: GPL-2.0
/*
 * The per-task and per-process tables: allocation, insertion at fork and
 * load, removal at free, reset. See task_table.h for the rules and
 * docs/design.md for why they hold.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/jump_label.h>
#include <linux/log2.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <trace/events/sched.h>
#include <trace/events/task.h>

#include "compat.h"
#include "task_table.h"
#include "ustack.h"

struct ctxscope_tables ctxscope_tables;

/*
 * Serialises insert, remove and reset. Taken with interrupts off: rows are
 * removed from RCU callbacks (softirq), which must not interrupt a holder.
 */
DEFINE_RAW_SPINLOCK(ctxscope_table_lock);

/* Protected by ctxscope_table_lock. */
static u32 ctxscope_free_task;		/* free list through ->next */
static u32 ctxscope_free_proc;
static u32 ctxscope_nr_tasks;
static u32 ctxscope_nr_procs;
static u64 ctxscope_dropped;

/* Whether there is a task table: a no-op branch for the switch probe. */
DEFINE_STATIC_KEY_FALSE(ctxscope_task_rows);

int ctxscope_tables_init(unsigned int capacity)
{
	struct ctxscope_tables *t = &ctxscope_tables;
	size_t buckets;
	u32 i;

	memset(t, 0, sizeof(*t));
	if (!capacity)
		return 0;
	/* Two buckets per row: chains stay about half a row long. */
	t->hash_bits = ilog2(roundup_pow_of_two(capacity)) + 1;
	buckets = 1UL << t->hash_bits;
	t->task_hash = vzalloc(array_size(buckets, sizeof(u32)));
	t->proc_hash = vzalloc(array_size(buckets, sizeof(u32)));
	t->tasks = vzalloc(array_size(capacity, sizeof(*t->tasks)));
	t->procs = vzalloc(array_size(capacity, sizeof(*t->procs)));
	t->tasks_used = vzalloc(BITS_TO_LONGS(capacity) * sizeof(long));
	t->procs_used = vzalloc(BITS_TO_LONGS(capacity) * sizeof(long));
	if (!t->task_hash || !t->proc_hash || !t->tasks || !t->procs ||
	    !t->tasks_used || !t->procs_used) {
		ctxscope_tables_free();
		return -ENOMEM;
	}
	t->capacity = capacity;
	for (i = 0; i < capacity; i++) {
		t->tasks[i].next = i + 2 <= capacity ? i + 2 : CTXSCOPE_NO_ROW;
		t->procs[i].next = i + 2 <= capacity ? i + 2 : CTXSCOPE_NO_ROW;
		seqcount_init(&t->procs[i].seq);
	}
	ctxscope_free_task = 1;
	ctxscope_free_proc = 1;
	ctxscope_nr_tasks = 0;
	ctxscope_nr_procs = 0;
	ctxscope_dropped = 0;
	static_branch_enable(&ctxscope_task_rows);
	return 0;
}

/* After the probes are detached, or before they are attached. */
void ctxscope_tables_free(void)
{
	struct ctxscope_tables *t = &ctxscope_tables;

	static_branch_disable(&ctxscope_task_rows);

	vfree(t->task_hash);
	vfree(t->proc_hash);
	vfree(t->tasks);
	vfree(t->procs);
	vfree(t->tasks_used);
	vfree(t->procs_used);
	memset(t, 0, sizeof(*t));
}

size_t ctxscope_tables_bytes(void)
{
	const struct ctxscope_tables *t = &ctxscope_tables;

	if (!t->capacity)
		return 0;
	return 2 * (sizeof(u32) << t->hash_bits) +
	       t->capacity * (sizeof(*t->tasks) + sizeof(*t->procs)) +
	       2 * BITS_TO_LONGS(t->capacity) * sizeof(long) +
	       ctxscope_cgroups_bytes() + ctxscope_exit_log_bytes();
}

u32 ctxscope_tasks_tracked(void)
{
	return READ_ONCE(ctxscope_nr_tasks);
}

u32 ctxscope_procs_tracked(void)
{
	return READ_ONCE(ctxscope_nr_procs);
}

u64 ctxscope_tasks_dropped(void)
{
	return READ_ONCE(ctxscope_dropped);
}

bool ctxscope_task_counts_current(const struct ctxscope_task *row)
{
	bool current_epoch = READ_ONCE(row->epoch) ==
			     READ_ONCE(ctxscope_tables.epoch);

	/* Pairs with the smp_wmb() after a row's counters are re-zeroed. */
	smp_rmb();
	return current_epoch;
}

/* Raises *max to value (clamped to u32); safe against racing writers. */
void ctxscope_store_max(u32 *max, unsigned long value)
{
	u32 new = min_t(unsigned long, value, U32_MAX);
	u32 old = READ_ONCE(*max);

	while (new > old) {
		u32 seen = cmpxchg(max, old, new);

		if (seen == old)
			break;
		old = seen;
	}
}

/*
 * A consistent copy of a row's counters: zero if a reset happened since
 * the row last counted. Voluntary is read before the classes, pairing with
 * the smp_wmb() between them in the switch probe, so that involuntary
 * (switches - voluntary) never wraps.
 */
static_assert(CTXSCOPE_TO_IDLE + 1 == CTXSCOPE_TASK_VOLUNTARY);
void ctxscope_task_snapshot(const struct ctxscope_task *row,
			    u64 count[CTXSCOPE_NR_TASK_COUNTERS])
{
	int i;

	if (!ctxscope_task_counts_current(row)) {
		memset(count, 0, CTXSCOPE_NR_TASK_COUNTERS * sizeof(u64));
		return;
	}
	/* Every counter after the classes, voluntary first among them. */
	for (i = CTXSCOPE_TASK_VOLUNTARY; i < CTXSCOPE_NR_TASK_COUNTERS; i++)
		count[i] = READ_ONCE(row->count[i]);
	/* Pairs with smp_wmb() in ctxscope_task_switch_out(). */
	smp_rmb();
	for (i = CTXSCOPE_TO_PROCESS; i <= CTXSCOPE_TO_IDLE; i++)
		count[i] = READ_ONCE(row->count[i]);
}

void ctxscope_sums_add_task(struct ctxscope_sums *sums,
			    const struct ctxscope_task *row)
{
	u64 count[CTXSCOPE_NR_TASK_COUNTERS];
	int i;

	ctxscope_task_snapshot(row, count);
	for (i = 0; i < CTXSCOPE_NR_TASK_COUNTERS; i++)
		sums->count[i] += count[i];
	sums->kstack_max = max(sums->kstack_max, READ_ONCE(row->kstack_max));
	sums->ustack_max = max(sums->ustack_max, READ_ONCE(row->ustack_max));
}

/* Adds more to sums: the counters only if counts, the maxima always. */
void ctxscope_sums_add(struct ctxscope_sums *sums,
		       const struct ctxscope_sums *more, bool counts)
{
	int i;

	if (counts)
		for (i = 0; i < CTXSCOPE_NR_TASK_COUNTERS; i++)
			sums->count[i] += READ_ONCE(more->count[i]);
	sums->kstack_max = max(sums->kstack_max, READ_ONCE(more->kstack_max));
	sums->ustack_max = max(sums->ustack_max, READ_ONCE(more->ustack_max));
}

/*
 * Folds what a finished task or process left (src) into its owner's sums
 * (dst), zeroing dst's counters first if a reset happened since they were
 * last folded into. The stack maxima survive resets. Table lock held.
 */
void ctxscope_sums_fold(struct ctxscope_sums *dst, u32 *dst_epoch,
			const struct ctxscope_sums *src, bool src_current)
{
	u32 epoch = ctxscope_tables.epoch;

	if (*dst_epoch != epoch) {
		memset(dst->count, 0, sizeof(dst->count));
		*dst_epoch = epoch;
	}
	ctxscope_sums_add(dst, src, src_current);
}

/*
 * What a process did: its exited threads plus its live ones, read
 * consistently against threads exiting meanwhile (its seqcount). RCU read
 * lock held.
 */
void ctxscope_proc_sum(const struct ctxscope_process *proc,
		       struct ctxscope_sums *sums, u32 *threads)
{
	const struct ctxscope_task *row;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&proc->seq);
		memset(sums, 0, sizeof(*sums));
		*threads = READ_ONCE(proc->threads);
		ctxscope_sums_add(sums, &proc->exited,
				  READ_ONCE(proc->epoch) ==
				  READ_ONCE(ctxscope_tables.epoch));
		list_for_each_entry_rcu(row, &proc->tasks, siblings)
			ctxscope_sums_add_task(sums, row);
	} while (read_seqcount_retry(&proc->seq, seq));
}

static u32 ctxscope_proc_bucket(const struct signal_struct *sig)
{
	return hash_ptr(sig, ctxscope_tables.hash_bits);
}

static struct ctxscope_process *
ctxscope_proc_lookup(const struct signal_struct *sig, u32 *idp)
{
	u32 id = READ_ONCE(ctxscope_tables.proc_hash[ctxscope_proc_bucket(sig)]);

	while (id != CTXSCOPE_NO_ROW) {
		struct ctxscope_process *proc = ctxscope_proc_row(id);

		if (READ_ONCE(proc->key) == sig) {
			*idp = id;
			return proc;
		}
		id = READ_ONCE(proc->next);
	}
	return NULL;
}

/* The process row of p, created if needed. Table lock held. */
static u32 ctxscope_proc_get(struct task_struct *p, pid_t ppid)
{
	const struct signal_struct *sig = p->signal;
	struct ctxscope_process *proc;
	u32 id, *head;

	proc = ctxscope_proc_lookup(sig, &id);
	if (proc)
		return id;
	id = ctxscope_free_proc;
	if (id == CTXSCOPE_NO_ROW)
		return CTXSCOPE_NO_ROW;
	proc = ctxscope_proc_row(id);
	ctxscope_free_proc = proc->next;

	proc->threads = 0;
	proc->threads_exited = 0;
	INIT_LIST_HEAD(&proc->tasks);
	memset(&proc->exited, 0, sizeof(proc->exited));
	proc->epoch = ctxscope_tables.epoch;
	proc->tgid = p->tgid;
	proc->ppid = ppid;
	proc->vm_stack_kb = 0;
	strscpy_pad(proc->comm, p->group_leader->comm, sizeof(proc->comm));
	proc->cgroup = 0;
	proc->cg = CTXSCOPE_NO_ROW;
	ctxscope_proc_set_cgroup(proc, ctxscope_task_cgroup(p));
	WRITE_ONCE(proc->key, sig);
	head = &ctxscope_tables.proc_hash[ctxscope_proc_bucket(sig)];
	proc->next = *head;
	/* Publish the row only once it is complete. */
	smp_store_release(head, id);
	set_bit(id - 1, ctxscope_tables.procs_used);
	ctxscope_nr_procs++;
	return id;
}

/*
 * Adds a row for p unless it has one. Table lock held. ustack_lo/hi are
 * the bounds of p's user stack mapping, or 0 if unknown.
 */
static void ctxscope_task_insert_locked(struct task_struct *p, pid_t ppid,
					u32 last_cpu, unsigned long ustack_lo,
					unsigned long ustack_hi)
{
	struct ctxscope_tables *t = &ctxscope_tables;
	struct ctxscope_task *row;
	u32 id, proc_id, *head;

	if (ctxscope_task_lookup(p))
		return;
	id = ctxscope_free_task;
	proc_id = id != CTXSCOPE_NO_ROW ? ctxscope_proc_get(p, ppid) :
					  CTXSCOPE_NO_ROW;
	if (proc_id == CTXSCOPE_NO_ROW) {
		ctxscope_dropped++;
		return;
	}
	row = ctxscope_task_row(id);
	ctxscope_free_task = row->next;

	memset(row->count, 0, sizeof(row->count));
	row->epoch = t->epoch;
	row->last_cpu = last_cpu;
	row->samples = 0;
	row->refreshed = U32_MAX;
	row->kstack_max = 0;
	row->ustack_max = 0;
	row->ustack_lo = ustack_lo;
	row->ustack_hi = ustack_hi;
	row->ustack_pending = ULONG_MAX;
	row->ustack_floor = ctxscope_ustack_first_floor(p, ustack_hi);
	row->pid = p->pid;
	row->tgid = p->tgid;
	row->proc = proc_id;
	strscpy_pad(row->comm, p->comm, sizeof(row->comm));
	list_add_tail_rcu(&row->siblings, &ctxscope_proc_row(proc_id)->tasks);
	ctxscope_proc_row(proc_id)->threads++;

	/*
	 * The key last: a switch probe that finds the row through a stale
	 * entry of its row cache, rather than the chain, must not see it
	 * before it is complete either (switch_probe.c).
	 */
	smp_store_release(&row->task, p);
	head = &t->task_hash[hash_ptr(p, t->hash_bits)];
	row->next = *head;
	/* Publish the row only once it is complete: lookups are lockless. */
	smp_store_release(head, id);
	set_bit(id - 1, t->tasks_used);
	ctxscope_nr_tasks++;
}

static void ctxscope_task_insert(struct task_struct *p, pid_t ppid,
				 u32 last_cpu, unsigned long ustack_lo,
				 unsigned long ustack_hi)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	ctxscope_task_insert_locked(p, ppid, last_cpu, ustack_lo, ustack_hi);
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

/* A removed row is reused only after every lockless reader is done. */
static void ctxscope_task_row_free_rcu(struct rcu_head *rcu)
{
	struct ctxscope_task *row = container_of(rcu, struct ctxscope_task,
						 rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	row->next = ctxscope_free_task;
	ctxscope_free_task = row - ctxscope_tables.tasks + 1;
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

static void ctxscope_proc_row_free_rcu(struct rcu_head *rcu)
{
	struct ctxscope_process *proc = container_of(rcu,
						     struct ctxscope_process,
						     rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	proc->next = ctxscope_free_proc;
	ctxscope_free_proc = proc - ctxscope_tables.procs + 1;
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

static u32 *ctxscope_task_link(u32 id)
{
	return &ctxscope_task_row(id)->next;
}

static u32 *ctxscope_proc_link(u32 id)
{
	return &ctxscope_proc_row(id)->next;
}

/*
 * Unlinks row id from the chain starting at *head. The unlinked row keeps
 * its ->next, so a reader standing on it still reaches the rest of the
 * chain. Table lock held.
 */
static void ctxscope_chain_unlink(u32 *head, u32 id, u32 *(*link_of)(u32))
{
	u32 *link = head;

	while (*link != id)
		link = link_of(*link);
	WRITE_ONCE(*link, *link_of(id));
}

/* The process's last thread is gone: log it, leave its cgroup, free. */
static void ctxscope_proc_remove_locked(u32 id)
{
	struct ctxscope_process *proc = ctxscope_proc_row(id);

	ctxscope_exit_log_add(proc);
	ctxscope_proc_leave_cgroup(proc);

	ctxscope_chain_unlink(&ctxscope_tables.proc_hash[ctxscope_proc_bucket(proc->key)],
			      id, ctxscope_proc_link);
	WRITE_ONCE(proc->key, NULL);
	clear_bit(id - 1, ctxscope_tables.procs_used);
	ctxscope_nr_procs--;
	call_rcu(&proc->rcu, ctxscope_proc_row_free_rcu);
}

/* Folds a finished thread into its process. Table lock held. */
static void ctxscope_proc_fold(struct ctxscope_process *proc,
			       struct ctxscope_task *row)
{
	struct ctxscope_sums left = {
		.kstack_max = READ_ONCE(row->kstack_max),
		.ustack_max = READ_ONCE(row->ustack_max),
	};

	memcpy(left.count, row->count, sizeof(left.count));
	write_seqcount_begin(&proc->seq);
	ctxscope_sums_fold(&proc->exited, &proc->epoch, &left,
			   row->epoch == ctxscope_tables.epoch);
	list_del_rcu(&row->siblings);
	proc->threads--;
	proc->threads_exited++;
	write_seqcount_end(&proc->seq);
}

static void ctxscope_task_remove(struct task_struct *p)
{
	struct ctxscope_tables *t = &ctxscope_tables;
	struct ctxscope_process *proc;
	struct ctxscope_task *row;
	unsigned long flags;
	u32 id;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	row = ctxscope_task_lookup(p);
	if (!row)
		goto out;
	id = row - t->tasks + 1;
	ctxscope_chain_unlink(&t->task_hash[hash_ptr(p, t->hash_bits)], id,
			      ctxscope_task_link);
	WRITE_ONCE(row->task, NULL);
	clear_bit(id - 1, t->tasks_used);
	ctxscope_nr_tasks--;

	proc = ctxscope_proc_row(row->proc);
	ctxscope_proc_fold(proc, row);
	if (!proc->threads)
		ctxscope_proc_remove_locked(row->proc);
	call_rcu(&row->rcu, ctxscope_task_row_free_rcu);
out:
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

/*
 * Rows for the tasks that existed before the load. Called with the fork
 * and free probes attached and after a grace period, so that every task
 * is either visible in the task list here or inserted by the fork probe,
 * and every task seen here is removed by the free probe later (its
 * sched_process_free cannot run before this RCU read section ends).
 */
void ctxscope_tables_populate(void)
{
	struct task_struct *g, *p;

	if (!ctxscope_tables.capacity)
		return;
	/*
	 * for_each_process_thread() without its lockdep condition, which
	 * names tasklist_lock: not exported, so with PROVE_RCU_LIST the
	 * module would not link. The RCU read lock is what protects the walk.
	 */
	rcu_read_lock();
	for_each_process(g)
		list_for_each_entry_rcu(p, &g->signal->thread_head, thread_node)
			ctxscope_task_insert(p,
					     rcu_dereference(p->real_parent)->tgid,
					     task_cpu(p), 0, 0);
	rcu_read_unlock();
}

/*
 * Reset: task rows re-zero their counters at their next switch-out and
 * process rows their sums of exited threads at the next fold, when they
 * see the new epoch; readers show rows of an older epoch as zero. No row
 * is touched here, so the lock is held only for a moment.
 */
void ctxscope_tables_reset(void)
{
	unsigned long flags;

	if (!ctxscope_tables.capacity)
		return;
	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	WRITE_ONCE(ctxscope_tables.epoch, ctxscope_tables.epoch + 1);
	WRITE_ONCE(ctxscope_dropped, 0);
	ctxscope_cgroups_reset();
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

struct task_struct *ctxscope_task_get(const struct ctxscope_task *row)
{
	struct task_struct *p;

	rcu_read_lock();
	p = pid_task(find_pid_ns(READ_ONCE(row->pid), &init_pid_ns),
		     PIDTYPE_PID);
	/* Another task may hold the pid now: only the row's own counts. */
	if (p && p == READ_ONCE(row->task))
		get_task_struct(p);
	else
		p = NULL;
	rcu_read_unlock();
	return p;
}

/* Runs in the parent before the child can run; preemption is off. */
void ctxscope_probe_process_fork(void *data, struct task_struct *parent,
				 struct task_struct *child)
{
	unsigned long lo = 0, hi = 0;

	/* The child starts on the stack clone() gave it: find its mapping. */
	if (!(child->flags & (PF_KTHREAD | PF_IO_WORKER)) && child->mm)
		ctxscope_ustack_bounds_trylock(child->mm,
					       ctxscope_user_sp(child),
					       &lo, &hi);
	/* current forked child: for a new process, current is its parent. */
	ctxscope_task_insert(child, current->tgid, CTXSCOPE_NO_CPU, lo, hi);
}

/* Runs in p (current) after the new program is in place. */
void ctxscope_probe_process_exec(void *data, struct task_struct *p,
				 pid_t old_pid, struct linux_binprm *bprm)
{
	unsigned long lo = 0, hi = 0, flags;
	struct ctxscope_task *row;
	u64 cgroup = ctxscope_task_cgroup(p);

	row = ctxscope_task_lookup(p);
	if (!row)
		return;
	/* A non-leader that execs takes over the leader's pid. */
	WRITE_ONCE(row->pid, p->pid);
	strscpy_pad(row->comm, p->comm, sizeof(row->comm));
	strscpy_pad(ctxscope_proc_row(row->proc)->comm, p->comm,
		    sizeof(row->comm));
	/* It may have moved itself to another cgroup before exec. */
	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	ctxscope_proc_set_cgroup(ctxscope_proc_row(row->proc), cgroup);
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
	/* A new address space: forget the old stack mapping. */
	WRITE_ONCE(row->ustack_hi, 0);
	WRITE_ONCE(row->ustack_pending, ULONG_MAX);
	if (p->mm &&
	    ctxscope_ustack_bounds_trylock(p->mm, p->mm->start_stack, &lo, &hi))
		ctxscope_ustack_set_bounds(row, lo, hi);
	/* Also turns a kernel thread that exec'd a program into a user task. */
	ctxscope_ustack_refloor(row);
}

/* From an RCU callback, after the task's last switch. */
void ctxscope_probe_process_free(void *data, struct task_struct *p)
{
	ctxscope_task_remove(p);
}

void ctxscope_probe_task_rename(void *data, struct task_struct *task,
				const char *comm)
{
	struct ctxscope_task *row;

	rcu_read_lock();
	row = ctxscope_task_lookup(task);
	if (row) {
		strscpy_pad(row->comm, comm, sizeof(row->comm));
		if (task->pid == task->tgid)
			strscpy_pad(ctxscope_proc_row(row->proc)->comm, comm,
				    sizeof(row->comm));
	}
	rcu_read_unlock();
}

ctxscope_assert_probe(sched_process_fork, ctxscope_probe_process_fork);
ctxscope_assert_probe(sched_process_exec, ctxscope_probe_process_exec);
ctxscope_assert_probe(sched_process_free, ctxscope_probe_process_free);
ctxscope_assert_probe(task_rename, ctxscope_probe_task_rename);
