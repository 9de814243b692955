// SPDX-License-Identifier: GPL-2.0
/*
 * cs-workload: the workloads of userspace/lib/workload.c from the shell,
 * for the shell tests and the demo.
 *
 *   cs-workload pingpong process|thread ROUNDS [CPU]
 *   cs-workload spin process|thread N MS [CPU]
 *   cs-workload churn process|thread N
 *   cs-workload forever        (mixed load until killed)
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: cs-workload pingpong process|thread ROUNDS [CPU]\n"
		"       cs-workload spin process|thread N MS [CPU]\n"
		"       cs-workload churn process|thread N\n"
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
	if (argc < 4 || parse_mode(argv[2], &mode))
		return usage();
	if (!strcmp(argv[1], "pingpong") && argc <= 5) {
		ret = cs_pingpong(mode, strtoull(argv[3], NULL, 10),
				  argc == 5 ? atoi(argv[4]) : -1, 0, &run);
	} else if (!strcmp(argv[1], "spin") && argc >= 5 && argc <= 6) {
		ret = cs_spin(mode, (unsigned int)atoi(argv[3]),
			      argc == 6 ? atoi(argv[5]) : -1,
			      (unsigned int)atoi(argv[4]), &run);
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
