/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A cgroup v2 group per `ctxscope stat` run: the command and everything it
 * starts are in it, so the module's per-cgroup counts are exactly theirs,
 * short-lived children included.
 */
#ifndef CTXSCOPE_RUNCG_H
#define CTXSCOPE_RUNCG_H

#include <stdint.h>

#define CS_CGROUP_ROOT "/sys/fs/cgroup"

struct cs_runcg {
	char path[256];
	uint64_t id;		/* cgroup v2 id, as /proc/ctxscope shows it */
};

/* Creates the run's cgroup; 0, or an exit status after reporting why. */
int cs_runcg_create(struct cs_runcg *cg);
/* Moves the calling process into it; -1 with errno on failure. */
int cs_runcg_enter(const struct cs_runcg *cg);
/* Processes still in it (a command's leftover children). */
int cs_runcg_population(const struct cs_runcg *cg);
/* Removes it if empty; -1 with errno (EBUSY) if processes remain. */
int cs_runcg_remove(const struct cs_runcg *cg);

#endif /* CTXSCOPE_RUNCG_H */
