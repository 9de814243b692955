// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup of a process row is its cgroup v2 group (the inode of the
 * group's directory under the cgroup2 mount), whatever happens in other
 * hierarchies: moves in a cgroup v1 hierarchy mounted beside it (a
 * systemd hybrid host) leave it alone, a single thread moved within a
 * threaded subtree (cgroup.threads) does not move its process, a whole
 * process moved (cgroup.procs) does. And a group removed before the
 * module was loaded, while a zombie of it was still around, does not keep
 * a row once that zombie is gone. Nor does the removal of a v1 group
 * whose id a v2 group also has (ids are unique only within a hierarchy)
 * touch that v2 group's row.
 *
 * The oracle: stat() of the group directories, /proc/PID/task/TID/cgroup.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define V1_MOUNT	"/tmp/cs-v1"

/* Writes "id\n" to file: moves a process (cgroup.procs) or a thread. */
static int cg_write(const char *file, int id)
{
	char s[16];
	int fd, len, ret = 0;

	len = snprintf(s, sizeof(s), "%d\n", id);
	fd = open(file, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static int cg_write_str(const char *file, const char *s)
{
	int fd, ret = 0;

	fd = open(file, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

static uint64_t cg_id(const char *dir)
{
	struct stat st;

	return stat(dir, &st) ? 0 : st.st_ino;
}

/* rmdir, waiting for exited tasks to leave the group (asynchronous). */
static int cg_rmdir(const char *dir)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (!rmdir(dir) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		usleep(10000);
	}
	return -errno;
}

/* The cgroup column of tgid's row in processes, or 0 without a row. */
static uint64_t proc_cgroup(int tgid)
{
	struct cs_table t;
	uint64_t id = 0;
	long row;

	table_read("processes", &t);
	row = table_find(&t, "tgid", (uint64_t)tgid);
	if (row >= 0)
		id = table_get(&t, row, "cgroup");
	cs_table_free(&t);
	return id;
}

/* The processes column of cgroup id's row, or -1 if it has no row. */
static long cg_processes(uint64_t id)
{
	struct cs_table t;
	long row, n = -1;

	table_read("cgroups", &t);
	row = table_find(&t, "cgroup", id);
	if (row >= 0)
		n = (long)table_get(&t, row, "processes");
	cs_table_free(&t);
	return n;
}

/* The v2 path of a thread ("0::PATH" of /proc/PID/task/TID/cgroup). */
static void thread_v2_path(int pid, int tid, char *buf, size_t len)
{
	char path[64], line[512];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task/%d/cgroup", pid, tid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(buf, len, "%.*s", (int)len - 1, line + 3);
		}
	}
	if (f)
		fclose(f);
}

static int park_fd[2], report_fd;

static void *parked_thread(void *arg)
{
	int tid = gettid_();
	char c;

	if (write(report_fd, &tid, sizeof(tid)) != sizeof(tid))
		return arg;
	return read(park_fd[0], &c, 1) < 0 ? arg : NULL;
}

/*
 * A child process with extra threads, all blocked reading park_fd: its
 * pid in tids[0], its threads' tids in tids[1..extra].
 */
static pid_t spawn_parked(int extra, int *tids)
{
	int report[2], i;
	pid_t pid;

	if (pipe(park_fd) || pipe(report))
		return -1;
	pid = fork();
	if (pid == 0) {
		pthread_t th;
		char c;

		report_fd = report[1];
		for (i = 0; i < extra; i++)
			if (pthread_create(&th, NULL, parked_thread, NULL))
				_exit(1);
		_exit(read(park_fd[0], &c, 1) < 0);
	}
	tids[0] = pid;
	for (i = 1; i <= extra; i++)
		if (read(report[0], &tids[i], sizeof(int)) != sizeof(int))
			return -1;
	close(report[0]);
	close(report[1]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(park_fd[0]);
	close(park_fd[1]);
}

FIXTURE(cgroups) {};
FIXTURE_SETUP(cgroups) {}
FIXTURE_TEARDOWN(cgroups) {}

#define NEED_CGROUP2() do { \
	if (access(CG_ROOT "/cgroup.procs", W_OK)) \
		SKIP(return, "no writable cgroup2 hierarchy at " CG_ROOT); \
} while (0)

/* ---- 1. cgroup v1 beside v2 ------------------------------------------- */

TEST_F_TIMEOUT(cgroups, v1_moves_leave_the_v2_cgroup, 120)
{
	static const char *const g = CG_ROOT "/cs-v2g";
	static const char *const v1dirs[] = {
		V1_MOUNT "/a", V1_MOUNT "/b", V1_MOUNT,
	};
	char file[128];
	uint64_t gid, got;
	int tids[1], i, ret;
	pid_t p;
	NEED_CGROUP2();

	cg_rmdir(g);
	ASSERT_EQ(0, mkdir(g, 0755));
	gid = cg_id(g);
	p = spawn_parked(0, tids);
	ASSERT_LT(0, p);
	ASSERT_EQ(0, cg_write(CG_ROOT "/cs-v2g/cgroup.procs", p));
	ASSERT_EQ(0, wait_sleeping(p, p));
	got = proc_cgroup(p);
	ASSERT_EQ(gid, got) {
		TH_LOG("after the v2 move: cgroup %llu, the group's inode %llu",
		       (unsigned long long)got, (unsigned long long)gid);
	}

	mkdir(V1_MOUNT, 0755);
	ret = mount("cgroup", V1_MOUNT, "cgroup", 0, "none,name=cstest");
	ASSERT_EQ(0, ret) {
		TH_LOG("mount -t cgroup -o none,name=cstest: %s", strerror(errno));
	}
	ASSERT_EQ(0, mkdir(v1dirs[0], 0755));
	ASSERT_EQ(0, mkdir(v1dirs[1], 0755));
	for (i = 0; i < 3; i++) {
		snprintf(file, sizeof(file), "%s/cgroup.procs", v1dirs[i]);
		ASSERT_EQ(0, cg_write(file, p));
		got = proc_cgroup(p);
		TH_LOG("moved to v1 %s: processes row cgroup %llu, v2 group %llu",
		       v1dirs[i], (unsigned long long)got,
		       (unsigned long long)gid);
		EXPECT_EQ(gid, got);
	}
	EXPECT_EQ(1, cg_processes(gid)) {
		TH_LOG("the v2 group's row counts %ld processes, it holds 1",
		       cg_processes(gid));
	}

	reap(p);
	EXPECT_EQ(0, cg_rmdir(v1dirs[0]));
	EXPECT_EQ(0, cg_rmdir(v1dirs[1]));
	EXPECT_EQ(0, umount2(V1_MOUNT, MNT_DETACH));
	EXPECT_EQ(0, cg_rmdir(g));
}

/* ---- 2. Threaded subtree ---------------------------------------------- */

TEST_F_TIMEOUT(cgroups, thread_moves_leave_the_process_row, 120)
{
	static const char *const d = CG_ROOT "/cs-thr";
	static const char *const t1 = CG_ROOT "/cs-thr/t1";
	static const char *const t2 = CG_ROOT "/cs-thr/t2";
	char kpath[256];
	uint64_t id1, id2, got;
	int tids[3], ret;
	pid_t p;
	NEED_CGROUP2();

	cg_rmdir(t1);
	cg_rmdir(t2);
	cg_rmdir(d);
	ASSERT_EQ(0, mkdir(d, 0755));
	ASSERT_EQ(0, mkdir(t1, 0755));
	ASSERT_EQ(0, mkdir(t2, 0755));
	ret = cg_write_str(CG_ROOT "/cs-thr/t1/cgroup.type", "threaded");
	ASSERT_EQ(0, ret) {
		TH_LOG("cgroup.type threaded: %s", strerror(-ret));
	}
	ASSERT_EQ(0, cg_write_str(CG_ROOT "/cs-thr/t2/cgroup.type", "threaded"));
	id1 = cg_id(t1);
	id2 = cg_id(t2);

	p = spawn_parked(2, tids);
	ASSERT_LT(0, p);
	ASSERT_EQ(0, wait_sleeping(p, tids[1]));
	ASSERT_EQ(0, wait_sleeping(p, tids[2]));

	/* The whole process into t1: its row follows. */
	ASSERT_EQ(0, cg_write(CG_ROOT "/cs-thr/t1/cgroup.procs", p));
	thread_v2_path(p, tids[2], kpath, sizeof(kpath));
	ASSERT_STREQ("/cs-thr/t1", kpath);
	got = proc_cgroup(p);
	TH_LOG("process moved to t1 (%llu): row cgroup %llu",
	       (unsigned long long)id1, (unsigned long long)got);
	EXPECT_EQ(id1, got);

	/* One thread, not the leader, to t2: the process stays in t1. */
	ASSERT_EQ(0, cg_write(CG_ROOT "/cs-thr/t2/cgroup.threads", tids[1]));
	thread_v2_path(p, tids[1], kpath, sizeof(kpath));
	ASSERT_STREQ("/cs-thr/t2", kpath);
	got = proc_cgroup(p);
	TH_LOG("thread %d moved to t2 (%llu): row cgroup %llu, t1 %llu",
	       tids[1], (unsigned long long)id2, (unsigned long long)got,
	       (unsigned long long)id1);
	EXPECT_EQ(id1, got);
	EXPECT_EQ(1, cg_processes(id1));

	/* The leader alone to t2 is a thread move too. */
	ASSERT_EQ(0, cg_write(CG_ROOT "/cs-thr/t2/cgroup.threads", p));
	thread_v2_path(p, p, kpath, sizeof(kpath));
	ASSERT_STREQ("/cs-thr/t2", kpath);
	got = proc_cgroup(p);
	TH_LOG("leader %d moved alone to t2: row cgroup %llu, t1 %llu", p,
	       (unsigned long long)got, (unsigned long long)id1);
	EXPECT_EQ(id1, got);

	/* The whole process to t2: now the row moves. */
	ASSERT_EQ(0, cg_write(CG_ROOT "/cs-thr/t2/cgroup.procs", p));
	thread_v2_path(p, tids[2], kpath, sizeof(kpath));
	ASSERT_STREQ("/cs-thr/t2", kpath);
	got = proc_cgroup(p);
	TH_LOG("process moved to t2: row cgroup %llu, t2 %llu",
	       (unsigned long long)got, (unsigned long long)id2);
	EXPECT_EQ(id2, got);
	EXPECT_EQ(1, cg_processes(id2));
	EXPECT_GE(0, cg_processes(id1));

	reap(p);
	EXPECT_EQ(0, cg_rmdir(t1));
	EXPECT_EQ(0, cg_rmdir(t2));
	EXPECT_EQ(0, cg_rmdir(d));
}

/* ---- 3. A group removed before the load ------------------------------- */

TEST_F_TIMEOUT(cgroups, group_removed_before_load_goes_with_its_last_process, 120)
{
	static const char *const g = CG_ROOT "/cs-gone";
	int tids[1], i, status;
	long procs;
	uint64_t gid;
	pid_t z;
	char c = 0;
	NEED_CGROUP2();

	cg_rmdir(g);
	ASSERT_EQ(0, mkdir(g, 0755));
	gid = cg_id(g);
	z = spawn_parked(0, tids);
	ASSERT_LT(0, z);
	ASSERT_EQ(0, cg_write(CG_ROOT "/cs-gone/cgroup.procs", z));
	/* It exits and stays a zombie: we do not reap it yet. */
	ASSERT_EQ(1, write(park_fd[1], &c, 1));
	for (i = 0; i < 2000 && task_state(z, z) != 'Z'; i++)
		usleep(1000);
	ASSERT_EQ('Z', task_state(z, z));
	ASSERT_EQ(0, cg_rmdir(g)) {
		TH_LOG("rmdir with only a zombie left: %s", strerror(errno));
	}

	ASSERT_EQ(0, module_reload(""));
	TH_LOG("after the load, with the zombie: group %llu has %s row",
	       (unsigned long long)gid, cg_processes(gid) >= 0 ? "a" : "no");

	ASSERT_EQ(z, waitpid(z, &status, 0));
	close(park_fd[0]);
	close(park_fd[1]);
	/* Rows go at sched_process_free, a grace period after the reap. */
	for (i = 0; i < 30 && cg_processes(gid) >= 0; i++)
		usleep(100000);
	procs = cg_processes(gid);
	EXPECT_EQ(-1, procs) {
		TH_LOG("3 s after its last process was reaped, removed group %llu still has a row (processes %ld)",
		       (unsigned long long)gid, procs);
	}
}

/* ---- 4. A v1 group removed that has a v2 group's id ------------------- */

/*
 * Group ids (kernfs inode numbers) are unique only within a hierarchy:
 * a v1 group can have the id of a live v2 group. Its removal must leave
 * the v2 group's row alone. Both hierarchies hand out ids in increasing
 * order, a few per directory (one for it, one per file in it), a
 * different few in each: making a new v2 group and then v1 groups up to
 * its id lands exactly on it within a few tries.
 */
TEST_F_TIMEOUT(cgroups, v1_rmdir_leaves_the_v2_group_of_the_same_id, 120)
{
	static const char *const mnt = V1_MOUNT "2";
	char g[64] = "", prev[64] = "", d[64] = "", procs_file[96];
	uint64_t gid = 0, did = 0;
	int tids[1], tries, n = 0, ret, i;
	long procs;
	pid_t p;
	NEED_CGROUP2();

	p = spawn_parked(0, tids);
	ASSERT_LT(0, p);
	mkdir(mnt, 0755);
	ret = mount("cgroup", mnt, "cgroup", 0, "none,name=cstest2");
	ASSERT_EQ(0, ret) {
		TH_LOG("mount -t cgroup -o none,name=cstest2: %s", strerror(errno));
	}
	for (tries = 1; tries <= 50; tries++) {
		snprintf(g, sizeof(g), CG_ROOT "/cs-same%d", tries);
		cg_rmdir(g);
		ASSERT_EQ(0, mkdir(g, 0755));
		gid = cg_id(g);
		snprintf(procs_file, sizeof(procs_file), "%s/cgroup.procs", g);
		ASSERT_EQ(0, cg_write(procs_file, p));
		if (prev[0])
			ASSERT_EQ(0, cg_rmdir(prev));
		snprintf(prev, sizeof(prev), "%s", g);
		while (did < gid && n < 5000) {
			snprintf(d, sizeof(d), "%s/d%d", mnt, n++);
			ASSERT_EQ(0, mkdir(d, 0755));
			did = cg_id(d);
		}
		if (did == gid)
			break;
	}
	TH_LOG("v2 group %s and v1 group %s: id %llu, after %d tries",
	       g, d, (unsigned long long)gid, tries);
	ASSERT_EQ(gid, did);
	ASSERT_EQ(0, wait_sleeping(p, p));
	ASSERT_EQ(1, cg_processes(gid));

	/* The v1 group goes; the v2 group keeps its row, and then empties. */
	ASSERT_EQ(0, cg_rmdir(d));
	ASSERT_EQ(0, cg_write(CG_ROOT "/cgroup.procs", p));
	procs = cg_processes(gid);
	EXPECT_EQ(0, procs) {
		TH_LOG("v2 group %llu, live and empty after v1 group %llu was removed: processes %ld (-1: no row)",
		       (unsigned long long)gid, (unsigned long long)did, procs);
	}
	/* Its own removal is what takes its row away. */
	ASSERT_EQ(0, cg_rmdir(g));
	for (i = 0; i < 30 && cg_processes(gid) >= 0; i++)
		usleep(100000);
	EXPECT_EQ(-1, cg_processes(gid));

	reap(p);
	for (i = n - 1; i >= 0; i--) {
		snprintf(d, sizeof(d), "%s/d%d", mnt, i);
		rmdir(d);
	}
	EXPECT_EQ(0, umount2(mnt, MNT_DETACH));
}

TEST_HARNESS_MAIN
