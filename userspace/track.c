// SPDX-License-Identifier: GPL-2.0
/*
 * Following a set of processes through the module's tables; see track.h.
 */
#define _GNU_SOURCE

#include "track.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* Pending exit records older than this many polls are not of the tree. */
#define TRACK_PENDING_POLLS 3

static bool in_cgroups(const struct cs_track *t, uint64_t id)
{
	size_t i;

	for (i = 0; i < t->ncgroups; i++)
		if (t->cgroups[i] == id)
			return true;
	return false;
}

/* The live entry of tgid, or a new one; NULL if out of memory. */
static struct cs_track_proc *proc_for(struct cs_track *t, int tgid)
{
	size_t i;

	for (i = 0; i < t->nprocs; i++)
		if (t->procs[i].tgid == tgid && !t->procs[i].exited)
			return &t->procs[i];
	if (t->nprocs == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 32;
		struct cs_track_proc *p = realloc(t->procs, cap * sizeof(*p));

		if (!p)
			return NULL;
		t->procs = p;
		t->cap = cap;
	}
	memset(&t->procs[t->nprocs], 0, sizeof(t->procs[0]));
	t->procs[t->nprocs].tgid = tgid;
	return &t->procs[t->nprocs++];
}

static void copy_comm(char *dst, size_t len, const struct cs_table *tab,
		      size_t row)
{
	const char *comm = cs_table_str(tab, row, cs_table_col(tab, "comm"));

	snprintf(dst, len, "%s", comm ? comm : "");
}

/* A live row (exited false) or an exit record of a tracked process. */
static int take(struct cs_track *t, const struct cs_table *tab, size_t row,
		bool exited, bool prime)
{
	struct cs_track_proc *p = proc_for(t, (int)cs_cell(tab, row, "tgid"));

	if (!p)
		return CS_EXIT_SOFTWARE;
	p->ppid = (int)cs_cell(tab, row, "ppid");
	p->threads = exited ? (unsigned int)cs_cell(tab, row, "threads") :
			      (unsigned int)(cs_cell(tab, row, "threads") +
					     cs_cell(tab, row, "threads_exited"));
	p->exited = exited;
	if (!exited)
		p->live_poll = t->polls;
	cs_sums_from_row(&p->now, tab, row);
	t->tlb = p->now.tlb;
	if (prime && t->baseline && !exited) {
		p->base = p->now;
		p->base_set = true;
	}
	copy_comm(p->comm, sizeof(p->comm), tab, row);
	return 0;
}

static bool member(const struct cs_track *t, int tgid)
{
	return cs_pids_has(&t->pids, tgid);
}

/* An exit record, or a live row, of the set? */
static bool wanted(const struct cs_track *t, const struct cs_table *tab,
		   size_t row)
{
	int tgid = (int)cs_cell(tab, row, "tgid");

	switch (t->by) {
	case CS_TRACK_CGROUPS:
		return in_cgroups(t, cs_cell(tab, row, "cgroup"));
	case CS_TRACK_PIDS:
		return member(t, tgid);
	case CS_TRACK_TREE:
		return member(t, tgid) ||
		       member(t, (int)cs_cell(tab, row, "ppid"));
	}
	return false;
}

static int add_member(struct cs_track *t, int tgid)
{
	struct cs_pids *p = &t->pids;

	if (member(t, tgid))
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		int *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return CS_EXIT_SOFTWARE;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = tgid;
	return 0;
}

int cs_track_add_pid(struct cs_track *t, int pid)
{
	return add_member(t, pid);
}

static int keep_pending(struct cs_track *t, const struct cs_table *tab,
			size_t row)
{
	struct cs_track_pending *p;

	if (t->npending == t->pcap) {
		size_t cap = t->pcap ? 2 * t->pcap : 32;

		p = realloc(t->pending, cap * sizeof(*p));
		if (!p)
			return CS_EXIT_SOFTWARE;
		t->pending = p;
		t->pcap = cap;
	}
	p = &t->pending[t->npending++];
	memset(p, 0, sizeof(*p));
	p->tgid = (int)cs_cell(tab, row, "tgid");
	p->ppid = (int)cs_cell(tab, row, "ppid");
	p->threads = (unsigned int)cs_cell(tab, row, "threads");
	cs_sums_from_row(&p->sums, tab, row);
	copy_comm(p->comm, sizeof(p->comm), tab, row);
	return 0;
}

/*
 * The tree grows by parentage: a live row or a pending record whose ppid
 * is a member makes its tgid one, until nothing changes.
 */
static int grow_tree(struct cs_track *t, const struct cs_table *live)
{
	bool grew = true;
	size_t i;
	int ret;

	while (grew) {
		grew = false;
		for (i = 0; live && i < live->nrows; i++) {
			int tgid = (int)cs_cell(live, i, "tgid");

			if (!member(t, tgid) &&
			    member(t, (int)cs_cell(live, i, "ppid"))) {
				ret = add_member(t, tgid);
				if (ret)
					return ret;
				grew = true;
			}
		}
		for (i = 0; i < t->npending; i++) {
			if (!member(t, t->pending[i].tgid) &&
			    member(t, t->pending[i].ppid)) {
				ret = add_member(t, t->pending[i].tgid);
				if (ret)
					return ret;
				grew = true;
			}
		}
	}
	return 0;
}

