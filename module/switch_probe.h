/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTXSCOPE_SWITCH_PROBE_H
#define CTXSCOPE_SWITCH_PROBE_H

#include <linux/sched.h>
#include <linux/types.h>

struct ctxscope_task;
struct task_struct;

/* The sched_switch probe: counts every context switch (switch_probe.c). */
void ctxscope_probe_sched_switch(void *data, bool preempt,
				 struct task_struct *prev,
				 struct task_struct *next,
				 unsigned int prev_state);

/* Empties the row cache; before the probe is attached. */
void ctxscope_switch_probe_init(void);

/**
 * ctxscope_switch_probe_forget_rows() - empty every CPU's row cache
 *
 * After a reset has published its new epoch: every row's next switch-out
 * takes the slow path, which re-arms it. No IPI; any context.
 */
void ctxscope_switch_probe_forget_rows(void);

/**
 * ctxscope_switch_probe_forget_current() - current's next switch-out is slow
 *
 * When current has something to be credited at its switch-out that the
 * fast path does not look at (shootdown IPIs it sent). Preemption off.
 */
void ctxscope_switch_probe_forget_current(void);

/**
 * ctxscope_switch_probe_forget_row() - no row cache holds @row any more
 * @row: a row being removed, whose task has switched out for the last time
 *
 * Before the row is unhashed and, after a grace period, reused.
 */
void ctxscope_switch_probe_forget_row(const struct ctxscope_task *row);

/**
 * ctxscope_switch_probe_live() - whether the switch probe is attached
 *
 * A task row created while it is counts from the task's creation; one
 * created before, from the task's first switch-out (task_table.h).
 */
bool ctxscope_switch_probe_live(void);
void ctxscope_switch_probe_set_live(bool live);

/*
 * Whether __schedule() charged a switch to prev->nvcsw, decided from the
 * tracepoint's arguments: what it tests, !preempt && prev_state. Exact on
 * 6.1; on 6.12, a sleep aborted by a signal reaches the tracepoint as
 * TASK_RUNNING although nvcsw was charged (try_to_block_task()).
 */
static __always_inline unsigned int
ctxscope_voluntary_from_args(bool preempt, unsigned int prev_state)
{
	return !preempt && prev_state != TASK_RUNNING;
}

/**
 * ctxscope_voluntary_decide() - whether a switch-out was voluntary
 * @nvcsw: prev->nvcsw, which __schedule() has just incremented if so
 * @nvcsw_seen: prev->nvcsw at its previous switch-out
 * @synced: whether @nvcsw_seen is from its previous switch-out
 * @voluntary_args: ctxscope_voluntary_from_args() of this switch
 *
 * Exact on every kernel when @synced: each switch-out increments exactly
 * one of nvcsw and nivcsw, just before the tracepoint. In the probe and
 * the self-test.
 *
 * Return: 1 if the kernel charged the switch to nvcsw, else 0.
 */
static __always_inline unsigned int
ctxscope_voluntary_decide(unsigned long nvcsw, unsigned long nvcsw_seen,
			  bool synced, unsigned int voluntary_args)
{
	return synced ? nvcsw != nvcsw_seen : voluntary_args;
}

#endif /* CTXSCOPE_SWITCH_PROBE_H */
