// SPDX-License-Identifier: GPL-2.0
/*
 * Exactness of the totals: over a window of at least 100,000 switches of a
 * mixed workload, ctxscope's "switches" moves exactly as the kernel's own
 * total (ctxt in /proc/stat, the sum of rq->nr_switches), up to the
 * switches that slip between the two reads at each end of the window.
 */
#define _GNU_SOURCE

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "workload.h"

#define WINDOW_MIN	100000ULL

/*
 * One round of everything at once, each workload in its own child; how
 * many of the five did not run to the end (a failed fork counts).
 */
static int mixed_round(int ncpu)
{
	pid_t pids[5];
	int i, n = 0, failed = 0;

	for (i = 0; i < 5; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			failed++;
			continue;
		}
		if (pid > 0) {
			pids[n++] = pid;
			continue;
		}
		switch (i) {
		case 0:
			_exit(cs_pingpong(CS_MODE_PROCESS, 3000, 0, 0, NULL));
		case 1:
			_exit(cs_pingpong(CS_MODE_THREAD, 3000, ncpu - 1, 0,
					  NULL));
		case 2:
			_exit(cs_spin(CS_MODE_THREAD, 3, -1, 100, NULL));
		case 3:
			_exit(cs_churn(CS_MODE_PROCESS, 100, NULL));
		default:
			_exit(cs_churn(CS_MODE_THREAD, 100, NULL));
		}
	}
	while (n--) {
		int status;

		if (waitpid(pids[n], &status, 0) != pids[n] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	return failed;
}

FIXTURE(total) {};
FIXTURE_SETUP(total) {}
FIXTURE_TEARDOWN(total) {}

TEST_F_TIMEOUT(total, switches_equal_proc_stat_ctxt, 900)
{
	long long slack = 2LL * online_cpus() + 8, diff;
	struct summary a, b;
	uint64_t ctxt0, ctxt1, dsw, dctxt;
	int rounds = 0;

	ctxt0 = proc_stat_ctxt();
	summary_read(&a);
	do {
		ASSERT_EQ(0, mixed_round(online_cpus()));
		rounds++;
		summary_read(&b);
	} while (b.switches - a.switches < WINDOW_MIN && rounds < 100);
	ctxt1 = proc_stat_ctxt();
	summary_read(&b);

	dsw = b.switches - a.switches;
	dctxt = ctxt1 - ctxt0;
	diff = (long long)dsw - (long long)dctxt;
	TH_LOG("window of %d rounds: switches +%llu, ctxt +%llu, difference %lld (allowed %lld)",
	       rounds, (unsigned long long)dsw, (unsigned long long)dctxt,
	       diff, slack);
	TH_LOG("classes: process +%llu thread +%llu kernel +%llu idle +%llu; voluntary +%llu involuntary +%llu; mm_switches +%llu lazy +%llu",
	       (unsigned long long)(b.process - a.process),
	       (unsigned long long)(b.thread - a.thread),
	       (unsigned long long)(b.kernel - a.kernel),
	       (unsigned long long)(b.idle - a.idle),
	       (unsigned long long)(b.voluntary - a.voluntary),
	       (unsigned long long)(b.involuntary - a.involuntary),
	       (unsigned long long)(b.mm_switches - a.mm_switches),
	       (unsigned long long)(b.lazy_switches - a.lazy_switches));
	ASSERT_GE(dsw, WINDOW_MIN);
	ASSERT_LE(llabs(diff), slack);
}

TEST_HARNESS_MAIN
