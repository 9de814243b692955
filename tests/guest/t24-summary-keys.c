// SPDX-License-Identifier: GPL-2.0
/*
 * The summary's keys about the tables and the machine, against what the
 * kernel says or what was created:
 *
 * - tasks_capacity is max_tasks; tasks_dropped counts the tasks a full
 *   table had no row for (those alive at load beyond the capacity, and
 *   every one created afterwards); cgroups_dropped the processes that
 *   entered a cgroup when the cgroup table (max_tasks / 8 rows, at least
 *   16) was full; cgroups_tracked the groups of the live processes, one
 *   more for a new group, one less once it is removed;
 * - table_bytes against the module's allocations in /proc/vmallocinfo;
 * - kstack_size against what KernelStack in /proc/meminfo grows by per
 *   thread;
 * - tlb_available, pcid and pti against tracefs and /proc/cpuinfo.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"

#define CG_ROOT		"/sys/fs/cgroup"

FIXTURE(keys) {};
FIXTURE_SETUP(keys) {}
FIXTURE_TEARDOWN(keys)
{
	/* Every test reloads with its own parameters: back to the default. */
	module_reload("");
}

/* Tasks alive now (idle tasks excluded), as /proc shows them. */
static size_t live_tasks(void)
{
	struct dirent *p, *t;
	char path[64];
	DIR *dir = opendir("/proc"), *td;
	size_t n = 0;

	while (dir && (p = readdir(dir))) {
		int pid = atoi(p->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		td = opendir(path);
		if (!td)
			continue;
		while ((t = readdir(td)))
			n += atoi(t->d_name) > 0;
		closedir(td);
	}
	if (dir)
		closedir(dir);
	return n;
}

static int park_pipe[2];

static void *parked(void *arg)
{
	char c;

	if (read(park_pipe[0], &c, 1) < 0)
		return arg;
	return arg;
}

/*
 * Loaded with room for 32 rows while more tasks live, the table drops
 * exactly those beyond 32; then every thread created is dropped too.
 */
TEST_F_TIMEOUT(keys, tasks_dropped_counts_what_a_full_table_had_no_row_for,
	       300)
{
	size_t before, after;
	uint64_t dropped, dropped2;
	pthread_t th[10];
	int i, tries;

	/* Loaded from here, so that no insmod task counts at the load. */
	for (tries = 0; tries < 10; tries++) {
		before = live_tasks();
		ASSERT_EQ(0, module_load_here("max_tasks=32"));
		after = live_tasks();
		if (before == after)
			break;
	}
	dropped = summary_key("tasks_dropped");
	TH_LOG("%zu tasks alive at the load of a 32-row table: tasks_dropped %llu, tasks_tracked %llu, tasks_capacity %llu",
	       after, (unsigned long long)dropped,
	       (unsigned long long)summary_key("tasks_tracked"),
	       (unsigned long long)summary_key("tasks_capacity"));
	ASSERT_LT(32U, after);
	EXPECT_EQ(32U, summary_key("tasks_capacity"));
	EXPECT_EQ(32U, summary_key("tasks_tracked"));
	if (before == after)
		EXPECT_EQ(after - 32, dropped);

	/* Counted since the load or the last reset. */
	ASSERT_EQ(0, control_write("reset", 5));
	EXPECT_EQ(0U, summary_key("tasks_dropped"));
	ASSERT_EQ(0, pipe(park_pipe));
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, parked, NULL));
	dropped2 = summary_key("tasks_dropped");
	TH_LOG("after a reset, 10 threads: tasks_dropped %llu",
	       (unsigned long long)dropped2);
	EXPECT_EQ(10U, dropped2);
	ASSERT_EQ(10, write(park_pipe[1], "pppppppppp", 10));
	for (i = 0; i < 10; i++)
		pthread_join(th[i], NULL);
}

/* ---- cgroups ------------------------------------------------------------ */

static int cg_move(const char *dir, pid_t pid)
{
	char path[128], s[16];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	len = snprintf(s, sizeof(s), "%d\n", pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* The cgroups of the live processes, as distinct v2 paths. */
static int live_cgroups(void)
{
	char paths[256][128], line[256], path[64];
	struct dirent *p;
	DIR *dir = opendir("/proc");
	int n = 0, i;

	while (dir && (p = readdir(dir))) {
		int pid = atoi(p->d_name);
		FILE *f;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "0::", 3))
				continue;
			line[strcspn(line, "\n")] = '\0';
			for (i = 0; i < n && strcmp(paths[i], line + 3); i++)
				;
			if (i == n && n < 256)
				snprintf(paths[n++], sizeof(paths[0]), "%.120s",
					 line + 3);
		}
		fclose(f);
	}
	if (dir)
		closedir(dir);
	return n;
}

