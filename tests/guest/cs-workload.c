// SPDX-License-Identifier: GPL-2.0
/*
 * cs-workload: the workloads of userspace/lib/workload.c from the shell,
 * for the shell tests and the demo.
 *
 *   cs-workload pingpong process|thread ROUNDS [CPU]
 *   cs-workload spin process|thread N MS [CPU]
 *   cs-workload churn process|thread N
 *   cs-workload ring process|thread N ROUNDS  (N tasks pass a token)
 *   cs-workload tree           (a known tree of ping-pongs, see below)
 *   cs-workload asuser UID CMD [ARGS...]
 *   cs-workload storm          (fork/exec/exit storm until SIGTERM)
 *   cs-workload reader         (reads every /proc/ctxscope file, forever)
 *   cs-workload forever        (mixed load until killed)
 *   cs-workload sleeper MS     (sleeps MS ms in a loop until killed: one
 *                               voluntary switch per sleep, a steady rate)
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "workload.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: cs-workload pingpong process|thread ROUNDS [CPU]\n"
		"       cs-workload spin process|thread N MS [CPU]\n"
		"       cs-workload churn process|thread N\n"
		"       cs-workload ring process|thread N ROUNDS\n"
		"       cs-workload tree\n"
		"       cs-workload asuser UID CMD [ARGS...]\n"
		"       cs-workload storm\n"
		"       cs-workload reader\n"
		"       cs-workload forever\n"
		"       cs-workload sleeper MS\n");
	return 2;
}

static int parse_mode(const char *s, enum cs_mode *mode)
{
	if (!strcmp(s, "process"))
		*mode = CS_MODE_PROCESS;
	else if (!strcmp(s, "thread"))
		*mode = CS_MODE_THREAD;
	else
		return -1;
	return 0;
}

static void report(const char *what, const struct cs_run *run)
{
	printf("%s: %llu rounds in %.3f s; the kernel counted %llu voluntary and %llu involuntary switches of its tasks\n",
	       what, (unsigned long long)run->rounds, run->seconds,
	       (unsigned long long)run->nvcsw,
	       (unsigned long long)run->nivcsw);
}

/*
 * tree: a process tree with a known number of switches per process, for
 * checking `ctxscope stat` attribution against the kernel's own counts.
 *
 *   main ─┬─ X ── A ── B   A and its child B: 2,000 round trips; X, A
 *         │                and B exit early
 *         ├─ Y             two threads: 3,000 round trips
 *         └─ Z ── G        Z and its child G: 1,000 round trips
 *
 * What the kernel counted for a process in all (every switch-out of every
 * thread, its way out included) is what its parent's wait4() gives, less
 * what the process itself had reaped. So, on stderr, every process says
 * just before it exits, having reaped all its children, its pid, its own
 * switches so far and its reaped descendants' (getrusage, RUSAGE_SELF and
 * RUSAGE_CHILDREN); every parent says the pid and total wait4() gave it for
 * each child; `ctxscope stat`'s own wait4() gives main's total.
 */
static long tree_switches(const struct rusage *ru)
{
	return ru->ru_nvcsw + ru->ru_nivcsw;
}

static void tree_report(void)
{
	struct rusage self, children;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	fprintf(stderr, "tree pid=%d switches=%ld children=%ld\n",
		(int)getpid(), tree_switches(&self), tree_switches(&children));
}

/* Reaps a child (any if pid is -1) and says what wait4() counted for it. */
static void tree_reap(pid_t pid)
{
	struct rusage ru;

	pid = wait4(pid, NULL, 0, &ru);
	if (pid > 0)
		fprintf(stderr, "tree reaped=%d total=%ld\n", (int)pid,
			tree_switches(&ru));
}

