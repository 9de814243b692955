/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-guest kselftest programs: snapshots of
 * /proc/ctxscope/summary and of the kernel's own counters to compare with.
 */
#ifndef CTXSCOPE_GUEST_H
#define CTXSCOPE_GUEST_H

#include <stdint.h>

#include "procfile.h"

/* The summary keys, in the order of docs/proc-interface.md. */
struct summary {
	uint64_t switches, process, thread, kernel, idle;
	uint64_t voluntary, involuntary, mm_switches, lazy_switches;
	uint64_t since_ns;
};

/* Reads /proc/ctxscope/summary; exits the test with a message on error. */
void summary_read(struct summary *s);

/* Sum of the rows of /proc/ctxscope/cpus, in the same shape. */
void cpus_read_sum(struct summary *s);

/* The kernel's total of context switches: "ctxt" in /proc/stat. */
uint64_t proc_stat_ctxt(void);

int online_cpus(void);

/* Writes buf to /proc/ctxscope/control; returns 0 or -errno. */
int control_write(const void *buf, size_t len);

#endif /* CTXSCOPE_GUEST_H */
