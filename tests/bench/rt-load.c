// SPDX-License-Identifier: GPL-2.0
/*
 * rt-load: the parts of the workload of tests/bench/rt-latency that
 * cs-workload does not have. Each runs until SIGTERM, then prints on
 * stderr what it did ("rt-load MODE: N ...").
 *
 *   rt-load cgroups DIR   move processes (two of them with four threads)
 *                         between the cgroup v2 groups DIR/rt-a and
 *                         DIR/rt-b, and make, enter, leave and remove a
 *                         group DIR/rt-tmp every eighth round
 *   rt-load rename        two threads rename themselves (PR_SET_NAME)
 *   rt-load deep          processes that drive TCP over loopback, which
 *                         on PREEMPT_RT runs the receive softirq on the
 *                         sender's own kernel stack, then exit
 *   rt-load pingpong      a pair of processes and a pair of threads pass
 *                         a byte back and forth over pipes
 *   rt-load park N        N threads that sleep
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGTERM ends the run; it interrupts the blocking calls too. */
static void catch_term(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: rt-load cgroups DIR\n"
		"       rt-load rename\n"
		"       rt-load deep\n"
		"       rt-load pingpong\n"
		"       rt-load park N\n");
	return 2;
}

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/* A process that sleeps, with threads - 1 more threads. */
static pid_t spawn_sleeper(int threads)
{
	pid_t pid = fork();
	int i;

	if (pid != 0)
		return pid;
	signal(SIGTERM, SIG_DFL);
	for (i = 1; i < threads; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, sleeper, NULL))
			_exit(1);
	}
	sleeper(NULL);
	_exit(0);
}

static int open_procs(const char *dir, const char *group)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, group);
	if (mkdir(path, 0755) && errno != EEXIST) {
		fprintf(stderr, "rt-load: mkdir %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s/cgroup.procs", dir, group);
	return open(path, O_WRONLY);
}

static int move_to(int procs_fd, pid_t pid)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	return pwrite(procs_fd, buf, n, 0) == n ? 0 : -1;
}

#define CG_PROCS 4

static int cgroups(const char *dir)
{
	int a = open_procs(dir, "rt-a"), b = open_procs(dir, "rt-b");
	long moves = 0, removed = 0, failed = 0, round = 0;
	pid_t kids[CG_PROCS];
	char tmp[256];
	int k;

	if (a < 0 || b < 0) {
		fprintf(stderr, "rt-load: cgroups in %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s/rt-tmp", dir);
	for (k = 0; k < CG_PROCS; k++)
		kids[k] = spawn_sleeper(k % 2 ? 4 : 1);
	while (!stop) {
		for (k = 0; k < CG_PROCS; k++) {
			if (move_to((round + k) % 2 ? a : b, kids[k]))
				failed++;
			else
				moves++;
		}
		if (++round % 8 == 0) {
			int t = open_procs(dir, "rt-tmp");

			if (t < 0 || move_to(t, kids[0]) || move_to(a, kids[0]))
				failed++;
			else
				moves += 2;
			if (t >= 0)
				close(t);
			if (rmdir(tmp))
				failed++;
			else
				removed++;
		}
	}
	for (k = 0; k < CG_PROCS; k++) {
		kill(kids[k], SIGKILL);
		waitpid(kids[k], NULL, 0);
	}
	close(a);
	close(b);
	snprintf(tmp, sizeof(tmp), "%s/rt-a", dir);
	rmdir(tmp);
	snprintf(tmp, sizeof(tmp), "%s/rt-b", dir);
	rmdir(tmp);
	fprintf(stderr, "rt-load cgroups: %ld moves, %ld groups removed, %ld failed\n",
		moves, removed, failed);
	return failed > moves / 100;
}

static long renames[2];

static void *renamer(void *arg)
{
	long *n = arg;
	char name[16];

	while (!stop) {
		snprintf(name, sizeof(name), "rt-rename-%ld", *n % 100);
		prctl(PR_SET_NAME, name);
		++*n;
	}
	return NULL;
}

static int rename_loop(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, renamer, &renames[1]))
		return 1;
	renamer(&renames[0]);
	pthread_join(t, NULL);
	fprintf(stderr, "rt-load rename: %ld renames\n", renames[0] + renames[1]);
	return 0;
}

