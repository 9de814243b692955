// SPDX-License-Identifier: GPL-2.0
/*
 * Task lifecycle: every task created after the load has a row, whichever
 * path created it. io_uring's SQPOLL and io-wq workers (create_io_thread())
 * and, from 6.4, vhost workers (vhost_task_create()) come from
 * copy_process() without passing sched_process_fork; a child cloned with
 * CLONE_PARENT has its creator's parent for a parent; and a load that
 * races a fork/exit storm, with the lifecycle probes attached slowly
 * (test_attach_delay_ms), leaves no stale row and misses no task.
 *
 * The oracle is the kernel's own view: /proc/PID/task/TID/status (Tgid,
 * PPid, voluntary_ctxt_switches, nonvoluntary_ctxt_switches) and the
 * flags of /proc/PID/task/TID/stat.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/vhost.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"

#define PF_IO_WORKER	0x00000010
#define PF_USER_WORKER	0x00004000	/* 6.4+ */
#define PF_KTHREAD	0x00200000

/* The comm of task tid of pid, without its newline; "" if it is gone. */
static void task_comm(int pid, int tid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* The flags field (9th) of /proc/PID/task/TID/stat, or 0. */
static unsigned long task_flags(int pid, int tid)
{
	char path[64], buf[1024], *p;
	unsigned long flags = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After ") ": state ppid pgrp session tty_nr tpgid flags. */
	p = strrchr(buf, ')');
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		flags = 0;
	return flags;
}

/*
 * A task named name, searched among the threads of pid (pid > 0) or of
 * every process (pid 0): its tid, with its tgid in *tgid, or 0.
 */
static int find_task(int pid, const char *name, int prefix, int *tgid)
{
	char path[64], comm[64];
	struct dirent *pe, *te;
	DIR *procs = NULL, *tasks;
	int found = 0;

	if (!pid)
		procs = opendir("/proc");
	for (;;) {
		int p = pid;

		if (procs) {
			pe = readdir(procs);
			if (!pe)
				break;
			p = atoi(pe->d_name);
			if (p <= 0)
				continue;
		}
		snprintf(path, sizeof(path), "/proc/%d/task", p);
		tasks = opendir(path);
		while (tasks && !found && (te = readdir(tasks))) {
			int tid = atoi(te->d_name);

			if (tid <= 0)
				continue;
			task_comm(p, tid, comm, sizeof(comm));
			if (prefix ? !strncmp(comm, name, strlen(name)) :
				     !strcmp(comm, name)) {
				found = tid;
				*tgid = p;
			}
		}
		if (tasks)
			closedir(tasks);
		if (found || !procs)
			break;
	}
	if (procs)
		closedir(procs);
	return found;
}

/*
 * Polls find_task() for up to 5 s (some workers start asynchronously):
 * among our threads, and with anywhere, then among every process's.
 */
static int wait_task(const char *name, int prefix, int anywhere, int *tgid)
{
	int i, tid = 0;

	for (i = 0; i < 500 && !tid; i++) {
		tid = find_task(getpid(), name, prefix, tgid);
		if (!tid && anywhere)
			tid = find_task(0, name, prefix, tgid);
		if (!tid)
			usleep(10000);
	}
	return tid;
}

/*
 * Task tid of tgid is asleep: its row in tasks has the kernel's tgid and
 * exactly the kernel's nvcsw/nivcsw. Returns the row's ustack_max, or -1
 * if it has no row.
 */
static long long check_row_at_rest(struct __test_metadata *_metadata,
				   const char *what, int tgid, int tid)
{
	long long kvol, kinv, ktgid, ustack;
	struct cs_table t;
	long row;

	EXPECT_EQ(0, wait_sleeping(tgid, tid)) {
		TH_LOG("%s %d did not go to sleep", what, tid);
	}
	table_read("tasks", &t);
	kvol = task_status(tgid, tid, "voluntary_ctxt_switches");
	kinv = task_status(tgid, tid, "nonvoluntary_ctxt_switches");
	ktgid = task_status(tgid, tid, "Tgid");
	row = table_find(&t, "pid", (uint64_t)tid);
	EXPECT_LE(0, row) {
		TH_LOG("%s %d (tgid %lld, flags %#lx) has no row in tasks (%zu rows)",
		       what, tid, ktgid, task_flags(tgid, tid), t.nrows);
	}
	if (row < 0) {
		cs_table_free(&t);
		return -1;
	}
	TH_LOG("%s %d: tgid %llu (kernel %lld), voluntary %llu (kernel %lld), involuntary %llu (kernel %lld), ustack_max %llu",
	       what, tid, (unsigned long long)table_get(&t, row, "tgid"), ktgid,
	       (unsigned long long)table_get(&t, row, "voluntary"), kvol,
	       (unsigned long long)table_get(&t, row, "involuntary"), kinv,
	       (unsigned long long)table_get(&t, row, "ustack_max"));
	EXPECT_EQ((uint64_t)ktgid, table_get(&t, row, "tgid"));
	EXPECT_EQ((uint64_t)kvol, table_get(&t, row, "voluntary"));
	EXPECT_EQ((uint64_t)kinv, table_get(&t, row, "involuntary"));
	ustack = (long long)table_get(&t, row, "ustack_max");
	cs_table_free(&t);
	return ustack;
}

FIXTURE(lifecycle) {};
FIXTURE_SETUP(lifecycle) {}
FIXTURE_TEARDOWN(lifecycle) {}

/* ---- 1. io_uring workers ---------------------------------------------- */

struct ring {
	int fd;
	struct io_uring_params p;
	void *sq;
	size_t sq_len;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
};

/* io_uring_setup(2) and the mappings of its SQ ring and SQE array. */
static int ring_open(struct ring *r, unsigned int flags)
{
	memset(r, 0, sizeof(*r));
	r->p.flags = flags;
	r->p.sq_thread_idle = 10;	/* ms: the SQPOLL thread sleeps soon */
	r->fd = (int)syscall(__NR_io_uring_setup, 8, &r->p);
	if (r->fd < 0)
		return -errno;
	r->sq_len = r->p.sq_off.array + r->p.sq_entries * sizeof(__u32);
	r->sq = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	r->sqes_len = r->p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -ENOMEM;
	return 0;
}

static void ring_close(struct ring *r)
{
	if (r->sq && r->sq != MAP_FAILED)
		munmap(r->sq, r->sq_len);
	if (r->sqes && r->sqes != MAP_FAILED)
		munmap(r->sqes, r->sqes_len);
	if (r->fd >= 0)
		close(r->fd);
}

/*
 * Submits one read of a byte from fd, forced to io-wq (IOSQE_ASYNC): an
 * io-wq worker (iou-wrk-TID) is created to run it.
 */
static int ring_submit_async_read(struct ring *r, int fd, char *buf)
{
	_Atomic __u32 *tail = (_Atomic __u32 *)((char *)r->sq + r->p.sq_off.tail);
	__u32 *mask = (__u32 *)((char *)r->sq + r->p.sq_off.ring_mask);
	__u32 *array = (__u32 *)((char *)r->sq + r->p.sq_off.array);
	__u32 t = atomic_load_explicit(tail, memory_order_relaxed);
	__u32 i = t & *mask;
	struct io_uring_sqe *sqe = &r->sqes[i];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_READ;
	sqe->flags = IOSQE_ASYNC;
	sqe->fd = fd;
	sqe->addr = (__u64)(uintptr_t)buf;
	sqe->len = 1;
	sqe->off = (__u64)-1;
	array[i] = i;
	atomic_store_explicit(tail, t + 1, memory_order_release);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 0, 0, NULL, 0) != 1)
		return -errno;
	return 0;
}

