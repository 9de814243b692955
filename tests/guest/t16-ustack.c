// SPDX-License-Identifier: GPL-2.0
/*
 * A task's user stack is its own stack, never another stack it happens to
 * run on: a main thread's is the mapping that holds mm->start_stack; a
 * thread's is the mapping that held its sp at clone, or at its first
 * switch-out for a thread that existed at load. Samples taken on a
 * sigaltstack or on a makecontext()/swapcontext() coroutine stack are not
 * counted and do not make that mapping "the stack".
 *
 * Each case reloads the module while the task runs somewhere the module
 * could mistake for its stack: the rows made at load have no known
 * bounds, the case where the first sample's mapping used to be taken for
 * the stack. The other stack is 96 KiB deep, the task's own 64 KiB (main
 * thread) or 32 KiB (pthread), so that a depth counted on the wrong stack
 * shows. The oracle: the depths, by construction, below the end of the
 * mapping in /proc/self/maps.
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"

#define KIB		1024UL
#define MAIN_DEPTH	(64 * KIB)
#define THREAD_DEPTH	(32 * KIB)
#define SLACK		(16 * KIB)	/* frames above main(), the sample's own */
#define OTHER_DEPTH	(96 * KIB)	/* on the sigaltstack or coroutine */
#define OTHER_SIZE	(256 * KIB)

/* What the test and its target process share. */
struct shared {
	_Atomic int phase;	/* how far the target got */
	_Atomic int go;		/* how far the test lets it go */
	_Atomic int tid;	/* the task under test */
	_Atomic uintptr_t own_top, own_deep, other_lo, own_lo;
};

static struct shared *sh;

/* The bounds of the mapping holding addr, from /proc/self/maps. */
static void mapping_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
	unsigned long l, h;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	*lo = *hi = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &l, &h) == 2 && l <= addr &&
		    addr < h) {
			*lo = l;
			*hi = h;
		}
	if (f)
		fclose(f);
}

/* Sleeps in short interruptible sleeps (a switch-out each) until go >= n. */
static void sleep_until_go(int n)
{
	struct timespec ts = { .tv_nsec = 2000000 };

	while (sh->go < n)
		nanosleep(&ts, NULL);
}

/*
 * Recurses, touching each 1 KiB frame, until this frame is depth below
 * top, then calls at_bottom(arg) there.
 */
static __attribute__((noinline)) int
recurse(uintptr_t top, size_t depth, void (*at_bottom)(void *), void *arg)
{
	volatile char frame[1024];

	frame[0] = 1;
	frame[sizeof(frame) - 1] = 1;
	if (top - (uintptr_t)frame < depth)
		return recurse(top, depth, at_bottom, arg) + frame[0];
	at_bottom(arg);
	return frame[0];
}

/* At the bottom of the other stack: says so, waits for go >= n. */
static void other_bottom(void *arg)
{
	int n = (int)(uintptr_t)arg;

	sh->phase = n;
	sleep_until_go(n);
}

/* Runs on the other stack (its mapping holds here): 96 KiB deep. */
static void deep_on_other_stack(int n)
{
	uintptr_t lo, hi;
	char here;

	mapping_of((uintptr_t)&here, &lo, &hi);
	sh->other_lo = lo;
	recurse(hi, OTHER_DEPTH, other_bottom, (void *)(uintptr_t)n);
}

