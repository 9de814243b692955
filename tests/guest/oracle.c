// SPDX-License-Identifier: GPL-2.0
/*
 * Independent oracles for the guest tests; see oracle.h.
 */
#define _GNU_SOURCE

#include "oracle.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SWITCH_EVENT	"/sys/kernel/tracing/events/sched/sched_switch"
/* 16,384 entries: a window's (cpu, prev, next) pairs fit many times over. */
#define SWITCH_HIST	"hist:keys=common_cpu,prev_pid,next_pid:size=16384"

#define PF_KTHREAD_FLAG	0x00200000

static int write_trigger(const char *text)
{
	int fd = open(SWITCH_EVENT "/trigger", O_WRONLY | O_APPEND | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

int switch_hist_start(void)
{
	write_trigger("!" SWITCH_HIST);
	if (write_trigger(SWITCH_HIST))
		return -1;
	return write_trigger(SWITCH_HIST ":clear");
}

int switch_hist_pause(void)
{
	return write_trigger(SWITCH_HIST ":pause");
}

/* What /proc says of a task: -1 gone, else kthread flag and tgid. */
struct pid_info {
	int pid;
	int known;		/* 1 if /proc had it */
	int kthread;
	int tgid;
};

static int read_pid_info(int pid, struct pid_info *pi)
{
	char path[64], buf[1024], *p;
	unsigned long flags = 0;
	FILE *f;
	size_t n;
	int i;

	memset(pi, 0, sizeof(*pi));
	pi->pid = pid;
	if (pid == 0) {
		pi->known = 1;
		return 0;
	}
	/* The task's own directory, wherever its thread group is. */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, pid);
	f = fopen(path, "re");
	if (!f) {
		/* A thread: /proc/TID/stat works for any tid. */
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "re");
	}
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* After the comm: state ppid pgrp session tty tpgid flags. */
	p += 2;
	for (i = 0; i < 6 && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%lu", &flags) != 1)
		return -1;
	pi->kthread = !!(flags & PF_KTHREAD_FLAG);
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "Tgid: %d", &pi->tgid) == 1)
			break;
	fclose(f);
	pi->known = pi->tgid > 0;
	return pi->known ? 0 : -1;
}

int pid_is_kthread(int pid)
{
	struct pid_info pi;

	if (read_pid_info(pid, &pi))
		return -1;
	return pi.kthread;
}

/* A small cache: the same pids appear in many pairs. */
struct pid_cache {
	struct pid_info *v;
	size_t n, cap;
};

static const struct pid_info *lookup(struct pid_cache *c, int pid)
{
	struct pid_info pi;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].pid == pid)
			return &c->v[i];
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		struct pid_info *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		c->v = v;
		c->cap = cap;
	}
	if (read_pid_info(pid, &pi))
		pi.known = 0;
	c->v[c->n] = pi;
	return &c->v[c->n++];
}

static void classify(struct switch_classes *s, const struct pid_info *prev,
		     const struct pid_info *next, uint64_t hits)
{
	int prev_idle = prev->pid == 0, next_idle = next->pid == 0;

	s->switches += hits;
	if (prev_idle || next_idle) {
		s->idle += hits;
	} else if (!prev->known || !next->known) {
		s->unknown += hits;
		return;
	} else if (prev->kthread || next->kthread) {
		s->kernel += hits;
	} else if (prev->tgid == next->tgid) {
		s->thread += hits;
	} else {
		s->process += hits;
	}
	if (next_idle || next->kthread)
		s->into_no_mm += hits;
	else if (prev_idle || prev->kthread)
		s->user_from_no_mm += hits;
}

/* A number after "name:" in line, or -1. */
static long long field(const char *line, const char *name)
{
	const char *p = strstr(line, name);

	if (!p)
		return -1;
	p += strlen(name);
	while (*p == ':' || *p == ' ')
		p++;
	return strtoll(p, NULL, 10);
}