/* Two processes, this one and a child, pass a byte rounds times. */
static void tree_pair(long rounds)
{
	int ab[2], ba[2];
	char c = 0;
	pid_t pid;
	long i;

	if (pipe(ab) || pipe(ba))
		exit(1);
	pid = fork();
	for (i = 0; i < rounds; i++) {
		if (pid == 0 ? read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1 :
			       write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			exit(1);
	}
	if (pid == 0) {
		tree_report();
		exit(0);
	}
	tree_reap(pid);
}

static void *tree_thread(void *arg)
{
	int *p = arg;
	char c = 0;
	int i;

	for (i = 0; i < 3000; i++)
		if (read(p[0], &c, 1) != 1 || write(p[3], &c, 1) != 1)
			break;
	return NULL;
}

static int tree(void)
{
	pid_t kids[3];
	int k;

	for (k = 0; k < 3; k++) {
		kids[k] = fork();
		if (kids[k])
			continue;
		if (k == 0) {			/* X: A and B, then X goes */
			if (fork() == 0) {
				tree_pair(2000);	/* A, with child B */
				tree_report();
				exit(0);
			}
			tree_reap(-1);
		} else if (k == 1) {		/* Y: two threads */
			int p[4];
			pthread_t th;
			char c = 0;
			int i;

			if (pipe(p) || pipe(p + 2))
				exit(1);
			/* The thread reads p[0], writes p[3]; we the reverse. */
			pthread_create(&th, NULL, tree_thread, p);
			for (i = 0; i < 3000; i++)
				if (write(p[1], &c, 1) != 1 ||
				    read(p[2], &c, 1) != 1)
					break;
			pthread_join(th, NULL);
		} else {			/* Z with its child G */
			tree_pair(1000);
		}
		tree_report();
		exit(0);
	}
	for (k = 0; k < 3; k++)
		tree_reap(kids[k]);
	usleep(200000);
	tree_report();
	return 0;
}

/*
 * storm: tasks created as fast as four workers can, until SIGTERM: one
 * spawns children that exec (this program, "noop"), one forks children
 * that exit at once, two create and join threads. Only a task that was
 * created and ran to a clean end counts; a failure (fork, spawn, thread
 * creation, a child's exit status) is counted apart. Every 10 s, and on
 * SIGTERM, it prints on stderr how many tasks of each kind it made, how
 * many failed and how many per second:
 *   storm: T tasks (E fork+exec, X fork+exit, H threads) in S s: R tasks/s, F failed
 */
#define STORM_WORKERS 4
#define STORM_PERIOD 10
static atomic_long *storm_tasks;	/* per kind: exec, exit, thread; failed */
static volatile sig_atomic_t storm_stop;

static void storm_on_term(int sig)
{
	(void)sig;
	storm_stop = 1;
}

static void *storm_nothing(void *arg)
{
	return arg;
}

static void storm_worker(int kind, const char *self)
{
	char *const noop_argv[] = { (char *)self, "noop", NULL };

	while (!storm_stop) {
		int status = 0, ok = 0;
		pthread_t th;
		pid_t pid;

		if (kind >= 2) {
			ok = pthread_create(&th, NULL, storm_nothing, NULL) == 0 &&
			     pthread_join(th, NULL) == 0;
		} else if (kind == 0) {
			/* vfork-style, as shells and posix_spawn() start programs */
			ok = posix_spawn(&pid, self, NULL, NULL, noop_argv,
					 environ) == 0 &&
			     waitpid(pid, &status, 0) == pid;
		} else {
			pid = fork();
			if (pid == 0)
				_exit(0);
			ok = pid > 0 && waitpid(pid, &status, 0) == pid;
		}
		/* A child the SIGTERM reached mid-way is not a failure. */
		if (ok && (kind >= 2 || (WIFEXITED(status) && !WEXITSTATUS(status))))
			storm_tasks[kind < 2 ? kind : 2]++;
		else if (!storm_stop)
			storm_tasks[3]++;
	}
	exit(0);
}

static void storm_print(double start)
{
	double secs = cs_now() - start;
	long total = storm_tasks[0] + storm_tasks[1] + storm_tasks[2];

	fprintf(stderr, "storm: %ld tasks (%ld fork+exec, %ld fork+exit, %ld threads) in %.1f s: %.0f tasks/s, %ld failed\n",
		total, (long)storm_tasks[0], (long)storm_tasks[1],
		(long)storm_tasks[2], secs, secs > 0 ? total / secs : 0.0,
		(long)storm_tasks[3]);
}

static int storm(const char *self)
{
	pid_t workers[STORM_WORKERS];
	double start = cs_now();
	int k;

	storm_tasks = mmap(NULL, 4 * sizeof(*storm_tasks),
			   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			   -1, 0);
	if (storm_tasks == MAP_FAILED)
		return 1;
	signal(SIGTERM, storm_on_term);
	for (k = 0; k < STORM_WORKERS; k++) {
		workers[k] = fork();
		if (workers[k] == 0)
			storm_worker(k, self);
		if (workers[k] < 0)
			storm_tasks[3]++;
	}
	while (!storm_stop) {
		sleep(STORM_PERIOD);	/* SIGTERM ends it early */
		if (!storm_stop)
			storm_print(start);
	}
	for (k = 0; k < STORM_WORKERS; k++) {
		if (workers[k] < 0)
			continue;
		kill(workers[k], SIGTERM);
		waitpid(workers[k], NULL, 0);
	}
	storm_print(start);
	return 0;
}

/*
 * reader: reads every readable /proc/ctxscope file again and again, also
 * while the module comes and goes (the files vanish, reads fail with EIO),
 * without forking, so that it reads as often as it can.
 */
static __attribute__((noreturn)) void reader(void)
{
	static const char *const files[] = { "summary", "cpus", "tasks",
					     "processes", "cgroups", "exited" };
	char buf[65536], path[64];
	size_t i;

	for (;;) {
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			int fd;

			snprintf(path, sizeof(path), "/proc/ctxscope/%s", files[i]);
			fd = open(path, O_RDONLY);
			if (fd < 0) {
				usleep(1000);
				continue;
			}
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
		/*
		 * A breath between passes: four readers in a tight loop would
		 * take the VM's CPUs from the storm they are meant to race
		 * with (a read of tasks works for every task that ran).
		 */
		usleep(50000);
	}
}

int main(int argc, char **argv)
{
	struct cs_run run;
	enum cs_mode mode;
	int ret;

	if (argc == 2 && !strcmp(argv[1], "forever")) {
		for (;;) {
			cs_pingpong(CS_MODE_PROCESS, 500, 0, 0, NULL);
			cs_pingpong(CS_MODE_THREAD, 500, -1, 0, NULL);
			cs_churn(CS_MODE_PROCESS, 20, NULL);
			cs_churn(CS_MODE_THREAD, 20, NULL);
		}
	}
	if (argc == 3 && !strcmp(argv[1], "sleeper")) {
		long ms = atol(argv[2]);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

		for (;;)
			nanosleep(&ts, NULL);
	}
	if (argc == 2 && !strcmp(argv[1], "tree"))
		return tree();
	if (argc == 2 && !strcmp(argv[1], "noop"))
		return 0;
	if (argc == 2 && !strcmp(argv[1], "reader"))
		reader();
	if (argc == 2 && !strcmp(argv[1], "storm"))
		return storm("/proc/self/exe");
	if (argc >= 4 && !strcmp(argv[1], "asuser")) {
		uid_t uid = (uid_t)atoi(argv[2]);

		if (setgid(uid) || setuid(uid)) {
			perror("cs-workload: setuid");
			return 1;
		}
		execvp(argv[3], argv + 3);
		perror("cs-workload: exec");
		return 127;
	}
	if (argc < 4 || parse_mode(argv[2], &mode))
		return usage();
	if (!strcmp(argv[1], "pingpong") && argc <= 5) {
		ret = cs_pingpong(mode, strtoull(argv[3], NULL, 10),
				  argc == 5 ? atoi(argv[4]) : -1, 0, &run);
	} else if (!strcmp(argv[1], "spin") && argc >= 5 && argc <= 6) {
		ret = cs_spin(mode, (unsigned int)atoi(argv[3]),
			      argc == 6 ? atoi(argv[5]) : -1,
			      (unsigned int)atoi(argv[4]), &run);
	} else if (!strcmp(argv[1], "ring") && argc == 5) {
		ret = cs_ring(mode, (unsigned int)atoi(argv[3]),
			      strtoull(argv[4], NULL, 10), &run);
	} else if (!strcmp(argv[1], "churn") && argc == 4) {
		ret = cs_churn(mode, (unsigned int)atoi(argv[3]), &run);
	} else {
		return usage();
	}
	if (ret) {
		fprintf(stderr, "cs-workload: %s\n", strerror(errno));
		return 1;
	}
	report(argv[1], &run);
	return 0;
}
