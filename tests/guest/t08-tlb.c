// SPDX-License-Identifier: GPL-2.0
/*
 * TLB telemetry: the tlb_* counters equal the tlb:tlb_flush events an
 * ftrace histogram counts on the same boot; a process ping-pong flushes on
 * (almost) every switch under TCG (no PCID) and a thread ping-pong does
 * not; shootdown IPIs are attributed to the process whose threads sent
 * them; the in-module self-test covers the PCID branch TCG cannot run.
 * Runs unchanged with pti=on and nopti.
 */
#define _GNU_SOURCE

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "workload.h"

#define TRIGGER "/sys/kernel/tracing/events/tlb/tlb_flush/trigger"
#define HIST "/sys/kernel/tracing/events/tlb/tlb_flush/hist"
#define HIST_SPEC "hist:keys=common_cpu,reason,pages"
#define MAX_CPUS 8

FIXTURE(tlb) {};
FIXTURE_SETUP(tlb) {}
FIXTURE_TEARDOWN(tlb) {}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int cmdline_has(const char *word)
{
	char buf[4096] = "", *tok, *save;
	FILE *f = fopen("/proc/cmdline", "re");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, word))
			return 1;
	return 0;
}

TEST_F(tlb, pcid_and_pti_are_reported)
{
	int want_pti = cmdline_has("pti=on");

	ASSERT_EQ(1U, summary_key("tlb_available"));
	/* TCG does not emulate PCID, whatever -cpu asks for. */
	EXPECT_EQ(0U, summary_key("pcid"));
	/* TCG's CPU is not affected by Meltdown: PTI only when forced. */
	EXPECT_EQ((uint64_t)want_pti, summary_key("pti"));
	TH_LOG("pcid %llu pti %llu (kernel command line %s)",
	       (unsigned long long)summary_key("pcid"),
	       (unsigned long long)summary_key("pti"),
	       want_pti ? "has pti=on" : cmdline_has("nopti") ? "has nopti" :
	       "leaves pti to the kernel");
}

TEST_F(tlb, in_module_selftest_covers_pcid_and_unpaired_events)
{
	int passed = -1, checks = 0, failures = 0;
	char line[512];
	FILE *f;

	ASSERT_EQ(0, module_reload("selftest=1"));
	f = popen("dmesg", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "ctxscope: selftest: ");

		if (!p)
			continue;
		TH_LOG("%s", p);
		failures += strstr(p, "FAIL") != NULL;
		sscanf(p, "ctxscope: selftest: %d of %d checks passed",
		       &passed, &checks);
	}
	pclose(f);
	EXPECT_EQ(0, failures);
	EXPECT_LT(10, checks);
	EXPECT_EQ(checks, passed);
}

/* ---- Shootdowns ------------------------------------------------------- */

#define ITERATIONS 2000

static atomic_int stop_spinning;

/* Keeps the process's mm loaded, not lazy, on another CPU. */
static void *spinner(void *arg)
{
	cs_pin_self(online_cpus() - 1);
	while (!stop_spinning)
		;
	return arg;
}

/*
 * In a new process (so that its processes row holds only this): n
 * iterations of mmap, touch, munmap on CPU 0, with a sibling thread
 * spinning on the last CPU if threaded.
 */
static pid_t shootdown_process(int threaded)
{
	pid_t pid = fork();
	pthread_t th;
	int i;

	if (pid)
		return pid;
	cs_pin_self(0);
	if (threaded && pthread_create(&th, NULL, spinner, NULL))
		_exit(1);
	usleep(100000);
	for (i = 0; i < ITERATIONS; i++) {
		char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		memset(p, 1, 4 * 4096);
		munmap(p, 4 * 4096);
	}
	if (threaded) {
		stop_spinning = 1;
		pthread_join(th, NULL);
	}
	/* Stay, so that the processes row is there to read. */
	pause();
	_exit(0);
}

/* tlb_ipi_sent and tlb_switch_flush of a process, when it rests. */
static void process_tlb(pid_t pid, uint64_t *ipis, uint64_t *flushes)
{
	struct cs_table t;
	long row;

	table_read("processes", &t);
	row = table_find(&t, "tgid", (uint64_t)pid);
	*ipis = row >= 0 ? table_get(&t, row, "tlb_ipi_sent") : 0;
	*flushes = row >= 0 ? table_get(&t, row, "tlb_switch_flush") : 0;
	cs_table_free(&t);
}