TEST_F_TIMEOUT(lifecycle, io_uring_workers_have_rows_with_their_process, 120)
{
	struct ring sqpoll, wq;
	char name[32], buf[1];
	int pipefd[2], tgid, sqp, wrk, ret;
	long long ustack;

	ret = ring_open(&sqpoll, IORING_SETUP_SQPOLL);
	if (ret == -ENOSYS)
		SKIP(return, "this kernel has no io_uring");
	ASSERT_EQ(0, ret) {
		TH_LOG("io_uring_setup(SQPOLL): %s", strerror(-ret));
	}
	snprintf(name, sizeof(name), "iou-sqp-%d", getpid());
	sqp = wait_task(name, 0, 0, &tgid);
	ASSERT_NE(0, sqp) {
		TH_LOG("no thread %s in /proc/self/task", name);
	}
	TH_LOG("SQPOLL thread %s: tid %d, flags %#lx", name, sqp,
	       task_flags(getpid(), sqp));
	ustack = check_row_at_rest(_metadata, "SQPOLL thread", getpid(), sqp);
	EXPECT_EQ(0, ustack);

	ASSERT_EQ(0, ring_open(&wq, 0));
	ASSERT_EQ(0, pipe(pipefd));
	ret = ring_submit_async_read(&wq, pipefd[0], buf);
	ASSERT_EQ(0, ret) {
		TH_LOG("io_uring_enter: %s", strerror(-ret));
	}
	wrk = wait_task("iou-wrk-", 1, 0, &tgid);
	ASSERT_NE(0, wrk) {
		TH_LOG("no iou-wrk-* thread in /proc/self/task after an IOSQE_ASYNC read");
	}
	task_comm(getpid(), wrk, name, sizeof(name));
	TH_LOG("io-wq worker %s: tid %d, flags %#lx", name, wrk,
	       task_flags(getpid(), wrk));
	ustack = check_row_at_rest(_metadata, "io-wq worker", getpid(), wrk);
	EXPECT_EQ(0, ustack);

	/* Completes the read, then lets the rings and their workers go. */
	ASSERT_EQ(1, write(pipefd[1], "x", 1));
	ring_close(&wq);
	ring_close(&sqpoll);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* ---- 2. CLONE_PARENT -------------------------------------------------- */

TEST_F_TIMEOUT(lifecycle, clone_parent_child_has_its_real_parent_as_ppid, 60)
{
	int report[2], park[2], status;
	long long kppid;
	struct cs_table t;
	pid_t creator, child = 0;
	long row;
	char c = 0;

	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, pipe(park));
	creator = fork();
	ASSERT_LE(0, creator);
	if (creator == 0) {
		/* Fork-like (no new stack), but the child is our parent's. */
		pid_t c2 = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD,
					  0, NULL, NULL, 0);

		if (c2 == 0)
			_exit(read(park[0], &c, 1) == 1 ? 0 : 1);
		_exit(write(report[1], &c2, sizeof(c2)) == sizeof(c2) ? 0 : 1);
	}
	ASSERT_EQ(sizeof(child), read(report[0], &child, sizeof(child)));
	ASSERT_LT(0, child);
	ASSERT_EQ(creator, waitpid(creator, &status, 0));
	ASSERT_EQ(0, wait_sleeping(child, child));

	kppid = task_status(child, child, "PPid");
	table_read("processes", &t);
	row = table_find(&t, "tgid", (uint64_t)child);
	ASSERT_LE(0, row) {
		TH_LOG("the CLONE_PARENT child %d has no row in processes", child);
	}
	TH_LOG("CLONE_PARENT child %d of creator %d: ppid %llu, kernel's PPid %lld, ours %d",
	       child, creator, (unsigned long long)table_get(&t, row, "ppid"),
	       kppid, getpid());
	EXPECT_EQ(getpid(), kppid);
	EXPECT_EQ((uint64_t)kppid, table_get(&t, row, "ppid"));
	cs_table_free(&t);

	ASSERT_EQ(1, write(park[1], &c, 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, status);
}

