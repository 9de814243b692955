// SPDX-License-Identifier: GPL-2.0
/*
 * Which task a TLB event is charged to, where the wrong task would give
 * a different answer:
 *
 * - a ring of three tasks on one CPU, in a fixed order (SCHED_FIFO, equal
 *   priorities): A and B threads of one process, C another process. Each
 *   round switches A -> B (one address space: no flush), B -> C and
 *   C -> A (a flush each, without PCID). Charged to the task switched
 *   into, A and C get one flush a round and B none; charged to the task
 *   switched out of, B and C would, and A none.
 * - shootdown IPIs against an ftrace histogram of tlb:tlb_flush keyed by
 *   the pid of the task that sent them.
 */
#define _GNU_SOURCE

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "workload.h"

#define RING_ROUNDS	1000
#define RT_RUNTIME	"/proc/sys/kernel/sched_rt_runtime_us"

FIXTURE(tlb_rows) {};
FIXTURE_SETUP(tlb_rows) {}
FIXTURE_TEARDOWN(tlb_rows) {}

static long read_long(const char *path)
{
	long v = 0;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static void write_long(const char *path, long v)
{
	FILE *f = fopen(path, "we");

	if (f) {
		fprintf(f, "%ld\n", v);
		fclose(f);
	}
}

/* ---- The ring --------------------------------------------------------- */

struct member {
	int in, out;		/* its pipe, the next member's */
	int inject;		/* A: starts each round */
	int cpu;
	int stay;		/* read end: waits here when done */
	int done;		/* write end: one byte when done */
	_Atomic int tid;
};

/* Pinned, SCHED_FIFO 10: the ring's order is the pipes' order. */
static int ring_enter(int cpu)
{
	struct sched_param sp = { .sched_priority = 10 };

	return cs_pin_self(cpu) || sched_setscheduler(0, SCHED_FIFO, &sp);
}

static void *ring_member(void *arg)
{
	struct member *m = arg;
	int i, ok;
	char c = 0;

	m->tid = gettid_();
	ok = !ring_enter(m->cpu);
	/* A waits for the cue on its own pipe. */
	if (ok && m->inject)
		ok = read(m->in, &c, 1) == 1;
	for (i = 0; ok && i < RING_ROUNDS; i++) {
		if (m->inject)
			ok = write(m->out, &c, 1) == 1 && read(m->in, &c, 1) == 1;
		else
			ok = read(m->in, &c, 1) == 1 && write(m->out, &c, 1) == 1;
	}
	c = ok ? 'y' : 'n';
	if (write(m->done, &c, 1) != 1 || read(m->stay, &c, 1) < 0)
		return NULL;
	return NULL;
}

/* A column of one CPU's row of the cpus table. */
static uint64_t cpu_value(int cpu, const char *col)
{
	return (uint64_t)table_get_by("cpus", "cpu", (uint64_t)cpu, col);
}

static uint64_t task_flushes(int tid)
{
	return (uint64_t)table_get_by("tasks", "pid", (uint64_t)tid,
				      "tlb_switch_flush");
}

TEST_F_TIMEOUT(tlb_rows, ring_charges_each_flush_to_the_task_switched_into,
	       300)
{
	static struct member m[3];
	int p[3][2], stay[2], done[2], i, cpu = online_cpus() - 1;
	uint64_t f0[3], f1[3], s0, s1, o0, o1;
	long rt_runtime;
	pthread_t th[2];
	pid_t c_pid;
	char c;

	if (summary_key("tlb_available") != 1 || summary_key("pcid"))
		SKIP(return, "needs tlb_* counters and no PCID (TCG)");
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pipe(p[i]));
	ASSERT_EQ(0, pipe(stay));
	ASSERT_EQ(0, pipe(done));
	for (i = 0; i < 3; i++) {
		m[i] = (struct member){
			.in = p[i][0], .out = p[(i + 1) % 3][1],
			.inject = i == 0, .cpu = cpu,
			.stay = stay[0], .done = done[1],
		};
	}
	/* No RT throttling: nothing else may run on the ring's CPU. */
	rt_runtime = read_long(RT_RUNTIME);
	write_long(RT_RUNTIME, -1);

	c_pid = fork();
	ASSERT_LE(0, c_pid);
	if (c_pid == 0) {
		m[2].tid = gettid_();
		ring_member(&m[2]);
		_exit(0);
	}
	m[2].tid = c_pid;
	ASSERT_EQ(0, pthread_create(&th[0], NULL, ring_member, &m[0]));
	ASSERT_EQ(0, pthread_create(&th[1], NULL, ring_member, &m[1]));
	while (!m[0].tid || !m[1].tid)
		usleep(1000);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, wait_sleeping(i < 2 ? getpid() : c_pid, m[i].tid));
		f0[i] = task_flushes(m[i].tid);
	}
	s0 = cpu_value(cpu, "tlb_switch_flush");
	o0 = cpu_value(cpu, "tlb_other_switch_flush");

	ASSERT_EQ(1, write(p[0][1], "g", 1));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, read(done[0], &c, 1));
		EXPECT_EQ('y', c);
	}
	write_long(RT_RUNTIME, rt_runtime);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, wait_sleeping(i < 2 ? getpid() : c_pid, m[i].tid));
		f1[i] = task_flushes(m[i].tid);
	}
	s1 = cpu_value(cpu, "tlb_switch_flush");
	o1 = cpu_value(cpu, "tlb_other_switch_flush");
	/*
	 * On the ring's CPU, two scheduler flushes a round; the flushes
	 * outside the scheduler (leave_mm() before idle, exec) are others.
	 */
	TH_LOG("cpu %d: tlb_switch_flush +%llu, tlb_other_switch_flush +%llu",
	       cpu, (unsigned long long)(s1 - s0), (unsigned long long)(o1 - o0));
	EXPECT_LE(2U * RING_ROUNDS, s1 - s0);
	EXPECT_GE(2U * RING_ROUNDS + 50, s1 - s0);
	EXPECT_GE(50U, o1 - o0);
	TH_LOG("%d rounds of A -> B -> C -> A on CPU %d: flushes charged to A (thread) +%llu, B (thread) +%llu, C (process) +%llu",
	       RING_ROUNDS, cpu, (unsigned long long)(f1[0] - f0[0]),
	       (unsigned long long)(f1[1] - f0[1]),
	       (unsigned long long)(f1[2] - f0[2]));
	/* Into A from C and into C from B: one each per round. */
	EXPECT_LE(RING_ROUNDS - RING_ROUNDS / 50, f1[0] - f0[0]);
	EXPECT_GE(RING_ROUNDS + 5, f1[0] - f0[0]);
	EXPECT_LE(RING_ROUNDS - RING_ROUNDS / 50, f1[2] - f0[2]);
	EXPECT_GE(RING_ROUNDS + 5, f1[2] - f0[2]);
	/* Into B from A, its own process's thread: no flush. */
	EXPECT_GE(RING_ROUNDS / 50 + 5, f1[1] - f0[1]);

	for (i = 0; i < 3; i++)
		ASSERT_EQ(1, write(stay[1], "s", 1));
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	waitpid(c_pid, NULL, 0);
}

