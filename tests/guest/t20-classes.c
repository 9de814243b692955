// SPDX-License-Identifier: GPL-2.0
/*
 * The switch classes, mm_switches and lazy_switches, each against an
 * oracle outside the module:
 *
 * - the kernel's own switch events (an ftrace histogram of sched_switch
 *   by CPU, prev and next, classified from /proc: oracle.h), over a window
 *   of process and thread ping-pongs, a sleeper and kernel-thread work,
 *   for the summary and for every CPU's row;
 * - schedstat's sched_goidle (the kernel's count of switches into idle)
 *   for the idle class;
 * - the kernel threads' own nvcsw/nivcsw for the kernel class, with every
 *   CPU kept busy so that no kernel thread switches to idle;
 * - by construction: a kernel thread's row never switches out to a
 *   process or a thread, and its switches are its nvcsw + nivcsw; a
 *   sleeper alone on a CPU switches out to idle.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "oracle.h"
#include "workload.h"

#define ROUNDS		2000	/* round trips of each ping-pong */
#define SLEEPS		300	/* naps of the sleeper */
#define BOUNCES		100	/* CPU changes of the bouncer */

FIXTURE(classes) {};
FIXTURE_SETUP(classes) {}
FIXTURE_TEARDOWN(classes) {}

/* ---- A window of known work, started and finished on cue ------------- */

static int go_pipe[2], done_pipe[2];

/* Waits for the cue; 0, or -1 if the parent went away. */
static int await_go(void)
{
	char c;

	return read(go_pipe[0], &c, 1) == 1 ? 0 : -1;
}

/* Reports the end of the work (ok or not), then waits to be killed. */
static void __attribute__((noreturn)) done_and_wait(int ok)
{
	char c = ok ? 'y' : 'n';

	if (write(done_pipe[1], &c, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static int pingpong_side(int in, int out, int first, int rounds)
{
	char c = 0;
	int i;

	for (i = 0; i < rounds; i++) {
		if (first && write(out, &c, 1) != 1)
			return -1;
		if (read(in, &c, 1) != 1)
			return -1;
		if (!first && write(out, &c, 1) != 1)
			return -1;
	}
	return 0;
}

struct side {
	int in, out, first, cpu;
};

/* Stays, as the processes do, so that /proc still knows it afterwards. */
static void *thread_side(void *arg)
{
	struct side *s = arg;

	done_and_wait(!cs_pin_self(s->cpu) && !await_go() &&
		      !pingpong_side(s->in, s->out, s->first, ROUNDS));
}

/* Two processes, or two threads of one, ping-ponging pinned to cpu. */
static int start_pingpong(pid_t *pids, int threads, int cpu)
{
	int ab[2], ba[2], n = 0, i;

	if (pipe(ab) || pipe(ba))
		return -1;
	if (threads) {
		pid_t pid = fork();

		if (pid == 0) {
			static struct side s[2];
			pthread_t th[2];

			s[0] = (struct side){ ba[0], ab[1], 1, cpu };
			s[1] = (struct side){ ab[0], ba[1], 0, cpu };
			for (i = 0; i < 2; i++)
				if (pthread_create(&th[i], NULL, thread_side, &s[i]))
					_exit(1);
			for (;;)
				pause();
		}
		pids[n++] = pid;
	} else {
		for (i = 0; i < 2; i++) {
			pid_t pid = fork();

			if (pid == 0)
				done_and_wait(!cs_pin_self(cpu) && !await_go() &&
					      !pingpong_side(i ? ab[0] : ba[0],
							     i ? ba[1] : ab[1],
							     !i, ROUNDS));
			pids[n++] = pid;
		}
	}
	close(ab[0]);
	close(ab[1]);
	close(ba[0]);
	close(ba[1]);
	return n;
}

/* A process that naps SLEEPS times on cpu. */
static pid_t start_sleeper(int cpu)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct timespec nap = { 0, 1000000 };
		int i, ok = !cs_pin_self(cpu) && !await_go();

		for (i = 0; ok && i < SLEEPS; i++)
			ok = !nanosleep(&nap, NULL);
		done_and_wait(ok);
	}
	return pid;
}

/*
 * A process that moves itself between the first and the last CPU: each
 * move of a running task is done by the CPU's stopper, a kernel thread
 * (migration/N), which switches in and out.
 */
static pid_t start_bouncer(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		int i, ok = !await_go();

		for (i = 0; ok && i < BOUNCES; i++)
			ok = !cs_pin_self(i % 2 ? 0 : online_cpus() - 1);
		done_and_wait(ok);
	}
	return pid;
}