/*
 * Runs shootdown_process() and reads what it was charged with; -1 if it
 * did not reach its pause() (it failed, or never finished its loop).
 */
static int shootdown_ipis(int threaded, uint64_t *ipis, uint64_t *remote)
{
	uint64_t flushes, r0 = summary_key("tlb_shootdown_remote");
	int i, done = 0;
	pid_t pid;

	/*
	 * The process is born on CPU 0 and its main thread stays there;
	 * this one polls from CPU 0 too. Another CPU that ran the process
	 * once would stay in its mm_cpumask while lazy, and each munmap
	 * would then trace an IPI; one that runs this test would unload
	 * the spinner's mm now and then.
	 */
	cs_pin_self(0);
	pid = shootdown_process(threaded);
	if (pid < 0)
		return -1;

	/* Wait until it rests in pause(), done with its loop. */
	for (i = 0; i < 600 && !done; i++) {
		usleep(100000);
		done = task_asleep(pid, pid) &&
		       task_status(pid, pid, "Threads") == 1;
	}
	*remote = summary_key("tlb_shootdown_remote") - r0;
	process_tlb(pid, ipis, &flushes);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return done ? 0 : -1;
}

TEST_F_TIMEOUT(tlb, two_threads_munmap_sends_ipis_charged_to_the_process,
	       600)
{
	uint64_t remote, ipis;

	ASSERT_EQ(0, shootdown_ipis(1, &ipis, &remote));
	TH_LOG("%d mmap/touch/munmap iterations, sibling thread spinning on another CPU: %llu IPIs charged to the process, %llu remote shootdowns system-wide",
	       ITERATIONS, (unsigned long long)ipis,
	       (unsigned long long)remote);
	/*
	 * An IPI goes out only while the sibling runs the mm on its CPU:
	 * 95% of the iterations on an idle host, 83% seen with the host
	 * loaded (its vCPU then takes more ticks per guest instruction and
	 * the sibling is preempted more). The exact count is checked
	 * against ftrace in counters_equal_ftrace_histogram.
	 */
	EXPECT_LE(ITERATIONS * 2 / 3, ipis);
	/* Fewer: a CPU that went lazy meanwhile skips its flush. */
	EXPECT_LE(ITERATIONS / 2, remote);
}

TEST_F_TIMEOUT(tlb, single_thread_munmap_sends_almost_no_ipis, 600)
{
	uint64_t remote, ipis;

	ASSERT_EQ(0, shootdown_ipis(0, &ipis, &remote));
	TH_LOG("%d mmap/touch/munmap iterations, single-threaded: %llu IPIs charged to the process",
	       ITERATIONS, (unsigned long long)ipis);
	EXPECT_GE(ITERATIONS / 100, ipis);
}

/* ---- Switch flushes --------------------------------------------------- */

TEST_F_TIMEOUT(tlb, process_pingpong_flushes_thread_pingpong_does_not, 600)
{
	struct summary a, b;
	uint64_t f0, f1, t0, t1;
	int cpu = online_cpus() - 1;

	f0 = summary_key("tlb_switch_flush");
	summary_read(&a);
	ASSERT_EQ(0, cs_pingpong(CS_MODE_PROCESS, 5000, cpu, 0, NULL));
	f1 = summary_key("tlb_switch_flush");
	summary_read(&b);
	TH_LOG("process ping-pong, 5,000 rounds: %llu mm switches, %llu scheduler TLB flushes",
	       (unsigned long long)(b.mm_switches - a.mm_switches),
	       (unsigned long long)(f1 - f0));
	/* Without PCID every mm switch flushes; a few come from others. */
	EXPECT_LE((b.mm_switches - a.mm_switches) * 95 / 100, f1 - f0);
	EXPECT_LE(10000U, f1 - f0);

	t0 = summary_key("tlb_switch_flush");
	summary_read(&a);
	ASSERT_EQ(0, cs_pingpong(CS_MODE_THREAD, 5000, cpu, 0, NULL));
	t1 = summary_key("tlb_switch_flush");
	summary_read(&b);
	TH_LOG("thread ping-pong, 5,000 rounds: %llu switches, %llu scheduler TLB flushes",
	       (unsigned long long)(b.switches - a.switches),
	       (unsigned long long)(t1 - t0));
	EXPECT_GE((b.switches - a.switches) / 100, t1 - t0);
}

