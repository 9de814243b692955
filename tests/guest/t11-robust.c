// SPDX-License-Identifier: GPL-2.0
/*
 * Faults and bad input: unloading under open readers, random writes to
 * control, every invalid module parameter, 100,000 tasks through a small
 * table, and memory across 200 load/unload cycles.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "workload.h"

FIXTURE(robust) {};
FIXTURE_SETUP(robust) {}
FIXTURE_TEARDOWN(robust)
{
	module_reload("");
}

static const char *const files[] = { "summary", "cpus", "tasks",
				     "processes", "cgroups", "exited" };
#define NFILES (sizeof(files) / sizeof(files[0]))

/* ---- 2. Unload under readers ----------------------------------------- */

static atomic_int readers_stop;
static atomic_long reads_ok, reads_eio, reads_other;

/* Reads one file over and over through one descriptor, a byte at a time. */
static void *reader(void *arg)
{
	int fd = *(int *)arg;
	char c;

	while (!readers_stop) {
		ssize_t n = pread(fd, &c, 1, 0);

		if (n == 1)
			reads_ok++;
		else if (n < 0 && errno == EIO)
			reads_eio++;
		else
			reads_other++;
	}
	return NULL;
}

TEST_F_TIMEOUT(robust, unload_under_readers_gives_them_eio, 300)
{
	int fds[NFILES], i, status;
	pthread_t th[NFILES];
	char path[256], c;

	for (i = 0; i < (int)NFILES; i++) {
		snprintf(path, sizeof(path), CS_PROC_DIR "/%s", files[i]);
		fds[i] = open(path, O_RDONLY);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, pthread_create(&th[i], NULL, reader, &fds[i]));
	}
	usleep(300000);
	status = system("rmmod ctxscope");
	usleep(300000);
	readers_stop = 1;
	for (i = 0; i < (int)NFILES; i++)
		pthread_join(th[i], NULL);
	TH_LOG("rmmod with %zu readers reading: exit %d; reads before: %ld, EIO after: %ld, other: %ld",
	       NFILES, status, (long)reads_ok, (long)reads_eio,
	       (long)reads_other);
	ASSERT_EQ(0, status);
	EXPECT_LT(0, reads_ok);
	EXPECT_LT(0, reads_eio);
	EXPECT_EQ(0, reads_other);
	/* Every descriptor still open reads as EIO, and closes cleanly. */
	for (i = 0; i < (int)NFILES; i++) {
		EXPECT_EQ(-1, read(fds[i], &c, 1));
		EXPECT_EQ(EIO, errno);
		EXPECT_EQ(0, close(fds[i]));
	}
}

/* ---- 3. Random writes to control ---------------------------------------- */

TEST_F_TIMEOUT(robust, random_control_writes_only_reset_acts, 600)
{
	enum { WRITES = 10000, MAX = 5000 };
	unsigned long long resets = 0, accepted = 0, refused = 0, eperm = 0;
	char *buf = malloc(MAX);
	struct summary before, after;
	unsigned int seed = 12345;
	int i;

	ASSERT_NE(NULL, buf);
	summary_read(&before);
	for (i = 0; i < WRITES; i++) {
		int kind = rand_r(&seed) % 100;
		size_t len, k;
		int ret;

		if (kind == 0) {		/* now and then, a real reset */
			len = 5 + rand_r(&seed) % 2;
			memcpy(buf, "reset\n", len);
		} else if (kind < 10) {		/* near misses */
			len = 1 + rand_r(&seed) % 8;
			memcpy(buf, "reset\n\n\n", len);
			buf[rand_r(&seed) % len] ^= 1 << (rand_r(&seed) % 8);
		} else {			/* anything, up to past a page */
			len = rand_r(&seed) % MAX;
			for (k = 0; k < len; k++)
				buf[k] = (char)rand_r(&seed);
		}
		ret = control_write(buf, len);
		summary_read(&after);
		if (ret == 0) {
			accepted++;
			/* Only a reset is accepted, and it acts. */
			EXPECT_TRUE(len >= 5 && !memcmp(buf, "reset", 5) &&
				    (len == 5 || (len == 6 && buf[5] == '\n')));
			EXPECT_NE(before.since_ns, after.since_ns);
			resets++;
		} else {
			if (ret == -EINVAL)
				refused++;
			else
				eperm++;
			EXPECT_EQ(-EINVAL, ret);
			/* Refused: nothing changed. */
			EXPECT_EQ(before.since_ns, after.since_ns);
			EXPECT_LE(before.switches, after.switches);
			EXPECT_LE(before.voluntary, after.voluntary);
		}
		before = after;
	}
	free(buf);
	TH_LOG("%d random writes: %llu accepted (%llu resets), %llu refused with EINVAL, %llu other errors",
	       WRITES, accepted, resets, refused, eperm);
	EXPECT_LT(0U, resets);
	EXPECT_LT(9000U, refused);
}

