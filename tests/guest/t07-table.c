// SPDX-License-Identifier: GPL-2.0
/*
 * The task table under pressure: module parameters are validated, a full
 * table drops tasks without harm, and heavy churn with concurrent readers
 * leaves no stale rows behind.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "workload.h"

FIXTURE(table) {};
FIXTURE_SETUP(table) {}
/* Every test leaves the module loaded with its defaults. */
FIXTURE_TEARDOWN(table)
{
	module_reload("");
}

TEST_F(table, invalid_parameters_are_refused_with_a_message)
{
	static const struct {
		const char *param, *message;
	} bad[] = {
		{ "max_tasks=5", "max_tasks=5 is out of range" },
		{ "max_tasks=8388608", "max_tasks=8388608 is out of range" },
		{ "tasks_mode=0777", "tasks_mode=0777 is not allowed" },
		{ "tasks_mode=0600", "tasks_mode=0600 is not allowed" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int kmsg = kmsg_from_now();

		ASSERT_LE(0, kmsg);
		EXPECT_NE(0, module_reload(bad[i].param)) {
			TH_LOG("insmod %s succeeded", bad[i].param);
		}
		EXPECT_NE(0, access(CS_PROC_DIR, F_OK));
		EXPECT_TRUE(kmsg_has(kmsg, bad[i].message)) {
			TH_LOG("no \"%s\" in the kernel log", bad[i].message);
		}
		close(kmsg);
	}
}

TEST_F(table, tasks_mode_0444_lets_anyone_read)
{
	struct stat st;
	int status;
	pid_t pid;

	ASSERT_EQ(0, module_reload("tasks_mode=0444"));
	ASSERT_EQ(0, stat(CS_PROC_DIR "/tasks", &st));
	EXPECT_EQ(0444, st.st_mode & 0777);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		_exit(open(CS_PROC_DIR "/processes", O_RDONLY) >= 0 ? 0 : errno);
	}
	waitpid(pid, &status, 0);
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(table, max_tasks_0_keeps_totals_without_task_files)
{
	struct summary a, b;

	ASSERT_EQ(0, module_reload("max_tasks=0"));
	EXPECT_NE(0, access(CS_PROC_DIR "/tasks", F_OK));
	EXPECT_NE(0, access(CS_PROC_DIR "/processes", F_OK));
	EXPECT_EQ(0U, summary_key("tasks_capacity"));
	EXPECT_EQ(0U, summary_key("table_bytes"));
	summary_read(&a);
	ASSERT_EQ(0, cs_pingpong(CS_MODE_THREAD, 1000, 0, 0, NULL));
	summary_read(&b);
	/* 2 per round trip, less the odd one through another task. */
	EXPECT_LE(1900U, b.thread - a.thread);
}

/* ---- Checking rows against the live tasks ----------------------------- */

/* Live tasks: the entries of /proc/[0-9]+/task/. */
static size_t live_tasks(void)
{
	DIR *proc = opendir("/proc"), *task;
	struct dirent *p, *t;
	char path[300];
	size_t n = 0;

	while (proc && (p = readdir(proc))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", p->d_name);
		task = opendir(path);
		while (task && (t = readdir(task)))
			n += t->d_name[0] != '.';
		if (task)
			closedir(task);
	}
	if (proc)
		closedir(proc);
	return n;
}

/* ---- 5. Overflow ------------------------------------------------------ */

static int block_pipe[2];

static void *blocker(void *arg)
{
	char c;

	(void)arg;
	if (read(block_pipe[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

TEST_F_TIMEOUT(table, full_table_drops_tasks_and_keeps_the_rest_right, 300)
{
	enum { N = 500 };
	static pthread_t th[N];
	size_t nrows, i;
	uint64_t dropped, tracked;
	char buf[N] = { 0 };
	pthread_attr_t attr;

	ASSERT_EQ(0, module_reload("max_tasks=64"));
	ASSERT_EQ(64U, summary_key("tasks_capacity"));
	ASSERT_EQ(0, pipe(block_pipe));
	ASSERT_EQ(0, pthread_attr_init(&attr));
	ASSERT_EQ(0, pthread_attr_setstacksize(&attr, 64 << 10));
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, pthread_create(&th[i], &attr, blocker, NULL));

	dropped = summary_key("tasks_dropped");
	tracked = summary_key("tasks_tracked");
	TH_LOG("64-row table, %d more threads: tasks_tracked %llu, tasks_dropped %llu",
	       N, (unsigned long long)tracked, (unsigned long long)dropped);
	EXPECT_LT(0U, dropped);
	EXPECT_GE(64U, tracked);
	EXPECT_EQ(0U, stale_task_rows(&nrows));
	EXPECT_EQ(tracked, nrows);
	/* The counters that do not depend on the table go on. */
	EXPECT_EQ(0, cs_pingpong(CS_MODE_PROCESS, 1000, 0, 0, NULL));

	ASSERT_EQ(N, write(block_pipe[1], buf, N));
	for (i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	close(block_pipe[0]);
	close(block_pipe[1]);
}

/* ---- 6. Churn --------------------------------------------------------- */

/* Reads completed by the readers, in memory they share with the test. */
static atomic_long *reads_done;

/*
 * A reader reads the file again and again on the last CPU; the churn runs
 * on CPU 0. Sharing CPUs would slow the churn tenfold under QEMU's TCG,
 * which delivers a cross-CPU wakeup to a busy vCPU only when it next gets
 * its time slice, and every thread creation and exit waits for one.
 */
static pid_t start_reader(const char *file)
{
	char path[256], buf[65536];
	pid_t pid = fork();

	if (pid)
		return pid;
	if (cs_pin_self(online_cpus() - 1))
		_exit(1);
	snprintf(path, sizeof(path), CS_PROC_DIR "/%s", file);
	for (;;) {
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			_exit(1);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		(*reads_done)++;
	}
}

/* 10,000 processes and 40,000 threads, less on the debug kernel. */
#define CHURN_PROCESSES	scaled(10000)
#define CHURN_THREADS	scaled(40000)

/*
 * Creates and reaps tasks of one mode, one after the other; returns
 * non-NULL if the churn stopped early (a fork or thread that failed).
 */
static void *churn(void *arg)
{
	enum cs_mode mode = (enum cs_mode)(long)arg;

	cs_pin_self(0);
	if (cs_churn(mode, mode == CS_MODE_PROCESS ? CHURN_PROCESSES :
						     CHURN_THREADS, NULL))
		return arg == NULL ? (void *)1 : arg;
	return NULL;
}

TEST_F_TIMEOUT(table, churn_with_readers_leaves_no_stale_rows, 1200)
{
	size_t baseline_rows, nrows, live, i;
	uint64_t baseline, tracked = 0;
	pid_t readers[2];
	void *stopped[2];
	pthread_t th[2];
	double start;

	reads_done = mmap(NULL, sizeof(*reads_done), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, reads_done);
	baseline = summary_key("tasks_tracked");
	readers[0] = start_reader("tasks");
	readers[1] = start_reader("processes");
	start = cs_now();
	ASSERT_EQ(0, pthread_create(&th[0], NULL, churn,
				    (void *)(long)CS_MODE_PROCESS));
	ASSERT_EQ(0, pthread_create(&th[1], NULL, churn,
				    (void *)(long)CS_MODE_THREAD));
	pthread_join(th[0], &stopped[0]);
	pthread_join(th[1], &stopped[1]);
	/* Every task was created: no pass on a churn that stopped early. */
	EXPECT_EQ(NULL, stopped[0]);
	EXPECT_EQ(NULL, stopped[1]);
	TH_LOG("%ld processes and %ld threads in %.1f s (%.0f tasks/s), while 2 readers read tasks and processes %ld times",
	       CHURN_PROCESSES, CHURN_THREADS, cs_now() - start,
	       (CHURN_PROCESSES + CHURN_THREADS) / (cs_now() - start),
	       (long)*reads_done);
	/* The readers really ran during the churn, and never failed. */
	EXPECT_LT(100, *reads_done);
	for (i = 0; i < 2; i++) {
		int status;

		EXPECT_EQ(0, waitpid(readers[i], &status, WNOHANG));
		kill(readers[i], SIGKILL);
		waitpid(readers[i], NULL, 0);
	}

	/* Rows leave at sched_process_free, after an RCU grace period. */
	for (i = 0; i < 1000; i++) {
		tracked = summary_key("tasks_tracked");
		if (tracked <= baseline)
			break;
		usleep(10000);
	}
	/* Kernel threads may come and go: compare until a quiet moment. */
	for (i = 0; i < 20; i++) {
		live = live_tasks();
		if (stale_task_rows(&nrows) == 0 && nrows == live)
			break;
		usleep(100000);
	}
	baseline_rows = nrows;
	TH_LOG("tasks_tracked %llu (baseline %llu), rows %zu, live tasks %zu, dropped %llu",
	       (unsigned long long)tracked, (unsigned long long)baseline,
	       baseline_rows, live,
	       (unsigned long long)summary_key("tasks_dropped"));
	EXPECT_EQ(0U, stale_task_rows(&nrows));
	EXPECT_EQ(live, nrows);
	/* Only kernel threads started meanwhile may add to the baseline. */
	EXPECT_GE(baseline + 8, tracked);
	EXPECT_EQ(0U, summary_key("tasks_dropped"));
}

TEST_HARNESS_MAIN