/* ---- Shootdown IPIs against ftrace ------------------------------------- */

#define TLB_TRIGGER	"/sys/kernel/tracing/events/tlb/tlb_flush/trigger"
#define TLB_HIST	"/sys/kernel/tracing/events/tlb/tlb_flush/hist"
#define TLB_SPEC	"hist:keys=common_pid,reason:size=4096"
#define TLB_REMOTE_SEND_IPI	4
#define MUNMAPS		500

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* IPI-sending events of pid in the histogram. */
static long long hist_ipis(int pid)
{
	char line[512];
	long long sum = 0;
	FILE *f = fopen(TLB_HIST, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "common_pid:");
		char *r = strstr(line, "reason:");
		char *h = strstr(line, "hitcount:");
		long long hits;
		int who;

		if (!p || !r || !h)
			continue;
		/* The pid key prints as "comm[pid]" or as a number. */
		p = strchr(p, '[') ? strchr(p, '[') + 1 : p + 11;
		who = atoi(p);
		hits = atoll(h + 9);
		if (who == pid && atoi(r + 7) == TLB_REMOTE_SEND_IPI)
			sum += hits;
	}
	fclose(f);
	return sum;
}

static atomic_int spin_stop, yield_stop, yielding;
static int stay_pipe[2], go_pipe[2], done_pipe[2];
static _Atomic int spinner_tid, worker_tid;

/* Keeps the process's mm live on the last CPU; then sleeps. */
static void *spinner(void *arg)
{
	char c;

	spinner_tid = gettid_();
	cs_pin_self(online_cpus() - 1);
	while (!spin_stop)
		;
	if (read(stay_pipe[0], &c, 1) < 0)
		return arg;
	return arg;
}

/* On the first CPU: MUNMAPS times mmap, touch, munmap; then sleeps. */
static void *munmapper(void *arg)
{
	char c = 'y';
	int i;

	worker_tid = gettid_();
	cs_pin_self(0);
	if (read(go_pipe[0], &c, 1) != 1)
		return arg;
	for (i = 0; i < MUNMAPS && c == 'y'; i++) {
		char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			c = 'n';
			break;
		}
		memset(p, 1, 4 * 4096);
		munmap(p, 4 * 4096);
		if (yielding)
			sched_yield();
	}
	if (write(done_pipe[1], &c, 1) != 1 || read(stay_pipe[0], &c, 1) < 0)
		return arg;
	return arg;
}