/* Each process of a pinned ping-pong is charged with its own switch-ins. */
TEST_F_TIMEOUT(tlb, switch_flushes_are_charged_to_the_process_switched_into,
	       600)
{
	int to_a[2], to_b[2], i;
	uint64_t ipis, fa, fb;
	long long sa, sb;
	pid_t a, b;
	char c = 0;

	ASSERT_EQ(0, pipe(to_a));
	ASSERT_EQ(0, pipe(to_b));
	a = fork();
	if (a == 0) {
		cs_pin_self(0);
		for (i = 0; i < 2000; i++)
			if (write(to_b[1], &c, 1) != 1 || read(to_a[0], &c, 1) != 1)
				_exit(1);
		pause();
	}
	b = fork();
	if (b == 0) {
		cs_pin_self(0);
		for (i = 0; i < 2000; i++)
			if (read(to_b[0], &c, 1) != 1 || write(to_a[1], &c, 1) != 1)
				_exit(1);
		pause();
	}
	for (i = 0; i < 600; i++) {
		usleep(100000);
		if (task_asleep(a, a) && task_asleep(b, b) &&
		    task_status(a, a, "voluntary_ctxt_switches") +
		    task_status(a, a, "nonvoluntary_ctxt_switches") >= 2000)
			break;
	}
	usleep(200000);
	process_tlb(a, &ipis, &fa);
	process_tlb(b, &ipis, &fb);
	/*
	 * A process is switched in once per switch-out (plus its first run):
	 * its own nvcsw + nivcsw bound its switch-in flushes. PREEMPT_RT's
	 * sleeping locks add switches between A and B beyond the 2,000
	 * messages, so the kernel's count is the bound, not 2,000.
	 */
	sa = task_status(a, a, "voluntary_ctxt_switches") +
	     task_status(a, a, "nonvoluntary_ctxt_switches");
	sb = task_status(b, b, "voluntary_ctxt_switches") +
	     task_status(b, b, "nonvoluntary_ctxt_switches");
	TH_LOG("2,000 round trips on one CPU: %llu flushes switching into A (%lld switches), %llu into B (%lld switches)",
	       (unsigned long long)fa, sa, (unsigned long long)fb, sb);
	EXPECT_LE(1900U, fa);
	EXPECT_LE(1900U, fb);
	EXPECT_GE(sa + 1, (long long)fa);
	EXPECT_GE(sb + 1, (long long)fb);
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
}

/* ---- Exactness against ftrace ----------------------------------------- */

/* Events per CPU and reason: [0] task switch flush, [1] task switch no
 * flush, [2] remote shootdown, [3] local, [4] local mm, [5] IPI sent. */
static int read_hist(uint64_t ev[MAX_CPUS][6])
{
	char line[512];
	FILE *f = fopen(HIST, "re");

	if (!f)
		return -1;
	memset(ev, 0, MAX_CPUS * 6 * sizeof(**ev));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long pages, hits;
		int reason, cpu;

		if (sscanf(line, "{ common_cpu: %d, reason: %d, pages: %llu } hitcount: %llu",
			   &cpu, &reason, &pages, &hits) != 4 ||
		    cpu < 0 || cpu >= MAX_CPUS)
			continue;
		if (reason == 0)
			ev[cpu][pages ? 0 : 1] += hits;
		else if (reason >= 1 && reason <= 4)
			ev[cpu][reason + 1] += hits;
	}
	fclose(f);
	return 0;
}

