// SPDX-License-Identifier: GPL-2.0
/*
 * Per-task and per-process rows: counts equal the kernel's own per-task
 * nvcsw/nivcsw, exited threads stay in their process, user and kernel
 * stack depths are measured, and the files are root-only and free of
 * addresses.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "workload.h"

FIXTURE(tasks) {};
FIXTURE_SETUP(tasks) {}
FIXTURE_TEARDOWN(tasks) {}

/* ---- 1. Exactness ----------------------------------------------------- */

#define NWORKERS 16

struct worker {
	pthread_t thread;
	_Atomic int tid;
	int cpu;
	int in, out;		/* ping-pong pipes; -1 for spinners */
	int first;		/* starts the ping-pong */
	int rounds;		/* round trips done */
};

static int park_pipe[2];
static atomic_int parked;

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char c = 0;

	w->tid = gettid_();
	cs_pin_self(w->cpu);
	if (w->in >= 0) {
		/* Blocking: 3,000 round trips with its partner. */
		for (w->rounds = 0; w->rounds < 3000; w->rounds++) {
			if (w->first && write(w->out, &c, 1) != 1)
				break;
			if (read(w->in, &c, 1) != 1)
				break;
			if (!w->first && write(w->out, &c, 1) != 1)
				break;
		}
	} else {
		/* Spinning: preempts and is preempted by its CPU's others. */
		double end = cs_now() + 0.4;

		while (cs_now() < end)
			;
	}
	parked++;
	if (read(park_pipe[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

TEST_F_TIMEOUT(tasks, thread_counts_equal_kernel_nvcsw_nivcsw, 300)
{
	struct worker w[NWORKERS];
	int ncpu = online_cpus(), pid = getpid(), i, pipes[8][2];
	struct cs_table t;
	char buf[NWORKERS];

	ASSERT_EQ(0, pipe(park_pipe));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pipe(pipes[i]));
	for (i = 0; i < NWORKERS; i++) {
		w[i].tid = 0;
		w[i].rounds = 0;
		w[i].cpu = (i / 2) % ncpu;
		if (i < 8) {
			/* Pairs 2k, 2k + 1: k's pipes, one each way. */
			int pair = i / 2;

			w[i].first = !(i % 2);
			w[i].out = pipes[2 * pair + !w[i].first][1];
			w[i].in = pipes[2 * pair + w[i].first][0];
		} else {
			w[i].in = w[i].out = -1;
		}
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, worker_main,
					    &w[i]));
	}
	while (parked < NWORKERS)
		usleep(10000);
	for (i = 0; i < NWORKERS; i++)
		ASSERT_EQ(0, wait_sleeping(pid, w[i].tid));

	table_read("tasks", &t);
	for (i = 0; i < NWORKERS; i++) {
		long row = table_find(&t, "pid", (uint64_t)w[i].tid);
		long long kvol = task_status(pid, w[i].tid,
					     "voluntary_ctxt_switches");
		long long kinv = task_status(pid, w[i].tid,
					     "nonvoluntary_ctxt_switches");

		ASSERT_LE(0, row);
		/* The ping-pong really ran: no pass on work not done. */
		if (i < 8)
			EXPECT_EQ(3000, w[i].rounds);
		TH_LOG("%s thread %d: voluntary %llu (kernel %lld), involuntary %llu (kernel %lld), migrations %llu",
		       i < 8 ? "blocking" : "spinning", w[i].tid,
		       (unsigned long long)table_get(&t, row, "voluntary"), kvol,
		       (unsigned long long)table_get(&t, row, "involuntary"),
		       kinv,
		       (unsigned long long)table_get(&t, row, "migrations"));
		EXPECT_EQ((uint64_t)kvol, table_get(&t, row, "voluntary"));
		EXPECT_EQ((uint64_t)kinv, table_get(&t, row, "involuntary"));
		EXPECT_EQ((uint64_t)pid, table_get(&t, row, "tgid"));
	}
	cs_table_free(&t);

	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(NWORKERS, write(park_pipe[1], buf, NWORKERS));
	for (i = 0; i < NWORKERS; i++)
		pthread_join(w[i].thread, NULL);
}

/* ---- 2. Aggregation --------------------------------------------------- */

static atomic_int pingpongs_failed;

