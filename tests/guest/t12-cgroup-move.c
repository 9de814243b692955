// SPDX-License-Identifier: GPL-2.0
/*
 * Processes moving between cgroups while /proc/ctxscope/cgroups is read.
 * A move takes a process row off one cgroup's list and puts it on
 * another's at once, without a grace period, so a reader standing on it
 * is led into the other list: it must notice and start again rather than
 * take the other list's head for a process (which ran off the table or
 * never reached its own list's head again). Found while bringing up
 * make check-debug; it crashed the stock 6.12 kernel.
 *
 * The processes move between the root cgroup and a new one, all one way,
 * then all back: the root cgroup's row is the table's first (the module
 * is reloaded first, and init is the first task it sees), so a reader led
 * out of the new cgroup's list takes a place before the table for a
 * process and faults at once instead of reading another row's bytes.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define CHILDREN	128
#define SECONDS		20
#define READERS		2

static atomic_int readers_stop;
static atomic_long reads_ok, reads_failed;

/* Reads /proc/ctxscope/cgroups to the end, over and over. */
static void *cgroups_reader(void *arg)
{
	static char buf[65536];

	while (!readers_stop) {
		int fd = open(CS_PROC_DIR "/cgroups", O_RDONLY);
		ssize_t n;

		if (fd < 0) {
			reads_failed++;
			continue;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		if (n < 0)
			reads_failed++;
		else
			reads_ok++;
		close(fd);
	}
	return NULL;
}

/* Writes pid into cgroup dir's cgroup.procs: moves that process there. */
static int cg_move(const char *dir, pid_t pid)
{
	char path[128], s[16];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	len = snprintf(s, sizeof(s), "%d\n", pid);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static uint64_t cg_id(const char *dir)
{
	struct stat st;

	return stat(dir, &st) ? 0 : st.st_ino;
}

/* The processes column of cgroup id's row, or -1 if it has no row. */
static long cg_processes(uint64_t id)
{
	char line[512];
	unsigned long long key;
	long procs = -1, n;
	FILE *f = fopen(CS_PROC_DIR "/cgroups", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llu %ld", &key, &n) == 2 && key == id)
			procs = n;
	fclose(f);
	return procs;
}

FIXTURE(cgroups) {};
FIXTURE_SETUP(cgroups) {}
FIXTURE_TEARDOWN(cgroups) {}

TEST_F_TIMEOUT(cgroups, moving_processes_do_not_derail_readers, 900)
{
	static const char *const dirs[2] = { CG_ROOT "/cs-move", CG_ROOT };
	pid_t kids[CHILDREN];
	pthread_t th[READERS];
	time_t end;
	int i, rounds = 0, moves = 0;

	if (access(CG_ROOT "/cgroup.procs", W_OK))
		SKIP(return, "no writable cgroup2 hierarchy at " CG_ROOT);
	ASSERT_EQ(0, module_reload(""));
	rmdir(dirs[0]);
	ASSERT_EQ(0, mkdir(dirs[0], 0755));
	for (i = 0; i < CHILDREN; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (!kids[i]) {
			for (;;)
				pause();
		}
		ASSERT_EQ(0, cg_move(dirs[0], kids[i]));
	}
	for (i = 0; i < READERS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, cgroups_reader, NULL));

	/*
	 * Every process to the root and then every one back, round after
	 * round, for SECONDS: under TCG a reader is caught mid-walk only
	 * when its vCPU's time slice ends there (or, with PREEMPT, when the
	 * mover preempts it), so the race needs time more than rounds.
	 */
	end = time(NULL) + SECONDS;
	do {
		for (i = 0; i < CHILDREN; i++, moves++)
			ASSERT_EQ(0, cg_move(dirs[1], kids[i]));
		for (i = 0; i < CHILDREN; i++, moves++)
			ASSERT_EQ(0, cg_move(dirs[0], kids[i]));
		rounds++;
	} while (time(NULL) < end || rounds < 2);
	readers_stop = 1;
	for (i = 0; i < READERS; i++)
		pthread_join(th[i], NULL);
	TH_LOG("%d moves in %d rounds; %ld full reads of cgroups, %ld failed",
	       moves, rounds, (long)reads_ok, (long)reads_failed);
	EXPECT_LT(0, reads_ok);
	EXPECT_EQ(0, reads_failed);
	/* And the row says where the processes are now. */
	EXPECT_EQ(CHILDREN, cg_processes(cg_id(dirs[0])));

	for (i = 0; i < CHILDREN; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	/* Reaped processes leave their cgroup asynchronously. */
	for (i = 0; i < 100 && rmdir(dirs[0]) && errno == EBUSY; i++)
		usleep(20000);
	EXPECT_EQ(-1, access(dirs[0], F_OK));
}

TEST_HARNESS_MAIN