/* Cues the n waiting tasks; 0 if all of them report their work done. */
static int run_window(int n)
{
	int i, bad = 0;
	char c;

	for (i = 0; i < n; i++)
		if (write(go_pipe[1], "g", 1) != 1)
			return -1;
	for (i = 0; i < n; i++) {
		if (read(done_pipe[0], &c, 1) != 1)
			return -1;
		bad += c != 'y';
	}
	return bad ? -1 : 0;
}

static void stop_all(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

/* ---- 1. The kernel's own switch events ------------------------------- */

/* The tasks of a process (tids from /proc/PID/task), at most max. */
static int tasks_of(pid_t pid, int *tids, int max)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir)) && n < max)
		if (atoi(d->d_name) > 0)
			tids[n++] = atoi(d->d_name);
	if (dir)
		closedir(dir);
	return n;
}

/* to_process, to_thread, to_kernel, to_idle of the rows of n tasks. */
static const char *const to_cols[4] = {
	"to_process", "to_thread", "to_kernel", "to_idle",
};

static void rows_to(const int *tids, int n, uint64_t to[][4])
{
	struct cs_table t;
	int i, c;

	table_read("tasks", &t);
	for (i = 0; i < n; i++) {
		long row = table_find(&t, "pid", (uint64_t)tids[i]);

		for (c = 0; c < 4; c++)
			to[i][c] = row < 0 ? UINT64_MAX :
				   table_get(&t, row, to_cols[c]);
	}
	cs_table_free(&t);
}

/*
 * ctxscope's change of one counter over the window against the oracle's
 * count: the histogram counts from before the first read of ctxscope to
 * after the last, so it holds every switch ctxscope counted, and at most
 * `edges` more (the switches the kernel made outside ctxscope's window:
 * /proc/stat ctxt says how many). Pairs with a task gone before it could
 * be classified (`unknown`) may belong to any class but idle.
 */
