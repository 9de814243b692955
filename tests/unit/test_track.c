// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of cs_track_settled() (userspace/track.c): which processes
 * that are gone ctxscope stat still waits for an exit record of. A poll
 * reads the exit log, then the live rows, so a process that goes between
 * the two reads is in neither; its record is in the next poll's exit log.
 */
#define _GNU_SOURCE

#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "track.h"

/*
 * cs_track_settled() of a track of one process, tgid, whose row was seen
 * at poll live_poll, after poll 5.
 */
static bool settled(pid_t tgid, unsigned long live_poll, bool exited)
{
	struct cs_track_proc proc;
	struct cs_track t;

	memset(&t, 0, sizeof(t));
	memset(&proc, 0, sizeof(proc));
	proc.tgid = tgid;
	proc.live_poll = live_poll;
	proc.exited = exited;
	t.procs = &proc;
	t.nprocs = 1;
	t.polls = 5;
	return cs_track_settled(&t);
}

/*
 * settled() of a process that has exited and been reaped: 1 or 0, or -1
 * if no such process could be made (fork() failed).
 */
static int gone_settled(unsigned long live_poll, bool exited)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		return -1;
	return settled(pid, live_poll, exited);
}

TEST(a_process_whose_row_the_last_poll_saw_is_waited_for)
{
	EXPECT_EQ(0, gone_settled(5, false));
}

/* Its row was in the poll before; the last poll saw neither. */
TEST(a_process_gone_during_the_last_poll_is_waited_for)
{
	EXPECT_EQ(0, gone_settled(4, false));
}

/* Gone for a whole poll without a record: exit_log=0, none will come. */
TEST(a_process_without_a_record_a_poll_later_is_given_up)
{
	EXPECT_EQ(1, gone_settled(3, false));
}

TEST(a_process_with_its_record_is_settled)
{
	EXPECT_EQ(1, gone_settled(5, true));
}

TEST(a_live_process_is_not_waited_for)
{
	EXPECT_TRUE(settled(getpid(), 5, false));
}

TEST_HARNESS_MAIN
