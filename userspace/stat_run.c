// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope stat -- CMD: runs a command and reports what it did to the
 * scheduler (stat -a -- CMD: what the whole system did while it ran).
 *
 * The command runs in a cgroup of its own beneath the caller's (runcg.h),
 * whose row in /proc/ctxscope/cgroups has its exact totals, exited
 * children included; where no group can be made, its process tree is
 * followed instead (track.h). ctxscope is the subreaper of the command's
 * tree, so orphans come back to it to be reaped, and their rusage with
 * them.
 *
 * Time is exact: the clock starts when the child is released to exec and
 * stops when the command is reaped, which a pidfd (or SIGCHLD) reports at
 * once; the system-wide counters are read right then, before anything
 * else. SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to ctxscope go to the
 * command (a key at the terminal reaches the command by itself); the
 * report is still written and the group removed. The command starts with
 * the default action for them, as under perf stat, but for a SIGHUP that
 * was ignored (nohup).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runcg.h"
#include "stat.h"

/* How often the exit log is drained while a command runs. */
#define STAT_POLL_SECONDS 0.1
/* How long to wait for the last exit records after the reap. */
#define STAT_SETTLE_SECONDS 3.0

static const int stat_forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* The signals ctxscope handles while commands run. */
struct stat_sig {
	int fd;			/* signalfd of the blocked set */
	sigset_t old;		/* the mask on entry, restored for the child */
	int last;		/* the last signal forwarded */
};