/* Pending records of members become exited processes; old ones go. */
static int settle_pending(struct cs_track *t)
{
	size_t i, kept = 0;

	for (i = 0; i < t->npending; i++) {
		struct cs_track_pending *r = &t->pending[i];

		if (member(t, r->tgid)) {
			struct cs_track_proc *p = proc_for(t, r->tgid);

			if (!p)
				return CS_EXIT_SOFTWARE;
			p->ppid = r->ppid;
			p->threads = r->threads;
			p->exited = true;
			p->now = r->sums;
			snprintf(p->comm, sizeof(p->comm), "%s", r->comm);
			continue;
		}
		if (++r->age < TRACK_PENDING_POLLS)
			t->pending[kept++] = *r;
	}
	t->npending = kept;
	return 0;
}

static bool has_record(const struct cs_track *t, int tgid);

/*
 * A live row of the tree under the pid of a member that exited, whose
 * parent is not of the tree: another process got the pid.
 */
static bool reused(const struct cs_track *t, const struct cs_table *live,
		   size_t row)
{
	int tgid = (int)cs_cell(live, row, "tgid");

	if (t->by != CS_TRACK_TREE)
		return false;
	return !member(t, tgid) ||
	       (has_record(t, tgid) &&
		!member(t, (int)cs_cell(live, row, "ppid")));
}

static int poll_tables(struct cs_track *t, bool prime)
{
	struct cs_table ex, live;
	size_t row;
	int ret;

	ret = cs_load_table("exited", &ex);
	if (ret)
		return ret;
	t->polls++;
	for (row = 0; row < ex.nrows && !ret; row++) {
		uint64_t seq = cs_cell(&ex, row, "seq");

		if (seq <= t->last_seq)
			continue;
		if (t->last_seq && seq > t->last_seq + 1 && !prime)
			t->lost += seq - t->last_seq - 1;
		t->last_seq = seq;
		if (prime)
			continue;	/* before the measurement */
		if (t->by == CS_TRACK_TREE)
			ret = keep_pending(t, &ex, row);
		else if (wanted(t, &ex, row))
			ret = take(t, &ex, row, true, false);
	}
	cs_table_free(&ex);
	if (ret)
		return ret;

	/* After the exit log: a process gone in between is in neither. */
	ret = cs_load_table("processes", &live);
	if (ret)
		return ret;
	if (t->by == CS_TRACK_TREE)
		ret = grow_tree(t, &live);
	for (row = 0; row < live.nrows && !ret; row++)
		if (wanted(t, &live, row) && !reused(t, &live, row))
			ret = take(t, &live, row, false, prime);
	cs_table_free(&live);
	if (!ret && t->by == CS_TRACK_TREE)
		ret = settle_pending(t);
	return ret;
}

int cs_track_prime(struct cs_track *t)
{
	return poll_tables(t, true);
}

int cs_track_poll(struct cs_track *t)
{
	return poll_tables(t, false);
}

static bool has_record(const struct cs_track *t, int tgid)
{
	size_t i;

	for (i = 0; i < t->nprocs; i++)
		if (t->procs[i].tgid == tgid && t->procs[i].exited)
			return true;
	return false;
}

bool cs_track_settled(const struct cs_track *t)
{
	size_t i;

	/*
	 * Gone, but its row was there at the last poll or the one before:
	 * a process that went between a poll's read of the exit log and its
	 * read of the rows is in neither, and its record is in the next
	 * poll's exit log (the module writes it when it removes the row).
	 */
	for (i = 0; i < t->nprocs; i++)
		if (!t->procs[i].exited && t->procs[i].live_poll + 1 >= t->polls &&
		    kill(t->procs[i].tgid, 0) && errno == ESRCH)
			return false;
	return true;
}

void cs_track_counts(const struct cs_track *t, const struct cs_track_proc *p,
		     struct cs_sums *out)
{
	(void)t;
	if (p->base_set)
		cs_sums_delta(out, &p->base, &p->now);
	else
		*out = p->now;
}

void cs_track_total(const struct cs_track *t, struct cs_sums *sum,
		    unsigned int *threads, size_t *exited)
{
	size_t i;

	memset(sum, 0, sizeof(*sum));
	sum->tlb = t->tlb;
	*threads = 0;
	*exited = 0;
	for (i = 0; i < t->nprocs; i++) {
		struct cs_sums s;

		cs_track_counts(t, &t->procs[i], &s);
		cs_sums_add(sum, &s);
		*threads += t->procs[i].threads;
		*exited += t->procs[i].exited;
	}
}

int cs_track_cgroup_totals(const struct cs_track *t, struct cs_sums *sum,
			   uint64_t *live, uint64_t *exited)
{
	struct cs_table tab;
	size_t row;
	int ret = cs_load_table("cgroups", &tab), found = 0;

	if (ret)
		return ret;
	memset(sum, 0, sizeof(*sum));
	*live = *exited = 0;
	for (row = 0; row < tab.nrows; row++) {
		struct cs_sums s;

		if (!in_cgroups(t, cs_cell(&tab, row, "cgroup")))
			continue;
		cs_sums_from_row(&s, &tab, row);
		cs_sums_add(sum, &s);
		*live += cs_cell(&tab, row, "processes");
		*exited += cs_cell(&tab, row, "processes_exited");
		found = 1;
	}
	sum->tlb = cs_table_col(&tab, "tlb_switch_flush") >= 0;
	cs_table_free(&tab);
	return found ? 0 : -1;
}

void cs_track_free(struct cs_track *t)
{
	free(t->cgroups);
	cs_pids_free(&t->pids);
	free(t->procs);
	free(t->pending);
	memset(t, 0, sizeof(*t));
}
