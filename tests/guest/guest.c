// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the in-guest kselftest programs; see guest.h.
 */
#define _GNU_SOURCE

#include "guest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "# %s: %s\n", what, detail);
	exit(1);
}

static const struct {
	const char *key;
	size_t offset;
} summary_keys[] = {
	{ "switches", offsetof(struct summary, switches) },
	{ "switches_process", offsetof(struct summary, process) },
	{ "switches_thread", offsetof(struct summary, thread) },
	{ "switches_kernel", offsetof(struct summary, kernel) },
	{ "switches_idle", offsetof(struct summary, idle) },
	{ "voluntary", offsetof(struct summary, voluntary) },
	{ "involuntary", offsetof(struct summary, involuntary) },
	{ "mm_switches", offsetof(struct summary, mm_switches) },
	{ "lazy_switches", offsetof(struct summary, lazy_switches) },
	{ "since_ns", offsetof(struct summary, since_ns) },
};

#define NKEYS (sizeof(summary_keys) / sizeof(summary_keys[0]))

void summary_read(struct summary *s)
{
	char detail[CS_DETAIL_MAX] = "";
	struct cs_summary sum;
	size_t i;

	if (cs_summary_read(CS_PROC_DIR "/summary", &sum, detail))
		die("summary", detail);
	for (i = 0; i < NKEYS; i++) {
		uint64_t *field = (uint64_t *)((char *)s +
					       summary_keys[i].offset);

		if (cs_summary_get(&sum, summary_keys[i].key, field))
			die("summary: missing key", summary_keys[i].key);
	}
	cs_summary_free(&sum);
}

int cpus_read(struct summary *rows, int max)
{
	char detail[CS_DETAIL_MAX] = "";
	struct cs_table t;
	int cpucol, n = 0;
	size_t i, row;

	if (cs_table_read(CS_PROC_DIR "/cpus", &t, detail))
		die("cpus", detail);
	memset(rows, 0, (size_t)max * sizeof(*rows));
	cpucol = cs_table_col(&t, "cpu");
	if (cpucol < 0)
		die("cpus: missing column", "cpu");
	for (row = 0; row < t.nrows; row++) {
		uint64_t cpu = cs_table_num(&t, row, cpucol);

		if (cpu >= (uint64_t)max)
			continue;
		for (i = 0; i < NKEYS; i++) {
			uint64_t *field = (uint64_t *)((char *)&rows[cpu] +
						       summary_keys[i].offset);
			int col = cs_table_col(&t, summary_keys[i].key);

			if (col >= 0)
				*field = cs_table_num(&t, row, col);
		}
		if ((int)cpu + 1 > n)
			n = (int)cpu + 1;
	}
	cs_table_free(&t);
	return n;
}

/* The number on the line of /proc/stat that starts with key. */
static uint64_t proc_stat_key(const char *key)
{
	unsigned long long v;
	char line[512];
	size_t len = strlen(key);
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		die("/proc/stat", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ' ' &&
		    sscanf(line + len, "%llu", &v) == 1) {
			fclose(f);
			return v;
		}
	}
	fclose(f);
	die("/proc/stat", key);
	return 0;
}

uint64_t proc_stat_ctxt(void)
{
	return proc_stat_key("ctxt");
}

uint64_t proc_stat_processes(void)
{
	return proc_stat_key("processes");
}

int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