/* A TCP connection over loopback with itself: listen, connect, send. */
static int deep_child(void)
{
	static char buf[32768];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct pollfd pfd[3];
	int l, c, s, i;
	ssize_t got, n;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&sa, &len))
		return 1;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)))
		return 1;
	s = accept(l, NULL, NULL);
	if (s < 0)
		return 1;
	for (i = 0; i < 4; i++) {
		if (write(c, buf, sizeof(buf)) != sizeof(buf))
			return 1;
		for (got = 0; got < (ssize_t)sizeof(buf); got += n) {
			n = read(s, buf, sizeof(buf) - got);
			if (n <= 0)
				return 1;
		}
	}
	pfd[0] = (struct pollfd){ .fd = l, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = c, .events = POLLIN | POLLOUT };
	pfd[2] = (struct pollfd){ .fd = s, .events = POLLIN | POLLOUT };
	poll(pfd, 3, 0);
	return 0;
}

static int deep(void)
{
	long exits = 0, failed = 0;

	while (!stop) {
		int status;
		pid_t pid = fork();

		if (pid == 0)
			_exit(deep_child());
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
		else
			exits++;
	}
	fprintf(stderr, "rt-load deep: %ld exits after TCP over loopback, %ld failed\n",
		exits, failed);
	return failed > exits / 100 + 1;
}

/* One side of a ping-pong: reads from in, writes to out. */
static long pong(int in, int out, int first)
{
	long rounds = 0;
	char c = 0;

	if (first && write(out, &c, 1) != 1)
		return 0;
	while (!stop) {
		if (read(in, &c, 1) != 1 || write(out, &c, 1) != 1)
			break;
		rounds++;
	}
	return rounds;
}

/*
 * The thread pair: the main thread reads pipe A (0) and writes pipe B (3),
 * the other thread the reverse. Each closes its write end when it stops,
 * so that the other, perhaps blocked in read(), sees the end of file.
 */
static int thread_pipes[4];

static void *pong_thread(void *arg)
{
	pong(thread_pipes[2], thread_pipes[1], 0);
	close(thread_pipes[1]);
	return arg;
}

static int pingpong(void)
{
	long *shared = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long threads;
	pthread_t t;
	pid_t pid;
	int p[4];

	if (shared == MAP_FAILED || pipe(p) || pipe(p + 2))
		return 1;
	pid = fork();
	if (pid == 0) {
		/* The process pair: this child and its own child. */
		pid_t g = fork();

		if (g == 0)
			_exit(pong(p[2], p[1], 0) < 0);
		*shared = pong(p[0], p[3], 1);
		kill(g, SIGKILL);
		waitpid(g, NULL, 0);
		_exit(0);
	}
	/* After the fork: no other process may hold a write end of these. */
	if (pid < 0 || pipe(thread_pipes) || pipe(thread_pipes + 2) ||
	    pthread_create(&t, NULL, pong_thread, NULL))
		return 1;
	threads = pong(thread_pipes[0], thread_pipes[3], 1);
	close(thread_pipes[3]);
	pthread_join(t, NULL);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	fprintf(stderr, "rt-load pingpong: %ld process rounds, %ld thread rounds\n",
		*shared, threads);
	return 0;
}

static int park(long n)
{
	pthread_attr_t attr;
	sigset_t term;
	long i;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* SIGTERM for this thread only: its pause() must see it. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	for (i = 0; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, &attr, sleeper, NULL)) {
			fprintf(stderr, "rt-load: thread %ld of %ld failed\n",
				i + 1, n);
			return 1;
		}
	}
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	while (!stop)
		pause();
	fprintf(stderr, "rt-load park: %ld threads\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	catch_term();
	if (argc == 3 && !strcmp(argv[1], "cgroups"))
		return cgroups(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "rename"))
		return rename_loop();
	if (argc == 2 && !strcmp(argv[1], "deep"))
		return deep();
	if (argc == 2 && !strcmp(argv[1], "pingpong"))
		return pingpong();
	if (argc == 3 && !strcmp(argv[1], "park"))
		return park(atol(argv[2]));
	return usage();
}
