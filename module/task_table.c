// SPDX-License-Identifier: GPL-2.0
/*
 * The per-task and per-process tables; see task_table.h for the rules and
 * docs/design.md for why they hold.
 */
#include <linux/log2.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "task_table.h"

struct ctxscope_tables ctxscope_tables __read_mostly;

DEFINE_RAW_SPINLOCK(ctxscope_table_lock);

DEFINE_STATIC_KEY_FALSE(ctxscope_task_rows);

/*
 * Written on every fork and exit, under the table lock: kept off the
 * cache line of the fields the switch probe reads on every switch.
 */
static struct {
	u32 free_task;			/* free lists through ->next */
	u32 free_proc;
	u32 nr_tasks;
	u32 nr_procs;
	u64 dropped;
} ctxscope_table_state ____cacheline_aligned_in_smp;

static_assert(offsetof(struct ctxscope_task, ustack_floor) +
	      sizeof(unsigned long) <= SMP_CACHE_BYTES,
	      "the fields the switch probe touches share one cache line");

int ctxscope_tables_init(unsigned int capacity)
{
	struct ctxscope_tables *t = &ctxscope_tables;
	size_t buckets;
	u32 i;

	memset(t, 0, sizeof(*t));
	memset(&ctxscope_table_state, 0, sizeof(ctxscope_table_state));
	t->epoch = CTXSCOPE_EPOCH_UNSYNCED + 1;
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
	}
	ctxscope_table_state.free_task = 1;
	ctxscope_table_state.free_proc = 1;
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
	       2 * BITS_TO_LONGS(t->capacity) * sizeof(long);
}

u32 ctxscope_tasks_tracked(void)
{
	return READ_ONCE(ctxscope_table_state.nr_tasks);
}

u32 ctxscope_procs_tracked(void)
{
	return READ_ONCE(ctxscope_table_state.nr_procs);
}

u64 ctxscope_tasks_dropped(void)
{
	return READ_ONCE(ctxscope_table_state.dropped);
}

void ctxscope_task_dropped_locked(void)
{
	lockdep_assert_held(&ctxscope_table_lock);
	WRITE_ONCE(ctxscope_table_state.dropped,
		   ctxscope_table_state.dropped + 1);
}

bool ctxscope_task_rows_left_locked(void)
{
	lockdep_assert_held(&ctxscope_table_lock);
	return ctxscope_table_state.free_task != CTXSCOPE_NO_ROW;
}

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
 * Voluntary is the task's own nvcsw since the counts started; the probe
 * stores nvcsw_seen after the class, and it is read here before them
 * (pairing smp_wmb() and smp_rmb()), so that involuntary (switches -
 * voluntary) never wraps in a snapshot.
 */
void ctxscope_task_snapshot(const struct ctxscope_task *row,
			    u64 count[CTXSCOPE_NR_SUM_COUNTERS])
{
	int i;

	if (!ctxscope_epoch_current(READ_ONCE(row->epoch))) {
		memset(count, 0, CTXSCOPE_NR_SUM_COUNTERS * sizeof(u64));
		return;
	}
	/* Pairs with smp_wmb() before the epoch in the probe's rearm. */
	smp_rmb();
	count[CTXSCOPE_SUM_VOLUNTARY] = READ_ONCE(row->nvcsw_seen) -
					READ_ONCE(row->nvcsw_base);
	count[CTXSCOPE_SUM_MIGRATIONS] = READ_ONCE(row->migrations);
	count[CTXSCOPE_SUM_TLB_FLUSH_IN] = READ_ONCE(row->tlb_flush_in);
	count[CTXSCOPE_SUM_TLB_IPI_SENT] = READ_ONCE(row->tlb_ipi_sent);
	/* Pairs with smp_wmb() between class and nvcsw_seen in the probe. */
	smp_rmb();
	for (i = 0; i < CTXSCOPE_NR_CLASSES; i++)
		count[i] = READ_ONCE(row->to[i]);
}

