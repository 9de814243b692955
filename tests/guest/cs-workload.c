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
 *   cs-workload forever        (mixed load until killed)
 */
#define _GNU_SOURCE

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
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
		"       cs-workload forever\n");
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
 * checking `ctxscope stat` attribution. Every process prints, on stderr,
 * its pid and the switches the kernel counted for it (getrusage, all its
 * threads) just before it exits:
 *
 *   main ─┬─ X ── A ── B   A and its child B: 2,000 round trips; X, A
 *         │                and B exit early
 *         ├─ Y             two threads: 3,000 round trips
 *         └─ Z ── G        Z and its child G: 1,000 round trips
 */
static void tree_report(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "tree pid=%d switches=%ld\n", (int)getpid(),
		ru.ru_nvcsw + ru.ru_nivcsw);
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
	waitpid(pid, NULL, 0);
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
			wait(NULL);
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
		waitpid(kids[k], NULL, 0);
	usleep(200000);
	tree_report();
	return 0;
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
	if (argc == 2 && !strcmp(argv[1], "tree"))
		return tree();
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