static void *map_other_stack(void *hint)
{
	void *p = mmap(hint, OTHER_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The ustack_max of task tid, or -1 if it has no row. */
static long long ustack_of(int tid)
{
	struct cs_table t;
	long long v = -1;
	long row;

	table_read("tasks", &t);
	row = table_find(&t, "pid", (uint64_t)tid);
	if (row >= 0)
		v = (long long)table_get(&t, row, "ustack_max");
	cs_table_free(&t);
	return v;
}

static void wait_phase(int n)
{
	while (sh->phase < n)
		usleep(1000);
}

/* Starts the target; the test's side of the shared state is reset. */
static pid_t start_target(void (*target)(void))
{
	pid_t pid;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	memset(sh, 0, sizeof(*sh));
	pid = fork();
	if (pid == 0) {
		sh->tid = gettid_();
		target();
		_exit(0);
	}
	return pid;
}

static void log_depths(struct __test_metadata *_metadata, const char *what,
		       long long mid, long long end)
{
	TH_LOG("%s: ustack_max %lld bytes (%.1f KiB) while on the other stack (%lu KiB deep there), %lld bytes (%.1f KiB) back on its own (%.1f KiB deep by construction)",
	       what, mid, mid / 1024.0, OTHER_DEPTH / KIB, end, end / 1024.0,
	       (sh->own_top - sh->own_deep) / 1024.0);
}

FIXTURE(ustack) {};
FIXTURE_SETUP(ustack) {}
FIXTURE_TEARDOWN(ustack) {}

/* ---- 1. Main thread on a sigaltstack ---------------------------------- */

static void altstack_handler(int sig)
{
	(void)sig;
	deep_on_other_stack(1);
}

/* 64 KiB deep on its own stack: into the handler, then back and wait. */
static void altstack_bottom(void *arg)
{
	volatile char here = 0;

	(void)arg;
	sh->own_deep = (uintptr_t)&here;
	syscall(SYS_tgkill, getpid(), gettid_(), SIGUSR1);
	sh->phase = 3;
	sleep_until_go(3);
}

static void altstack_target(void)
{
	struct sigaction sa = { .sa_handler = altstack_handler,
				.sa_flags = SA_ONSTACK };
	stack_t ss = { .ss_size = OTHER_SIZE };
	uintptr_t lo, hi;
	char here;

	ss.ss_sp = map_other_stack(NULL);
	if (!ss.ss_sp || sigaltstack(&ss, NULL) ||
	    sigaction(SIGUSR1, &sa, NULL))
		_exit(1);
	mapping_of((uintptr_t)&here, &lo, &hi);
	sh->own_top = hi;
	recurse(hi, MAIN_DEPTH, altstack_bottom, NULL);
}

TEST_F_TIMEOUT(ustack, main_thread_sigaltstack_is_not_its_stack, 120)
{
	long long mid, end;
	pid_t pid;

	pid = start_target(altstack_target);
	ASSERT_LT(0, pid);
	wait_phase(1);
	ASSERT_EQ(0, module_reload(""));
	usleep(300000);		/* switch-outs in the handler */
	mid = ustack_of(pid);
	sh->go = 1;
	wait_phase(3);
	usleep(300000);		/* switch-outs 64 KiB deep */
	end = ustack_of(pid);
	log_depths(_metadata, "main thread, handler on a sigaltstack", mid, end);
	EXPECT_EQ(0, mid);
	EXPECT_LE(MAIN_DEPTH, end);
	EXPECT_GE(MAIN_DEPTH + SLACK, end);
	sh->go = 3;
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
}

/* ---- 2. Main thread in a coroutine ------------------------------------ */

static ucontext_t main_ctx, co_ctx;
static int co_phase;		/* the phase it reaches at its bottom */

static void coroutine(void)
{
	deep_on_other_stack(co_phase);
	swapcontext(&co_ctx, &main_ctx);
}

static void coroutine_bottom(void *arg)
{
	volatile char here = 0;

	(void)arg;
	sh->own_deep = (uintptr_t)&here;
	swapcontext(&main_ctx, &co_ctx);
	sh->phase = 3;
	sleep_until_go(3);
}

/*
 * Makes co_ctx a coroutine on a mapping of its own (the mmap hint may be
 * NULL) that reaches phase at its bottom.
 */
static int make_coroutine(void *hint, int phase)
{
	void *stack = map_other_stack(hint);

	co_phase = phase;

	if (!stack || getcontext(&co_ctx))
		return -1;
	co_ctx.uc_stack.ss_sp = stack;
	co_ctx.uc_stack.ss_size = OTHER_SIZE;
	co_ctx.uc_link = NULL;
	makecontext(&co_ctx, coroutine, 0);
	return 0;
}

static void coroutine_target(void)
{
	uintptr_t lo, hi;
	char here;

	if (make_coroutine(NULL, 1))
		_exit(1);
	mapping_of((uintptr_t)&here, &lo, &hi);
	sh->own_top = hi;
	recurse(hi, MAIN_DEPTH, coroutine_bottom, NULL);
}

TEST_F_TIMEOUT(ustack, main_thread_coroutine_stack_is_not_its_stack, 120)
{
	long long mid, end;
	pid_t pid;

	pid = start_target(coroutine_target);
	ASSERT_LT(0, pid);
	wait_phase(1);
	ASSERT_EQ(0, module_reload(""));
	usleep(300000);
	mid = ustack_of(pid);
	sh->go = 1;
	wait_phase(3);
	usleep(300000);
	end = ustack_of(pid);
	log_depths(_metadata, "main thread, in a coroutine", mid, end);
	EXPECT_EQ(0, mid);
	EXPECT_LE(MAIN_DEPTH, end);
	EXPECT_GE(MAIN_DEPTH + SLACK, end);
	sh->go = 3;
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
}

/* ---- 3. A pthread in a coroutine -------------------------------------- */

/*
 * The thread, 32 KiB deep on its own stack: sleeps there until go 1 (its
 * first switch-outs after a load), then runs a coroutine whose stack is
 * mapped below its own (so that it holds the lowest sp sampled), 96 KiB
 * deep, until go 2, then sleeps on its own stack again until go 3.
 */
static void thread_bottom(void *arg)
{
	volatile char here = 0;

	(void)arg;
	sh->own_deep = (uintptr_t)&here;
	sh->phase = 1;
	sleep_until_go(1);
	if (make_coroutine((void *)((sh->own_lo - 64 * 1024 * KIB) &
				    ~(uintptr_t)0xfffff), 2))
		_exit(1);
	swapcontext(&main_ctx, &co_ctx);
	sh->phase = 3;
	sleep_until_go(3);
}

static void *coroutine_thread(void *arg)
{
	uintptr_t lo, hi;
	char here;

	(void)arg;
	sh->tid = gettid_();
	mapping_of((uintptr_t)&here, &lo, &hi);
	sh->own_top = hi;
	sh->own_lo = lo;
	recurse(hi, THREAD_DEPTH, thread_bottom, NULL);
	return NULL;
}

static void thread_target(void)
{
	pthread_t th;

	if (pthread_create(&th, NULL, coroutine_thread, NULL))
		_exit(1);
	pthread_join(th, NULL);
}

static void thread_case(struct __test_metadata *_metadata, int at_load)
{
	long long mid, end;
	pid_t pid;
	int tid;

	if (!at_load)
		ASSERT_EQ(0, module_reload(""));
	pid = start_target(thread_target);
	ASSERT_LT(0, pid);
	wait_phase(1);
	tid = sh->tid;
	if (at_load) {
		ASSERT_EQ(0, module_reload(""));
		usleep(300000);	/* its first switch-outs, on its stack */
	}
	sh->go = 1;
	wait_phase(2);
	usleep(300000);
	mid = ustack_of(tid);
	sh->go = 2;
	wait_phase(3);
	usleep(300000);
	end = ustack_of(tid);
	log_depths(_metadata, at_load ? "thread of before the load, in a coroutine" :
		   "thread created after the load, in a coroutine", mid, end);
	TH_LOG("coroutine stack %s the thread's stack",
	       sh->other_lo < sh->own_lo ? "below" : "above (mmap ignored the hint)");
	EXPECT_LE(0, mid);
	EXPECT_GE(THREAD_DEPTH + SLACK, mid);
	EXPECT_LE(THREAD_DEPTH, end);
	EXPECT_GE(THREAD_DEPTH + SLACK, end);
	sh->go = 3;
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
}

TEST_F_TIMEOUT(ustack, thread_from_before_load_coroutine_is_not_its_stack, 120)
{
	thread_case(_metadata, 1);
}

TEST_F_TIMEOUT(ustack, thread_coroutine_is_not_its_stack, 120)
{
	thread_case(_metadata, 0);
}

TEST_HARNESS_MAIN