int control_write(const void *buf, size_t len)
{
	int fd = open(CS_PROC_DIR "/control", O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return n == (ssize_t)len ? 0 : -EIO;
}

uint64_t summary_key(const char *key)
{
	char detail[CS_DETAIL_MAX] = "";
	struct cs_summary sum;
	uint64_t v;

	if (cs_summary_read(CS_PROC_DIR "/summary", &sum, detail))
		die("summary", detail);
	if (cs_summary_get(&sum, key, &v))
		die("summary: missing key", key);
	cs_summary_free(&sum);
	return v;
}

void table_read(const char *file, struct cs_table *t)
{
	char detail[CS_DETAIL_MAX] = "", path[256];

	snprintf(path, sizeof(path), CS_PROC_DIR "/%s", file);
	if (cs_table_read(path, t, detail))
		die(file, detail);
}

long table_find(const struct cs_table *t, const char *col, uint64_t value)
{
	int c = cs_table_col(t, col);
	size_t row;

	if (c < 0)
		die("table: missing column", col);
	for (row = 0; row < t->nrows; row++)
		if (cs_table_num(t, row, c) == value)
			return (long)row;
	return -1;
}

uint64_t table_get(const struct cs_table *t, long row, const char *col)
{
	int c = cs_table_col(t, col);

	if (c < 0)
		die("table: missing column", col);
	return cs_table_num(t, (size_t)row, c);
}

long long table_get_by(const char *file, const char *key, uint64_t id,
		       const char *col)
{
	struct cs_table t;
	long long v = -1;
	long row;

	table_read(file, &t);
	row = table_find(&t, key, id);
	if (row >= 0)
		v = (long long)table_get(&t, row, col);
	cs_table_free(&t);
	return v;
}

long long task_status(int pid, int tid, const char *name)
{
	char path[128], line[256];
	size_t len = strlen(name);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) && line[len] == ':') {
			v = strtoll(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Whether row of t names a live task with its tgid. */
static int row_is_live(const struct cs_table *t, size_t row)
{
	int pid = (int)table_get(t, (long)row, "pid");
	int tgid = (int)table_get(t, (long)row, "tgid");

	return task_status(tgid, pid, "Tgid") == tgid;
}

/* Whether t still has a row of pid with tgid that names no live task. */
static int still_stale(const struct cs_table *t, uint64_t pid, uint64_t tgid)
{
	size_t row;

	for (row = 0; row < t->nrows; row++)
		if (table_get(t, (long)row, "pid") == pid &&
		    table_get(t, (long)row, "tgid") == tgid &&
		    !row_is_live(t, row))
			return 1;
	return 0;
}

size_t stale_task_rows(size_t *nrows)
{
	enum { MAX_SUSPECTS = 64 };
	uint64_t pid[MAX_SUSPECTS] = { 0 }, tgid[MAX_SUSPECTS] = { 0 };
	size_t row, n = 0, first, i, left, extra = 0;
	struct cs_table t;
	int tries;

	table_read("tasks", &t);
	*nrows = t.nrows;
	for (row = 0; row < t.nrows; row++) {
		if (row_is_live(&t, row))
			continue;
		if (n == MAX_SUSPECTS) {
			extra++;
			continue;
		}
		pid[n] = table_get(&t, (long)row, "pid");
		tgid[n++] = table_get(&t, (long)row, "tgid");
	}
	cs_table_free(&t);
	first = n;
	/* Up to 2 s for the grace periods of tasks reaped just now. */
	for (tries = 0; tries < 20 && n; tries++) {
		usleep(100000);
		table_read("tasks", &t);
		for (i = 0, left = 0; i < n; i++) {
			if (!still_stale(&t, pid[i], tgid[i]))
				continue;
			pid[left] = pid[i];
			tgid[left++] = tgid[i];
		}
		n = left;
		cs_table_free(&t);
	}
	if (first > n)
		printf("# %zu rows of tasks just reaped left within %d ms\n",
		       first - n, tries * 100);
	for (i = 0; i < n; i++)
		printf("# row for pid %llu tgid %llu names no live task 2 s later\n",
		       (unsigned long long)pid[i],
		       (unsigned long long)tgid[i]);
	if (extra)
		printf("# %zu more rows named no live task (not rechecked)\n",
		       extra);
	return n + extra;
}

void all_tasks_csw(uint64_t *nvcsw, uint64_t *nivcsw)
{
	struct dirent *p, *t;
	DIR *procs, *tasks;
	char path[64];

	*nvcsw = *nivcsw = 0;
	procs = opendir("/proc");
	if (!procs)
		return;
	while ((p = readdir(procs))) {
		int pid = atoi(p->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		tasks = opendir(path);
		if (!tasks)
			continue;	/* exited meanwhile */
		while ((t = readdir(tasks))) {
			int tid = atoi(t->d_name);
			long long v, i;

			if (tid <= 0)
				continue;
			v = task_status(pid, tid, "voluntary_ctxt_switches");
			i = task_status(pid, tid, "nonvoluntary_ctxt_switches");
			if (v < 0 || i < 0)
				continue;
			*nvcsw += v;
			*nivcsw += i;
		}
		closedir(tasks);
	}
	closedir(procs);
}

char task_state(int pid, int tid)
{
	char path[128], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The state follows the parenthesised comm, which may hold spaces. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Whether the task is off its CPU: /proc/PID/task/TID/syscall says
 * "running" unless the kernel could wait for the task to be inactive
 * (wait_task_inactive(): not on a CPU and not on a runqueue), which is
 * after its switch-out has completed, sched_switch probes included.
 */
int switched_out(int pid, int tid)
{
	char path[128], buf[32] = "";
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	ok = fgets(buf, sizeof(buf), f) && strncmp(buf, "running", 7);
	fclose(f);
	return ok;
}

int task_asleep(int pid, int tid)
{
	char st = task_state(pid, tid);

	return (st == 'S' || st == 'D') && switched_out(pid, tid);
}

int wait_sleeping(int pid, int tid)
{
	int i;

	for (i = 0; i < 20000; i++) {
		if (task_asleep(pid, tid))
			return 0;
		usleep(1000);
	}
	return -1;
}

int gettid_(void)
{
	return (int)syscall(SYS_gettid);
}

int kmsg_from_now(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

int kmsg_has(int fd, const char *text)
{
	char rec[8192];
	int found = 0;

	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);

		if (n < 0 && errno == EPIPE)
			continue;	/* records overwritten meanwhile */
		if (n <= 0)
			break;
		rec[n] = '\0';
		found |= strstr(rec, text) != NULL;
	}
	return found;
}

long scaled(long n)
{
	static long percent = -1;

	if (percent < 0) {
		FILE *f = fopen("/proc/cmdline", "re");
		char word[256];

		percent = 100;
		while (f && fscanf(f, "%255s", word) == 1)
			if (sscanf(word, "ctxscope.scale=%ld", &percent) == 1 &&
			    (percent < 1 || percent > 100))
				percent = 100;
		if (f)
			fclose(f);
	}
	return n * percent / 100 > 0 ? n * percent / 100 : 1;
}

int module_load_here(const char *params)
{
	int fd, ret = 0;

	syscall(SYS_delete_module, "ctxscope", O_NONBLOCK);
	fd = open("/ctxscope/ctxscope.ko", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		ret = -errno;
	close(fd);
	return ret;
}

int module_reload(const char *params)
{
	char cmd[512];

	if (system("rmmod ctxscope 2>/dev/null; true") == -1)
		return -1;
	snprintf(cmd, sizeof(cmd), "insmod /ctxscope/ctxscope.ko %s", params);
	return system(cmd);
}