static int stat_sig_setup(struct stat_sig *s)
{
	struct sigaction sa;
	sigset_t set;
	size_t i;

	memset(s, 0, sizeof(*s));
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (i = 0; i < sizeof(stat_forwarded) / sizeof(stat_forwarded[0]); i++) {
		int sig = stat_forwarded[i];

		/* SIGHUP ignored on entry (nohup) stays ignored, for CMD too. */
		if (sig == SIGHUP && sigaction(sig, NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_IGN)
			continue;
		/*
		 * The others are caught even if ignored on entry (a background
		 * job of a script), and CMD starts with their default action,
		 * as under perf stat. Blocked, they wait in the signalfd.
		 */
		signal(sig, SIG_DFL);
		sigaddset(&set, sig);
	}
	if (sigprocmask(SIG_BLOCK, &set, &s->old)) {
		cs_error("sigprocmask: %s", strerror(errno));
		return CS_EXIT_OSERR;
	}
	s->fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->fd < 0) {
		cs_error("signalfd: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &s->old, NULL);
		return CS_EXIT_OSERR;
	}
	return 0;
}

static void stat_sig_restore(struct stat_sig *s)
{
	close(s->fd);
	sigprocmask(SIG_SETMASK, &s->old, NULL);
}

/* Reads the signals that came; forwards the ending ones to child. */
static void stat_sig_forward(struct stat_sig *s, pid_t child)
{
	struct signalfd_siginfo si;

	while (read(s->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue;
		stat_stop = 1;
		s->last = (int)si.ssi_signo;
		/* A key at the terminal signals the command's group too. */
		if (si.ssi_code == SI_KERNEL && getpgid(child) == getpgrp())
			continue;
		kill(child, (int)si.ssi_signo);
	}
}

/* What the child tells the parent through its close-on-exec pipe. */
struct stat_msg {
	int kind;		/* STAT_MSG_* */
	int err;
};

enum { STAT_MSG_READY = 1, STAT_MSG_NO_CGROUP, STAT_MSG_EXEC };

static void stat_say(int fd, int kind, int err)
{
	struct stat_msg m = { kind, err };

	if (write(fd, &m, sizeof(m)) != sizeof(m))
		_exit(127);
}

/*
 * The child: into the run's group (if any), then, once the parent has
 * decided how to follow it and started the clock, exec.
 */
static void stat_child(char **argv, const struct cs_runcg *cg, int ready,
		       int go, const sigset_t *mask)
{
	char c;

	if (cg && cs_runcg_enter(cg))
		stat_say(ready, STAT_MSG_NO_CGROUP, errno);
	else
		stat_say(ready, STAT_MSG_READY, 0);
	if (read(go, &c, 1) != 1)
		_exit(127);	/* the parent is gone */
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvp(argv[0], argv);
	stat_say(ready, STAT_MSG_EXEC, errno);
	_exit(127);
}

static void add_rusage(struct rusage *sum, const struct rusage *ru)
{
	timeradd(&sum->ru_utime, &ru->ru_utime, &sum->ru_utime);
	timeradd(&sum->ru_stime, &ru->ru_stime, &sum->ru_stime);
	sum->ru_nvcsw += ru->ru_nvcsw;
	sum->ru_nivcsw += ru->ru_nivcsw;
}

/* Reaps the orphans that came back to ctxscope (the subreaper). */
static void stat_reap_others(struct stat_result *r)
{
	struct rusage ru;

	while (wait4(-1, NULL, WNOHANG, &ru) > 0)
		add_rusage(&r->ru, &ru);
}

static int stat_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;	/* SIGCHLD through the signalfd wakes the loop */
#endif
}

/* Waits for the command, forwarding signals; the end time at its reap. */
static double stat_wait(struct stat_result *r, struct stat_sig *sig,
			pid_t pid, int *poll_err)
{
	int pidfd = stat_pidfd(pid);
	double next = cs_monotonic() + STAT_POLL_SECONDS, end;
	struct pollfd pfd[2] = {
		{ .fd = sig->fd, .events = POLLIN },
		{ .fd = pidfd, .events = POLLIN },
	};
	struct rusage ru;
	int status;

	for (;;) {
		double now = cs_monotonic();
		int timeout = -1;

		if (r->scope)
			timeout = now >= next ? 0 : (int)((next - now) * 1000) + 1;
		poll(pfd, pidfd >= 0 ? 2 : 1, timeout);
		if (pfd[0].revents)
			stat_sig_forward(sig, pid);
		if (wait4(pid, &status, WNOHANG, &ru) == pid) {
			end = cs_monotonic();
			break;
		}
		if (r->scope && cs_monotonic() >= next) {
			/* Errors are reported once, after the command. */
			if (!*poll_err)
				*poll_err = cs_track_poll(&r->track);
			next = cs_monotonic() + STAT_POLL_SECONDS;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	r->status = status;
	r->ru = ru;
	r->ran = true;
	return end;
}

/*
 * Waits until the run's processes are all in the tables or gone with
 * their exit record (it comes when the kernel frees the task, shortly
 * after the reap), reaping orphans meanwhile.
 */
static void stat_settle(struct stat_result *r, const struct cs_runcg *cg)
{
	double end = cs_monotonic() + STAT_SETTLE_SECONDS;
	struct cs_sums sum;
	uint64_t live, exited;

	for (;;) {
		bool done;

		stat_reap_others(r);
		if (cs_track_poll(&r->track))
			return;
		done = cs_track_settled(&r->track);
		/* The group's row also counts processes never seen alive. */
		if (done && cg)
			done = !cs_track_cgroup_totals(&r->track, &sum, &live,
						       &exited) &&
			       live <= (uint64_t)cs_runcg_population(cg);
		if (done || cs_monotonic() > end)
			return;
		usleep(10000);
	}
}

/* Totals and counts of the run's processes. */
static void stat_totals(struct stat_result *r, const struct cs_runcg *cg)
{
	struct cs_sums seen;
	uint64_t live = 0, exited = 0;
	unsigned int threads;
	size_t nexited;

	cs_track_total(&r->track, &seen, &threads, &nexited);
	r->seen_switches = seen.switches;
	r->threads = threads;
	r->total = seen;
	r->nprocs = r->track.nprocs;
	r->nexited = nexited;
	r->nrunning = r->nprocs - nexited;
	/* The group's row is exact, records lost or not. */
	if (cg && !cs_track_cgroup_totals(&r->track, &r->total, &live,
					  &exited)) {
		r->nprocs = (size_t)(live + exited);
		r->nexited = (size_t)exited;
		r->nrunning = (size_t)live;
	}
}

static int stat_exec_error(char **argv, int err)
{
	if (err == ENOENT) {
		cs_error("%s: command not found", argv[0]);
		return CS_EXIT_NOT_FOUND;
	}
	cs_error("cannot run %s: %s", argv[0], strerror(err));
	return CS_EXIT_CANNOT_EXEC;
}

static int stat_once(const struct stat_opts *o, struct stat_result *r,
		     struct stat_sig *sig)
{
	struct cs_runcg cg;
	bool use_cg = false;
	int ready[2] = { -1, -1 }, go[2] = { -1, -1 }, ret, poll_err = 0;
	struct stat_msg msg = { 0, 0 };
	double start, end;
	pid_t pid;

	r->argv = o->argv;
	ret = cs_load_summary(&r->a);
	if (!ret && o->per_cpu)
		ret = cs_load_table("cpus", &r->cpus_a);
	if (ret)
		return ret;
	if (!o->all) {
		r->scope = "command";
		r->track.by = CS_TRACK_TREE;
		/* Root-only files by default: fail before running anything. */
		ret = cs_track_prime(&r->track);
		if (ret)
			return ret;
		use_cg = cs_runcg_create(&cg, r->why) == 0;
		r->method = use_cg ? "cgroup" : "process_tree";
	}
	if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) {
		cs_error("pipe: %s", strerror(errno));
		ret = CS_EXIT_OSERR;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		cs_error("fork: %s", strerror(errno));
		ret = CS_EXIT_OSERR;
		goto out;
	}
	if (pid == 0)
		stat_child(o->argv, use_cg ? &cg : NULL, ready[1], go[0],
			   &sig->old);
	close(ready[1]);
	close(go[0]);
	ready[1] = go[0] = -1;
	if (read(ready[0], &msg, sizeof(msg)) != sizeof(msg))
		msg.kind = 0;
	if (msg.kind == STAT_MSG_NO_CGROUP) {
		snprintf(r->why, sizeof(r->why), "cannot move the command into %s: %s",
			 cg.path, strerror(msg.err));
		cs_runcg_remove(&cg);
		use_cg = false;
		r->method = "process_tree";
	}
	if (use_cg) {
		r->track.by = CS_TRACK_CGROUPS;
		r->track.cgroups = malloc(sizeof(*r->track.cgroups));
		if (r->track.cgroups) {
			r->track.cgroups[0] = cg.id;
			r->track.ncgroups = 1;
		}
		snprintf(r->cgroup_path, sizeof(r->cgroup_path), "%s", cg.path);
		r->cgroup_id = cg.id;
	} else if (r->scope) {
		cs_track_add_pid(&r->track, pid);
	}
	start = cs_monotonic();
	if (write(go[1], "g", 1) != 1) {
		cs_error("cannot start %s: %s", o->argv[0], strerror(errno));
		kill(pid, SIGKILL);
	}
	close(go[1]);
	go[1] = -1;
	end = stat_wait(r, sig, pid, &poll_err);
	r->seconds = end - start;
	/* The system-wide end, before ctxscope does anything else. */
	ret = cs_load_summary(&r->b);
	if (!ret && o->per_cpu)
		ret = cs_load_table("cpus", &r->cpus_b);
	r->have_cpus = !ret && o->per_cpu;
	if (read(ready[0], &msg, sizeof(msg)) == sizeof(msg) &&
	    msg.kind == STAT_MSG_EXEC) {
		stat_reap_others(r);
		ret = stat_exec_error(o->argv, msg.err);
		goto out;
	}
	if (ret)
		goto out;
	stat_reap_others(r);
	if (r->scope) {
		stat_settle(r, use_cg ? &cg : NULL);
		if (poll_err) {
			ret = poll_err;
			goto out;
		}
		stat_totals(r, use_cg ? &cg : NULL);
	}
out:
	if (use_cg && cs_runcg_population(&cg) == 0)
		cs_runcg_remove(&cg);
	if (ready[0] >= 0)
		close(ready[0]);
	if (go[1] >= 0)
		close(go[1]);
	if (ready[1] >= 0)
		close(ready[1]);
	if (go[0] >= 0)
		close(go[0]);
	return ret;
}

int stat_command(const struct stat_opts *o)
{
	struct stat_result *runs = calloc((size_t)o->repeat, sizeof(*runs));
	struct cs_outfile out;
	struct stat_sig sig;
	long long n = 0, i;
	int ret;

	if (!runs) {
		cs_error("out of memory");
		return CS_EXIT_SOFTWARE;
	}
	/* A bad -O path loses nothing: it fails before the command runs. */
	ret = cs_outfile_open(&out, o->output_file, STDERR_FILENO);
	if (ret) {
		free(runs);
		return ret;
	}
	ret = stat_sig_setup(&sig);
	if (ret)
		goto out;
	/* Orphans of the command's tree come to us, to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (n = 0; n < o->repeat && !ret; n++) {
		ret = stat_once(o, &runs[n], &sig);
		if (ret) {
			stat_result_free(&runs[n]);
			break;
		}
		/* ^C ends the repeats; the runs done are reported. */
		if (stat_stop) {
			n++;
			break;
		}
	}
	stat_sig_restore(&sig);
	if (ret || n == 0)
		goto out;
	ret = stat_report(o, runs, (size_t)n, &out);
	if (!ret) {
		int status = runs[n - 1].status;

		ret = WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
					    WEXITSTATUS(status);
	}
out:
	/* After a commit there is nothing left to remove. */
	cs_outfile_abort(&out);
	for (i = 0; i < n; i++)
		stat_result_free(&runs[i]);
	free(runs);
	return ret;
}
