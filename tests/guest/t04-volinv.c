// SPDX-License-Identifier: GPL-2.0
/*
 * Voluntary and involuntary switches, checked against the kernel's own
 * nvcsw/nivcsw. Wakeup preemption makes part of a blocking ping-pong's
 * switches involuntary, more so under EEVDF, so the oracle is the kernel,
 * not intuition. The window also holds other tasks' switches (timer and
 * softirq threads, a lot of them on PREEMPT_RT), so the oracle is the
 * participants' own counts (getrusage of the exited children or threads)
 * plus the deltas of every other live thread's counts in /proc.
 *
 * Reading every thread's status takes a while, and switches keep
 * happening: each /proc snapshot is taken between two reads of ctxscope,
 * so the kernel's delta must lie between ctxscope's inner window (from
 * after the first snapshot to before the second) and its outer one. The
 * idle tasks' switch-outs, involuntary, are not in /proc; tasks other
 * than the participants that exit within the window take theirs with
 * them (the slack).
 */
#define _GNU_SOURCE

#include <stdlib.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "workload.h"

FIXTURE(volinv) {};
FIXTURE_SETUP(volinv) {}
FIXTURE_TEARDOWN(volinv) {}

struct window {
	struct summary open[2], close[2];	/* ctxscope, around ... */
	uint64_t nvcsw[2], nivcsw[2];		/* ... every live thread */
};

static void window_open(struct window *w)
{
	summary_read(&w->open[0]);
	all_tasks_csw(&w->nvcsw[0], &w->nivcsw[0]);
	summary_read(&w->open[1]);
}

static void window_close(struct window *w)
{
	summary_read(&w->close[0]);
	all_tasks_csw(&w->nvcsw[1], &w->nivcsw[1]);
	summary_read(&w->close[1]);
}

static void check_against_kernel(struct __test_metadata *_metadata,
				 const char *what, const struct window *w,
				 const struct cs_run *run)
{
	const struct summary *o0 = &w->open[0], *o1 = &w->open[1];
	const struct summary *c0 = &w->close[0], *c1 = &w->close[1];
	uint64_t window = c1->switches - o0->switches;
	long long vol_in = (long long)(c0->voluntary - o1->voluntary);
	long long vol_out = (long long)(c1->voluntary - o0->voluntary);
	long long inv_in = (long long)(c0->involuntary - o1->involuntary);
	long long inv_out = (long long)(c1->involuntary - o0->involuntary);
	long long idle = (long long)(c1->idle - o0->idle);
	long long kvol = (long long)(run->nvcsw + w->nvcsw[1] - w->nvcsw[0]);
	long long kinv = (long long)(run->nivcsw + w->nivcsw[1] - w->nivcsw[0]);
	long long slack = (long long)(window / 100) + 50;

	TH_LOG("%s: %llu switches (%lld to or from idle); voluntary +%lld..+%lld, kernel %lld (tasks' own %llu); involuntary +%lld..+%lld, kernel %lld (tasks' own %llu); slack %lld",
	       what, (unsigned long long)window, idle, vol_in, vol_out, kvol,
	       (unsigned long long)run->nvcsw, inv_in, inv_out, kinv,
	       (unsigned long long)run->nivcsw, slack);
	/* The participants' switches are all in the window. */
	ASSERT_GE(vol_in, (long long)run->nvcsw);
	ASSERT_GE(inv_in, (long long)run->nivcsw);
	/* All the kernel's voluntary switches, no more. */
	ASSERT_LE(kvol, vol_out + slack);
	ASSERT_GE(kvol, vol_in - slack);
	/* All its involuntary ones, plus the idle tasks' switch-outs. */
	ASSERT_LE(kinv, inv_out + slack);
	ASSERT_GE(kinv, inv_in - idle - slack);
}

static void pingpong_case(struct __test_metadata *_metadata,
			  enum cs_mode mode, const char *what)
{
	struct window w;
	struct cs_run run;

	window_open(&w);
	ASSERT_EQ(0, cs_pingpong(mode, 10000, online_cpus() - 1, 0, &run));
	window_close(&w);
	check_against_kernel(_metadata, what, &w, &run);
	/* Each round trip blocks at least one side. */
	ASSERT_GE(run.nvcsw, 10000ULL / 2);
}

TEST_F_TIMEOUT(volinv, process_pingpong_matches_nvcsw_nivcsw, 600)
{
	pingpong_case(_metadata, CS_MODE_PROCESS, "process ping-pong");
}

TEST_F_TIMEOUT(volinv, thread_pingpong_matches_nvcsw_nivcsw, 600)
{
	pingpong_case(_metadata, CS_MODE_THREAD, "thread ping-pong");
}

TEST_F_TIMEOUT(volinv, pinned_spinners_are_involuntary, 600)
{
	struct window w;
	struct cs_run run;

	window_open(&w);
	ASSERT_EQ(0, cs_spin(CS_MODE_PROCESS, 2, online_cpus() - 1, 2000,
			     &run));
	window_close(&w);
	check_against_kernel(_metadata, "two pinned spinners", &w, &run);
	/* Preempted at every slice; they never block. */
	ASSERT_GE(run.nivcsw, 20ULL);
	ASSERT_LE(run.nvcsw, 10ULL);
}

TEST_HARNESS_MAIN