static int within(struct __test_metadata *_metadata, const char *what,
		  uint64_t ours, uint64_t low, uint64_t high)
{
	int ok = ours >= low && ours <= high;

	TH_LOG("%s: ctxscope %llu, oracle [%llu, %llu]%s", what,
	       (unsigned long long)ours, (unsigned long long)low,
	       (unsigned long long)high, ok ? "" : "  <-- outside");
	return ok;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* The checks of one window: the summary or one CPU's row. */
static int compare_classes(struct __test_metadata *_metadata,
			   const char *where, const struct summary *a,
			   const struct summary *b,
			   const struct switch_classes *h, uint64_t edges)
{
	uint64_t u = h->unknown;
	int ok = 1;

	TH_LOG("%s: oracle %llu switches: process %llu, thread %llu, kernel %llu, idle %llu, unknown %llu; into idle or kernel thread %llu, user after idle or kernel thread %llu; edges %llu",
	       where, (unsigned long long)h->switches,
	       (unsigned long long)h->process, (unsigned long long)h->thread,
	       (unsigned long long)h->kernel, (unsigned long long)h->idle,
	       (unsigned long long)u, (unsigned long long)h->into_no_mm,
	       (unsigned long long)h->user_from_no_mm,
	       (unsigned long long)edges);
	ok &= within(_metadata, "  switches", b->switches - a->switches,
		     sub0(h->switches, edges), h->switches);
	ok &= within(_metadata, "  switches_process", b->process - a->process,
		     sub0(h->process, edges), h->process + u);
	ok &= within(_metadata, "  switches_thread", b->thread - a->thread,
		     sub0(h->thread, edges), h->thread + u);
	ok &= within(_metadata, "  switches_kernel", b->kernel - a->kernel,
		     sub0(h->kernel, edges), h->kernel + u);
	ok &= within(_metadata, "  switches_idle", b->idle - a->idle,
		     sub0(h->idle, edges), h->idle);
	/*
	 * Lazy: next has no mm (idle, kernel thread). An mm switch loads
	 * next's mm: every switch between two processes does, a switch into
	 * a user task after idle or a kernel thread may (it borrowed an mm).
	 */
	ok &= within(_metadata, "  lazy_switches",
		     b->lazy_switches - a->lazy_switches,
		     sub0(h->into_no_mm, edges), h->into_no_mm + u);
	ok &= within(_metadata, "  mm_switches",
		     b->mm_switches - a->mm_switches,
		     sub0(h->process, edges),
		     h->process + h->user_from_no_mm + u);
	return ok;
}

TEST_F_TIMEOUT(classes, every_class_equals_the_kernels_switch_events, 600)
{
	struct summary a, b, ca[ORACLE_MAX_CPUS], cb[ORACLE_MAX_CPUS];
	int ncpu = online_cpus(), last = ncpu - 1, n = 0, i, ok, nw;
	uint64_t c0, c1, c2, c3, edges, to0[8][4], to1[8][4];
	uint64_t pp_out = 0, tt_out = 0;
	int watch[8], owner[8];
	struct switch_hist h;
	pid_t pids[8];

	ASSERT_EQ(0, pipe(go_pipe));
	ASSERT_EQ(0, pipe(done_pipe));
	ASSERT_EQ(2, start_pingpong(&pids[n], 0, last));
	n += 2;
	ASSERT_EQ(1, start_pingpong(&pids[n], 1, last));
	n += 1;
	pids[n++] = start_sleeper(0);
	pids[n++] = start_bouncer();
	/* 2 processes, 2 threads, the sleeper and the bouncer wait. */
	cs_pin_self(0);
	/* Watched: the tasks of the window, each asleep at both its ends. */
	for (i = 0; i < 2000 && task_status(pids[2], pids[2], "Threads") != 3; i++)
		usleep(1000);
	for (i = 0, nw = 0; i < n; i++) {
		int k, m = tasks_of(pids[i], &watch[nw], 8 - nw);

		/* The thread pair's main thread only waits: not watched. */
		if (m == 3) {
			for (k = 0; k < m && watch[nw + k] != pids[i]; k++)
				;
			watch[nw + k] = watch[nw + m - 1];
			m--;
		}
		for (k = 0; k < m; k++)
			owner[nw + k] = pids[i];
		nw += m;
	}
	ASSERT_EQ(6, nw);
	for (i = 0; i < nw; i++)
		ASSERT_EQ(0, wait_sleeping(owner[i], watch[i]));
	rows_to(watch, nw, to0);

	c0 = proc_stat_ctxt();
	ASSERT_EQ(0, switch_hist_start());
	summary_read(&a);
	ASSERT_LE(ncpu, cpus_read(ca, ORACLE_MAX_CPUS));
	c1 = proc_stat_ctxt();
	ok = run_window(6) == 0;
	for (i = 0; i < nw; i++)
		ASSERT_EQ(0, wait_sleeping(owner[i], watch[i]));
	c2 = proc_stat_ctxt();
	summary_read(&b);
	cpus_read(cb, ORACLE_MAX_CPUS);
	switch_hist_pause();
	c3 = proc_stat_ctxt();
	rows_to(watch, nw, to1);
	ASSERT_EQ(0, switch_hist_stop(&h, watch, nw));
	stop_all(pids, n);

	ASSERT_TRUE(ok) {
		TH_LOG("a workload of the window failed");
	}
	EXPECT_EQ(0U, h.dropped);
	edges = (c1 - c0) + (c3 - c2);
	/*
	 * The work really happened: no pass on an empty window. Each pair
	 * shares one CPU, so in each round trip each of its two tasks must
	 * leave the CPU at least once for the other to run: 2 x ROUNDS
	 * switch-outs a pair at least, in the histogram. Of which class is
	 * not fixed: the two pairs share that CPU too, and a thread of the
	 * pair may hand the CPU to a process of the other (process class)
	 * or to a kernel thread; on the debug kernel 2,000 thread round
	 * trips once gave 1,855 thread-class switches. Each class still
	 * needs switches for the comparisons below to mean anything.
	 */
	for (i = 0; i < nw; i++) {
		if (owner[i] == pids[0] || owner[i] == pids[1])
			pp_out += h.out[i].switches;
		else if (owner[i] == pids[2])
			tt_out += h.out[i].switches;
	}
	TH_LOG("switch-outs in the window: process pair %llu, thread pair %llu",
	       (unsigned long long)pp_out, (unsigned long long)tt_out);
	EXPECT_LE(2 * ROUNDS, pp_out);
	EXPECT_LE(2 * ROUNDS, tt_out);
	EXPECT_LT(0U, h.all.process);
	EXPECT_LT(0U, h.all.thread);
	EXPECT_LE(BOUNCES * 9 / 10, h.all.kernel);
	EXPECT_LE(SLEEPS, h.all.idle);
	/* Every task of the window was still there to be classified. */
	EXPECT_GE(edges + 16, h.all.unknown);

	EXPECT_TRUE(compare_classes(_metadata, "summary", &a, &b, &h.all,
				    edges));
	for (i = 0; i < ncpu && i < ORACLE_MAX_CPUS; i++) {
		char where[32];

		snprintf(where, sizeof(where), "cpu %d", i);
		EXPECT_TRUE(compare_classes(_metadata, where, &ca[i], &cb[i],
					    &h.cpu[i], edges));
	}
	/*
	 * Each watched task's row against its own switch-outs in the
	 * histogram: asleep at both ends of the window, every switch-out of
	 * it is in both.
	 */
	for (i = 0; i < nw; i++) {
		const struct switch_classes *o = &h.out[i];
		uint64_t want[4] = { o->process, o->thread, o->kernel, o->idle };
		int c;

		TH_LOG("task %d: switch-outs to process/thread/kernel/idle: row +%llu/+%llu/+%llu/+%llu, oracle %llu/%llu/%llu/%llu (unknown %llu)",
		       watch[i],
		       (unsigned long long)(to1[i][0] - to0[i][0]),
		       (unsigned long long)(to1[i][1] - to0[i][1]),
		       (unsigned long long)(to1[i][2] - to0[i][2]),
		       (unsigned long long)(to1[i][3] - to0[i][3]),
		       (unsigned long long)want[0], (unsigned long long)want[1],
		       (unsigned long long)want[2], (unsigned long long)want[3],
		       (unsigned long long)o->unknown);
		/*
		 * A switch-out to a task gone before it could be classified
		 * (unknown) is of some class other than idle: the total is
		 * exact, each class within it.
		 */
		for (c = 0; c < 4; c++) {
			uint64_t got = to1[i][c] - to0[i][c];

			EXPECT_LE(want[c], got);
			EXPECT_GE(want[c] + (c < 3 ? o->unknown : 0), got);
		}
		EXPECT_EQ(want[0] + want[1] + want[2] + want[3] + o->unknown,
			  to1[i][0] - to0[i][0] + to1[i][1] - to0[i][1] +
			  to1[i][2] - to0[i][2] + to1[i][3] - to0[i][3]);
	}
}

/* ---- 2. schedstat's switches into idle ------------------------------- */

/*
 * __schedule() counts sched_goidle each time it picks the idle task
 * (set_next_task_idle()), the switches into idle, and a CPU leaves idle
 * as often as it enters it (give or take one). It also counts the rare
 * pick of idle by idle itself, which is no switch: hence a margin of 2%.
 */
TEST_F_TIMEOUT(classes, idle_switches_are_twice_schedstats_goidle, 600)
{
	struct summary ca[ORACLE_MAX_CPUS], cb[ORACLE_MAX_CPUS];
	uint64_t g0[ORACLE_MAX_CPUS], g1[ORACLE_MAX_CPUS];
	int ncpu = online_cpus(), n0, n1, old, i, ok;
	pid_t pids[1];

	old = schedstats_enable();
	if (old < 0)
		SKIP(return, "no kernel.sched_schedstats");
	ASSERT_EQ(0, pipe(go_pipe));
	ASSERT_EQ(0, pipe(done_pipe));
	pids[0] = start_sleeper(ncpu - 1);
	cs_pin_self(0);

	ASSERT_EQ(0, schedstat_goidle(g0, &n0));
	cpus_read(ca, ORACLE_MAX_CPUS);
	ok = run_window(1) == 0;
	cpus_read(cb, ORACLE_MAX_CPUS);
	ASSERT_EQ(0, schedstat_goidle(g1, &n1));
	stop_all(pids, 1);
	schedstats_restore(old);
	ASSERT_TRUE(ok);

	for (i = 0; i < ncpu && i < n1; i++) {
		uint64_t idle = cb[i].idle - ca[i].idle, go = g1[i] - g0[i];
		uint64_t slack = go / 50 + 8;

		TH_LOG("cpu %d: switches_idle +%llu, sched_goidle +%llu (x2 = %llu, slack %llu)",
		       i, (unsigned long long)idle, (unsigned long long)go,
		       (unsigned long long)(2 * go), (unsigned long long)slack);
		EXPECT_LE(2 * go, idle + 2 * slack);
		EXPECT_GE(2 * go + 2 * slack, idle);
	}
	/*
	 * The sleeper's CPU idled between its naps (but for one now and then
	 * when a kernel thread of that CPU ran instead).
	 */
	EXPECT_LE(SLEEPS * 9 / 10, g1[ncpu - 1] - g0[ncpu - 1]);
}

/* ---- 3. The kernel threads' own counts -------------------------------- */

static atomic_int spin_stop;

static void *spin_on(void *arg)
{
	cs_pin_self((int)(long)arg);
	while (!spin_stop)
		;
	return NULL;
}

/*
 * With a spinner on every CPU no CPU idles, so every switch out of a
 * kernel thread is of class kernel, and every switch of class kernel has
 * a kernel thread as prev or next: between the kernel threads' own
 * switch-outs S and twice that (plus one switch-in per thread).
 */
TEST_F_TIMEOUT(classes, kernel_switches_are_bounded_by_kthreads_nvcsw, 600)
{
	int ncpu = online_cpus(), i, ok;
	struct summary a0, a1, b0, b1;
	struct kthread_csw k0, k1;
	pthread_t spinners[ORACLE_MAX_CPUS];
	uint64_t s, inner, outer, idle;
	pid_t pids[1];

	ASSERT_EQ(0, pipe(go_pipe));
	ASSERT_EQ(0, pipe(done_pipe));
	pids[0] = start_bouncer();
	spin_stop = 0;
	for (i = 0; i < ncpu && i < ORACLE_MAX_CPUS; i++)
		ASSERT_EQ(0, pthread_create(&spinners[i], NULL, spin_on,
					    (void *)(long)i));
	usleep(100000);

	summary_read(&a0);
	kthreads_csw(&k0);
	summary_read(&a1);
	ok = run_window(1) == 0;
	summary_read(&b0);
	kthreads_csw(&k1);
	summary_read(&b1);
	spin_stop = 1;
	for (i = 0; i < ncpu && i < ORACLE_MAX_CPUS; i++)
		pthread_join(spinners[i], NULL);
	stop_all(pids, 1);
	ASSERT_TRUE(ok);

	s = k1.switches - k0.switches;
	inner = b0.kernel - a1.kernel;
	outer = b1.kernel - a0.kernel;
	idle = b1.idle - a0.idle;
	TH_LOG("%u kernel threads switched out %llu times; switches_kernel +%llu..+%llu; switches_idle +%llu",
	       k1.threads, (unsigned long long)s, (unsigned long long)inner,
	       (unsigned long long)outer, (unsigned long long)idle);
	EXPECT_LE(BOUNCES * 9 / 10, s);
	EXPECT_LE(s, outer);
	EXPECT_GE(2 * s + k1.threads, inner);
	/* No CPU idled: at most the moments the spinners were starting. */
	EXPECT_GE(4U * ncpu, idle);
}

/* ---- 4. By construction ------------------------------------------------ */

struct kthread_row {
	int pid;
	int stable;		/* its /proc counts equal around the read */
	long long nvcsw, nivcsw;
	uint64_t switches, voluntary, to_process, to_thread;
};

static void kthread_proc_counts(int pid, long long *v, long long *iv)
{
	*v = task_status(pid, pid, "voluntary_ctxt_switches");
	*iv = task_status(pid, pid, "nonvoluntary_ctxt_switches");
}

/*
 * The rows of the kernel threads, each with its /proc counts, read before
 * and after the table: a thread that did not run meanwhile is stable,
 * and its row must match them.
 */
static int kthread_rows(struct kthread_row *rows, int max)
{
	struct cs_table t;
	size_t row;
	int n = 0, i;

	table_read("tasks", &t);
	for (row = 0; row < t.nrows && n < max; row++) {
		int pid = (int)table_get(&t, (long)row, "pid");

		if (pid_is_kthread(pid) != 1)
			continue;
		rows[n].pid = pid;
		kthread_proc_counts(pid, &rows[n].nvcsw, &rows[n].nivcsw);
		n++;
	}
	cs_table_free(&t);
	/* The table again, between the two /proc reads. */
	table_read("tasks", &t);
	for (i = 0; i < n; i++) {
		long r = table_find(&t, "pid", (uint64_t)rows[i].pid);
		long long v, iv;

		rows[i].stable = 0;
		if (r < 0)
			continue;
		rows[i].switches = table_get(&t, r, "switches");
		rows[i].voluntary = table_get(&t, r, "voluntary");
		rows[i].to_process = table_get(&t, r, "to_process");
		rows[i].to_thread = table_get(&t, r, "to_thread");
		kthread_proc_counts(rows[i].pid, &v, &iv);
		rows[i].stable = v >= 0 && v == rows[i].nvcsw &&
				 iv == rows[i].nivcsw;
	}
	cs_table_free(&t);
	return n;
}

/*
 * A kernel thread is never a user task: every switch out of it is of
 * class kernel or idle, whatever runs next. And its row moves exactly as
 * its nvcsw and nivcsw (compared for every kernel thread that did not run
 * while the rows were read).
 */
TEST_F_TIMEOUT(classes, kthread_rows_switch_only_to_kernel_or_idle, 300)
{
	static struct kthread_row r0[4096], r1[4096];
	int n0, n1, i, j, compared = 0;
	pid_t pids[1];

	ASSERT_EQ(0, pipe(go_pipe));
	ASSERT_EQ(0, pipe(done_pipe));
	n0 = kthread_rows(r0, 4096);
	/* Kernel threads run: the bouncer wakes the stoppers. */
	pids[0] = start_bouncer();
	ASSERT_EQ(0, run_window(1));
	stop_all(pids, 1);
	usleep(200000);
	n1 = kthread_rows(r1, 4096);
	ASSERT_LT(0, n1);
	for (i = 0; i < n1; i++) {
		EXPECT_EQ(0U, r1[i].to_process + r1[i].to_thread) {
			TH_LOG("kernel thread %d: to_process %llu, to_thread %llu",
			       r1[i].pid, (unsigned long long)r1[i].to_process,
			       (unsigned long long)r1[i].to_thread);
		}
		for (j = 0; j < n0 && r0[j].pid != r1[i].pid; j++)
			;
		if (j == n0 || !r0[j].stable || !r1[i].stable)
			continue;
		compared++;
		EXPECT_EQ((uint64_t)(r1[i].nvcsw + r1[i].nivcsw -
				     r0[j].nvcsw - r0[j].nivcsw),
			  r1[i].switches - r0[j].switches) {
			TH_LOG("kernel thread %d: row +%llu, kernel +%lld",
			       r1[i].pid,
			       (unsigned long long)(r1[i].switches - r0[j].switches),
			       r1[i].nvcsw + r1[i].nivcsw - r0[j].nvcsw -
			       r0[j].nivcsw);
		}
		EXPECT_EQ((uint64_t)(r1[i].nvcsw - r0[j].nvcsw),
			  r1[i].voluntary - r0[j].voluntary);
	}
	TH_LOG("%d kernel thread rows, %d compared with their nvcsw/nivcsw",
	       n1, compared);
	EXPECT_LT(n1 / 2, compared);
}

/*
 * A task alone on a CPU that naps: every switch-out goes to idle (or,
 * now and then, to a kernel thread of that CPU), and every one of them
 * leaves the CPU lazy, borrowing its mm.
 */
TEST_F_TIMEOUT(classes, sleeper_alone_on_a_cpu_switches_to_idle, 300)
{
	struct summary ca[ORACLE_MAX_CPUS], cb[ORACLE_MAX_CPUS];
	int cpu = online_cpus() - 1;
	uint64_t to_idle, sw, lazy, idle;
	struct cs_table t;
	long long kv, kiv;
	pid_t pids[1];
	long row;

	ASSERT_EQ(0, pipe(go_pipe));
	ASSERT_EQ(0, pipe(done_pipe));
	pids[0] = start_sleeper(cpu);
	cs_pin_self(0);
	ASSERT_EQ(0, wait_sleeping(pids[0], pids[0]));
	kv = task_status(pids[0], pids[0], "voluntary_ctxt_switches");
	kiv = task_status(pids[0], pids[0], "nonvoluntary_ctxt_switches");
	table_read("tasks", &t);
	row = table_find(&t, "pid", (uint64_t)pids[0]);
	ASSERT_LE(0, row);
	to_idle = table_get(&t, row, "to_idle");
	sw = table_get(&t, row, "switches");
	cs_table_free(&t);
	cpus_read(ca, ORACLE_MAX_CPUS);

	ASSERT_EQ(0, run_window(1));
	ASSERT_EQ(0, wait_sleeping(pids[0], pids[0]));
	cpus_read(cb, ORACLE_MAX_CPUS);
	kv = task_status(pids[0], pids[0], "voluntary_ctxt_switches") +
	     task_status(pids[0], pids[0], "nonvoluntary_ctxt_switches") -
	     kv - kiv;
	table_read("tasks", &t);
	row = table_find(&t, "pid", (uint64_t)pids[0]);
	ASSERT_LE(0, row);
	to_idle = table_get(&t, row, "to_idle") - to_idle;
	sw = table_get(&t, row, "switches") - sw;
	cs_table_free(&t);
	stop_all(pids, 1);

	lazy = cb[cpu].lazy_switches - ca[cpu].lazy_switches;
	idle = cb[cpu].idle - ca[cpu].idle;
	TH_LOG("sleeper: +%llu switches (kernel +%lld), +%llu to idle; cpu %d: lazy_switches +%llu, switches_idle +%llu",
	       (unsigned long long)sw, kv, (unsigned long long)to_idle,
	       cpu, (unsigned long long)lazy, (unsigned long long)idle);
	EXPECT_EQ((uint64_t)kv, sw);
	EXPECT_LE(SLEEPS * 9 / 10, to_idle);
	EXPECT_LE(to_idle, lazy);
	EXPECT_LE(2 * to_idle, idle);
}

TEST_HARNESS_MAIN
