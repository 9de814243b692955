// SPDX-License-Identifier: GPL-2.0
/*
 * Workloads with a known scheduler footprint; see workload.h.
 */
#define _GNU_SOURCE

#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double cs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cs_pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* State shared by the participants; in MAP_SHARED memory for processes. */
struct cs_shared {
	int to_b[2], to_a[2];
	uint64_t rounds;
	int cpu;
	size_t touch_bytes;
	unsigned int ms;
	double seconds;
	uint64_t nvcsw, nivcsw;
	int processes;		/* counts come from wait4(), not the tasks */
	int error;
	_Atomic unsigned int ring_next;	/* hands out ring positions */
};

static void add_rusage(struct cs_shared *sh, const struct rusage *ru)
{
	__atomic_add_fetch(&sh->nvcsw, (uint64_t)ru->ru_nvcsw,
			   __ATOMIC_RELAXED);
	__atomic_add_fetch(&sh->nivcsw, (uint64_t)ru->ru_nivcsw,
			   __ATOMIC_RELAXED);
}

static void thread_rusage(struct cs_shared *sh)
{
	struct rusage ru;

	if (!sh->processes && getrusage(RUSAGE_THREAD, &ru) == 0)
		add_rusage(sh, &ru);
}

/* Reads a working set so that a switch has cache and TLB state to lose. */
static void touch(volatile const unsigned char *buf, size_t len)
{
	unsigned int sum = 0;
	size_t i;

	for (i = 0; i < len; i += 64)
		sum += buf[i];
	(void)sum;
}

static unsigned char *alloc_touch(size_t len)
{
	unsigned char *buf;

	if (!len)
		return NULL;
	buf = malloc(len);
	if (buf)
		memset(buf, 1, len);
	return buf;
}

static int xfer(int rfd, int wfd, int *error)
{
	char c = 0;

	if (wfd >= 0 && write(wfd, &c, 1) != 1) {
		*error = errno ? errno : EIO;
		return -1;
	}
	if (rfd >= 0 && read(rfd, &c, 1) != 1) {
		*error = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

/* Side A starts every round and times the whole exchange. */
static void *side_a(void *arg)
{
	struct cs_shared *sh = arg;
	unsigned char *buf;
	double start;
	uint64_t i;

	if (cs_pin_self(sh->cpu))
		sh->error = errno;
	buf = alloc_touch(sh->touch_bytes);
	start = cs_now();
	for (i = 0; i < sh->rounds && !sh->error; i++) {
		if (buf)
			touch(buf, sh->touch_bytes);
		if (xfer(sh->to_a[0], sh->to_b[1], &sh->error))
			break;
	}
	sh->seconds = cs_now() - start;
	free(buf);
	thread_rusage(sh);
	return NULL;
}

static void *side_b(void *arg)
{
	struct cs_shared *sh = arg;
	unsigned char *buf;
	uint64_t i;
	int err = 0;

	if (cs_pin_self(sh->cpu))
		sh->error = errno;
	buf = alloc_touch(sh->touch_bytes);
	for (i = 0; i < sh->rounds; i++) {
		if (xfer(sh->to_b[0], -1, &err))
			break;
		if (buf)
			touch(buf, sh->touch_bytes);
		if (xfer(-1, sh->to_a[1], &err))
			break;
	}
	if (err && !sh->error)
		sh->error = err;
	free(buf);
	thread_rusage(sh);
	return NULL;
}

static void *spin(void *arg)
{
	struct cs_shared *sh = arg;
	double end;

	if (cs_pin_self(sh->cpu))
		sh->error = errno;
	end = cs_now() + sh->ms / 1000.0;
	while (cs_now() < end)
		;
	thread_rusage(sh);
	return NULL;
}

static void *nothing(void *arg)
{
	return arg;
}

/*
 * Runs fn n times concurrently, as processes or threads, and waits for
 * all. Process children report through the shared page and exit; their
 * switch counts come from wait4(), which includes their final switch-out.
 */
static int run_tasks(enum cs_mode mode, unsigned int n,
		     void *(*const fns[])(void *), struct cs_shared *sh)
{
	pthread_t *tids;
	unsigned int i, started = 0;
	int ret = 0;

	if (mode == CS_MODE_THREAD) {
		tids = calloc(n, sizeof(*tids));
		if (!tids)
			return -1;
		for (i = 0; i < n; i++) {
			errno = pthread_create(&tids[i], NULL, fns[i], sh);
			if (errno) {
				ret = -1;
				break;
			}
			started++;
		}
		for (i = 0; i < started; i++)
			pthread_join(tids[i], NULL);
		free(tids);
		return ret;
	}

	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			ret = -1;
			break;
		}
		if (pid == 0) {
			fns[i](sh);
			_exit(sh->error ? 1 : 0);
		}
		started++;
	}
	while (started) {
		struct rusage ru;
		int status;
		pid_t pid = wait4(-1, &status, 0, &ru);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		add_rusage(sh, &ru);
		started--;
	}
	return ret;
}

