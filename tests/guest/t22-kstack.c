// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel stack depth, measured against a driver of known depth: the
 * helper module ctxscope_test_depth (tests/kmod) recurses in the writer's
 * kernel stack until a depth asked for and says the depth it reached;
 * ctxscope's kstack_max
 * of that task must hold it, to within a frame. On a kernel built with
 * CONFIG_DEBUG_STACK_USAGE (make check-debug) the kernel measures every
 * exiting task's stack itself: its report of a new deepest stack
 * ("used greatest stack depth: N bytes left") and the kstack_* counts of
 * /proc/vmstat are a second oracle.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"

#define DEPTH_FILE	"/proc/ctxscope_test_depth"

/*
 * Frames below the deepest byte the driver wrote: its last frame's saved
 * registers and return address, and an interrupt's entry frame if one
 * came in just then (pt_regs, before the switch to the IRQ stack).
 */
#define BELOW_SLACK	512

FIXTURE(kstack) {};
FIXTURE_SETUP(kstack)
{
	if (access(DEPTH_FILE, W_OK) &&
	    system("insmod /ctxscope/test/ctxscope_test_depth.ko"))
		TH_LOG("cannot load ctxscope_test_depth");
}
FIXTURE_TEARDOWN(kstack) {}

/* The deepest stack a kernel report of DEBUG_STACK_USAGE gave pid, or -1. */
static long stack_usage_report(int fd, int pid)
{
	char rec[1024], pat[64];
	long left = -1;

	snprintf(pat, sizeof(pat), " (%d) used greatest stack depth: ", pid);
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *p;

		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		p = strstr(rec, pat);
		if (p)
			left = strtol(p + strlen(pat), NULL, 10);
	}
	return left;
}

/*
 * The kstack_* counters of /proc/vmstat (DEBUG_STACK_USAGE, 6.11 and
 * later): exits by the stack they used, in buckets up to 1k, 2k, 4k, ...
 * 64k, then the rest. 0 if the kernel has them, else -1.
 */
#define KSTACK_BUCKETS	8

static int vmstat_kstack(long long count[KSTACK_BUCKETS])
{
	static const char *const names[KSTACK_BUCKETS] = {
		"kstack_1k", "kstack_2k", "kstack_4k", "kstack_8k",
		"kstack_16k", "kstack_32k", "kstack_64k", "kstack_rest",
	};
	char line[128], name[64];
	FILE *f = fopen("/proc/vmstat", "re");
	int i, found = 0;
	long long v;

	memset(count, 0, KSTACK_BUCKETS * sizeof(*count));
	while (f && fgets(line, sizeof(line), f))
		for (i = 0; i < KSTACK_BUCKETS; i++)
			if (sscanf(line, "%63s %lld", name, &v) == 2 &&
			    !strcmp(name, names[i])) {
				count[i] = v;
				found = 1;
			}
	if (f)
		fclose(f);
	return found ? 0 : -1;
}

/* The bucket kstack_histogram() (kernel/exit.c) puts a task in. */
static int kstack_bucket(long long used)
{
	int i;

	for (i = 0; i < KSTACK_BUCKETS - 1; i++)
		if (used <= 1024LL << i)
			return i;
	return KSTACK_BUCKETS - 1;
}

/*
 * kstack_max of pid's exit record, once the exit log has gone past seq0;
 * -1 if none came within 5 s. The record is written when its row goes,
 * after a grace period.
 */
static long long exit_record_kstack(uint64_t seq0, pid_t pid)
{
	long long kstack = -1;
	int i;

	for (i = 0; i < 250 && kstack < 0; i++) {
		if (summary_key("exited_logged") > seq0)
			kstack = table_get_by("exited", "tgid", (uint64_t)pid,
					      "kstack_max");
		if (kstack < 0)
			usleep(20000);
	}
	return kstack;
}

#define CG_DIR	"/sys/fs/cgroup/t22-deep"