static uint64_t ipi_row(int tid)
{
	return (uint64_t)table_get_by("tasks", "pid", (uint64_t)tid,
				      "tlb_ipi_sent");
}

/*
 * With yielding, a third thread on the first CPU yields in a loop and the
 * munmapper yields after each munmap: its switch-outs are then to a user
 * task on the same CPU, the switch probe's inline path, which credits no
 * IPIs itself (the IPI must take the sender's row out of the row cache).
 */
static void *yielder(void *arg)
{
	char c;

	cs_pin_self(0);
	while (!yield_stop)
		sched_yield();
	if (read(stay_pipe[0], &c, 1) < 0)
		return arg;
	return arg;
}

/*
 * Both threads are switched out when their rows are read: every IPI they
 * sent is credited, and the histogram counted the same events.
 */
static void ipis_case(struct __test_metadata *_metadata, int yield)
{
	uint64_t w0, w1, s0, s1;
	long long ipis_w, ipis_s;
	int pid = getpid(), n = yield ? 3 : 2;
	pthread_t th[3];
	char c;

	if (summary_key("tlb_available") != 1)
		SKIP(return, "no tlb_* counters");
	if (online_cpus() < 2)
		SKIP(return, "one CPU: no IPI to send");
	ASSERT_EQ(0, pipe(stay_pipe));
	ASSERT_EQ(0, pipe(go_pipe));
	ASSERT_EQ(0, pipe(done_pipe));
	cs_pin_self(0);
	spin_stop = 0;
	yield_stop = 0;
	yielding = yield;
	ASSERT_EQ(0, pthread_create(&th[0], NULL, spinner, NULL));
	ASSERT_EQ(0, pthread_create(&th[1], NULL, munmapper, NULL));
	if (yield)
		ASSERT_EQ(0, pthread_create(&th[2], NULL, yielder, NULL));
	while (!spinner_tid || !worker_tid)
		usleep(1000);
	ASSERT_EQ(0, wait_sleeping(pid, worker_tid));
	usleep(100000);

	w0 = ipi_row(worker_tid);
	s0 = ipi_row(spinner_tid);
	write_text(TLB_TRIGGER, "!" TLB_SPEC);
	ASSERT_EQ(0, write_text(TLB_TRIGGER, TLB_SPEC));
	ASSERT_EQ(0, write_text(TLB_TRIGGER, TLB_SPEC ":clear"));
	ASSERT_EQ(1, write(go_pipe[1], "y", 1));
	ASSERT_EQ(1, read(done_pipe[0], &c, 1));
	spin_stop = 1;
	yield_stop = 1;
	ASSERT_EQ(0, wait_sleeping(pid, spinner_tid));
	ASSERT_EQ(0, wait_sleeping(pid, worker_tid));
	ASSERT_EQ(0, write_text(TLB_TRIGGER, TLB_SPEC ":pause"));
	w1 = ipi_row(worker_tid);
	s1 = ipi_row(spinner_tid);
	ipis_w = hist_ipis(worker_tid);
	ipis_s = hist_ipis(spinner_tid);
	write_text(TLB_TRIGGER, "!" TLB_SPEC);
	ASSERT_EQ(n, write(stay_pipe[1], "sss", n));
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	if (yield)
		pthread_join(th[2], NULL);
	ASSERT_EQ('y', c);

	TH_LOG("%d munmaps with a sibling spinning on another CPU%s: IPIs sent by the munmapping thread: ctxscope +%llu, ftrace %lld; by the sibling: ctxscope +%llu, ftrace %lld",
	       MUNMAPS, yield ? ", yielding to a third after each" : "",
	       (unsigned long long)(w1 - w0), ipis_w,
	       (unsigned long long)(s1 - s0), ipis_s);
	/* The sibling ran most of the time: most munmaps sent one. */
	EXPECT_LE(MUNMAPS / 2, ipis_w);
	EXPECT_EQ((uint64_t)ipis_w, w1 - w0);
	EXPECT_EQ((uint64_t)ipis_s, s1 - s0);
	close(stay_pipe[0]);
	close(stay_pipe[1]);
	close(go_pipe[0]);
	close(go_pipe[1]);
	close(done_pipe[0]);
	close(done_pipe[1]);
	spinner_tid = 0;
	worker_tid = 0;
}

TEST_F_TIMEOUT(tlb_rows, ipis_are_charged_to_the_task_that_sent_them, 300)
{
	ipis_case(_metadata, 0);
}

TEST_F_TIMEOUT(tlb_rows, ipis_are_charged_when_the_sender_yields_to_a_user_task,
	       300)
{
	ipis_case(_metadata, 1);
}

TEST_HARNESS_MAIN
