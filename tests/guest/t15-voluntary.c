// SPDX-License-Identifier: GPL-2.0
/*
 * Per-task voluntary/involuntary equal the kernel's nvcsw/nivcsw exactly,
 * including sleeps aborted by a signal. On 6.12, when a signal arrives
 * between a task's setting TASK_INTERRUPTIBLE and __schedule()'s
 * signal_pending_state() check, try_to_block_task() hands the
 * sched_switch tracepoint TASK_RUNNING while the kernel still charges the
 * switch to nvcsw (if another task is runnable on that CPU, the task
 * switches out without blocking). 6.1 passes the original state.
 *
 * The race needs two CPUs at one instant, and another task runnable on
 * the sleeper's CPU (else the aborted sleep picks the sleeper again and
 * nothing switches): three sleepers share CPU 0 and a sender on CPU 1
 * signals them in turn as fast as it can, for 10 s. Runs here on 6.12,
 * on a loaded host: one sleeper beside a spinner, 5 s, hit the race 5
 * times on single-threaded TCG and 5 on multi-threaded; three sleepers,
 * 5 s, 3 and 3 single, 29 and 3 multi; 10 s, 7 single and 37 multi.
 * Three sleepers make more sleeps: theirs are not bound to the tick.
 * make check runs this program a second time on multi-threaded TCG
 * (tests/check, MTTCG_TESTS), where the vCPUs really run in parallel.
 *
 * How often the race was hit is counted with an ftrace hist trigger on
 * the sleepers' sched_switch events, by prev_state: every voluntary
 * switch has a sleeping state there except the aborted ones, so the race
 * count is the sleepers' nvcsw over the window minus their switches
 * traced in a sleeping state. (Switches traced as R without '+' are not
 * all races: a task preempted on its way back to user space goes through
 * schedule(), not preempt_schedule(), and shows R too; those are
 * involuntary.) It is printed, not asserted: 6.1's tracepoint has no
 * race to show, and single-threaded TCG seldom hits it.
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "workload.h"

#define SECONDS		10
#define SLEEPERS	3
#define NTHREADS	(SLEEPERS + 1)	/* and a sender */
#define TRACE_EVENT	"/sys/kernel/tracing/events/sched/sched_switch/"
#define TASK_REPORT_MAX	0x100	/* prev_state of a preempted task */

struct shared {
	_Atomic int tid[NTHREADS];
	_Atomic int stop, parked;
	_Atomic long sleeps, handled, sent;
};

static struct shared *sh;
static int park_fd[2], go_fd[2];
static pid_t workload_pid;

static const char *role_of(int i)
{
	return i < SLEEPERS ? "sleeper" : "sender";
}

static void on_signal(int sig)
{
	(void)sig;
	sh->handled++;
}

/* Blocks until killed, deaf to the signals still on their way. */
static void park(void)
{
	sigset_t set;
	char c;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sh->parked++;
	while (read(park_fd[0], &c, 1) < 0 && errno == EINTR)
		;
}

static void *thread_main(void *arg)
{
	int i = (int)(uintptr_t)arg;
	struct timespec ts = { .tv_sec = 1 };
	char c;

	cs_pin_self(i < SLEEPERS ? 0 : 1);
	sh->tid[i] = gettid_();
	/* Asleep until go: the window of the trace starts with a sleep. */
	if (read(go_fd[0], &c, 1) != 1)
		return NULL;
	if (i < SLEEPERS) {
		/* Interruptible sleeps that only a signal ends. */
		while (!sh->stop) {
			nanosleep(&ts, NULL);
			sh->sleeps++;
		}
	} else {
		int n = 0;

		/* The sleepers in turn, as fast as it can. */
		while (!sh->stop) {
			syscall(SYS_tgkill, workload_pid, sh->tid[n], SIGUSR1);
			n = (n + 1) % SLEEPERS;
			sh->sent++;
		}
	}
	park();
	return NULL;
}

static void workload(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	pthread_t th;
	int i;

	workload_pid = getpid();
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the signal ends the sleep. */
	if (sigaction(SIGUSR1, &sa, NULL))
		_exit(1);
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&th, NULL, thread_main, (void *)(uintptr_t)i))
			_exit(1);
	park();
	_exit(0);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Hit counts of the hist trigger by prev_state: R (0), R+ (preempted,
 * TASK_REPORT_MAX) and any sleeping state; -1 if it cannot be read.
 */
static int hist_counts(long *running, long *preempted, long *sleeping)
{
	char line[512];
	long pid, key, hits;
	FILE *f = fopen(TRACE_EVENT "hist", "re");

	*running = *preempted = *sleeping = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "{ prev_pid: %ld, prev_state: %ld } hitcount: %ld",
			   &pid, &key, &hits) != 3)
			continue;
		if (key == 0)
			*running += hits;
		else if (key == TASK_REPORT_MAX)
			*preempted += hits;
		else
			*sleeping += hits;
	}
	fclose(f);
	return 0;
}