/* ---- 4. Module parameters --------------------------------------------- */

TEST_F_TIMEOUT(robust, every_invalid_parameter_is_refused_naming_it, 600)
{
	static const struct {
		const char *param, *message;
	} bad[] = {
		{ "max_tasks=15", "max_tasks=15 is out of range" },
		{ "max_tasks=4194305", "max_tasks=4194305 is out of range" },
		{ "max_tasks=-1", "max_tasks" },
		{ "max_tasks=lots", "max_tasks" },
		{ "exit_log=15", "exit_log=15 is out of range" },
		{ "exit_log=1048577", "exit_log=1048577 is out of range" },
		{ "exit_log=x", "exit_log" },
		{ "tasks_mode=0777", "tasks_mode=0777 is not allowed" },
		{ "tasks_mode=0644", "tasks_mode=0644 is not allowed" },
		{ "tasks_mode=0", "tasks_mode=0 is not allowed" },
		{ "selftest=maybe", "selftest" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int kmsg = kmsg_from_now();

		ASSERT_LE(0, kmsg);
		EXPECT_NE(0, module_reload(bad[i].param)) {
			TH_LOG("insmod ctxscope.ko %s succeeded", bad[i].param);
		}
		EXPECT_NE(0, access(CS_PROC_DIR, F_OK));
		EXPECT_TRUE(kmsg_has(kmsg, bad[i].message)) {
			TH_LOG("%s: no \"%s\" in the kernel log", bad[i].param,
			       bad[i].message);
		}
		close(kmsg);
	}
	/* The bounds themselves are valid. */
	EXPECT_EQ(0, module_reload("max_tasks=16 exit_log=16"));
	EXPECT_EQ(0, module_reload("max_tasks=0 exit_log=0"));
}

/* ---- 5. Table pressure ------------------------------------------------- */

static pid_t start_reader(const char *file)
{
	char path[256], buf[65536];
	pid_t pid = fork();

	if (pid)
		return pid;
	cs_pin_self(online_cpus() - 1);
	snprintf(path, sizeof(path), CS_PROC_DIR "/%s", file);
	for (;;) {
		int fd = open(path, O_RDONLY);

		if (fd >= 0) {
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
	}
}

static int park_fd;

static void *parked(void *arg)
{
	char c;

	(void)arg;
	return (void *)(long)read(park_fd, &c, 1);
}

TEST_F_TIMEOUT(robust, hundred_thousand_tasks_through_a_small_table, 1800)
{
	uint64_t dropped, tracked;
	pthread_t park[300];
	size_t nrows, stale;
	pid_t readers[2];
	int i, fds[2];
	double start;

	ASSERT_EQ(0, module_reload("max_tasks=256 exit_log=64"));
	/*
	 * 300 threads alive at once fill the table whatever the pace of the
	 * churn below (on a slow kernel rows may be freed as fast as tasks
	 * come); then they go and their rows are reused.
	 */
	ASSERT_EQ(0, pipe(fds));
	park_fd = fds[0];
	for (i = 0; i < 300; i++)
		ASSERT_EQ(0, pthread_create(&park[i], NULL, parked, NULL));
	EXPECT_LT(0U, summary_key("tasks_dropped"));
	close(fds[1]);
	for (i = 0; i < 300; i++)
		pthread_join(park[i], NULL);
	close(fds[0]);

	readers[0] = start_reader("tasks");
	readers[1] = start_reader("processes");
	cs_pin_self(0);
	start = cs_now();
	ASSERT_EQ(0, cs_churn(CS_MODE_THREAD, scaled(80000), NULL));
	ASSERT_EQ(0, cs_churn(CS_MODE_PROCESS, scaled(20000), NULL));
	TH_LOG("%ld tasks through a 256-row table in %.0f s, 2 readers",
	       scaled(80000) + scaled(20000), cs_now() - start);
	for (i = 0; i < 2; i++) {
		kill(readers[i], SIGKILL);
		waitpid(readers[i], NULL, 0);
	}
	usleep(500000);
	dropped = summary_key("tasks_dropped");
	tracked = summary_key("tasks_tracked");
	/* Nothing stale: every row is a live task with its tgid. */
	stale = stale_task_rows(&nrows);
	TH_LOG("tasks_dropped %llu, tasks_tracked %llu, rows %zu, stale rows %zu",
	       (unsigned long long)dropped, (unsigned long long)tracked,
	       nrows, stale);
	EXPECT_EQ(tracked, nrows);
	EXPECT_LT(0U, dropped);
	EXPECT_GE(256U, tracked);
	EXPECT_EQ(0U, stale);
}

/* ---- 6. Memory -------------------------------------------------------- */

static long meminfo(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/*
 * Free pages in kB: MemFree, plus the free pages parked on the per-CPU
 * page lists, which MemFree does not count. Freeing one 14 MB table can
 * leave megabytes there (more on PREEMPT_RT), which would read as a leak.
 */
static long free_kb(void)
{
	char line[256];
	long pcp = 0, count;
	FILE *f = fopen("/proc/zoneinfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &count) == 1)
			pcp += count;
	if (f)
		fclose(f);
	return meminfo("MemFree") + pcp * (sysconf(_SC_PAGESIZE) / 1024);
}

static void meminfo_all(long *v)
{
	static const char *const keys[] = { "Slab", "SUnreclaim",
					    "VmallocUsed", "Percpu" };
	int i;

	v[0] = free_kb();
	for (i = 0; i < 4; i++)
		v[i + 1] = meminfo(keys[i]);
}

TEST_F_TIMEOUT(robust, two_hundred_load_unload_cycles_leak_nothing, 1200)
{
	static const char *const keys[] = { "MemFree + per-CPU lists", "Slab",
					    "SUnreclaim", "VmallocUsed", "Percpu" };
	long before[5], after[5];
	int i;

	/* Warm up: first loads fill caches that stay (kernfs, modules). */
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, module_reload(""));
	system("rmmod ctxscope; echo 3 > /proc/sys/vm/drop_caches");
	meminfo_all(before);
	for (i = 0; i < scaled(200); i++) {
		ASSERT_EQ(0, module_reload(""));
		ASSERT_EQ(0, system("cat /proc/ctxscope/* >/dev/null 2>&1; rmmod ctxscope"));
	}
	system("echo 3 > /proc/sys/vm/drop_caches");
	usleep(500000);
	meminfo_all(after);
	for (i = 0; i < 5; i++) {
		TH_LOG("%s: %ld kB before, %ld kB after %ld cycles (%+ld kB)",
		       keys[i], before[i], after[i], scaled(200),
		       after[i] - before[i]);
	}
	/* Each load allocates ~14 MB; a leak of one load would show. */
	EXPECT_GT(2048, before[0] - after[0]);	/* free pages */
	EXPECT_GT(1024, after[1] - before[1]);	/* Slab */
	EXPECT_GT(512, after[2] - before[2]);	/* SUnreclaim */
	EXPECT_GT(1024, after[3] - before[3]);	/* VmallocUsed */
	EXPECT_GT(64, after[4] - before[4]);	/* Percpu */
	if (access("/sys/kernel/debug/kmemleak", F_OK))
		TH_LOG("kmemleak: not in this kernel (CONFIG_DEBUG_KMEMLEAK is off); make check-debug runs it");
}

TEST_HARNESS_MAIN