static int cg_join(pid_t pid)
{
	char s[16];
	int fd = open(CG_DIR "/cgroup.procs", O_WRONLY | O_CLOEXEC);
	int len = snprintf(s, sizeof(s), "%d\n", pid), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * A child, in a cgroup of its own, asks the driver for depth bytes,
 * reports the depth reached, and exits: its exit record's kstack_max
 * (exact once it exits) must hold what the driver reached, and at most a
 * frame more, and so must its cgroup's row, the largest of its
 * processes; nothing else the child does goes that deep.
 */
static void driver_depth(struct __test_metadata *_metadata, long depth)
{
	uint64_t size = summary_key("kstack_size"), seq0, cg = 0;
	long long kstack = -1, hist0[KSTACK_BUCKETS], hist1[KSTACK_BUCKETS];
	int report[2], status, kmsg, have_hist;
	long long cg_kstack;
	long reached = 0, used = 0, left;
	struct stat st;
	pid_t pid;

	ASSERT_EQ(0, access(DEPTH_FILE, W_OK));
	rmdir(CG_DIR);
	if (!mkdir(CG_DIR, 0755) && !stat(CG_DIR, &st))
		cg = st.st_ino;
	if (depth < 0)
		depth = (long)size * 3 / 4;
	ASSERT_EQ(0, pipe(report));
	kmsg = kmsg_from_now();
	have_hist = vmstat_kstack(hist0) == 0;
	seq0 = summary_key("exited_logged");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[64], *end;
		int fd = open(DEPTH_FILE, O_RDWR);
		ssize_t n;

		prctl(PR_SET_NAME, "t22-deep");
		if (cg && cg_join(getpid()))
			_exit(1);
		n = snprintf(buf, sizeof(buf), "%ld", depth);
		if (fd < 0 || write(fd, buf, n) != n)
			_exit(1);
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			_exit(1);
		buf[n] = '\0';
		reached = strtol(buf, &end, 10);
		used = strtol(end, NULL, 10);
		if (write(report[1], &reached, sizeof(reached)) != sizeof(reached) ||
		    write(report[1], &used, sizeof(used)) != sizeof(used))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(sizeof(reached), read(report[0], &reached, sizeof(reached)));
	ASSERT_EQ(sizeof(used), read(report[0], &used, sizeof(used)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	kstack = exit_record_kstack(seq0, pid);
	vmstat_kstack(hist1);
	cg_kstack = cg ? table_get_by("cgroups", "cgroup", cg, "kstack_max") : -1;
	rmdir(CG_DIR);
	left = kmsg >= 0 ? stack_usage_report(kmsg, pid) : -1;
	if (kmsg >= 0)
		close(kmsg);

	TH_LOG("asked %ld of %llu bytes: the driver reached %ld, the kernel's measure of the stack used after it %ld; kstack_max %lld; DEBUG_STACK_USAGE: %s %ld",
	       depth, (unsigned long long)size, reached, used, kstack,
	       left >= 0 ? "used" : have_hist ? "no new record," : "not built in,",
	       left >= 0 ? (long)size - left : 0);
	EXPECT_LE(depth, reached);
	EXPECT_LE(reached, kstack);
	EXPECT_GE(reached + BELOW_SLACK, kstack);
	EXPECT_GT((long long)size, kstack);
	/*
	 * Exactly the stack the kernel's own definition (stack_not_used())
	 * gave right after the recursion: nothing later goes as deep.
	 */
	EXPECT_EQ(used, kstack);
	/* Its cgroup keeps the largest of its processes, gone ones too. */
	if (cg) {
		TH_LOG("its cgroup's kstack_max: %lld", cg_kstack);
		EXPECT_EQ(kstack, cg_kstack);
	}
	/* The kernel's own measure at exit, when it reported one. */
	if (left >= 0)
		EXPECT_EQ((long long)size - left, kstack);
	/* ... and its histogram of exits counts one more in kstack's bucket. */
	if (have_hist && kstack > 0) {
		int i = kstack_bucket(kstack);

		TH_LOG("vmstat bucket %d (up to %lld bytes): %lld -> %lld exits",
		       i, 1024LL << i, hist0[i], hist1[i]);
		EXPECT_LT(hist0[i], hist1[i]);
	}
}

TEST_F_TIMEOUT(kstack, three_quarters_deep_through_the_driver, 120)
{
	driver_depth(_metadata, -1);
}

TEST_F_TIMEOUT(kstack, eight_kib_deep_through_the_driver, 120)
{
	driver_depth(_metadata, 8192);
}

/*
 * While the task lives, kstack_max is a lower bound that a read of the
 * table extends (the refresh scans just below the known mark): after the
 * driver took a sleeping task deep, the next read shows it.
 */
TEST_F_TIMEOUT(kstack, a_read_sees_a_sleeping_task_go_deeper, 120)
{
	int go[2], back[2], status;
	long reached = 0;
	long long before, after, proc;
	pid_t pid;

	ASSERT_EQ(0, access(DEPTH_FILE, W_OK));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(back));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[32], c;
		int fd = open(DEPTH_FILE, O_RDWR);
		ssize_t n;

		if (fd < 0 || read(go[0], &c, 1) != 1)
			_exit(1);
		n = snprintf(buf, sizeof(buf), "%d", 10240);
		if (write(fd, buf, n) != n)
			_exit(1);
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			_exit(1);
		buf[n] = '\0';
		reached = strtol(buf, NULL, 10);
		if (write(back[1], &reached, sizeof(reached)) != sizeof(reached) ||
		    read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(0, wait_sleeping(pid, pid));
	before = (long long)table_get_by("tasks", "pid", (uint64_t)pid,
					 "kstack_max");
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(sizeof(reached), read(back[0], &reached, sizeof(reached)));
	ASSERT_EQ(0, wait_sleeping(pid, pid));
	after = (long long)table_get_by("tasks", "pid", (uint64_t)pid,
					"kstack_max");
	proc = table_get_by("processes", "tgid", (uint64_t)pid, "kstack_max");
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	TH_LOG("sleeping task: kstack_max %lld, then %lld after the driver reached %ld; its process row %lld",
	       before, after, reached, proc);
	EXPECT_GT(reached, before);
	EXPECT_LE(reached, after);
	EXPECT_GE(reached + BELOW_SLACK, after);
	/* Its process's row: the largest of its threads (this one alone). */
	EXPECT_LE(reached, proc);
	EXPECT_GE(reached + BELOW_SLACK, proc);
}

/*
 * A task asleep deep in its stack, below a 1 KiB stretch nothing wrote
 * (the driver's "sleep N"): a scan for its deepest use that started from
 * the top of its stack would stop at that gap, so the read must start
 * where the task is, at least as deep as the driver says it sleeps.
 */
TEST_F_TIMEOUT(kstack, a_read_finds_a_task_asleep_below_an_untouched_gap, 120)
{
	uint64_t size = summary_key("kstack_size");
	long long kstack, proc;
	long want = (long)size / 2, reached = 0;
	int status, fd, i, sleeper = 0;
	char buf[64];
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, access(DEPTH_FILE, W_OK));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		fd = open(DEPTH_FILE, O_WRONLY);
		n = snprintf(buf, sizeof(buf), "sleep %ld", want);
		/* Returns only when a signal ends the sleep. */
		if (fd < 0 || write(fd, buf, n) == n)
			_exit(1);
		_exit(2);
	}
	/* Until the driver says pid is asleep at the bottom. */
	fd = open(DEPTH_FILE, O_RDONLY);
	ASSERT_LE(0, fd);
	for (i = 0; i < 500 && sleeper != pid; i++) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		ASSERT_LT(0, n);
		buf[n] = '\0';
		if (sscanf(buf, "%ld %*d %d", &reached, &sleeper) != 2)
			sleeper = 0;
		if (sleeper != pid)
			usleep(20000);
	}
	close(fd);
	ASSERT_EQ(pid, sleeper);
	ASSERT_EQ(0, wait_sleeping(pid, pid));
	kstack = (long long)table_get_by("tasks", "pid", (uint64_t)pid,
					 "kstack_max");
	proc = table_get_by("processes", "tgid", (uint64_t)pid, "kstack_max");
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	TH_LOG("asked %ld of %llu bytes: asleep below %ld; kstack_max %lld, its process %lld",
	       want, (unsigned long long)size, reached, kstack, proc);
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_LE(want, reached);
	EXPECT_LE(reached, kstack);
	EXPECT_GT((long long)size, kstack);
	EXPECT_LE(reached, proc);
}

