/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cgroup v2 hierarchy as this process sees it: where it is mounted
 * (/sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid
 * one, anywhere else: found in /proc/self/mountinfo), which group the
 * caller is in (the "0::" line of /proc/self/cgroup), and the ids the
 * module shows for groups (the inode numbers of their directories).
 *
 * CTXSCOPE_MOUNTINFO names another mountinfo file (for tests: /dev/null
 * is a host without cgroup2).
 */
#ifndef CTXSCOPE_CGROUP2_H
#define CTXSCOPE_CGROUP2_H

#include <stddef.h>
#include <stdint.h>

#define CS_CGROUP_PATH_MAX 1024
#define CS_WHY_MAX (CS_CGROUP_PATH_MAX + 300)

struct cs_cgroup2 {
	char mount[CS_CGROUP_PATH_MAX];	/* mount point */
	char self[CS_CGROUP_PATH_MAX];	/* the caller's group, a directory */
};

/*
 * Finds the mount and the caller's group under it: 0, or -1 with why
 * ("no cgroup2 mount in /proc/self/mountinfo").
 */
int cs_cgroup2_find(struct cs_cgroup2 *cg, char *why);

/*
 * A group named by the user (-G): a cgroup2 directory, or a path below
 * the mount ("system.slice/nginx.service"). 0 and dir, or -1 with why.
 */
int cs_cgroup2_resolve(const char *arg, char *dir, char *why);

/*
 * The ids of dir and of every group below it, in a new array; 0, or -1
 * with errno.
 */
int cs_cgroup2_ids(const char *dir, uint64_t **ids, size_t *n);

/* Whether path is a directory of a cgroup2 file system. */
int cs_cgroup2_is_dir(const char *path);

#endif /* CTXSCOPE_CGROUP2_H */