/* The same sums of the cpus rows: [cpu][0..5] as read_hist() has them. */
static void cpus_tlb(uint64_t ours[MAX_CPUS][6],
		     const char *const keys[][2])
{
	struct cs_table t;
	size_t row;
	int i;

	memset(ours, 0, MAX_CPUS * 6 * sizeof(**ours));
	table_read("cpus", &t);
	for (row = 0; row < t.nrows; row++) {
		uint64_t cpu = table_get(&t, (long)row, "cpu");

		if (cpu >= MAX_CPUS)
			continue;
		for (i = 0; i < 6; i++)
			ours[cpu][i] = table_get(&t, (long)row, keys[i][0]) +
				       (keys[i][1] ? table_get(&t, (long)row,
							       keys[i][1]) : 0);
	}
	cs_table_free(&t);
}

/* 0 if every part of it ran to the end. */
static int mixed_tlb_workload(void)
{
	uint64_t remote, ipis;
	int status, ret;
	pid_t pid = fork();

	if (pid == 0)
		_exit(cs_pingpong(CS_MODE_PROCESS, 3000, 0, 0, NULL) ||
		      cs_pingpong(CS_MODE_THREAD, 3000, 0, 0, NULL) ||
		      cs_churn(CS_MODE_PROCESS, 200, NULL));
	if (pid < 0)
		return -1;
	ret = shootdown_ipis(1, &ipis, &remote);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		ret = -1;
	/* exec: a task-switch flush outside the scheduler. */
	if (system("true"))
		ret = -1;
	return ret;
}

TEST_F_TIMEOUT(tlb, counters_equal_ftrace_histogram, 900)
{
	static const char *const keys[][2] = {
		{ "tlb_switch_flush", "tlb_other_switch_flush" },
		{ "tlb_switch_noflush", "tlb_other_switch_noflush" },
		{ "tlb_shootdown_remote", NULL },
		{ "tlb_shootdown_local", NULL },
		{ "tlb_shootdown_local_mm", NULL },
		{ "tlb_ipi_sent", NULL },
	};
	static const char *const what[] = {
		"task-switch flushes", "task-switch no-flushes",
		"remote shootdowns", "local shootdowns", "local mm shootdowns",
		"IPIs sent",
	};
	uint64_t ev[MAX_CPUS][6], mine[MAX_CPUS][6], tev[6] = { 0 };
	uint64_t ours[6], slack = 2 * online_cpus() + 8;
	int i, cpu;

	ASSERT_EQ(0, write_file(TRIGGER, HIST_SPEC));
	/* Start both counts at zero, as close together as possible. */
	ASSERT_EQ(0, write_file(TRIGGER, HIST_SPEC ":clear"));
	ASSERT_EQ(0, control_write("reset", 5));

	ASSERT_EQ(0, mixed_tlb_workload());

	for (i = 0; i < 6; i++)
		ours[i] = summary_key(keys[i][0]) +
			  (keys[i][1] ? summary_key(keys[i][1]) : 0);
	cpus_tlb(mine, keys);
	ASSERT_EQ(0, read_hist(ev));
	ASSERT_EQ(0, write_file(TRIGGER, "!" HIST_SPEC));

	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		for (i = 0; i < 6; i++)
			tev[i] += ev[cpu][i];
	for (i = 0; i < 6; i++) {
		long long diff = (long long)ours[i] - (long long)tev[i];

		TH_LOG("%s: ctxscope %llu, ftrace %llu (difference %lld, allowed %llu)",
		       what[i], (unsigned long long)ours[i],
		       (unsigned long long)tev[i], diff,
		       (unsigned long long)slack);
		EXPECT_GE((long long)slack, llabs(diff));
	}
	/* And each CPU's row against that CPU's events. */
	for (cpu = 0; cpu < online_cpus() && cpu < MAX_CPUS; cpu++)
		for (i = 0; i < 6; i++) {
			long long diff = (long long)mine[cpu][i] -
					 (long long)ev[cpu][i];

			EXPECT_GE((long long)slack, llabs(diff)) {
				TH_LOG("cpu %d, %s: ctxscope %llu, ftrace %llu",
				       cpu, what[i],
				       (unsigned long long)mine[cpu][i],
				       (unsigned long long)ev[cpu][i]);
			}
		}
	/* The workload made events of both kinds. */
	EXPECT_LT(1000U, tev[0]);
	EXPECT_LT(100U, tev[5]);
}

TEST_HARNESS_MAIN