static struct cs_shared *shared_new(enum cs_mode mode)
{
	struct cs_shared *sh;

	if (mode == CS_MODE_PROCESS) {
		sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (sh == MAP_FAILED)
			return NULL;
	} else {
		sh = malloc(sizeof(*sh));
		if (!sh)
			return NULL;
	}
	memset(sh, 0, sizeof(*sh));
	sh->processes = mode == CS_MODE_PROCESS;
	sh->to_a[0] = sh->to_a[1] = sh->to_b[0] = sh->to_b[1] = -1;
	return sh;
}

static int shared_done(enum cs_mode mode, struct cs_shared *sh, int ret,
		       struct cs_run *run, uint64_t rounds, double start)
{
	int err = ret ? errno : sh->error;
	int i;

	if (run) {
		run->rounds = rounds;
		run->seconds = sh->seconds ? sh->seconds : cs_now() - start;
		run->nvcsw = sh->nvcsw;
		run->nivcsw = sh->nivcsw;
	}
	for (i = 0; i < 2; i++) {
		if (sh->to_a[i] >= 0)
			close(sh->to_a[i]);
		if (sh->to_b[i] >= 0)
			close(sh->to_b[i]);
	}
	if (mode == CS_MODE_PROCESS)
		munmap(sh, sizeof(*sh));
	else
		free(sh);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int cs_pingpong(enum cs_mode mode, uint64_t rounds, int cpu,
		size_t touch_bytes, struct cs_run *run)
{
	static void *(*const fns[])(void *) = { side_a, side_b };
	struct cs_shared *sh = shared_new(mode);
	double start = cs_now();
	int ret;

	if (!sh)
		return -1;
	sh->rounds = rounds;
	sh->cpu = cpu;
	sh->touch_bytes = touch_bytes;
	if (pipe2(sh->to_a, O_CLOEXEC) || pipe2(sh->to_b, O_CLOEXEC))
		ret = -1;
	else
		ret = run_tasks(mode, 2, fns, sh);
	return shared_done(mode, sh, ret, run, rounds, start);
}

static int run_same(enum cs_mode mode, unsigned int n, void *(*fn)(void *),
		    struct cs_shared *sh)
{
	void *(**fns)(void *) = calloc(n, sizeof(*fns));
	unsigned int i;
	int ret;

	if (!fns)
		return -1;
	for (i = 0; i < n; i++)
		fns[i] = fn;
	ret = run_tasks(mode, n, (void *(*const *)(void *))fns, sh);
	free(fns);
	return ret;
}

int cs_spin(enum cs_mode mode, unsigned int n, int cpu, unsigned int ms,
	    struct cs_run *run)
{
	struct cs_shared *sh = shared_new(mode);
	double start = cs_now();
	int ret;