/*
 * What a task's exit uses after ctxscope's exact scan at
 * sched_process_exit: the depth driver's "release N" recurses when the
 * exiting task's files are released (exit_files(), then the deferred
 * fput), and only the scan at its last switch-out can see that. The
 * task first goes to within 2 KiB of that depth (so that the short scan,
 * from the mark, reaches it) and sleeps once on a CPU it is pinned to,
 * so that its row is in that CPU's row cache when it exits; a spinner
 * pinned there too makes the switch after its last one a switch to
 * another user task, the kind the probe can count inline.
 */
TEST_F_TIMEOUT(kstack, the_exit_record_holds_what_the_exit_used_after_its_scan, 120)
{
	uint64_t size = summary_key("kstack_size"), seq0;
	long want = (long)size / 2, reached = 0;
	long long kstack;
	pid_t pid, spinner;
	int status, fd;
	cpu_set_t one;
	char buf[64];
	ssize_t n;

	ASSERT_EQ(0, access(DEPTH_FILE, W_OK));
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	spinner = fork();
	ASSERT_LE(0, spinner);
	if (spinner == 0) {
		/* Gone with the test, also if an assertion ends it early. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) ||
		    sched_setaffinity(0, sizeof(one), &one))
			_exit(1);
		for (;;)
			;
	}
	seq0 = summary_key("exited_logged");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		fd = open(DEPTH_FILE, O_RDWR);
		if (fd < 0 || sched_setaffinity(0, sizeof(one), &one))
			_exit(1);
		n = snprintf(buf, sizeof(buf), "%ld", want - 2048);
		if (write(fd, buf, n) != n)
			_exit(1);
		n = snprintf(buf, sizeof(buf), "release %ld", want);
		if (write(fd, buf, n) != n)
			_exit(1);
		usleep(20000);
		/* fd stays open: its release is part of the exit. */
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	kill(spinner, SIGKILL);
	ASSERT_EQ(spinner, waitpid(spinner, NULL, 0));
	ASSERT_EQ(0, status);
	kstack = exit_record_kstack(seq0, pid);
	fd = open(DEPTH_FILE, O_RDONLY);
	ASSERT_LE(0, fd);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	ASSERT_LT(0, n);
	buf[n] = '\0';
	reached = strtol(buf, NULL, 10);
	TH_LOG("release at exit reached %ld of %llu bytes; the exit record's kstack_max %lld",
	       reached, (unsigned long long)size, kstack);
	EXPECT_LE(want, reached);
	EXPECT_LE(reached, kstack);
	EXPECT_GE(reached + BELOW_SLACK, kstack);
}

TEST_HARNESS_MAIN