/* ---- 3. A slow load during a fork/exit storm -------------------------- */

#define STORMERS	3
#define ATTACH_DELAY_MS	300

static void *noop_thread(void *arg)
{
	return arg;
}

/* Creates tasks as fast as it can until killed: processes or threads. */
static void storm(int threads, _Atomic long *made)
{
	for (;;) {
		if (threads) {
			pthread_t th;

			if (!pthread_create(&th, NULL, noop_thread, NULL))
				pthread_join(th, NULL);
		} else {
			pid_t p = fork();

			if (p == 0)
				_exit(0);
			if (p > 0)
				waitpid(p, NULL, 0);
		}
		(*made)++;
	}
}

struct live_task {
	int pid, tgid;
};

/* Every task of the system: tid and tgid, from /proc/PID/task. */
static size_t live_tasks(struct live_task *out, size_t max)
{
	struct dirent *pe, *te;
	DIR *procs = opendir("/proc"), *tasks;
	char path[64];
	size_t n = 0;

	while (procs && (pe = readdir(procs))) {
		int pid = atoi(pe->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		tasks = opendir(path);
		while (tasks && (te = readdir(tasks))) {
			int tid = atoi(te->d_name);

			if (tid > 0 && n < max) {
				out[n].pid = tid;
				out[n].tgid = pid;
				n++;
			}
		}
		if (tasks)
			closedir(tasks);
	}
	if (procs)
		closedir(procs);
	return n;
}

/* Whether tid is a live thread of tgid. */
static int is_live(int tgid, int tid)
{
	return task_status(tgid, tid, "Tgid") == tgid;
}

#define MAX_LIVE	8192

/*
 * One comparison of tasks with the live tasks. A row whose task is gone,
 * or a live task without a row, counts only if it still is one in a
 * second reading: tasks exit and are created while we look (rows go at
 * sched_process_free, a grace period after the exit).
 */
static int rows_match_live_tasks(int report)
{
	static struct live_task live[MAX_LIVE];
	struct cs_table before, after;
	int pc, tc, bad = 0;
	size_t n, i, row;

	table_read("tasks", &before);
	n = live_tasks(live, MAX_LIVE);
	usleep(200000);
	table_read("tasks", &after);
	pc = cs_table_col(&before, "pid");
	tc = cs_table_col(&before, "tgid");
	for (row = 0; row < before.nrows; row++) {
		int pid = (int)cs_table_num(&before, row, pc);
		int tgid = (int)cs_table_num(&before, row, tc);

		/* Gone from the second reading: it was freed meanwhile. */
		if (is_live(tgid, pid) || table_find(&after, "pid", pid) < 0)
			continue;
		bad++;
		if (report && bad <= 10)
			printf("# stale row: pid %d tgid %d (%s), no such live task\n",
			       pid, tgid, cs_table_str(&before, row,
						       cs_table_col(&before, "comm")));
	}
	for (i = 0; i < n; i++) {
		long r = table_find(&after, "pid", (uint64_t)live[i].pid);

		if (r >= 0 && table_get(&after, r, "tgid") == (uint64_t)live[i].tgid)
			continue;
		if (!is_live(live[i].tgid, live[i].pid))
			continue;	/* gone meanwhile */
		bad++;
		if (report && bad <= 20)
			printf("# live task %d of tgid %d: %s\n", live[i].pid,
			       live[i].tgid, r < 0 ? "no row" : "row with another tgid");
	}
	if (report)
		printf("# %zu rows, %zu live tasks, %d mismatches\n",
		       after.nrows, n, bad);
	cs_table_free(&before);
	cs_table_free(&after);
	return bad;
}

TEST_F_TIMEOUT(lifecycle, slow_load_during_fork_storm_leaves_rows_equal_to_tasks, 180)
{
	_Atomic long *made;
	pid_t kids[STORMERS];
	struct timespec t0, t1;
	int i, kfd, ret, unknown, tries;
	long before, during;
	double secs;
	char params[64];

	ASSERT_NE(-1, system("rmmod ctxscope"));
	made = mmap(NULL, sizeof(*made), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, made);
	*made = 0;
	for (i = 0; i < STORMERS; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (kids[i] == 0)
			storm(i == STORMERS - 1, made);
	}
	usleep(200000);

	kfd = kmsg_from_now();
	snprintf(params, sizeof(params),
		 "insmod /ctxscope/ctxscope.ko test_attach_delay_ms=%d",
		 ATTACH_DELAY_MS);
	before = *made;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = system(params);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	during = *made - before;
	usleep(200000);
	for (i = 0; i < STORMERS; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	TH_LOG("%s took %.2f s; the storm made %ld tasks meanwhile",
	       params, secs, during);
	ASSERT_EQ(0, ret);
	unknown = kmsg_has(kfd, "unknown parameter 'test_attach_delay_ms'");
	close(kfd);
	EXPECT_EQ(0, unknown) {
		TH_LOG("the module does not know test_attach_delay_ms: its lifecycle probes were attached without a delay");
	}
	EXPECT_LT(0, during);

	/* Exited tasks leave at sched_process_free: give it a few tries. */
	for (tries = 0; tries < 10 && rows_match_live_tasks(0); tries++)
		usleep(300000);
	EXPECT_EQ(0, rows_match_live_tasks(1));

	ASSERT_EQ(0, module_reload(""));
	munmap(made, sizeof(*made));
}

/* ---- 4. vhost workers ------------------------------------------------- */

#define TEST_KO_DIR	"/ctxscope/test"

/* Loads the modules of NAME.order (tests/vm/kernel-modules) in order. */
static int load_ordered(const char *name)
{
	char path[256], line[128], cmd[512];
	int ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), TEST_KO_DIR "/%s.order", name);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	while (ret == 0 && fgets(line, sizeof(line), f)) {
		char mod[128], sys[256];

		line[strcspn(line, "\n")] = '\0';
		snprintf(mod, sizeof(mod), "%.*s", (int)strcspn(line, "."), line);
		snprintf(sys, sizeof(sys), "/sys/module/%s", mod);
		if (!access(sys, F_OK))
			continue;	/* built in, or loaded already */
		snprintf(cmd, sizeof(cmd), "insmod " TEST_KO_DIR "/%s", line);
		if (system(cmd))
			ret = -EIO;
	}
	fclose(f);
	return ret;
}