int switch_hist_stop(struct switch_hist *h, const int *watch, int n)
{
	struct pid_cache cache = { 0 };
	char line[512];
	int ret = 0, i;
	FILE *f;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < n && i < ORACLE_MAX_WATCHED; i++)
		h->watched[h->nwatched++] = watch[i];
	/* Stop counting first, then read what was counted. */
	if (switch_hist_pause())
		return -1;
	f = fopen(SWITCH_EVENT "/hist", "re");
	if (!f) {
		write_trigger("!" SWITCH_HIST);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		long long cpu, prev, next, hits;
		const struct pid_info *pp, *np;

		if (line[0] != '{') {
			if (strstr(line, "Dropped:"))
				h->dropped = (uint64_t)field(line, "Dropped");
			continue;
		}
		cpu = field(line, "cpu");
		prev = field(line, "prev_pid");
		next = field(line, "next_pid");
		hits = field(line, "hitcount");
		if (cpu < 0 || prev < 0 || next < 0 || hits < 0 ||
		    cpu >= ORACLE_MAX_CPUS) {
			ret = -1;
			continue;
		}
		h->entries++;
		pp = lookup(&cache, (int)prev);
		np = lookup(&cache, (int)next);
		if (!pp || !np) {
			ret = -1;
			continue;
		}
		classify(&h->all, pp, np, (uint64_t)hits);
		classify(&h->cpu[cpu], pp, np, (uint64_t)hits);
		for (i = 0; i < h->nwatched; i++)
			if (h->watched[i] == (int)prev)
				classify(&h->out[i], pp, np, (uint64_t)hits);
		if (cpu + 1 > h->ncpus)
			h->ncpus = (int)cpu + 1;
	}
	fclose(f);
	free(cache.v);
	write_trigger("!" SWITCH_HIST);
	return ret;
}

void kthreads_csw(struct kthread_csw *k)
{
	struct dirent *d;
	DIR *proc = opendir("/proc");

	memset(k, 0, sizeof(*k));
	if (!proc)
		return;
	while ((d = readdir(proc))) {
		int pid = atoi(d->d_name);
		char path[64], line[256];
		long long v = -1, iv = -1;
		FILE *f;

		/* Kernel threads are single-threaded: their pid is the task. */
		if (pid <= 0 || pid_is_kthread(pid) != 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "voluntary_ctxt_switches: %lld", &v);
			sscanf(line, "nonvoluntary_ctxt_switches: %lld", &iv);
		}
		fclose(f);
		if (v < 0 || iv < 0)
			continue;
		k->switches += (uint64_t)(v + iv);
		k->threads++;
	}
	closedir(proc);
}

int schedstat_goidle(uint64_t goidle[ORACLE_MAX_CPUS], int *ncpus)
{
	char line[1024];
	FILE *f = fopen("/proc/schedstat", "re");

	*ncpus = 0;
	if (!f)
		return -1;
	memset(goidle, 0, ORACLE_MAX_CPUS * sizeof(*goidle));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long yld, legacy, count, idle;
		int cpu;

		/* cpuN yld_count legacy sched_count sched_goidle ... */
		if (sscanf(line, "cpu%d %llu %llu %llu %llu", &cpu, &yld,
			   &legacy, &count, &idle) != 5 ||
		    cpu < 0 || cpu >= ORACLE_MAX_CPUS)
			continue;
		goidle[cpu] = idle;
		if (cpu + 1 > *ncpus)
			*ncpus = cpu + 1;
	}
	fclose(f);
	return *ncpus ? 0 : -1;
}

#define SCHEDSTATS "/proc/sys/kernel/sched_schedstats"

int schedstats_enable(void)
{
	int old = -1;
	FILE *f = fopen(SCHEDSTATS, "re");

	if (f) {
		if (fscanf(f, "%d", &old) != 1)
			old = -1;
		fclose(f);
	}
	f = fopen(SCHEDSTATS, "we");
	if (!f)
		return -1;
	fputs("1\n", f);
	return fclose(f) ? -1 : old;
}

void schedstats_restore(int old)
{
	FILE *f;

	if (old < 0)
		return;
	f = fopen(SCHEDSTATS, "we");
	if (f) {
		fprintf(f, "%d\n", old);
		fclose(f);
	}
}

long long task_nr_migrations(int pid, int tid)
{
	char path[96], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/sched", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "se.nr_migrations", 16)) {
			v = field(line + 16, "");
			break;
		}
	fclose(f);
	return v;
}