#define GROUPS	25

/*
 * max_tasks=160 gives the cgroup table 20 rows. At load it holds the
 * groups of the live processes; 25 new groups of one process each then
 * find 20 minus those: the rest of the processes are dropped.
 */
TEST_F_TIMEOUT(keys, cgroups_tracked_and_dropped_count_the_groups, 300)
{
	char dirs[GROUPS][64];
	pid_t kids[GROUPS];
	int base, i, status;
	uint64_t tracked, dropped, before;

	if (access(CG_ROOT "/cgroup.procs", W_OK))
		SKIP(return, "no writable cgroup2 hierarchy at " CG_ROOT);
	ASSERT_EQ(0, module_reload("max_tasks=160"));
	base = live_cgroups();
	tracked = summary_key("cgroups_tracked");
	TH_LOG("at load: %d cgroups hold live processes, cgroups_tracked %llu",
	       base, (unsigned long long)tracked);
	EXPECT_EQ((uint64_t)base, tracked);
	EXPECT_EQ(0U, summary_key("cgroups_dropped"));

	for (i = 0; i < GROUPS; i++) {
		snprintf(dirs[i], sizeof(dirs[i]), CG_ROOT "/t24-%d", i);
		rmdir(dirs[i]);
		ASSERT_EQ(0, mkdir(dirs[i], 0755));
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (kids[i] == 0) {
			for (;;)
				pause();
		}
		ASSERT_EQ(0, cg_move(dirs[i], kids[i]));
		if (i == 0) {
			before = summary_key("cgroups_tracked");
			TH_LOG("one more group: cgroups_tracked %llu",
			       (unsigned long long)before);
			EXPECT_EQ((uint64_t)base + 1, before);
		}
	}
	tracked = summary_key("cgroups_tracked");
	dropped = summary_key("cgroups_dropped");
	TH_LOG("%d groups of one process each: cgroups_tracked %llu, cgroups_dropped %llu",
	       GROUPS, (unsigned long long)tracked,
	       (unsigned long long)dropped);
	EXPECT_EQ(20U, tracked);
	EXPECT_EQ((uint64_t)(base + GROUPS - 20), dropped);
	/* Counted since the load or the last reset. */
	ASSERT_EQ(0, control_write("reset", 5));
	EXPECT_EQ(0U, summary_key("cgroups_dropped"));

	for (i = 0; i < GROUPS; i++) {
		kill(kids[i], SIGKILL);
		ASSERT_EQ(kids[i], waitpid(kids[i], &status, 0));
	}
	for (i = 0; i < GROUPS; i++) {
		int tries;

		for (tries = 0; tries < 250 && rmdir(dirs[i]) && errno == EBUSY; tries++)
			usleep(20000);
	}
	/* Removed, and none of their processes left: their rows go. */
	for (i = 0; i < 250 && summary_key("cgroups_tracked") > (uint64_t)base; i++)
		usleep(20000);
	EXPECT_EQ((uint64_t)base, summary_key("cgroups_tracked"));
}

/* ---- Memory ------------------------------------------------------------- */

/*
 * Every table is vmalloc'ed at load: /proc/vmallocinfo lists each area
 * with its caller and its size, a guard page included. table_bytes must
 * fit them, within the rounding of each area to whole pages.
 */
TEST_F(keys, table_bytes_matches_vmallocinfo)
{
	uint64_t bytes, areas = 0, total = 0;
	long page = sysconf(_SC_PAGESIZE);
	char line[512];
	FILE *f;

	ASSERT_EQ(0, module_reload(""));
	bytes = summary_key("table_bytes");
	f = fopen("/proc/vmallocinfo", "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long size;
		char range[64], caller[256];

		if (!strstr(line, "[ctxscope]") ||
		    sscanf(line, "%63s %llu %255s", range, &size, caller) != 3)
			continue;
		/* Only the tables' areas: not the module's own text. */
		if (!strstr(caller, "_init+"))
			continue;
		areas++;
		total += size - (uint64_t)page;
	}
	fclose(f);
	TH_LOG("table_bytes %llu; vmallocinfo: %llu areas of ctxscope's init functions, %llu bytes without guard pages",
	       (unsigned long long)bytes, (unsigned long long)areas,
	       (unsigned long long)total);
	EXPECT_LT(0U, areas);
	EXPECT_LE(bytes, total);
	EXPECT_GT(bytes + areas * (uint64_t)page, total);
}

