// SPDX-License-Identifier: GPL-2.0
/*
 * cs-bench: the small timing tools of the guest side of `make bench`.
 *
 *   cs-bench park N          start N threads that sleep forever, print
 *                            "parked N" once all exist, then wait for a
 *                            signal
 *   cs-bench read FILE REPS  read FILE whole REPS times; per read print
 *                            "ms=... bytes=... lines=..."
 *   cs-bench exec REPS CMD [ARG...]
 *                            run CMD REPS times (stdout to /dev/null);
 *                            per run print "ms=... cpu_ms=...", the
 *                            elapsed time and the CPU time CMD used
 *
 * Times are CLOCK_MONOTONIC: under QEMU's -icount shift=0 one guest
 * nanosecond is one guest instruction.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: cs-bench park N\n"
		"       cs-bench read FILE REPS\n"
		"       cs-bench exec REPS CMD [ARG...]\n");
	return 2;
}

static long parse_count(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max)
		return -1;
	return v;
}

static void *park_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int park(long n)
{
	pthread_attr_t attr;
	long i;
	int err;

	pthread_attr_init(&attr);
	/* Small stacks: 30,000 threads must fit in the guest's memory. */
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < n; i++) {
		pthread_t t;

		err = pthread_create(&t, &attr, park_thread, NULL);
		if (err) {
			fprintf(stderr, "cs-bench: thread %ld of %ld: %s\n",
				i + 1, n, strerror(err));
			return 1;
		}
	}
	printf("parked %ld\n", n);
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

static int read_file(const char *path, long reps)
{
	static char buf[1 << 16];
	long r;

	for (r = 0; r < reps; r++) {
		unsigned long long bytes = 0, lines = 0;
		double t0 = now_ms(), ms;
		ssize_t got;
		int fd = open(path, O_RDONLY);

		if (fd < 0) {
			fprintf(stderr, "cs-bench: %s: %s\n", path,
				strerror(errno));
			return 1;
		}
		/* Only open, read and close are timed, not the counting. */
		ms = 0;
		for (;;) {
			ssize_t i;

			got = read(fd, buf, sizeof(buf));
			ms += now_ms() - t0;
			if (got <= 0)
				break;
			bytes += (unsigned long long)got;
			for (i = 0; i < got; i++)
				lines += buf[i] == '\n';
			t0 = now_ms();
		}
		t0 = now_ms();
		close(fd);
		ms += now_ms() - t0;
		if (got < 0) {
			fprintf(stderr, "cs-bench: read %s: %s\n", path,
				strerror(errno));
			return 1;
		}
		printf("ms=%.3f bytes=%llu lines=%llu\n", ms, bytes, lines);
	}
	return 0;
}

static int exec_cmd(long reps, char **argv)
{
	long r;

	for (r = 0; r < reps; r++) {
		double t0 = now_ms(), cpu;
		struct rusage ru;
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("cs-bench: fork");
			return 1;
		}
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0)
				dup2(fd, STDOUT_FILENO);
			execvp(argv[0], argv);
			fprintf(stderr, "cs-bench: %s: %s\n", argv[0],
				strerror(errno));
			_exit(127);
		}
		if (wait4(pid, &status, 0, &ru) < 0) {
			perror("cs-bench: wait4");
			return 1;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "cs-bench: %s failed (status 0x%x)\n",
				argv[0], status);
			return 1;
		}
		/* The sum is exact (sum_exec_runtime), the split is not. */
		cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
		printf("ms=%.3f cpu_ms=%.3f\n", now_ms() - t0, cpu);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n;

	if (argc == 3 && !strcmp(argv[1], "park")) {
		n = parse_count(argv[2], 1000000);
		return n < 0 ? usage() : park(n);
	}
	if (argc == 4 && !strcmp(argv[1], "read")) {
		n = parse_count(argv[3], 1000000);
		return n < 0 ? usage() : read_file(argv[2], n);
	}
	if (argc >= 4 && !strcmp(argv[1], "exec")) {
		n = parse_count(argv[2], 1000000);
		return n < 0 ? usage() : exec_cmd(n, argv + 3);
	}
	return usage();
}