static void *pingpong_thread_pair(void *arg)
{
	(void)arg;
	if (cs_pingpong(CS_MODE_THREAD, 1000, -1, 0, NULL))
		pingpongs_failed++;
	return NULL;
}

/* Rows of tgid in tasks. */
static size_t rows_of(int tgid)
{
	struct cs_table t;
	size_t n = 0, row;
	int col;

	table_read("tasks", &t);
	col = cs_table_col(&t, "tgid");
	for (row = 0; row < t.nrows; row++)
		n += cs_table_num(&t, row, col) == (uint64_t)tgid;
	cs_table_free(&t);
	return n;
}

TEST_F_TIMEOUT(tasks, exited_threads_stay_in_their_process, 300)
{
	int report[2], park[2], status;
	struct rusage ru;
	uint64_t vol, inv, extra_vol, extra_inv;
	struct cs_table t;
	long row;
	pid_t child;
	char c = 0;
	int i;

	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, pipe(park));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		pthread_t th[4];

		/* 4 threads, each running a thread ping-pong: 12 exit. */
		for (i = 0; i < 4; i++)
			if (pthread_create(&th[i], NULL, pingpong_thread_pair,
					   NULL))
				_exit(2);
		for (i = 0; i < 4; i++)
			pthread_join(th[i], NULL);
		getrusage(RUSAGE_SELF, &ru);
		if (write(report[1], &ru, sizeof(ru)) != sizeof(ru))
			_exit(1);
		if (read(park[0], &c, 1) != 1)
			_exit(1);
		_exit(pingpongs_failed ? 3 : 0);
	}
	ASSERT_EQ(sizeof(ru), read(report[0], &ru, sizeof(ru)));
	ASSERT_EQ(0, wait_sleeping(child, child));
	/* Exited threads leave tasks at sched_process_free, after a grace period. */
	for (i = 0; i < 500 && rows_of(child) > 1; i++)
		usleep(10000);
	ASSERT_EQ(1U, rows_of(child));

	table_read("processes", &t);
	row = table_find(&t, "tgid", (uint64_t)child);
	ASSERT_LE(0, row);
	vol = table_get(&t, row, "voluntary");
	inv = table_get(&t, row, "involuntary");
	/*
	 * getrusage() counts exited threads as they were in release_task(),
	 * before their final switch-out (voluntary, TASK_DEAD); the child's
	 * main thread then blocked once more reading park.
	 */
	extra_vol = vol - (uint64_t)ru.ru_nvcsw;
	extra_inv = inv - (uint64_t)ru.ru_nivcsw;
	TH_LOG("process of 12 exited threads: voluntary %llu (getrusage %ld), involuntary %llu (getrusage %ld), threads %llu",
	       (unsigned long long)vol, ru.ru_nvcsw, (unsigned long long)inv,
	       ru.ru_nivcsw, (unsigned long long)table_get(&t, row, "threads"));
	EXPECT_EQ(1U, table_get(&t, row, "threads"));
	EXPECT_LE(12U + 1U, extra_vol);
	EXPECT_GE(12U + 1U + 12U, extra_vol);
	EXPECT_GE(12U + 2U, extra_inv);
	/* 4 ping-pongs of 1,000 round trips: 2 switches each. */
	EXPECT_LE(4U * 1000U * 2U, vol + inv);
	cs_table_free(&t);

	ASSERT_EQ(1, write(park[1], &c, 1));
	waitpid(child, &status, 0);
	EXPECT_EQ(0, status);
}

/* ---- 3. User stack ---------------------------------------------------- */

/* The end of the mapping that holds addr, from /proc/self/maps. */
static uintptr_t mapping_end(uintptr_t addr)
{
	unsigned long lo, hi;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	uintptr_t end = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= addr &&
		    addr < hi)
			end = hi;
	if (f)
		fclose(f);
	return end;
}

struct deep_arg {
	size_t depth;		/* bytes below the mapping end to reach */
	uintptr_t top;
	int ready, release;	/* pipes */
};

/* Recurses, touching each frame, until sp is depth below the top; blocks. */
static __attribute__((noinline)) int recurse(struct deep_arg *a)
{
	volatile char frame[2048];
	char c = 1;

	frame[0] = 1;
	frame[sizeof(frame) - 1] = 1;
	if (a->top - (uintptr_t)frame < a->depth)
		return recurse(a) + frame[0];
	if (write(a->ready, &c, 1) != 1 || read(a->release, &c, 1) != 1)
		return -1;
	return frame[0];
}

