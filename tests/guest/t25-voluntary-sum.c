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
 * on the last CPU signals them in turn for 10 s; then everything rests.
 * The kernel's sum is taken by a scan of every thread's /proc status,
 * between two reads of ctxscope at each end. ctxscope's change from the
 * outer reads can never be below the kernel's: a task that exits in the
 * window only takes its nvcsw out of the second scan. Its change from the
 * inner reads must not exceed the kernel's by more than what the tasks
 * created in the window (/proc/stat's "processes") could take with them
 * when they exit: the guest's heartbeat runs a `sleep 10` every 10 s,
 * which makes a few voluntary switches (its nap, its exit) and is gone.
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

#define SECONDS		10
#define SLEEPERS	3
/* Voluntary switches a short-lived task takes with it at most. */
#define PER_EXITED	8

FIXTURE(volsum) {};
FIXTURE_SETUP(volsum) {}
FIXTURE_TEARDOWN(volsum) {}

static atomic_int stop, go, sent, tids[SLEEPERS];
static atomic_long naps, handled;

static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

/* Naps of 1 s that the sender cuts short, until told to stop. */
static void *sleeper(void *arg)
{
	struct timespec nap = { 1, 0 };

	tids[(long)arg] = gettid_();
	cs_pin_self(0);
	while (!stop) {
		nanosleep(&nap, NULL);
		naps++;
	}
	return NULL;
}

/*
 * Signals the sleepers in turn, as fast as it can, for SECONDS once told
 * to go; then naps until told to stop. It lives across both scans: a
 * thread that exits inside the window takes its nvcsw out of the second.
 */
static void *sender(void *arg)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	int pid = getpid(), i = 0;
	double end;

	cs_pin_self(online_cpus() - 1);
	while (!go)
		nanosleep(&nap, NULL);
	end = cs_now() + SECONDS;
	while (cs_now() < end)
		syscall(SYS_tgkill, pid, tids[i++ % SLEEPERS], SIGUSR1);
	sent = 1;
	while (!stop)
		nanosleep(&nap, NULL);
	return arg;
}

TEST_F_TIMEOUT(volsum, summary_voluntary_is_the_kernels_nvcsw_sum, 300)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct summary o0, o1, c0, c1;
	uint64_t nv0, nv1, ni0, ni1;
	long long kvol, in, out, forks;
	uint64_t forks0;
	pthread_t th[SLEEPERS + 1];
	long i;

	if (online_cpus() < 2)
		SKIP(return, "one CPU: no sender beside the sleepers");
	/* No SA_RESTART: a signal ends the nap. */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	cs_pin_self(online_cpus() - 1);
	for (i = 0; i < SLEEPERS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, sleeper, (void *)i));
	for (i = 0; i < SLEEPERS; i++)
		while (!tids[i])
			usleep(1000);
	ASSERT_EQ(0, pthread_create(&th[SLEEPERS], NULL, sender, NULL));

	forks0 = proc_stat_processes();
	summary_read(&o0);
	all_tasks_csw(&nv0, &ni0);
	summary_read(&o1);
	go = 1;
	while (!sent)
		usleep(100000);
	/* Every sleeper back in a nap no signal will cut short. */
	for (i = 0; i < SLEEPERS; i++)
		ASSERT_EQ(0, wait_sleeping(getpid(), tids[i]));
	usleep(100000);
	summary_read(&c0);
	all_tasks_csw(&nv1, &ni1);
	summary_read(&c1);
	forks = (long long)(proc_stat_processes() - forks0);
	stop = 1;
	pthread_join(th[SLEEPERS], NULL);
	for (i = 0; i < SLEEPERS; i++) {
		syscall(SYS_tgkill, getpid(), tids[i], SIGUSR1);
		pthread_join(th[i], NULL);
	}

	kvol = (long long)(nv1 - nv0);
	in = (long long)(c0.voluntary - o1.voluntary);
	out = (long long)(c1.voluntary - o0.voluntary);
	TH_LOG("%d s of signals: %ld naps, %ld handled; the kernel's nvcsw grew by %lld, ctxscope's voluntary by %lld..%lld; %lld tasks created meanwhile",
	       SECONDS, (long)naps, (long)handled, kvol, in, out, forks);
	/* The signals really cut naps short: the race had its chances. */
	EXPECT_LE(100, handled);
	EXPECT_LE(in, kvol + PER_EXITED * forks);
	EXPECT_GE(out, kvol);
}

TEST_HARNESS_MAIN
