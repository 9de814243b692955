/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workloads with a known scheduler footprint, shared by the guest tests,
 * the demo and `ctxscope bench`.
 *
 * Each reports the participants' own switch counts as the kernel keeps
 * them (nvcsw/nivcsw via getrusage), so callers can compare ctxscope's
 * counters with the kernel's instead of with expectations.
 */
#ifndef CTXSCOPE_WORKLOAD_H
#define CTXSCOPE_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

enum cs_mode {
	CS_MODE_PROCESS,	/* two processes (fork) */
	CS_MODE_THREAD,		/* two threads of the calling process */
};

struct cs_run {
	uint64_t rounds;	/* completed round trips */
	double seconds;		/* CLOCK_MONOTONIC wall time of the run */
	uint64_t nvcsw;		/* participants' voluntary switches */
	uint64_t nivcsw;	/* participants' involuntary switches */
};

/*
 * Two tasks pass one byte back and forth over two pipes, rounds times
 * (2 * rounds messages). With cpu >= 0 both are pinned to that CPU, so
 * every message is a context switch between them. Between messages each
 * side reads touch_bytes of its own buffer (0: none), as lmbench's
 * lat_ctx does, to give the switch a working set to lose.
 * Returns 0, or -1 with errno set.
 */
int cs_pingpong(enum cs_mode mode, uint64_t rounds, int cpu,
		size_t touch_bytes, struct cs_run *run);

/*
 * n tasks of the given mode spin on the CPU for ms milliseconds; with
 * cpu >= 0 all share that CPU and preempt each other.
 */
int cs_spin(enum cs_mode mode, unsigned int n, int cpu, unsigned int ms,
	    struct cs_run *run);

/*
 * The ping-pong's work without its switches: one task writes to and reads
 * from its own pipe twice per round, touching touch_bytes each time.
 * The difference to cs_pingpong() is the cost of the switches.
 */
int cs_pipe_baseline(uint64_t rounds, int cpu, size_t touch_bytes,
		     struct cs_run *run);

/*
 * n tasks of the given mode in a ring of pipes pass a token around
 * `rounds` times: each blocks waiting for it, as I/O-bound tasks do.
 */
int cs_ring(enum cs_mode mode, unsigned int n, uint64_t rounds,
	    struct cs_run *run);

/* Creates and reaps n short-lived tasks of the given mode. */
int cs_churn(enum cs_mode mode, unsigned int n, struct cs_run *run);

/* Pins the calling thread to one CPU; -1 with errno on failure. */
int cs_pin_self(int cpu);

double cs_now(void);

#endif /* CTXSCOPE_WORKLOAD_H */