	if (!sh)
		return -1;
	sh->cpu = cpu;
	sh->ms = ms;
	ret = run_same(mode, n, spin, sh);
	return shared_done(mode, sh, ret, run, 0, start);
}

int cs_pipe_baseline(uint64_t rounds, int cpu, size_t touch_bytes,
		     struct cs_run *run)
{
	unsigned char *buf = alloc_touch(touch_bytes);
	int p[2], err = 0;
	double start;
	uint64_t i;

	if ((touch_bytes && !buf) || pipe2(p, O_CLOEXEC)) {
		free(buf);
		return -1;
	}
	if (cs_pin_self(cpu))
		err = errno;
	start = cs_now();
	for (i = 0; i < rounds && !err; i++) {
		int k;

		for (k = 0; k < 2 && !err; k++) {
			if (buf)
				touch(buf, touch_bytes);
			if (xfer(p[0], p[1], &err))
				break;
		}
	}
	if (run) {
		run->rounds = i;
		run->seconds = cs_now() - start;
		run->nvcsw = run->nivcsw = 0;
	}
	close(p[0]);
	close(p[1]);
	free(buf);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* The ring: task i reads pipe i and writes pipe i + 1. */
struct cs_ring {
	int (*pipes)[2];
	unsigned int n;
};

static struct cs_ring cs_ring_state;

static void *ring_member(void *arg)
{
	struct cs_shared *sh = arg;
	struct cs_ring *r = &cs_ring_state;
	/* sh is shared between processes too: positions are unique. */
	unsigned int me = sh->ring_next++;
	int in = r->pipes[me][0], out = r->pipes[(me + 1) % r->n][1];
	uint64_t i;
	int err = 0;

	/* Member 0 injects the token, and takes it out after the last round. */
	if (me == 0 && xfer(-1, out, &err))
		return NULL;
	for (i = 0; i < sh->rounds && !err; i++) {
		if (xfer(in, -1, &err))
			break;
		if (!(me == 0 && i + 1 == sh->rounds) && xfer(-1, out, &err))
			break;
	}
	if (err && !sh->error)
		sh->error = err;
	thread_rusage(sh);
	return NULL;
}

int cs_ring(enum cs_mode mode, unsigned int n, uint64_t rounds,
	    struct cs_run *run)
{
	struct cs_shared *sh = shared_new(mode);
	double start = cs_now();
	unsigned int i;
	int ret = -1;

	if (!sh)
		return -1;
	cs_ring_state.n = n;
	cs_ring_state.pipes = malloc(n * sizeof(*cs_ring_state.pipes));
	sh->rounds = rounds;
	for (i = 0; cs_ring_state.pipes && i < n; i++)
		cs_ring_state.pipes[i][0] = cs_ring_state.pipes[i][1] = -1;
	for (i = 0; cs_ring_state.pipes && i < n; i++)
		if (pipe2(cs_ring_state.pipes[i], O_CLOEXEC))
			break;
	if (cs_ring_state.pipes && i == n)
		ret = run_same(mode, n, ring_member, sh);
	for (i = 0; cs_ring_state.pipes && i < n; i++) {
		if (cs_ring_state.pipes[i][0] >= 0)
			close(cs_ring_state.pipes[i][0]);
		if (cs_ring_state.pipes[i][1] >= 0)
			close(cs_ring_state.pipes[i][1]);
	}
	free(cs_ring_state.pipes);
	cs_ring_state.pipes = NULL;
	return shared_done(mode, sh, ret, run, rounds, start);
}

int cs_churn(enum cs_mode mode, unsigned int n, struct cs_run *run)
{
	struct cs_shared *sh = shared_new(mode);
	double start = cs_now();
	unsigned int i;
	int ret = 0;

	if (!sh)
		return -1;
	/* One at a time: n tasks, each created, run and reaped in turn. */
	for (i = 0; i < n && !ret; i++)
		ret = run_same(mode, 1, nothing, sh);
	return shared_done(mode, sh, ret, run, n, start);
}
