// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ctxscope/control: "reset" (with or without a newline) zeroes every
 * counter; every other write fails with EINVAL and changes nothing; only
 * CAP_SYS_ADMIN may write.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "workload.h"

FIXTURE(control) {};
FIXTURE_SETUP(control) {}
FIXTURE_TEARDOWN(control) {}

static uint64_t now_ns(void)
{
	return (uint64_t)(cs_now() * 1e9);
}

static void reset_case(struct __test_metadata *_metadata, const char *cmd)
{
	struct summary before, after;
	uint64_t ctxt0, ctxt1, t0;

	/* Make sure there is something to zero. */
	ASSERT_EQ(0, cs_pingpong(CS_MODE_THREAD, 2000, 0, 0, NULL));
	summary_read(&before);
	ASSERT_GE(before.switches, 4000ULL);

	t0 = now_ns();
	ctxt0 = proc_stat_ctxt();
	ASSERT_EQ(0, control_write(cmd, strlen(cmd)));
	summary_read(&after);
	ctxt1 = proc_stat_ctxt();

	TH_LOG("reset: switches %llu -> %llu, kernel switched %llu times meanwhile",
	       (unsigned long long)before.switches,
	       (unsigned long long)after.switches,
	       (unsigned long long)(ctxt1 - ctxt0));
	/* Only what happened after the write can be counted. */
	ASSERT_LE(after.switches, ctxt1 - ctxt0);
	ASSERT_LE(after.voluntary, after.switches);
	ASSERT_LE(after.mm_switches + after.lazy_switches, after.switches);
	ASSERT_GE(after.since_ns, t0);
	ASSERT_LE(after.since_ns, now_ns());
	ASSERT_GT(after.since_ns, before.since_ns);
}

TEST_F(control, reset_zeroes_counters)
{
	reset_case(_metadata, "reset");
}

TEST_F(control, reset_with_newline_zeroes_counters)
{
	reset_case(_metadata, "reset\n");
}

/* A write that must fail with EINVAL and leave every counter alone. */
static void refused(struct __test_metadata *_metadata, const void *buf,
		    size_t len, const char *what)
{
	struct summary before, after;

	summary_read(&before);
	EXPECT_EQ(-EINVAL, control_write(buf, len)) {
		TH_LOG("write of %s was not refused with EINVAL", what);
	}
	summary_read(&after);
	EXPECT_EQ(before.since_ns, after.since_ns) {
		TH_LOG("write of %s reset the counters", what);
	}
	EXPECT_GE(after.switches, before.switches);
	EXPECT_GE(after.voluntary, before.voluntary);
	EXPECT_GE(after.mm_switches, before.mm_switches);
}

TEST_F(control, invalid_writes_fail_with_einval_and_change_nothing)
{
	static const char *const bad[] = {
		"garbage", "RESET", "rese", "resets", " reset", "reset ",
		"reset\n\n", "\nreset", "reset\r\n", "reset\t", "0", "\n",
	};
	size_t i;

	refused(_metadata, "", 0, "an empty buffer");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(_metadata, bad[i], strlen(bad[i]), bad[i]);
	refused(_metadata, "reset\0", 6, "reset followed by NUL");
	refused(_metadata, "res\0et", 6, "an embedded NUL");
}

TEST_F(control, oversized_writes_fail_with_einval)
{
	static const size_t sizes[] = { 17, 64, 4096, 4097, 65536 };
	size_t i;
	char *buf = malloc(65536);

	ASSERT_NE(NULL, buf);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		/* "reset" padded with newlines: only the length is wrong. */
		memset(buf, '\n', sizes[i]);
		memcpy(buf, "reset", 5);
		refused(_metadata, buf, sizes[i], "an oversized buffer");
	}
	free(buf);
}

TEST_F(control, split_write_is_not_a_reset)
{
	struct summary before, after;
	int fd = open(CS_PROC_DIR "/control", O_WRONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	summary_read(&before);
	EXPECT_EQ(-1, write(fd, "res", 3));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(fd, "et", 2));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	summary_read(&after);
	EXPECT_EQ(before.since_ns, after.since_ns);
}

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int idx = CAP_TO_INDEX(CAP_SYS_ADMIN);

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[idx].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[idx].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[idx].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Runs fn in a child; returns what it returned (0..255) or -1. */
static int in_child(int (*fn)(int), int arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Child: exit status is the errno of the write (0 if it succeeded). */
static int write_without_cap(int inherited_fd)
{
	if (drop_cap_sys_admin())
		return 100;
	if (inherited_fd >= 0)
		return write(inherited_fd, "reset", 5) < 0 ? errno : 0;
	return -control_write("reset", 5);
}

static int open_as_nobody(int unused)
{
	int fd;

	(void)unused;
	if (setgid(65534) || setuid(65534))
		return 100;
	fd = open(CS_PROC_DIR "/control", O_WRONLY);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

TEST_F(control, writer_without_cap_sys_admin_is_refused)
{
	struct summary before, after;
	int fd;

	summary_read(&before);
	/* uid 0 without CAP_SYS_ADMIN: the write itself is refused. */
	ASSERT_EQ(EPERM, in_child(write_without_cap, -1));
	/* Nor can it use a descriptor that a privileged task opened. */
	fd = open(CS_PROC_DIR "/control", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(EPERM, in_child(write_without_cap, fd));
	close(fd);
	/* Mode 0200, owned by root: nobody cannot even open it. */
	ASSERT_EQ(EACCES, in_child(open_as_nobody, 0));
	summary_read(&after);
	ASSERT_EQ(before.since_ns, after.since_ns);
}

TEST_HARNESS_MAIN