static void *deep_thread(void *arg)
{
	struct deep_arg *a = arg;
	char here;

	a->top = mapping_end((uintptr_t)&here);
	recurse(a);
	return NULL;
}

static uint64_t ustack_of(int tid)
{
	struct cs_table t;
	uint64_t v = 0;
	long row;

	table_read("tasks", &t);
	row = table_find(&t, "pid", (uint64_t)tid);
	if (row >= 0)
		v = table_get(&t, row, "ustack_max");
	cs_table_free(&t);
	return v;
}

TEST_F_TIMEOUT(tasks, main_thread_blocked_256k_deep_reports_ustack, 120)
{
	struct deep_arg a = { .depth = 256 << 10 };
	long long proc_v, vmstk, proc_vmstk, rec_v = -1, rec_vmstk;
	int ready[2], release[2], i;
	uint64_t v;
	pid_t child;
	char c = 0;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(release));
	a.ready = ready[1];
	a.release = release[0];
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		deep_thread(&a);
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, wait_sleeping(child, child));
	v = ustack_of(child);
	proc_v = table_get_by("processes", "tgid", (uint64_t)child, "ustack_max");
	proc_vmstk = table_get_by("processes", "tgid", (uint64_t)child,
				  "vm_stack_kb");
	vmstk = task_status(child, child, "VmStk");
	TH_LOG("main thread blocked 256 KiB deep: ustack_max %llu bytes (%.1f KiB); its process %lld; vm_stack_kb %lld (VmStk %lld kB)",
	       (unsigned long long)v, v / 1024.0, proc_v, proc_vmstk, vmstk);
	EXPECT_LE(256U << 10, v);
	EXPECT_GE(288U << 10, v);
	/* Its process's row: the largest of its threads, this one alone. */
	EXPECT_EQ((long long)v, proc_v);
	EXPECT_EQ(vmstk, proc_vmstk);
	EXPECT_LE(256LL, vmstk);
	ASSERT_EQ(1, write(release[1], &c, 1));
	waitpid(child, NULL, 0);
	/* Its exit record keeps the last values. */
	for (i = 0; i < 250 && rec_v < 0; i++) {
		rec_v = table_get_by("exited", "tgid", (uint64_t)child,
				     "ustack_max");
		if (rec_v < 0)
			usleep(20000);
	}
	rec_vmstk = table_get_by("exited", "tgid", (uint64_t)child,
				 "vm_stack_kb");
	TH_LOG("exit record: ustack_max %lld, vm_stack_kb %lld", rec_v,
	       rec_vmstk);
	EXPECT_EQ((long long)v, rec_v);
	EXPECT_EQ(vmstk, rec_vmstk);
}

static atomic_int deep_tid;

static void *deep_pthread(void *arg)
{
	deep_tid = gettid_();
	return deep_thread(arg);
}

TEST_F_TIMEOUT(tasks, pthread_blocked_128k_deep_in_1m_stack_reports_ustack, 120)
{
	struct deep_arg a = { .depth = 128 << 10 };
	int ready[2], release[2];
	pthread_attr_t attr;
	pthread_t th;
	uint64_t v;
	char c = 0;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(release));
	a.ready = ready[1];
	a.release = release[0];
	ASSERT_EQ(0, pthread_attr_init(&attr));
	ASSERT_EQ(0, pthread_attr_setstacksize(&attr, 1 << 20));
	ASSERT_EQ(0, pthread_create(&th, &attr, deep_pthread, &a));
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, wait_sleeping(getpid(), deep_tid));
	v = ustack_of(deep_tid);
	TH_LOG("pthread (1 MiB stack) blocked 128 KiB deep: ustack_max %llu bytes (%.1f KiB)",
	       (unsigned long long)v, v / 1024.0);
	EXPECT_LE(128U << 10, v);
	EXPECT_GE(160U << 10, v);
	ASSERT_EQ(1, write(release[1], &c, 1));
	pthread_join(th, NULL);
}

/* ---- 4. Kernel stack -------------------------------------------------- */

