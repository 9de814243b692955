// SPDX-License-Identifier: GPL-2.0
/*
 * The rows and the table keys of the summary, each against the kernel's
 * own record or a construction whose answer is known:
 *
 * - migrations against se.nr_migrations of a thread that moves itself,
 *   exactly at every stop of one that switches out to user tasks (also
 *   when it likely got a dead thread's row and task_struct), and of one
 *   pinned from birth (none);
 * - the pid of a thread that execs: the leader's, as de_thread() makes it;
 * - reset reaching every task, process and cgroup row, and the exit log;
 * - no row left for a task that is gone, tasks_tracked and
 *   processes_tracked equal to the live tasks and processes;
 * - a process's row against its threads' nvcsw/nivcsw, Threads, PPid,
 *   cgroup inode and VmStk in /proc;
 * - a cgroup's row and the exit log against wait4()'s rusage of the
 *   processes put in the group;
 * - tasks_dropped, cgroups_dropped, tasks_capacity, cgroups_tracked and
 *   exited_logged against what was created; table_bytes against
 *   /proc/vmallocinfo, kstack_size against KernelStack of /proc/meminfo,
 *   pcid, pti and tlb_available against /proc/cpuinfo and tracefs.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "oracle.h"
#include "workload.h"

#define CG_ROOT		"/sys/fs/cgroup"

FIXTURE(rows) {};
FIXTURE_SETUP(rows) {}
FIXTURE_TEARDOWN(rows) {}

/* ---- Helpers ---------------------------------------------------------- */

