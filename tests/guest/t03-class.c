// SPDX-License-Identifier: GPL-2.0
/*
 * Process versus thread: a ping-pong between two processes pinned to one
 * CPU is counted as process switches, the same ping-pong between two
 * threads of one process as thread switches.
 */
#define _GNU_SOURCE

#include "kselftest_harness.h"
#include "guest.h"
#include "workload.h"

#define ROUNDS		20000	/* messages each way */
#define MIN_SWITCHES	39000ULL

FIXTURE(class) {};
FIXTURE_SETUP(class) {}
FIXTURE_TEARDOWN(class) {}

static void pingpong_delta(struct __test_metadata *_metadata,
			   enum cs_mode mode, uint64_t *dproc,
			   uint64_t *dthread)
{
	struct summary a, b;
	struct cs_run run;
	int cpu = online_cpus() - 1;

	summary_read(&a);
	ASSERT_EQ(0, cs_pingpong(mode, ROUNDS, cpu, 0, &run));
	summary_read(&b);
	*dproc = b.process - a.process;
	*dthread = b.thread - a.thread;
	TH_LOG("%s ping-pong, %d rounds on CPU %d: process +%llu, thread +%llu, kernel +%llu, idle +%llu (%.2f s)",
	       mode == CS_MODE_PROCESS ? "process" : "thread", ROUNDS, cpu,
	       (unsigned long long)*dproc, (unsigned long long)*dthread,
	       (unsigned long long)(b.kernel - a.kernel),
	       (unsigned long long)(b.idle - a.idle), run.seconds);
}

TEST_F_TIMEOUT(class, process_pingpong_is_process_class, 600)
{
	uint64_t dproc, dthread;

	pingpong_delta(_metadata, CS_MODE_PROCESS, &dproc, &dthread);
	ASSERT_GE(dproc, MIN_SWITCHES);
	ASSERT_LT(dthread * 100, dproc);
}

TEST_F_TIMEOUT(class, thread_pingpong_is_thread_class, 600)
{
	uint64_t dproc, dthread;

	pingpong_delta(_metadata, CS_MODE_THREAD, &dproc, &dthread);
	ASSERT_GE(dthread, MIN_SWITCHES);
	ASSERT_LT(dproc * 100, dthread);
}

TEST_HARNESS_MAIN
