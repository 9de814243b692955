// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup of a `ctxscope stat` run; see runcg.h.
 */
#define _GNU_SOURCE

#include "runcg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common.h"

#define CS_CGROUP2_MAGIC 0x63677270

int cs_runcg_create(struct cs_runcg *cg)
{
	struct statfs fs;
	struct stat st;
	int i;

	if (statfs(CS_CGROUP_ROOT, &fs) || fs.f_type != CS_CGROUP2_MAGIC) {
		cs_error("stat -- CMD needs the cgroup v2 hierarchy at %s: mount it with 'mount -t cgroup2 none %s'",
			 CS_CGROUP_ROOT, CS_CGROUP_ROOT);
		return CS_EXIT_OSERR;
	}
	for (i = 0; i < 100; i++) {
		snprintf(cg->path, sizeof(cg->path), CS_CGROUP_ROOT "/ctxscope-stat-%d-%d",
			 (int)getpid(), i);
		if (mkdir(cg->path, 0755) == 0)
			break;
		if (errno == EEXIST)
			continue;
		cs_error("cannot create cgroup %s: %s%s", cg->path,
			 strerror(errno),
			 errno == EACCES || errno == EPERM ? " (run as root)" : "");
		return errno == EACCES || errno == EPERM ? CS_EXIT_NOPERM :
							    CS_EXIT_OSERR;
	}
	if (i == 100 || stat(cg->path, &st)) {
		cs_error("cannot create a cgroup under %s", CS_CGROUP_ROOT);
		return CS_EXIT_OSERR;
	}
	/* A cgroup v2 directory's inode number is its id (kernfs). */
	cg->id = st.st_ino;
	return 0;
}

int cs_runcg_enter(const struct cs_runcg *cg)
{
	char path[300];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, "0\n", 2) == 2;
	close(fd);
	return ok ? 0 : -1;
}

int cs_runcg_population(const struct cs_runcg *cg)
{
	char path[300], line[64];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

int cs_runcg_remove(const struct cs_runcg *cg)
{
	return rmdir(cg->path);
}
