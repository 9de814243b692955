// SPDX-License-Identifier: GPL-2.0
/*
 * Voluntary and involuntary switches, checked against the kernel's own
 * nvcsw/nivcsw of the tasks that made them. Wakeup preemption makes part
 * of a blocking ping-pong's switches involuntary, more so under EEVDF, so
 * the oracle is the kernel, not intuition. The window also holds other
 * tasks' switches: the bound is 5% of the window plus 200, and the counts
 * can never be below the participants' own.
 */
#define _GNU_SOURCE

#include <stdlib.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "workload.h"

FIXTURE(volinv) {};
FIXTURE_SETUP(volinv) {}
FIXTURE_TEARDOWN(volinv) {}

static void check_against_kernel(struct __test_metadata *_metadata,
				 const char *what, const struct summary *a,
				 const struct summary *b,
				 const struct cs_run *run)
{
	uint64_t window = b->switches - a->switches;
	uint64_t dvol = b->voluntary - a->voluntary;
	uint64_t dinv = b->involuntary - a->involuntary;
	long long bound = (long long)(window / 20) + 200;

	TH_LOG("%s: window %llu switches; voluntary +%llu vs tasks' nvcsw %llu; involuntary +%llu vs tasks' nivcsw %llu (bound %lld)",
	       what, (unsigned long long)window, (unsigned long long)dvol,
	       (unsigned long long)run->nvcsw, (unsigned long long)dinv,
	       (unsigned long long)run->nivcsw, bound);
	ASSERT_GE(dvol, run->nvcsw);
	ASSERT_GE(dinv, run->nivcsw);
	ASSERT_LE(llabs((long long)dvol - (long long)run->nvcsw), bound);
	ASSERT_LE(llabs((long long)dinv - (long long)run->nivcsw), bound);
}

static void pingpong_case(struct __test_metadata *_metadata,
			  enum cs_mode mode, const char *what)
{
	struct summary a, b;
	struct cs_run run;

	summary_read(&a);
	ASSERT_EQ(0, cs_pingpong(mode, 10000, online_cpus() - 1, 0, &run));
	summary_read(&b);
	check_against_kernel(_metadata, what, &a, &b, &run);
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
	struct summary a, b;
	struct cs_run run;

	summary_read(&a);
	ASSERT_EQ(0, cs_spin(CS_MODE_PROCESS, 2, online_cpus() - 1, 2000,
			     &run));
	summary_read(&b);
	check_against_kernel(_metadata, "two pinned spinners", &a, &b, &run);
	/* Preempted at every slice; they never block. */
	ASSERT_GE(run.nivcsw, 20ULL);
	ASSERT_LE(run.nvcsw, 10ULL);
}

TEST_HARNESS_MAIN