/* Adds and removes an IPv4 address on lo through rtnetlink, 20 times:
 * the request is handled in the sender's context, several KiB deep. */
static void netlink_addresses(void)
{
	int k;

	for (k = 0; k < 20; k++) {
		struct {
			struct nlmsghdr h;
			struct ifaddrmsg a;
			struct rtattr r;
			unsigned int ip;
		} m;
		char reply[4096];
		int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);

		memset(&m, 0, sizeof(m));
		m.h.nlmsg_len = sizeof(m);
		m.h.nlmsg_type = k % 2 ? RTM_DELADDR : RTM_NEWADDR;
		m.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK;
		m.a.ifa_family = AF_INET;
		m.a.ifa_prefixlen = 24;
		m.a.ifa_index = if_nametoindex("lo");
		m.r.rta_len = 8;
		m.r.rta_type = IFA_LOCAL;
		m.ip = htonl(0x0a000001 + k / 2);
		if (send(s, &m, sizeof(m), 0) < 0 ||
		    recv(s, reply, sizeof(reply), 0) < 0)
			_exit(2);
		close(s);
	}
}

static uint64_t kstack_of(int tid)
{
	struct cs_table t;
	uint64_t v = 0;
	long row;

	table_read("tasks", &t);
	row = table_find(&t, "pid", (uint64_t)tid);
	if (row >= 0)
		v = table_get(&t, row, "kstack_max");
	cs_table_free(&t);
	return v;
}

TEST_F_TIMEOUT(tasks, kstack_in_range_and_deep_path_exceeds_nanosleep, 120)
{
	uint64_t size = summary_key("kstack_size"), deep, shallow;
	struct timespec forever = { 1000, 0 };
	struct cs_table t;
	pid_t a, b;
	size_t row;

	table_read("tasks", &t);
	for (row = 0; row < t.nrows; row++) {
		uint64_t k = table_get(&t, (long)row, "kstack_max");
		int pid = (int)table_get(&t, (long)row, "pid");

		/*
		 * A task created after this read's refresh (the console
		 * keepalive's sleep, every 10 s) shows 0 until the next
		 * read: what the next read shows of it counts, if it is
		 * still there then.
		 */
		if (!k) {
			k = kstack_of(pid);
			if (!k && task_status(pid, pid, "Pid") < 0)
				continue;
		}
		EXPECT_LT(0U, k) {
			TH_LOG("pid %d has no kstack_max", pid);
		}
		EXPECT_GT(size, k);
	}
	TH_LOG("%zu rows, all with 0 < kstack_max < %llu", t.nrows,
	       (unsigned long long)size);
	cs_table_free(&t);

	a = fork();
	ASSERT_LE(0, a);
	if (a == 0) {
		netlink_addresses();
		nanosleep(&forever, NULL);
		_exit(0);
	}
	b = fork();
	ASSERT_LE(0, b);
	if (b == 0) {
		nanosleep(&forever, NULL);
		_exit(0);
	}
	ASSERT_EQ(0, wait_sleeping(a, a));
	ASSERT_EQ(0, wait_sleeping(b, b));
	deep = kstack_of(a);
	shallow = kstack_of(b);
	TH_LOG("kstack_max: %llu bytes after rtnetlink address changes, %llu after only nanosleep",
	       (unsigned long long)deep, (unsigned long long)shallow);
	EXPECT_LT(shallow, deep);
	EXPECT_LT(0U, shallow);
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
}

/* ---- 7. Permissions and addresses ------------------------------------- */

static int open_errno_as_nobody(const char *file)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		char path[256];
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		snprintf(path, sizeof(path), CS_PROC_DIR "/%s", file);
		fd = open(path, O_RDONLY);
		_exit(fd >= 0 ? 0 : errno);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(tasks, tasks_and_processes_are_root_only)
{
	EXPECT_EQ(EACCES, open_errno_as_nobody("tasks"));
	EXPECT_EQ(EACCES, open_errno_as_nobody("processes"));
	EXPECT_EQ(0, open_errno_as_nobody("summary"));
	EXPECT_EQ(0, open_errno_as_nobody("cpus"));
}

/*
 * Nothing may look like a kernel or user address: no hex, and no number
 * near 2^40 (user mappings start above 2^40 on x86-64, kernel ones near
 * 2^64). since_ns, a timestamp, is the one exception.
 */