TEST_F_TIMEOUT(lifecycle, vhost_worker_has_a_row, 120)
{
	unsigned long flags;
	long long ustack;
	char name[32];
	int fd, tid, tgid = 0;

	if (access("/dev/vhost-net", F_OK)) {
		int ret = load_ordered("vhost_net");

		if (ret == -ENOENT)
			SKIP(return, "vhost_net is not packed for this kernel (tests/vm/kernel-modules)");
		ASSERT_EQ(0, ret) {
			TH_LOG("loading vhost_net and its dependencies failed");
		}
	}
	fd = open("/dev/vhost-net", O_RDWR);
	ASSERT_LE(0, fd) {
		TH_LOG("/dev/vhost-net: %s", strerror(errno));
	}
	ASSERT_EQ(0, ioctl(fd, VHOST_SET_OWNER, NULL)) {
		TH_LOG("VHOST_SET_OWNER: %s", strerror(errno));
	}
	snprintf(name, sizeof(name), "vhost-%d", getpid());
	tid = wait_task(name, 0, 1, &tgid);
	ASSERT_NE(0, tid) {
		TH_LOG("no task %s after VHOST_SET_OWNER", name);
	}
	flags = task_flags(tgid, tid);
	TH_LOG("vhost worker %s: tid %d, tgid %d, flags %#lx (%s)", name, tid,
	       tgid, flags, flags & PF_USER_WORKER ? "user worker, 6.4+" :
	       flags & PF_KTHREAD ? "kernel thread" : "neither?");
	ustack = check_row_at_rest(_metadata, "vhost worker", tgid, tid);
	EXPECT_EQ(0, ustack);
	if (flags & PF_USER_WORKER) {
		EXPECT_EQ(getpid(), tgid);	/* a thread of ours */
	} else {
		EXPECT_NE(0, flags & PF_KTHREAD);
	}
	close(fd);
}

TEST_HARNESS_MAIN
