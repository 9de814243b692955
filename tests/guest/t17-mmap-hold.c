// SPDX-License-Identifier: GPL-2.0
/*
 * Reading /proc/ctxscope never waits for a process's mmap_lock, and
 * neither does unloading the module; and with tasks_mode=0444 an
 * unprivileged reader cannot make every read a refresh pass.
 *
 * The helper module tests/kmod/ctxscope_test_mmap_hold.ko holds a
 * target process's mmap_lock for writing, as a page fault on a hung FUSE
 * or NFS mount does on a real machine. The target has a thread with user
 * stack samples to resolve (a thread of before the load, switching out
 * on a coroutine stack once the hold has begun). Every check is an
 * order, not a time: a read (or rmmod) must return while the helper
 * still reports the lock held.
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
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"

#define HOLD_FILE	"/proc/ctxscope_test_mmap_hold"
#define HOLD_KO		"/ctxscope/test/ctxscope_test_mmap_hold.ko"
#define HOLD_SECONDS	10
#define CO_STACK	(64 * 1024)

/* ---- The target process ----------------------------------------------- */

struct shared {
	_Atomic int tid, ready, go;
};

static struct shared *sh;
static ucontext_t thread_ctx, co_ctx;
static char co_stack[CO_STACK] __attribute__((aligned(64)));

static void sleep_a_little(void)
{
	struct timespec ts = { .tv_nsec = 2000000 };

	nanosleep(&ts, NULL);
}

/* Sleeps on its own stack until go, then returns: each call a round. */
static void coroutine(void)
{
	for (;;) {
		while (sh->go == 1)
			sleep_a_little();
		swapcontext(&co_ctx, &thread_ctx);
	}
}

/*
 * Sleeps on its stack; once go is 1, sleeps on the coroutine's stack.
 * One round trip through the coroutine first, so that everything it
 * touches (code, stack pages) is mapped before any hold: a page fault
 * under the hold would block the thread instead of letting it switch.
 */
static void *target_thread(void *arg)
{
	(void)arg;
	sh->tid = gettid_();
	memset(co_stack, 1, sizeof(co_stack));
	if (getcontext(&co_ctx))
		return NULL;
	co_ctx.uc_stack.ss_sp = co_stack;
	co_ctx.uc_stack.ss_size = sizeof(co_stack);
	co_ctx.uc_link = NULL;
	makecontext(&co_ctx, coroutine, 0);
	swapcontext(&thread_ctx, &co_ctx);
	sh->ready = 1;
	while (sh->go == 0)
		sleep_a_little();
	swapcontext(&thread_ctx, &co_ctx);
	return NULL;
}

/* The target: a thread that sleeps in a loop, a main thread blocked. */
static pid_t start_target(int park_fd)
{
	pid_t pid;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	memset(sh, 0, sizeof(*sh));
	pid = fork();
	if (pid == 0) {
		pthread_t th;
		char c;

		if (pthread_create(&th, NULL, target_thread, NULL))
			_exit(1);
		_exit(read(park_fd, &c, 1) < 0);
	}
	while (pid > 0 && !sh->ready)
		usleep(1000);
	return pid;
}

/* ---- The hold --------------------------------------------------------- */