TEST_F(tasks, no_file_prints_an_address)
{
	static const char *const files[] = { "summary", "cpus", "tasks",
					     "processes" };
	size_t i, tokens = 0;

	for (i = 0; i < 4; i++) {
		char path[256], detail[CS_DETAIL_MAX], *buf, *tok, *save;
		const char *prev = "";
		size_t len;

		snprintf(path, sizeof(path), CS_PROC_DIR "/%s", files[i]);
		ASSERT_EQ(CS_OK, cs_read_file(path, &buf, &len, detail));
		for (tok = strtok_r(buf, " \n", &save); tok;
		     prev = tok, tok = strtok_r(NULL, " \n", &save)) {
			char *end;
			unsigned long long v = strtoull(tok, &end, 10);

			tokens++;
			EXPECT_EQ(NULL, strstr(tok, "0x"));
			if (*end || end == tok || !strcmp(prev, "since_ns"))
				continue;
			EXPECT_GT(1ULL << 40, v) {
				TH_LOG("%s: %s %s", files[i], prev, tok);
			}
		}
		free(buf);
	}
	TH_LOG("%zu tokens checked", tokens);
}

/*
 * The row of file whose column number col (from 0) is id, copied into
 * line; whether it has as many columns as the header.
 */
static int raw_row(const char *file, int col, long id, char *line,
		   size_t size)
{
	char path[256], detail[CS_DETAIL_MAX], *buf, *save, *l;
	int header_cols = -1, found = 0;
	size_t len;

	snprintf(path, sizeof(path), CS_PROC_DIR "/%s", file);
	if (cs_read_file(path, &buf, &len, detail) != CS_OK)
		return 0;
	for (l = strtok_r(buf, "\n", &save); l && !found;
	     l = strtok_r(NULL, "\n", &save)) {
		char copy[1024], *tok, *tsave;
		int n = 0, match = 0;

		snprintf(copy, sizeof(copy), "%s", l);
		for (tok = strtok_r(copy, " ", &tsave); tok;
		     tok = strtok_r(NULL, " ", &tsave), n++)
			match |= n == col && strtol(tok, NULL, 10) == id;
		if (header_cols < 0) {
			header_cols = n;
		} else if (match) {
			snprintf(line, size, "%s", l);
			found = n == header_cols ? 1 : -1;
		}
	}
	free(buf);
	return found;
}

/* What seq_escape(m, name, " \t\n\\") prints: the ABI of comm columns. */
#define ODD_NAME	"a b\\c\td\ne"
#define ODD_NAME_SHOWN	"a\\040b\\134c\\011d\\012e"

TEST_F_TIMEOUT(tasks, names_that_would_break_a_row_are_escaped, 120)
{
	char line[1024] = "", c;
	int go[2], i, found = 0;
	pid_t child;

	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		prctl(PR_SET_NAME, ODD_NAME);
		close(go[1]);
		read(go[0], &c, 1);	/* until the parent has looked */
		_exit(0);
	}
	close(go[0]);
	/* The new name reaches the rows through task_rename. */
	for (i = 0; i < 100; i++) {
		found = raw_row("tasks", 0, child, line, sizeof(line));
		if (found && strstr(line, ODD_NAME_SHOWN))
			break;
		usleep(20000);
	}
	EXPECT_EQ(1, found);
	EXPECT_NE(NULL, strstr(line, " " ODD_NAME_SHOWN)) {
		TH_LOG("tasks: %s", line);
	}
	found = raw_row("processes", 0, child, line, sizeof(line));
	EXPECT_EQ(1, found);
	EXPECT_NE(NULL, strstr(line, " " ODD_NAME_SHOWN)) {
		TH_LOG("processes: %s", line);
	}

	close(go[1]);
	waitpid(child, NULL, 0);
	/* Its record is written when its row goes, after a grace period. */
	for (i = 0; i < 250; i++) {
		found = raw_row("exited", 2, child, line, sizeof(line));
		if (found)
			break;
		usleep(20000);
	}
	EXPECT_EQ(1, found);
	EXPECT_NE(NULL, strstr(line, " " ODD_NAME_SHOWN)) {
		TH_LOG("exited: %s", line);
	}
}

TEST_HARNESS_MAIN
