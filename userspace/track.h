/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Following a set of processes through the module's tables: the live
 * rows of /proc/ctxscope/processes and the records of the processes that
 * left it (/proc/ctxscope/exited), read every poll (often enough that the
 * exit log does not wrap between two reads; a gap in its sequence numbers
 * is counted as lost records).
 *
 * Which processes:
 *   CS_TRACK_CGROUPS  those in a set of cgroups (stat -- CMD's own group,
 *                     stat -G)
 *   CS_TRACK_TREE     the command and its descendants, by the ppid of
 *                     their rows and records (stat -- CMD without a usable
 *                     cgroup2): a process whose parent lived and died
 *                     between two polls is found from the parent's record,
 *                     so only lost records lose processes
 *   CS_TRACK_PIDS     a set of processes (stat -p)
 *
 * With a baseline (attaching to running processes), counts are what
 * happened since the first poll (cs_track_prime).
 */
#ifndef CTXSCOPE_TRACK_H
#define CTXSCOPE_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "metrics.h"

enum cs_track_by { CS_TRACK_CGROUPS, CS_TRACK_TREE, CS_TRACK_PIDS };

struct cs_track_proc {
	int tgid, ppid;
	unsigned int threads;
	bool exited;
	unsigned long live_poll;	/* the poll that last saw its row */
	bool base_set;
	struct cs_sums base;	/* at the first poll, with a baseline */
	struct cs_sums now;	/* the latest row or the exit record */
	char comm[64];
};

/* An exit record not yet known to be of the tree (CS_TRACK_TREE). */
struct cs_track_pending {
	int tgid, ppid;
	unsigned int threads, age;
	struct cs_sums sums;
	char comm[64];
};

struct cs_track {
	enum cs_track_by by;
	bool baseline;
	uint64_t *cgroups;		/* CS_TRACK_CGROUPS */
	size_t ncgroups;
	struct cs_pids pids;		/* the set, or the tree's members */
	struct cs_track_proc *procs;
	size_t nprocs, cap;
	struct cs_track_pending *pending;
	size_t npending, pcap;
	unsigned long polls;
	uint64_t last_seq;		/* of /proc/ctxscope/exited */
	uint64_t lost;			/* records overwritten unseen */
	bool tlb;			/* the tlb columns exist */
};

/*
 * Reads the tables once, before what is measured starts: the exit log's
 * records so far are not of it, and with a baseline the live rows of the
 * set are where counting starts. 0 or an exit status.
 */
int cs_track_prime(struct cs_track *t);
/* Picks up the set's live rows and new exit records; 0 or an exit status. */
int cs_track_poll(struct cs_track *t);
/* Adds a process to the set (the command, for CS_TRACK_TREE). */
int cs_track_add_pid(struct cs_track *t, int pid);
/*
 * Whether every tracked process that is gone (a reaped one, say) has its
 * exit record: it comes when the kernel frees the task, shortly after the
 * reap. A process whose row was there at one of the last two polls is
 * waited for (one that went during a poll is in neither of its reads);
 * one without a row since and without a record never gets one (the
 * module was loaded with exit_log=0).
 */
bool cs_track_settled(const struct cs_track *t);

/* What a process did in the measurement (since its baseline). */
void cs_track_counts(const struct cs_track *t, const struct cs_track_proc *p,
		     struct cs_sums *out);
/* The sum over the processes tracked; threads: their threads. */
void cs_track_total(const struct cs_track *t, struct cs_sums *sum,
		    unsigned int *threads, size_t *exited);

/*
 * The cgroups rows of t's cgroups, summed: exact totals, processes that
 * exited included. 0, -1 if none has a row, or an exit status.
 */
int cs_track_cgroup_totals(const struct cs_track *t, struct cs_sums *sum,
			   uint64_t *live, uint64_t *exited);

void cs_track_free(struct cs_track *t);

#endif /* CTXSCOPE_TRACK_H */