/* How many mmap_locks the helper holds now, or -1. */
static int holds_active(void)
{
	FILE *f = fopen(HOLD_FILE, "re");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static int helper_load(void)
{
	if (!access(HOLD_FILE, F_OK))
		return 0;
	return system("insmod " HOLD_KO) ? -1 : 0;
}

/* A child that holds pid's mmap_lock: returns once the hold has begun. */
static pid_t hold_start(pid_t pid)
{
	pid_t holder = fork();
	int i;

	if (holder == 0) {
		char s[32];
		int fd = open(HOLD_FILE, O_WRONLY), len;

		len = snprintf(s, sizeof(s), "%d %d", pid, HOLD_SECONDS);
		_exit(fd < 0 || write(fd, s, len) != len);
	}
	for (i = 0; i < 5000 && holds_active() != 1; i++)
		usleep(1000);
	return holds_active() == 1 ? holder : -1;
}

/* Ends the hold now (the helper sleeps interruptibly). */
static void hold_end(pid_t holder)
{
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads a file to its end; returns the bytes read or -errno. */
static long read_all(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	long total = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return n < 0 ? -errno : total;
}

/* A child process doing read_all(path) once; its state says where it is. */
static pid_t reader_start(const char *path)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(read_all(path) < 0);
	return pid;
}

/* Waits until process pid has exited (1) or sleeps in D (0); -1 after 10 s. */
static int exited_or_blocked(pid_t pid)
{
	int i, status;

	for (i = 0; i < 10000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return 1;
		if (task_state(pid, pid) == 'D')
			return 0;
		usleep(1000);
	}
	return -1;
}

/*
 * The target, the module reloaded (rows without known stacks), the
 * target's thread sampled at switch-outs, then the hold, then the
 * thread's new samples on the coroutine's stack.
 */
struct setup {
	int park[2];
	pid_t target, holder;
};

static int setup_hold(struct __test_metadata *_metadata, struct setup *s)
{
	ASSERT_EQ(0, helper_load()) {
		TH_LOG("cannot load %s", HOLD_KO);
	}
	ASSERT_EQ(0, pipe(s->park));
	s->target = start_target(s->park[0]);
	ASSERT_LT(0, s->target);
	ASSERT_EQ(0, module_reload(""));
	usleep(300000);
	s->holder = hold_start(s->target);
	ASSERT_LT(0, s->holder) {
		TH_LOG("the helper did not report the hold");
	}
	sh->go = 1;
	usleep(100000);
	return 0;
}

static void teardown_hold(struct setup *s)
{
	hold_end(s->holder);
	kill(s->target, SIGKILL);
	waitpid(s->target, NULL, 0);
	close(s->park[0]);
	close(s->park[1]);
	munmap(sh, sizeof(*sh));
}

FIXTURE(hold) {};
FIXTURE_SETUP(hold) {}
FIXTURE_TEARDOWN(hold) {}

/* The helper works: the kernel's own /proc/PID/maps waits for the hold. */
TEST_F_TIMEOUT(hold, helper_holds_the_mmap_lock, 120)
{
	struct setup s;
	char path[64];
	pid_t reader;

	setup_hold(_metadata, &s);
	snprintf(path, sizeof(path), "/proc/%d/maps", s.target);
	reader = reader_start(path);
	ASSERT_LT(0, reader);
	EXPECT_EQ(0, exited_or_blocked(reader)) {
		TH_LOG("a reader of %s did not block behind the hold", path);
	}
	EXPECT_EQ(1, holds_active());
	teardown_hold(&s);
	waitpid(reader, NULL, 0);
}

TEST_F_TIMEOUT(hold, reads_do_not_wait_for_a_held_mmap_lock, 120)
{
	static const char *const files[] = { "tasks", "processes" };
	struct setup s;
	char path[64];
	int i;

	for (i = 0; i < 2; i++) {
		double t0, t1;
		int held;
		long n;

		setup_hold(_metadata, &s);
		snprintf(path, sizeof(path), CS_PROC_DIR "/%s", files[i]);
		t0 = now();
		n = read_all(path);
		t1 = now();
		held = holds_active();
		TH_LOG("read of %s (%ld bytes) took %.2f s; the %d s hold is %s",
		       files[i], n, t1 - t0, HOLD_SECONDS,
		       held == 1 ? "still active" : "over");
		EXPECT_LT(0, n);
		EXPECT_EQ(1, held) {
			TH_LOG("the read of %s waited for the target's mmap_lock",
			       files[i]);
		}
		teardown_hold(&s);
	}
}

TEST_F_TIMEOUT(hold, unload_does_not_wait_for_a_held_mmap_lock, 120)
{
	struct setup s;
	pid_t reader;
	int where, held, ret;
	double t0, t1;

	setup_hold(_metadata, &s);
	reader = reader_start(CS_PROC_DIR "/tasks");
	ASSERT_LT(0, reader);
	where = exited_or_blocked(reader);
	t0 = now();
	ret = system("rmmod ctxscope");
	t1 = now();
	held = holds_active();
	TH_LOG("reader %s; rmmod took %.2f s; the %d s hold is %s",
	       where == 1 ? "done" : "blocked", t1 - t0, HOLD_SECONDS,
	       held == 1 ? "still active" : "over");
	EXPECT_EQ(0, ret);
	EXPECT_EQ(1, held) {
		TH_LOG("rmmod waited for the target's mmap_lock");
	}
	teardown_hold(&s);
	waitpid(reader, NULL, 0);
	ASSERT_EQ(0, module_reload(""));
}

/* ---- Rate limit ------------------------------------------------------- */

/* A summary key, or -1 if the summary has none of that name. */
static long long summary_opt(const char *key)
{
	char detail[CS_DETAIL_MAX] = "";
	struct cs_summary sum;
	uint64_t v;
	int missing;

	if (cs_summary_read(CS_PROC_DIR "/summary", &sum, detail))
		return -1;
	missing = cs_summary_get(&sum, key, &v);
	cs_summary_free(&sum);
	return missing ? -1 : (long long)v;
}

#define NOBODY		65534
#define NOBODY_SECONDS	3
#define ROOT_READS	5

TEST_F_TIMEOUT(hold, unprivileged_reads_refresh_at_most_once_a_second, 120)
{
	long long before, after, reads = -1;
	int report[2], i;
	pid_t child;

	ASSERT_EQ(0, module_reload("tasks_mode=0444"));
	before = summary_opt("stack_refreshes");
	ASSERT_LE(0, before) {
		TH_LOG("the summary has no key stack_refreshes");
	}
	ASSERT_EQ(0, pipe(report));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		double end;
		long long n = 0;

		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(1);
		end = now() + NOBODY_SECONDS;
		while (now() < end)
			n += read_all(CS_PROC_DIR "/tasks") > 0;
		_exit(write(report[1], &n, sizeof(n)) != sizeof(n));
	}
	ASSERT_EQ(sizeof(reads), read(report[0], &reads, sizeof(reads)));
	waitpid(child, NULL, 0);
	after = summary_opt("stack_refreshes");
	TH_LOG("nobody read tasks %lld times in %d s: stack_refreshes %lld -> %lld",
	       reads, NOBODY_SECONDS, before, after);
	EXPECT_LT(NOBODY_SECONDS + 1, reads);
	EXPECT_GE(NOBODY_SECONDS + 1, after - before);

	for (i = 0; i < ROOT_READS; i++) {
		before = summary_opt("stack_refreshes");
		ASSERT_LT(0, read_all(CS_PROC_DIR "/tasks"));
		after = summary_opt("stack_refreshes");
		EXPECT_EQ(before + 1, after) {
			TH_LOG("root's read %d: stack_refreshes %lld -> %lld",
			       i + 1, before, after);
		}
	}
	ASSERT_EQ(0, module_reload(""));
}

TEST_HARNESS_MAIN