static int cg_move(const char *dir, pid_t pid)
{
	char path[128], s[16];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	len = snprintf(s, sizeof(s), "%d\n", pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static uint64_t inode_of(const char *dir)
{
	struct stat st;

	return stat(dir, &st) ? 0 : st.st_ino;
}

/* A fresh cgroup under the root; its id (inode), or 0. */
static uint64_t cg_make(const char *dir)
{
	rmdir(dir);
	if (mkdir(dir, 0755))
		return 0;
	return inode_of(dir);
}

/* Removes a cgroup once its reaped processes have left it. */
static void cg_remove(const char *dir)
{
	int i;

	for (i = 0; i < 250 && rmdir(dir) && errno == EBUSY; i++)
		usleep(20000);
}

/* nvcsw + nivcsw and nvcsw of a task, from /proc. */
static long long task_switches(int pid, int tid, long long *voluntary)
{
	long long v = task_status(pid, tid, "voluntary_ctxt_switches");
	long long iv = task_status(pid, tid, "nonvoluntary_ctxt_switches");

	if (voluntary)
		*voluntary = v;
	return v < 0 || iv < 0 ? -1 : v + iv;
}

/* Rows of a table whose column col is value. */
static size_t rows_with(const char *file, const char *col, uint64_t value)
{
	struct cs_table t;
	size_t n = 0, row;
	int c;

	table_read(file, &t);
	c = cs_table_col(&t, col);
	for (row = 0; c >= 0 && row < t.nrows; row++)
		n += cs_table_num(&t, row, c) == value;
	cs_table_free(&t);
	return n;
}

/* The live tasks and thread groups /proc shows (idle tasks are not). */
static void live_tasks(size_t *tasks, size_t *procs)
{
	struct dirent *p, *t;
	char path[64];
	DIR *dir = opendir("/proc"), *td;

	*tasks = *procs = 0;
	while (dir && (p = readdir(dir))) {
		int pid = atoi(p->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		td = opendir(path);
		if (!td)
			continue;
		(*procs)++;
		while ((t = readdir(td)))
			*tasks += atoi(t->d_name) > 0;
		closedir(td);
	}
	if (dir)
		closedir(dir);
}

/* ---- 1. Migrations ----------------------------------------------------- */

#define BOUNCES 60

struct bouncer {
	int go[2], stay[2];
	_Atomic int tid;
	int ok;
};

/*
 * Waits for go, then moves itself between the first and the last CPU:
 * each move of a running task is done by the old CPU's stopper, which
 * switches it out there, and it next switches out on the new CPU: one
 * migration per move. Then it sleeps until released.
 */
static void *bouncer(void *arg)
{
	struct bouncer *b = arg;
	char c;
	int i;

	b->tid = gettid_();
	b->ok = !cs_pin_self(0) && read(b->go[0], &c, 1) == 1;
	for (i = 1; i <= BOUNCES && b->ok; i++)
		b->ok = !cs_pin_self(i % 2 ? online_cpus() - 1 : 0);
	if (read(b->stay[0], &c, 1) < 0)
		b->ok = 0;
	return NULL;
}

/*
 * The row counts a migration when a task switches out on another CPU than
 * its last switch-out; the kernel's se.nr_migrations counts every move
 * (a task moved twice while it waited is one row migration): the row
 * lies between the moves made and nr_migrations.
 */
TEST_F_TIMEOUT(rows, migrations_within_the_kernels_nr_migrations, 300)
{
	static struct bouncer b;
	long long nr0, nr1, sw0, sw1;
	int pid = getpid();
	uint64_t m0, m1;
	pthread_t th;

	if (online_cpus() < 2)
		SKIP(return, "one CPU: nothing to migrate to");
	ASSERT_EQ(0, pipe(b.go));
	ASSERT_EQ(0, pipe(b.stay));
	ASSERT_EQ(0, pthread_create(&th, NULL, bouncer, &b));
	while (!b.tid)
		usleep(1000);
	ASSERT_EQ(0, wait_sleeping(pid, b.tid));
	nr0 = task_nr_migrations(pid, b.tid);
	sw0 = task_switches(pid, b.tid, NULL);
	m0 = (uint64_t)table_get_by("tasks", "pid", (uint64_t)b.tid, "migrations");
	ASSERT_LE(0, nr0) {
		TH_LOG("no se.nr_migrations in /proc/PID/task/TID/sched");
	}
	ASSERT_EQ(1, write(b.go[1], "g", 1));
	usleep(100000);
	ASSERT_EQ(0, wait_sleeping(pid, b.tid));
	nr1 = task_nr_migrations(pid, b.tid);
	sw1 = task_switches(pid, b.tid, NULL);
	m1 = (uint64_t)table_get_by("tasks", "pid", (uint64_t)b.tid, "migrations");
	ASSERT_EQ(1, write(b.stay[1], "s", 1));
	pthread_join(th, NULL);
	ASSERT_TRUE(b.ok);

	TH_LOG("%d moves: row migrations +%llu, se.nr_migrations +%lld, switches +%lld",
	       BOUNCES, (unsigned long long)(m1 - m0), nr1 - nr0, sw1 - sw0);
	EXPECT_LE((uint64_t)BOUNCES - 2, m1 - m0);
	EXPECT_GE((uint64_t)(nr1 - nr0), m1 - m0);
}

static void *pinned_sleeper(void *arg)
{
	struct bouncer *b = arg;
	struct timespec nap = { 0, 1000 * 1000 };
	char c;
	int i;

	b->tid = gettid_();
	for (i = 0; i < 100; i++)
		nanosleep(&nap, NULL);
	b->ok = 1;
	if (read(b->stay[0], &c, 1) < 0)
		b->ok = 0;
	return NULL;
}

/*
 * A thread born on a CPU it is pinned to never moves: the kernel's
 * se.nr_migrations stays 0 (a new task's first CPU is set without
 * counting), and so must its row, which counts from its creation: its
 * first switch-out is not a move.
 */
TEST_F_TIMEOUT(rows, pinned_new_thread_has_no_migrations, 120)
{
	static struct bouncer b;
	long long nr, m;
	int pid = getpid();
	pthread_t th;

	ASSERT_EQ(0, cs_pin_self(0));
	ASSERT_EQ(0, pipe(b.stay));
	ASSERT_EQ(0, pthread_create(&th, NULL, pinned_sleeper, &b));
	while (!b.ok)
		usleep(10000);
	ASSERT_EQ(0, wait_sleeping(pid, b.tid));
	nr = task_nr_migrations(pid, b.tid);
	m = table_get_by("tasks", "pid", (uint64_t)b.tid, "migrations");
	ASSERT_EQ(1, write(b.stay[1], "s", 1));
	pthread_join(th, NULL);
	TH_LOG("a thread pinned from birth, 100 naps: row migrations %lld, se.nr_migrations %lld",
	       m, nr);
	ASSERT_EQ(0, nr);
	EXPECT_EQ(0, m);
}

/* Naps on the CPU it was born on, then exits. */
static void *pinned_napper(void *arg)
{
	struct timespec nap = { 0, 1000 * 1000 };
	int i;

	for (i = 0; i < 20; i++)
		nanosleep(&nap, NULL);
	return arg;
}

/*
 * A partner pinned to one CPU answers each byte on in with one on out,
 * until 'q'. A task exchanging bytes with it switches out to it, a user
 * task on the same CPU: the switch probe's inline path, which counts a
 * row found in its CPU's row cache without testing the row's epoch, its
 * last CPU or IPIs to credit (switch_probe.c): the tests below are the
 * events that must take a row out of the cache.
 */
struct partner {
	int in[2], out[2];
	int cpu;
	pthread_t th;
	_Atomic int tid;
};

static void *partner_loop(void *arg)
{
	struct partner *p = arg;
	char c;

	p->tid = gettid_();
	if (cs_pin_self(p->cpu))
		return NULL;
	while (read(p->in[0], &c, 1) == 1 && c != 'q')
		if (write(p->out[1], &c, 1) != 1)
			break;
	return NULL;
}

static int partner_start(struct partner *p, int cpu)
{
	p->cpu = cpu;
	p->tid = 0;
	if (pipe(p->in) || pipe(p->out) ||
	    pthread_create(&p->th, NULL, partner_loop, p))
		return -1;
	while (!p->tid)
		usleep(1000);
	return 0;
}

static void partner_stop(struct partner *p)
{
	if (write(p->in[1], "q", 1) == 1)
		pthread_join(p->th, NULL);
	close(p->in[0]);
	close(p->in[1]);
	close(p->out[0]);
	close(p->out[1]);
}

static int exchange(struct partner *p, int n)
{
	char c = 'x';

	while (n-- > 0)
		if (write(p->in[1], &c, 1) != 1 || read(p->out[0], &c, 1) != 1)
			return -1;
	return 0;
}

#define STOPS		6
#define EXCHANGES	20

struct mover {
	struct partner *first, *last;
	int report[2], go[2];
	_Atomic int tid;
};

/*
 * Naps once where it was put, then moves between the first and the last
 * CPU, exchanging with the partner there after each move, and stops
 * after each for the test to read its row.
 */
static void *mover(void *arg)
{
	struct timespec nap = { 0, 1000 * 1000 };
	struct mover *m = arg;
	char c;
	int i, ok = 1;

	m->tid = gettid_();
	nanosleep(&nap, NULL);
	for (i = 0; i < STOPS && ok; i++) {
		struct partner *p = i % 2 ? m->last : m->first;

		ok = !cs_pin_self(p->cpu) && !exchange(p, EXCHANGES) &&
		     write(m->report[1], "c", 1) == 1 &&
		     read(m->go[0], &c, 1) == 1;
	}
	c = ok ? 'd' : 'f';
	if (write(m->report[1], &c, 1) != 1)
		return NULL;
	return NULL;
}

/*
 * Each move of a pinned task is one se.nr_migrations and, at its first
 * switch-out on the new CPU, one row migration: equal at every stop, the
 * switch-outs being to a user task on the same CPU (the inline path). A
 * task that moved must not find its old entry on the CPU it comes back
 * to. Each mover is made right after a pinned thread died on the first
 * CPU, free to start on either: one started on the last CPU, with the
 * dead thread's row and task_struct (likely: both are reused last freed
 * first), must not hit the dead thread's entry on the first.
 */
TEST_F_TIMEOUT(rows, user_switches_count_every_move, 300)
{
	static struct partner first, last;
	int pid = getpid(), ncpu = online_cpus(), round, i;
	cpu_set_t both;

	if (ncpu < 2)
		SKIP(return, "one CPU: nothing to migrate to");
	ASSERT_EQ(0, cs_pin_self(0));
	ASSERT_EQ(0, partner_start(&first, 0));
	ASSERT_EQ(0, partner_start(&last, ncpu - 1));
	CPU_ZERO(&both);
	CPU_SET(0, &both);
	CPU_SET(ncpu - 1, &both);
	for (round = 0; round < 4; round++) {
		struct mover m = { .first = &first, .last = &last };
		pthread_t th;
		char c;

		ASSERT_EQ(0, pthread_create(&th, NULL, pinned_napper, NULL));
		ASSERT_EQ(0, pthread_join(th, NULL));
		usleep(300000);
		ASSERT_EQ(0, pipe(m.report));
		ASSERT_EQ(0, pipe(m.go));
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(both), &both));
		ASSERT_EQ(0, pthread_create(&th, NULL, mover, &m));
		ASSERT_EQ(0, cs_pin_self(0));
		for (i = 0; i < STOPS; i++) {
			long long nr, rm;

			ASSERT_EQ(1, read(m.report[0], &c, 1));
			ASSERT_EQ('c', c);
			ASSERT_EQ(0, wait_sleeping(pid, m.tid));
			nr = task_nr_migrations(pid, m.tid);
			rm = table_get_by("tasks", "pid", (uint64_t)m.tid,
					  "migrations");
			TH_LOG("round %d, stop %d (CPU %d): row migrations %lld, se.nr_migrations %lld",
			       round, i, i % 2 ? ncpu - 1 : 0, rm, nr);
			EXPECT_EQ(nr, rm);
			ASSERT_EQ(1, write(m.go[1], "g", 1));
		}
		ASSERT_EQ(1, read(m.report[0], &c, 1));
		ASSERT_EQ(0, pthread_join(th, NULL));
		EXPECT_EQ('d', c);
		close(m.report[0]);
		close(m.report[1]);
		close(m.go[0]);
		close(m.go[1]);
	}
	partner_stop(&first);
	partner_stop(&last);
}

/*
 * A thread that is not the leader calls execve(): de_thread() gives it
 * the leader's pid and releases the old leader. The process's one task
 * row then has the tgid as pid; none has the thread's old tid.
 */
static int exec_report[2];

static void *exec_thread(void *arg)
{
	int tid = gettid_();

	if (write(exec_report[1], &tid, sizeof(tid)) != sizeof(tid))
		return arg;
	execl("/bin/sleep", "sleep", "30", (char *)NULL);
	return arg;
}

TEST_F_TIMEOUT(rows, thread_that_execs_takes_the_leaders_pid, 120)
{
	size_t with_pid = 0, with_tid = 1;
	char comm[32] = "";
	int tid = 0, i;
	pid_t c;

	ASSERT_EQ(0, pipe(exec_report));
	c = fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		pthread_t th;

		if (pthread_create(&th, NULL, exec_thread, NULL))
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ((ssize_t)sizeof(tid), read(exec_report[0], &tid, sizeof(tid)));
	ASSERT_NE(c, tid);
	/* The exec is done once the process has the new name and one task. */
	for (i = 0; i < 500; i++) {
		char path[64];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", c);
		f = fopen(path, "re");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		if (!strncmp(comm, "sleep", 5) && task_state(c, tid) == 0)
			break;
		usleep(10000);
	}
	ASSERT_EQ(0, strncmp(comm, "sleep", 5));
	ASSERT_EQ(0, wait_sleeping(c, c));
	/* The old leader's row goes a grace period after its release. */
	for (i = 0; i < 30; i++) {
		with_pid = rows_with("tasks", "pid", (uint64_t)c);
		with_tid = rows_with("tasks", "pid", (uint64_t)tid);
		if (with_pid == 1 && with_tid == 0)
			break;
		usleep(100000);
	}
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	TH_LOG("thread %d of process %d exec'd: %zu rows with pid %d, %zu with pid %d",
	       tid, c, with_pid, c, with_tid, tid);
	EXPECT_EQ(1, with_pid);
	EXPECT_EQ(0, with_tid);
}

/* ---- 2. Reset reaches every row ------------------------------------------ */

static void *pingpong_thread(void *arg)
{
	*(int *)arg = cs_pingpong(CS_MODE_THREAD, 300, -1, 0, NULL);
	return NULL;
}

/*
 * A process in a cgroup of its own: three of its threads ran a ping-pong
 * and exited (their counts are folded into the process row), its main
 * thread then naps `naps` times each time it reads a byte from cue, and
 * writes a byte to done after each round.
 */
static pid_t folded_process(int cue, int cue_w, int done)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct timespec nap = { 0, 1000000 };
		int i, rc[3] = { -1, -1, -1 };
		pthread_t th[3];
		char c;

		/* EOF on cue when the parent closes its end: the exit. */
		close(cue_w);
		prctl(PR_SET_NAME, "t21-folded");
		for (i = 0; i < 3; i++)
			if (pthread_create(&th[i], NULL, pingpong_thread, &rc[i]))
				_exit(2);
		for (i = 0; i < 3; i++)
			pthread_join(th[i], NULL);
		c = rc[0] || rc[1] || rc[2] ? 'n' : 'y';
		if (write(done, &c, 1) != 1)
			_exit(1);
		while (read(cue, &c, 1) == 1) {
			for (i = 0; i < 20; i++)
				nanosleep(&nap, NULL);
			if (write(done, "y", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	return pid;
}

TEST_F_TIMEOUT(rows, reset_reaches_every_row, 300)
{
	const char *dir = CG_ROOT "/t21-reset";
	long long k0, k1, v0, v1, sw, vol;
	int cue[2], done[2], status, i;
	uint64_t cg, before, seq0;
	struct cs_table t;
	pid_t pid, gone;
	char c;

	if (access(CG_ROOT "/cgroup.procs", W_OK))
		SKIP(return, "no writable cgroup2 hierarchy at " CG_ROOT);
	ASSERT_EQ(0, pipe(cue));
	ASSERT_EQ(0, pipe(done));
	cg = cg_make(dir);
	ASSERT_NE(0U, cg);
	/* A process that exits in the group: the group's exited sums. */
	gone = fork();
	if (gone == 0) {
		_exit(cg_move(dir, getpid()) ||
		      cs_pingpong(CS_MODE_THREAD, 200, -1, 0, NULL));
	}
	ASSERT_EQ(gone, waitpid(gone, &status, 0));
	ASSERT_EQ(0, status);
	pid = folded_process(cue[0], cue[1], done[1]);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, cg_move(dir, pid));
	ASSERT_EQ(1, read(done[0], &c, 1));
	ASSERT_EQ('y', c);
	ASSERT_EQ(0, wait_sleeping(pid, pid));
	/* The exited threads' rows leave after a grace period. */
	for (i = 0; i < 500 && rows_with("tasks", "tgid", (uint64_t)pid) > 1; i++)
		usleep(10000);

	before = (uint64_t)table_get_by("processes", "tgid", (uint64_t)pid,
				     "switches");
	TH_LOG("before the reset: process %llu switches, its main thread %lld, its cgroup %lld",
	       (unsigned long long)before,
	       table_get_by("tasks", "pid", (uint64_t)pid, "switches"),
	       table_get_by("cgroups", "cgroup", cg, "switches"));
	/* 3 ping-pongs of 300 round trips, and the exited process's 200. */
	ASSERT_LE(3U * 600U, before);
	ASSERT_LE(400LL, table_get_by("cgroups", "cgroup", cg, "switches") -
			 (long long)before);

	k0 = task_switches(pid, pid, &v0);
	ASSERT_EQ(0, control_write("reset", 5));
	/* Nothing of theirs ran since: every row reads zero. */
	table_read("tasks", &t);
	i = (int)table_find(&t, "pid", (uint64_t)pid);
	ASSERT_LE(0, i);
	EXPECT_EQ(0U, table_get(&t, i, "switches"));
	EXPECT_EQ(0U, table_get(&t, i, "voluntary"));
	EXPECT_EQ(0U, table_get(&t, i, "to_idle") + table_get(&t, i, "to_process"));
	cs_table_free(&t);
	EXPECT_EQ(0LL, table_get_by("processes", "tgid", (uint64_t)pid, "switches"));
	EXPECT_EQ(0LL, table_get_by("processes", "tgid", (uint64_t)pid, "voluntary"));
	EXPECT_EQ(0LL, table_get_by("cgroups", "cgroup", cg, "switches"));
	EXPECT_EQ(0LL, table_get_by("cgroups", "cgroup", cg, "involuntary"));
	/* Still the same rows: the process and its group are there. */
	EXPECT_EQ(1LL, table_get_by("processes", "tgid", (uint64_t)pid, "threads"));
	EXPECT_EQ(1LL, table_get_by("cgroups", "cgroup", cg, "processes"));

	/* Then exactly what happens after it. */
	ASSERT_EQ(1, write(cue[1], "c", 1));
	ASSERT_EQ(1, read(done[0], &c, 1));
	ASSERT_EQ(0, wait_sleeping(pid, pid));
	k1 = task_switches(pid, pid, &v1);
	sw = k1 - k0;
	vol = v1 - v0;
	TH_LOG("after the reset: the main thread switched %lld times (%lld voluntary); rows: task %lld, process %lld, cgroup %lld",
	       sw, vol, table_get_by("tasks", "pid", (uint64_t)pid, "switches"),
	       table_get_by("processes", "tgid", (uint64_t)pid, "switches"),
	       table_get_by("cgroups", "cgroup", cg, "switches"));
	EXPECT_LE(20LL, sw);
	EXPECT_EQ(sw, table_get_by("tasks", "pid", (uint64_t)pid, "switches"));
	EXPECT_EQ(vol, table_get_by("tasks", "pid", (uint64_t)pid, "voluntary"));
	EXPECT_EQ(sw, table_get_by("processes", "tgid", (uint64_t)pid, "switches"));
	EXPECT_EQ(sw, table_get_by("cgroups", "cgroup", cg, "switches"));

	/* Its exit record holds only what came after the reset. */
	seq0 = summary_key("exited_logged");
	close(cue[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	for (i = 0; i < 250 && summary_key("exited_logged") == seq0; i++)
		usleep(20000);
	{
		long long rec = table_get_by("exited", "tgid", (uint64_t)pid,
					  "switches");

		TH_LOG("exit record: %lld switches (the main thread's %lld since the reset, and its way out)",
		       rec, sw);
		EXPECT_LE(sw + 1, rec);
		EXPECT_GE(sw + 1 + 8, rec);
	}
	cg_remove(dir);
}

struct pinger {
	struct partner *partner;
	int report[2], go[2];
	_Atomic int tid;
};

/* Exchanges with its partner, stops, and again after the go. */
static void *pinger(void *arg)
{
	struct pinger *g = arg;
	char c = 'c';
	int ok;

	g->tid = gettid_();
	ok = !cs_pin_self(g->partner->cpu) &&
	     !exchange(g->partner, 200) && write(g->report[1], &c, 1) == 1 &&
	     read(g->go[0], &c, 1) == 1 && !exchange(g->partner, 200);
	c = ok ? 'd' : 'f';
	if (write(g->report[1], &c, 1) != 1)
		return NULL;
	return NULL;
}

/*
 * Two threads that switch only to each other (the switch probe's inline
 * path) before and after a reset: the partner's row must then show
 * exactly the switches it made after it. A reset that left its row in
 * the row cache would leave it counting in the old epoch, which reads as
 * zero.
 */
TEST_F_TIMEOUT(rows, reset_reaches_rows_switching_between_user_tasks, 120)
{
	static struct partner partner;
	struct pinger g = { .partner = &partner };
	long long p0, p1, rp;
	int pid = getpid();
	pthread_t th;
	char c;

	ASSERT_EQ(0, cs_pin_self(online_cpus() - 1));
	ASSERT_EQ(0, partner_start(&partner, 0));
	ASSERT_EQ(0, pipe(g.report));
	ASSERT_EQ(0, pipe(g.go));
	ASSERT_EQ(0, pthread_create(&th, NULL, pinger, &g));
	ASSERT_EQ(1, read(g.report[0], &c, 1));
	ASSERT_EQ('c', c);
	ASSERT_EQ(0, wait_sleeping(pid, g.tid));
	ASSERT_EQ(0, wait_sleeping(pid, partner.tid));
	ASSERT_EQ(0, control_write("reset", 5));
	p0 = task_switches(pid, partner.tid, NULL);
	ASSERT_EQ(1, write(g.go[1], "g", 1));
	ASSERT_EQ(1, read(g.report[0], &c, 1));
	ASSERT_EQ('d', c);
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, wait_sleeping(pid, partner.tid));
	p1 = task_switches(pid, partner.tid, NULL);
	rp = table_get_by("tasks", "pid", (uint64_t)partner.tid, "switches");
	partner_stop(&partner);
	TH_LOG("after the reset: the partner switched %lld times, its row says %lld",
	       p1 - p0, rp);
	/* One switch-out of the partner per exchange, at least. */
	EXPECT_LE(200, p1 - p0);
	EXPECT_EQ(p1 - p0, rp);
}


/* ---- 3. Rows of tasks that are gone -------------------------------------- */

static void *nothing(void *arg)
{
	return arg;
}

TEST_F_TIMEOUT(rows, no_row_outlives_its_task, 300)
{
	pid_t pids[50];
	size_t tasks, procs, trows, prows;
	uint64_t tracked, ptracked;
	struct cs_table t;
	int i, stale = 1;

	for (i = 0; i < 50; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			pthread_t th[2];

			if (pthread_create(&th[0], NULL, nothing, NULL) ||
			    pthread_create(&th[1], NULL, nothing, NULL))
				_exit(1);
			pthread_join(th[0], NULL);
			pthread_join(th[1], NULL);
			_exit(0);
		}
	}
	for (i = 0; i < 50; i++) {
		int status;

		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		ASSERT_EQ(0, status);
	}
	/* Rows leave at sched_process_free, after an RCU grace period. */
	for (i = 0; i < 200 && stale; i++) {
		int j;

		stale = 0;
		for (j = 0; j < 50; j++)
			stale += rows_with("tasks", "tgid", (uint64_t)pids[j]) +
				 rows_with("processes", "tgid", (uint64_t)pids[j]);
		if (stale)
			usleep(20000);
	}
	EXPECT_EQ(0, stale);

	/* The rows are the live tasks; compare at a quiet moment. */
	for (i = 0; i < 20; i++) {
		size_t t2, p2;

		live_tasks(&tasks, &procs);
		table_read("tasks", &t);
		trows = t.nrows;
		cs_table_free(&t);
		table_read("processes", &t);
		prows = t.nrows;
		cs_table_free(&t);
		tracked = summary_key("tasks_tracked");
		ptracked = summary_key("processes_tracked");
		live_tasks(&t2, &p2);
		if (t2 == tasks && p2 == procs && trows == tasks &&
		    prows == procs)
			break;
		usleep(100000);
	}
	TH_LOG("live: %zu tasks, %zu processes; rows: %zu tasks, %zu processes; tasks_tracked %llu, processes_tracked %llu",
	       tasks, procs, trows, prows, (unsigned long long)tracked,
	       (unsigned long long)ptracked);
	EXPECT_EQ(tasks, trows);
	EXPECT_EQ(procs, prows);
	EXPECT_EQ((uint64_t)tasks, tracked);
	EXPECT_EQ((uint64_t)procs, ptracked);
}

/* ---- 4. A process row against /proc ---------------------------------------- */

struct worker {
	int in, out, first;
	_Atomic int tid;
	struct rusage ru;	/* its own, just before it exits */
	int leave;		/* exits after the ping-pong */
	_Atomic int done;	/* the ping-pong is over */
};

static int park_pipe[2];

static void *worker(void *arg)
{
	struct worker *w = arg;
	char c = 0;
	int i;

	w->tid = gettid_();
	for (i = 0; i < 500; i++) {
		if (w->first && write(w->out, &c, 1) != 1)
			return NULL;
		if (read(w->in, &c, 1) != 1)
			return NULL;
		if (!w->first && write(w->out, &c, 1) != 1)
			return NULL;
	}
	getrusage(RUSAGE_THREAD, &w->ru);
	w->done = 1;
	if (!w->leave && read(park_pipe[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

/*
 * A process of a main thread and four workers, two of which ping-pong and
 * exit, two ping-pong and stay: its row is the sum of what /proc says of
 * the three live tasks and what the two exited ones reported just before
 * they exited (their final switch-outs come after: at most a few more).
 */
TEST_F_TIMEOUT(rows, process_row_matches_its_threads_in_proc, 300)
{
	const char *dir = CG_ROOT "/t21-proc";
	int report[2], release[2], status, i;
	long long live = 0, live_vol = 0, exited = 0, exited_vol = 0;
	struct cs_table t;
	long row;
	uint64_t cg;
	pid_t pid;

	if (access(CG_ROOT "/cgroup.procs", W_OK))
		SKIP(return, "no writable cgroup2 hierarchy at " CG_ROOT);
	cg = cg_make(dir);
	ASSERT_NE(0U, cg);
	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, pipe(release));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		static struct worker w[4];
		int p[4][2];
		pthread_t th[4];
		char c;

		prctl(PR_SET_NAME, "t21-proc");
		if (cg_move(dir, getpid()) || pipe(park_pipe))
			_exit(1);
		for (i = 0; i < 4; i++)
			if (pipe(p[i]))
				_exit(1);
		for (i = 0; i < 4; i++) {
			int pair = i / 2;

			w[i].first = !(i % 2);
			w[i].out = p[2 * pair + !w[i].first][1];
			w[i].in = p[2 * pair + w[i].first][0];
			w[i].leave = i < 2;
			if (pthread_create(&th[i], NULL, worker, &w[i]))
				_exit(1);
		}
		pthread_join(th[0], NULL);
		pthread_join(th[1], NULL);
		/*
		 * The staying pair done with its ping-pong: blocked in read()
		 * from now on, so that what /proc says of them is final.
		 */
		while (!w[2].done || !w[3].done)
			usleep(1000);
		if (write(report[1], w, sizeof(w)) != sizeof(w))
			_exit(1);
		/* Until the parent closes its end. */
		close(release[1]);
		if (read(release[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	{
		struct worker w[4];
		int tids[3];

		ASSERT_EQ(sizeof(w), read(report[0], w, sizeof(w)));
		tids[0] = pid;
		tids[1] = w[2].tid;
		tids[2] = w[3].tid;
		for (i = 0; i < 3; i++) {
			long long v, sw;

			ASSERT_EQ(0, wait_sleeping(pid, tids[i]));
			sw = task_switches(pid, tids[i], &v);
			ASSERT_LE(0, sw);
			live += sw;
			live_vol += v;
		}
		for (i = 0; i < 2; i++) {
			exited += w[i].ru.ru_nvcsw + w[i].ru.ru_nivcsw;
			exited_vol += w[i].ru.ru_nvcsw;
		}
	}
	for (i = 0; i < 500 && rows_with("tasks", "tgid", (uint64_t)pid) > 3; i++)
		usleep(10000);

	table_read("processes", &t);
	row = table_find(&t, "tgid", (uint64_t)pid);
	ASSERT_LE(0, row);
	TH_LOG("process: %llu switches (%llu voluntary); /proc: %lld live (%lld voluntary) + %lld by the exited threads (%lld voluntary)",
	       (unsigned long long)table_get(&t, row, "switches"),
	       (unsigned long long)table_get(&t, row, "voluntary"),
	       live, live_vol, exited, exited_vol);
	EXPECT_EQ((uint64_t)getpid(), table_get(&t, row, "ppid"));
	EXPECT_EQ(cg, table_get(&t, row, "cgroup"));
	EXPECT_EQ((uint64_t)task_status(pid, pid, "Threads"),
		  table_get(&t, row, "threads"));
	EXPECT_EQ(2U, table_get(&t, row, "threads_exited"));
	EXPECT_EQ((uint64_t)task_status(pid, pid, "VmStk"),
		  table_get(&t, row, "vm_stack_kb"));
	/* The exited threads' final switch-outs, and preemption on the way. */
	EXPECT_LE((uint64_t)(live + exited + 2), table_get(&t, row, "switches"));
	EXPECT_GE((uint64_t)(live + exited + 2 + 8),
		  table_get(&t, row, "switches"));
	EXPECT_LE((uint64_t)(live_vol + exited_vol + 2),
		  table_get(&t, row, "voluntary"));
	EXPECT_GE((uint64_t)(live_vol + exited_vol + 2 + 8),
		  table_get(&t, row, "voluntary"));
	/* Four ping-pong threads of 500 round trips: the work happened. */
	EXPECT_LE(4U * 500U, table_get(&t, row, "switches"));
	cs_table_free(&t);

	close(release[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	cg_remove(dir);
}

/* ---- 5. A cgroup's row and the exit log against wait4() ------------------ */

#define GROUP_EXITED	5
#define GROUP_LIVE	2

/*
 * A process in dir. One that exits (stay_fd < 0) runs a ping-pong between
 * two threads, which wait4() then reports whole. One that stays naps 50
 * times in its only thread, which /proc then reports whole, and waits
 * until the write end of its pipe (stay_w) is closed.
 */
static pid_t start_member(const char *dir, int stay_fd, int stay_w)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct timespec nap = { 0, 1000000 };
		char c;
		int i;

		if (stay_w >= 0)
			close(stay_w);
		prctl(PR_SET_NAME, "t21-member");
		if (cg_move(dir, getpid()))
			_exit(1);
		if (stay_fd < 0)
			_exit(cs_pingpong(CS_MODE_THREAD, 200, -1, 0, NULL) ? 1 : 0);
		for (i = 0; i < 50; i++)
			nanosleep(&nap, NULL);
		if (read(stay_fd, &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	return pid;
}

TEST_F_TIMEOUT(rows, cgroup_row_and_exit_log_match_wait4, 300)
{
	const char *dir = CG_ROOT "/t21-group";
	long long rus = 0, rus_vol = 0, live = 0, live_vol = 0;
	uint64_t cg, seq0, seq1, t0, t1;
	pid_t gone[GROUP_EXITED], stay[GROUP_LIVE];
	int stay_pipe[2], i, j, found = 0;
	struct cs_table t;
	long row;

	if (access(CG_ROOT "/cgroup.procs", W_OK))
		SKIP(return, "no writable cgroup2 hierarchy at " CG_ROOT);
	cg = cg_make(dir);
	ASSERT_NE(0U, cg);
	ASSERT_EQ(0, pipe(stay_pipe));
	seq0 = summary_key("exited_logged");
	t0 = (uint64_t)(cs_now() * 1e9);
	for (i = 0; i < GROUP_EXITED; i++) {
		struct rusage ru;
		int status;

		gone[i] = start_member(dir, -1, -1);
		ASSERT_LT(0, gone[i]);
		ASSERT_EQ(gone[i], wait4(gone[i], &status, 0, &ru));
		ASSERT_EQ(0, status);
		rus += ru.ru_nvcsw + ru.ru_nivcsw;
		rus_vol += ru.ru_nvcsw;
	}
	for (i = 0; i < GROUP_LIVE; i++) {
		stay[i] = start_member(dir, stay_pipe[0], stay_pipe[1]);
		ASSERT_LT(0, stay[i]);
	}
	for (i = 0; i < GROUP_LIVE; i++) {
		long long v, sw;

		/* Done with its naps: waiting on the pipe. */
		for (j = 0; j < 500; j++) {
			ASSERT_EQ(0, wait_sleeping(stay[i], stay[i]));
			if (task_switches(stay[i], stay[i], NULL) >= 50)
				break;
			usleep(10000);
		}
		sw = task_switches(stay[i], stay[i], &v);
		live += sw;
		live_vol += v;
	}
	/*
	 * The exited processes' records are written when their rows go,
	 * after a grace period: wait for each of them.
	 */
	for (i = 0, j = 0; i < 250 && j < GROUP_EXITED; i++) {
		for (j = 0; j < GROUP_EXITED; j++)
			if (table_get_by("exited", "tgid", (uint64_t)gone[j],
					 "seq") < 0)
				break;
		if (j < GROUP_EXITED)
			usleep(20000);
	}
	seq1 = summary_key("exited_logged");
	t1 = (uint64_t)(cs_now() * 1e9);

	table_read("cgroups", &t);
	row = table_find(&t, "cgroup", cg);
	ASSERT_LE(0, row);
	TH_LOG("cgroup: %llu switches (%llu voluntary), %llu processes, %llu exited; wait4: %lld (%lld voluntary) for %d exited, /proc: %lld (%lld voluntary) for the live",
	       (unsigned long long)table_get(&t, row, "switches"),
	       (unsigned long long)table_get(&t, row, "voluntary"),
	       (unsigned long long)table_get(&t, row, "processes"),
	       (unsigned long long)table_get(&t, row, "processes_exited"),
	       rus, rus_vol, GROUP_EXITED, live, live_vol);
	EXPECT_EQ((uint64_t)GROUP_LIVE, table_get(&t, row, "processes"));
	EXPECT_EQ((uint64_t)GROUP_EXITED, table_get(&t, row, "processes_exited"));
	/*
	 * wait4() may reap a child before its last switch-out; its row and
	 * the live ones' exited threads count theirs: up to three each.
	 */
	EXPECT_LE((uint64_t)(rus + live), table_get(&t, row, "switches"));
	EXPECT_GE((uint64_t)(rus + live + 3 * (GROUP_EXITED + GROUP_LIVE)),
		  table_get(&t, row, "switches"));
	EXPECT_LE((uint64_t)(rus_vol + live_vol), table_get(&t, row, "voluntary"));
	EXPECT_GE((uint64_t)(rus_vol + live_vol + 3 * (GROUP_EXITED + GROUP_LIVE)),
		  table_get(&t, row, "voluntary"));
	cs_table_free(&t);

	/* The exit log: one record each, as wait4() saw them. */
	EXPECT_LE(seq0 + GROUP_EXITED, seq1);
	table_read("exited", &t);
	for (i = 0; i < GROUP_EXITED; i++) {
		row = table_find(&t, "tgid", (uint64_t)gone[i]);
		if (row < 0)
			continue;
		found++;
		EXPECT_EQ((uint64_t)getpid(), table_get(&t, row, "ppid"));
		EXPECT_EQ(cg, table_get(&t, row, "cgroup"));
		/* The main thread and the ping-pong's two. */
		EXPECT_EQ(3U, table_get(&t, row, "threads"));
		EXPECT_LT(seq0, table_get(&t, row, "seq"));
		EXPECT_GE(seq1, table_get(&t, row, "seq"));
		EXPECT_LE(t0, table_get(&t, row, "exit_ns"));
		EXPECT_GE(t1, table_get(&t, row, "exit_ns"));
		EXPECT_LE(400U, table_get(&t, row, "switches"));
	}
	cs_table_free(&t);
	EXPECT_EQ(GROUP_EXITED, found);

	close(stay_pipe[1]);
	for (i = 0; i < GROUP_LIVE; i++)
		waitpid(stay[i], NULL, 0);
	cg_remove(dir);
	/* Removed, and none of its processes left: the row goes. */
	for (i = 0; i < 250 && table_get_by("cgroups", "cgroup", cg, "cgroup") >= 0; i++)
		usleep(20000);
	EXPECT_EQ(-1LL, table_get_by("cgroups", "cgroup", cg, "cgroup"));
}

TEST_HARNESS_MAIN
