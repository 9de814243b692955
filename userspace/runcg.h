/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A cgroup v2 group per `ctxscope stat -- CMD` run: the command and
 * everything it starts are in it, so the module's per-cgroup counts are
 * exactly theirs, short-lived children included.
 *
 * Where: beneath the caller's own group (cgroup2.h), never at the root
 * of the hierarchy, so that the command stays in the caller's slice and
 * under its limits (a group's limits apply to every group below it).
 *
 * Why that is allowed although the caller's group holds processes (the
 * caller itself): cgroup v2's no-internal-process rule forbids processes
 * only in a group that distributes domain controllers to its children
 * (non-empty cgroup.subtree_control), and the root is exempt. A group
 * holding the caller therefore has none enabled (or is the root), so a
 * child created in it may take the command with no controller enabled in
 * it and without moving ctxscope out of its group. systemd-run moves its
 * caller into a leaf first because it enables controllers in the new
 * group; ctxscope needs none (the module counts per group id), so it
 * leaves the caller where it is and the parent's subtree_control as it is.
 *
 * Where it still cannot (mkdir fails with EACCES/EPERM: the group is not
 * delegated to the caller; EROFS: a read-only cgroupfs in a container;
 * moving the command fails with EBUSY or EOPNOTSUPP: a threaded group, or
 * one that distributes controllers), ctxscope stat falls back to
 * following the command's process tree, and says so in the report.
 */
#ifndef CTXSCOPE_RUNCG_H
#define CTXSCOPE_RUNCG_H

#include <stdint.h>

#include "cgroup2.h"

struct cs_runcg {
	char path[CS_CGROUP_PATH_MAX];
	uint64_t id;		/* cgroup v2 id, as /proc/ctxscope shows it */
};

/*
 * Creates the run's group beneath the caller's: 0, or -1 with why (the
 * caller then follows the process tree instead).
 */
int cs_runcg_create(struct cs_runcg *cg, char *why);
/* Moves the calling process into it; -1 with errno on failure. */
int cs_runcg_enter(const struct cs_runcg *cg);
/* Processes still in it (a command's leftover children). */
int cs_runcg_population(const struct cs_runcg *cg);
/* Removes it if empty; -1 with errno (EBUSY) if processes remain. */
int cs_runcg_remove(const struct cs_runcg *cg);

#endif /* CTXSCOPE_RUNCG_H */