static long long meminfo_kb(const char *key)
{
	char line[256];
	long long v = -1;
	size_t len = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			v = strtoll(line + len + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

#define STACK_THREADS	64

/* Each new thread gets a kernel stack of kstack_size bytes. */
TEST_F_TIMEOUT(keys, kstack_size_is_what_each_thread_adds_to_kernelstack, 120)
{
	uint64_t size = summary_key("kstack_size");
	long long k0 = 0, k1 = 0, per = 0;
	pthread_t th[STACK_THREADS];
	char wake[STACK_THREADS];
	int i, tries;

	memset(wake, 'p', sizeof(wake));
	ASSERT_EQ(0, pipe(park_pipe));
	for (tries = 0; tries < 10; tries++) {
		k0 = meminfo_kb("KernelStack");
		for (i = 0; i < STACK_THREADS; i++)
			ASSERT_EQ(0, pthread_create(&th[i], NULL, parked, NULL));
		k1 = meminfo_kb("KernelStack");
		ASSERT_EQ(STACK_THREADS, write(park_pipe[1], wake, STACK_THREADS));
		for (i = 0; i < STACK_THREADS; i++)
			pthread_join(th[i], NULL);
		per = (k1 - k0) * 1024 / STACK_THREADS;
		/* Stacks of tasks gone before are freed meanwhile: retry. */
		if ((uint64_t)per == size)
			break;
		usleep(100000);
	}
	TH_LOG("KernelStack grew %lld kB for %d threads: %lld bytes each; kstack_size %llu",
	       k1 - k0, STACK_THREADS, per, (unsigned long long)size);
	/* A stack or two freed by RCU during the window: 1/16 at most. */
	EXPECT_LE((long long)size - (long long)size / 16, per);
	EXPECT_GE((long long)size + (long long)size / 16, per);
}

/* ---- The machine -------------------------------------------------------- */

/* Whether cpu is in a sysfs CPU list ("0-3,5"). */
static int in_cpu_list(const char *path, int cpu)
{
	char buf[256], *tok, *save;
	FILE *f = fopen(path, "re");
	int found = 0;

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (tok = strtok_r(buf, ",\n", &save); tok;
	     tok = strtok_r(NULL, ",\n", &save)) {
		int lo, hi;

		if (sscanf(tok, "%d-%d", &lo, &hi) != 2)
			hi = lo = atoi(tok);
		found |= cpu >= lo && cpu <= hi;
	}
	return found;
}

/* One cpus row per possible CPU, and online as sysfs has it. */
TEST_F(keys, cpus_rows_are_the_possible_cpus_and_online_is_sysfs)
{
	struct cs_table t;
	size_t row;

	table_read("cpus", &t);
	for (row = 0; row < t.nrows; row++) {
		int cpu = (int)table_get(&t, (long)row, "cpu");

		EXPECT_EQ(1, in_cpu_list("/sys/devices/system/cpu/possible", cpu));
		EXPECT_EQ((uint64_t)in_cpu_list("/sys/devices/system/cpu/online",
						cpu),
			  table_get(&t, (long)row, "online"));
	}
	TH_LOG("%zu rows", t.nrows);
	EXPECT_LE((size_t)online_cpus(), t.nrows);
	cs_table_free(&t);
}

/* Whether the CPU flags of /proc/cpuinfo have flag, as a whole word. */
static int cpu_flag(const char *flag)
{
	char line[8192], *tok, *save;
	FILE *f = fopen("/proc/cpuinfo", "re");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (tok = strtok_r(strchr(line, ':') + 1, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save))
			found |= !strcmp(tok, flag);
		break;
	}
	if (f)
		fclose(f);
	return found;
}

TEST_F(keys, tlb_pcid_and_pti_are_what_the_kernel_says)
{
	int tlb = !access("/sys/kernel/tracing/events/tlb/tlb_flush", F_OK);

	TH_LOG("tracefs tlb:tlb_flush %s; cpuinfo flags: pcid %d, pti %d; summary: tlb_available %llu pcid %llu pti %llu",
	       tlb ? "present" : "absent", cpu_flag("pcid"), cpu_flag("pti"),
	       (unsigned long long)summary_key("tlb_available"),
	       (unsigned long long)summary_key("pcid"),
	       (unsigned long long)summary_key("pti"));
	EXPECT_EQ((uint64_t)tlb, summary_key("tlb_available"));
	/* The kernel clears the flags it does not use (nopcid, nopti). */
	EXPECT_EQ((uint64_t)cpu_flag("pcid"), summary_key("pcid"));
	EXPECT_EQ((uint64_t)cpu_flag("pti"), summary_key("pti"));
}

TEST_HARNESS_MAIN