/* The sum of the sleepers' voluntary_ctxt_switches. */
static long long sleepers_nvcsw(pid_t w)
{
	long long sum = 0;
	int i;

	for (i = 0; i < SLEEPERS; i++)
		sum += task_status(w, sh->tid[i], "voluntary_ctxt_switches");
	return sum;
}

FIXTURE(voluntary) {};
FIXTURE_SETUP(voluntary) {}
FIXTURE_TEARDOWN(voluntary) {}

TEST_F_TIMEOUT(voluntary, signal_aborted_sleeps_count_as_the_kernel_counts, 180)
{
	long running, preempted, sleeping;
	long long nvcsw0;
	char trigger[256], untrigger[260], go[NTHREADS] = { 0 };
	int i, len, tids[NTHREADS + 1], have_hist;
	struct cs_table t;
	pid_t w;

	if (online_cpus() < 2)
		SKIP(return, "needs two CPUs");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	ASSERT_EQ(0, pipe(park_fd));
	ASSERT_EQ(0, pipe(go_fd));
	w = fork();
	ASSERT_LE(0, w);
	if (w == 0)
		workload();
	tids[0] = w;
	for (i = 0; i < NTHREADS; i++) {
		while (!sh->tid[i])
			usleep(1000);
		tids[i + 1] = sh->tid[i];
		ASSERT_EQ(0, wait_sleeping(w, tids[i + 1]));
	}

	len = snprintf(trigger, sizeof(trigger),
		       "hist:keys=prev_pid,prev_state:vals=hitcount if ");
	for (i = 0; i < SLEEPERS; i++)
		len += snprintf(trigger + len, sizeof(trigger) - len,
				"%sprev_pid == %d", i ? " || " : "", sh->tid[i]);
	snprintf(untrigger, sizeof(untrigger), "!%s", trigger);
	nvcsw0 = sleepers_nvcsw(w);
	have_hist = !write_file(TRACE_EVENT "trigger", trigger);

	ASSERT_EQ(NTHREADS, write(go_fd[1], go, NTHREADS));
	sleep(SECONDS);
	sh->stop = 1;
	/* A sleeper may be in a 1 s sleep that nothing else will end. */
	for (i = 0; i < SLEEPERS; i++)
		syscall(SYS_tgkill, w, sh->tid[i], SIGUSR1);
	while (sh->parked < NTHREADS + 1)
		usleep(10000);
	for (i = 0; i <= NTHREADS; i++)
		ASSERT_EQ(0, wait_sleeping(w, tids[i]));

	TH_LOG("%d s: %ld signals sent, %ld handled, %ld sleeps ended",
	       SECONDS, (long)sh->sent, (long)sh->handled, (long)sh->sleeps);
	if (have_hist && !hist_counts(&running, &preempted, &sleeping)) {
		long long nvcsw1 = sleepers_nvcsw(w);

		TH_LOG("race hit %lld times (voluntary switches not traced asleep; 6.1 traces them asleep): the sleepers' nvcsw grew by %lld, ftrace saw %ld of their switches asleep, %ld as R, %ld as R+",
		       nvcsw1 - nvcsw0 - sleeping, nvcsw1 - nvcsw0, sleeping,
		       running, preempted);
	} else {
		TH_LOG("no ftrace hist trigger here: the race is not counted");
	}
	if (have_hist)
		write_file(TRACE_EVENT "trigger", untrigger);
	EXPECT_LT(0, sh->handled);

	/* Every thread of the workload, at rest: exactly the kernel's counts. */
	table_read("tasks", &t);
	for (i = 0; i <= NTHREADS; i++) {
		long long kvol = task_status(w, tids[i], "voluntary_ctxt_switches");
		long long kinv = task_status(w, tids[i], "nonvoluntary_ctxt_switches");
		long row = table_find(&t, "pid", (uint64_t)tids[i]);

		ASSERT_LE(0, row) {
			TH_LOG("thread %d has no row", tids[i]);
		}
		TH_LOG("%s %d: voluntary %llu (kernel %lld), involuntary %llu (kernel %lld)",
		       i ? role_of(i - 1) : "main", tids[i],
		       (unsigned long long)table_get(&t, row, "voluntary"), kvol,
		       (unsigned long long)table_get(&t, row, "involuntary"), kinv);
		EXPECT_EQ((uint64_t)kvol, table_get(&t, row, "voluntary"));
		EXPECT_EQ((uint64_t)kinv, table_get(&t, row, "involuntary"));
	}
	cs_table_free(&t);

	kill(w, SIGKILL);
	waitpid(w, NULL, 0);
	munmap(sh, sizeof(*sh));
}

TEST_HARNESS_MAIN