void ctxscope_sums_add(struct ctxscope_sums *sums,
		       const struct ctxscope_sums *more, bool counts)
{
	int i;

	if (counts)
		for (i = 0; i < CTXSCOPE_NR_SUM_COUNTERS; i++)
			sums->count[i] += READ_ONCE(more->count[i]);
	sums->kstack_max = max(sums->kstack_max, READ_ONCE(more->kstack_max));
	sums->ustack_max = max(sums->ustack_max, READ_ONCE(more->ustack_max));
}

void ctxscope_sums_fold(struct ctxscope_sums *dst, u32 *dst_epoch,
			const struct ctxscope_sums *src, bool src_current)
{
	u32 epoch = ctxscope_tables.epoch;
	int i;

	if (*dst_epoch != epoch) {
		for (i = 0; i < CTXSCOPE_NR_SUM_COUNTERS; i++)
			WRITE_ONCE(dst->count[i], 0);
		WRITE_ONCE(*dst_epoch, epoch);
	}
	if (src_current)
		for (i = 0; i < CTXSCOPE_NR_SUM_COUNTERS; i++)
			WRITE_ONCE(dst->count[i], dst->count[i] + src->count[i]);
	WRITE_ONCE(dst->kstack_max, max(dst->kstack_max, src->kstack_max));
	WRITE_ONCE(dst->ustack_max, max(dst->ustack_max, src->ustack_max));
}

/* A task row's counts and marks, as sums. */
static void ctxscope_task_sums(const struct ctxscope_task *row,
			       struct ctxscope_sums *s)
{
	ctxscope_task_snapshot(row, s->count);
	s->kstack_max = READ_ONCE(row->kstack_max);
	s->ustack_max = READ_ONCE(row->ustack_max);
}

u32 ctxscope_proc_sum(const struct ctxscope_process *proc,
		      struct ctxscope_sums *sums)
{
	const struct ctxscope_task *row;
	struct ctxscope_sums one;

	memset(sums, 0, sizeof(*sums));
	ctxscope_sums_add(sums, &proc->exited,
			  ctxscope_epoch_current(READ_ONCE(proc->epoch)));
	list_for_each_entry_rcu(row, &proc->tasks, siblings) {
		ctxscope_task_sums(row, &one);
		ctxscope_sums_add(sums, &one, true);
	}
	return READ_ONCE(proc->threads_live);
}

static u32 ctxscope_proc_bucket(const struct signal_struct *sig)
{
	return hash_ptr(sig, ctxscope_tables.hash_bits);
}

struct ctxscope_process *
ctxscope_proc_lookup_locked(const struct signal_struct *sig)
{
	u32 id = ctxscope_tables.proc_hash[ctxscope_proc_bucket(sig)];

	lockdep_assert_held(&ctxscope_table_lock);
	while (id != CTXSCOPE_NO_ROW) {
		struct ctxscope_process *proc = ctxscope_proc_row(id);

		if (proc->key == sig)
			return proc;
		id = proc->next;
	}
	return NULL;
}

