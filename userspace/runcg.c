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
#include <unistd.h>

/* The first line of a small cgroup file, or "" */
static void read_line(const char *dir, const char *file, char *buf, size_t len)
{
	char path[CS_CGROUP_PATH_MAX + 32];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

int cs_runcg_create(struct cs_runcg *cg, char *why)
{
	struct cs_cgroup2 h;
	char type[64];
	struct stat st;
	int i, err;

	memset(cg, 0, sizeof(*cg));
	if (cs_cgroup2_find(&h, why))
		return -1;
	/* Only threads move between threaded groups, not processes. */
	read_line(h.self, "cgroup.type", type, sizeof(type));
	if (!strcmp(type, "threaded")) {
		snprintf(why, CS_WHY_MAX, "the caller's group %s is threaded",
			 h.self);
		return -1;
	}
	for (i = 0; i < 100; i++) {
		int n = snprintf(cg->path, sizeof(cg->path),
				 "%s/ctxscope-stat-%d-%d",
				 strcmp(h.self, "/") ? h.self : "",
				 (int)getpid(), i);

		if (n < 0 || (size_t)n >= sizeof(cg->path)) {
			snprintf(why, CS_WHY_MAX, "cgroup path too long");
			return -1;
		}
		if (mkdir(cg->path, 0755) == 0)
			break;
		if (errno == EEXIST)
			continue;
		err = errno;
		snprintf(why, CS_WHY_MAX, "cannot create a group in %s: %s",
			 h.self, strerror(err));
		return -1;
	}
	if (i == 100 || stat(cg->path, &st)) {
		snprintf(why, CS_WHY_MAX, "cannot create a group in %s", h.self);
		return -1;
	}
	/* A cgroup v2 directory's inode number is its id (kernfs). */
	cg->id = st.st_ino;
	return 0;
}

int cs_runcg_enter(const struct cs_runcg *cg)
{
	char path[CS_CGROUP_PATH_MAX + 32];
	int fd, ok, err;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, "0\n", 2) == 2;
	err = errno;
	close(fd);
	errno = err;
	return ok ? 0 : -1;
}

int cs_runcg_population(const struct cs_runcg *cg)
{
	char path[CS_CGROUP_PATH_MAX + 32], line[64];
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