struct ctxscope_process *ctxscope_proc_insert_locked(struct task_struct *p,
						     pid_t ppid)
{
	const struct signal_struct *sig = p->signal;
	struct ctxscope_process *proc;
	u32 id, *head;

	lockdep_assert_held(&ctxscope_table_lock);
	id = ctxscope_table_state.free_proc;
	if (id == CTXSCOPE_NO_ROW)
		return NULL;
	proc = ctxscope_proc_row(id);
	ctxscope_table_state.free_proc = proc->next;

	proc->threads = 0;
	proc->threads_live = 0;
	proc->threads_exited = 0;
	INIT_LIST_HEAD(&proc->tasks);
	memset(&proc->exited, 0, sizeof(proc->exited));
	proc->epoch = ctxscope_tables.epoch;
	proc->cgroup = 0;
	proc->cg = CTXSCOPE_NO_ROW;
	proc->move_pending = false;
	proc->deferred = NULL;
	proc->tgid = p->tgid;
	proc->ppid = ppid;
	proc->vm_stack_kb = 0;
	strscpy_pad(proc->comm, p->group_leader->comm, sizeof(proc->comm));
	WRITE_ONCE(proc->key, sig);
	head = &ctxscope_tables.proc_hash[ctxscope_proc_bucket(sig)];
	proc->next = *head;
	/* Publish the row only once it is complete. */
	smp_store_release(head, id);
	set_bit(id - 1, ctxscope_tables.procs_used);
	WRITE_ONCE(ctxscope_table_state.nr_procs,
		   ctxscope_table_state.nr_procs + 1);
	return proc;
}

struct ctxscope_task *
ctxscope_task_insert_locked(struct task_struct *p,
			    struct ctxscope_process *proc,
			    const struct ctxscope_task_init *init)
{
	struct ctxscope_tables *t = &ctxscope_tables;
	struct ctxscope_task *row;
	u32 id, *head;

	lockdep_assert_held(&ctxscope_table_lock);
	id = ctxscope_table_state.free_task;
	if (WARN_ON_ONCE(id == CTXSCOPE_NO_ROW))
		return NULL;
	row = ctxscope_task_row(id);
	ctxscope_table_state.free_task = row->next;

	memset(row->to, 0, sizeof(row->to));
	row->migrations = 0;
	row->tlb_flush_in = 0;
	row->tlb_ipi_sent = 0;
	/* A new task has not run yet: its nvcsw is 0 and all is seen. */
	row->nvcsw_seen = READ_ONCE(p->nvcsw);
	row->nvcsw_base = row->nvcsw_seen;
	row->epoch = init->synced ? t->epoch : CTXSCOPE_EPOCH_UNSYNCED;
	row->last_cpu = init->last_cpu;
	row->kstack_max = 0;
	row->ustack_max = 0;
	row->ustack_lo = init->ustack_lo;
	row->ustack_hi = init->ustack_hi;
	row->ustack_anchor = init->ustack_anchor;
	row->ustack_pending = ULONG_MAX;
	row->ustack_floor = init->ustack_floor;
	row->ustack_leader = init->ustack_leader;
	row->ustack_gen = 0;
	row->refreshed = ULONG_MAX;
	row->pid = p->pid;
	row->tgid = p->tgid;
	row->proc = proc - t->procs + 1;
	row->deferred = NULL;
	strscpy_pad(row->comm, p->comm, sizeof(row->comm));
	list_add_tail_rcu(&row->siblings, &proc->tasks);
	proc->threads++;
	proc->threads_live++;

	/*
	 * The key last: a switch probe's slow path that finds the row
	 * through an entry of its row cache, rather than the chain, must
	 * not see it before it is complete either (switch_probe.c; the fast
	 * path only hits rows its own slow path put in the cache).
	 */
	smp_store_release(&row->task, p);
	head = &t->task_hash[hash_ptr(p, t->hash_bits)];
	row->next = *head;
	/* Publish the row only once it is complete: lookups are lockless. */
	smp_store_release(head, id);
	set_bit(id - 1, t->tasks_used);
	WRITE_ONCE(ctxscope_table_state.nr_tasks,
		   ctxscope_table_state.nr_tasks + 1);
	return row;
}

/* A removed row is reused only after every lockless reader is done. */
static void ctxscope_task_row_free_rcu(struct rcu_head *rcu)
{
	struct ctxscope_task *row = container_of(rcu, struct ctxscope_task,
						 rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	row->next = ctxscope_table_state.free_task;
	ctxscope_table_state.free_task = ctxscope_task_id(row);
	raw_spin_unlock_irqrestore(&ctxscope_table_lock, flags);
}

static void ctxscope_proc_row_free_rcu(struct rcu_head *rcu)
{
	struct ctxscope_process *proc = container_of(rcu,
						     struct ctxscope_process,
						     rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&ctxscope_table_lock, flags);
	proc->next = ctxscope_table_state.free_proc;
	ctxscope_table_state.free_proc = proc - ctxscope_tables.procs + 1;
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
 * chain.
 */
static void ctxscope_chain_unlink(u32 *head, u32 id, u32 *(*link_of)(u32))
{
	u32 *link = head;

	while (*link != id)
		link = link_of(*link);
	WRITE_ONCE(*link, *link_of(id));
}

static void ctxscope_proc_unhash_locked(struct ctxscope_process *proc)
{
	u32 id = proc - ctxscope_tables.procs + 1;

	ctxscope_chain_unlink(&ctxscope_tables.proc_hash[ctxscope_proc_bucket(proc->key)],
			      id, ctxscope_proc_link);
	WRITE_ONCE(proc->key, NULL);
	clear_bit(id - 1, ctxscope_tables.procs_used);
	WRITE_ONCE(ctxscope_table_state.nr_procs,
		   ctxscope_table_state.nr_procs - 1);
}

struct ctxscope_process *ctxscope_task_unhash_locked(struct ctxscope_task *row)
{
	struct ctxscope_tables *t = &ctxscope_tables;
	struct ctxscope_process *proc = ctxscope_proc_row(row->proc);
	u32 id = ctxscope_task_id(row);

	lockdep_assert_held(&ctxscope_table_lock);
	ctxscope_chain_unlink(&t->task_hash[hash_ptr(row->task, t->hash_bits)],
			      id, ctxscope_task_link);
	WRITE_ONCE(row->task, NULL);
	clear_bit(id - 1, t->tasks_used);
	WRITE_ONCE(ctxscope_table_state.nr_tasks,
		   ctxscope_table_state.nr_tasks - 1);
	/*
	 * Its signal_struct is freed with its last task and may be reused
	 * at once by a new process: unhash the row now, even if its fold
	 * into the cgroup has to wait.
	 */
	WRITE_ONCE(proc->threads_live, proc->threads_live - 1);
	if (!proc->threads_live)
		ctxscope_proc_unhash_locked(proc);
	return proc;
}

struct ctxscope_process *ctxscope_task_fold_locked(struct ctxscope_task *row)
{
	struct ctxscope_process *proc = ctxscope_proc_row(row->proc);
	struct ctxscope_sums left;

	lockdep_assert_held(&ctxscope_table_lock);
	ctxscope_task_sums(row, &left);
	ctxscope_sums_fold(&proc->exited, &proc->epoch, &left, true);
	list_del_rcu(&row->siblings);
	proc->threads--;
	WRITE_ONCE(proc->threads_exited, proc->threads_exited + 1);
	call_rcu(&row->rcu, ctxscope_task_row_free_rcu);
	return proc;
}

void ctxscope_proc_release_locked(struct ctxscope_process *proc)
{
	lockdep_assert_held(&ctxscope_table_lock);
	WARN_ON_ONCE(proc->threads || proc->key);
	call_rcu(&proc->rcu, ctxscope_proc_row_free_rcu);
}

/*
 * Reset: task rows re-zero their counts at their next switch-out and
 * process rows their sums of exited threads at the next fold, when they
 * see the new epoch; readers show rows of an older epoch as zero. No row
 * is touched here, so the lock is held only for a moment.
 */
void ctxscope_tables_reset_locked(void)
{
	u32 epoch = ctxscope_tables.epoch + 1;

	lockdep_assert_held(&ctxscope_table_lock);
	if (epoch == CTXSCOPE_EPOCH_UNSYNCED)
		epoch++;
	WRITE_ONCE(ctxscope_tables.epoch, epoch);
	WRITE_ONCE(ctxscope_table_state.dropped, 0);
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
