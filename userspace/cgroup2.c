// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the cgroup v2 hierarchy and the caller's group; see cgroup2.h.
 */
#define _GNU_SOURCE

#include "cgroup2.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define CS_CGROUP2_MAGIC 0x63677270

int cs_cgroup2_is_dir(const char *path)
{
	struct statfs fs;
	struct stat st;

	return statfs(path, &fs) == 0 && fs.f_type == CS_CGROUP2_MAGIC &&
	       stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape_octal(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
					(s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* The caller's group in the v2 hierarchy ("/user.slice/..."), or -1. */
static int self_path(char *path, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char *line = NULL;
	size_t cap = 0;
	int ret = -1;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line + 3) < len) {
			snprintf(path, len, "%s", line + 3);
			ret = 0;
		}
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

/* Does path lie at or below root (both hierarchy paths)? */
static const char *below(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return path;
	if (strncmp(path, root, n) != 0 || (path[n] && path[n] != '/'))
		return NULL;
	return path + n;
}

static const char *mountinfo_path(void)
{
	const char *p = getenv("CTXSCOPE_MOUNTINFO");

	return p && *p ? p : "/proc/self/mountinfo";
}

int cs_cgroup2_find(struct cs_cgroup2 *cg, char *why)
{
	char self[CS_CGROUP_PATH_MAX], *line = NULL;
	const char *info = mountinfo_path();
	size_t cap = 0;
	int found = 0;
	FILE *f;

	memset(cg, 0, sizeof(*cg));
	if (self_path(self, sizeof(self))) {
		snprintf(why, CS_WHY_MAX, "no cgroup v2 line in /proc/self/cgroup");
		return -1;
	}
	f = fopen(info, "re");
	if (!f) {
		snprintf(why, CS_WHY_MAX, "cannot read %s: %s", info,
			 strerror(errno));
		return -1;
	}
	/* id parent maj:min root mountpoint options [optional...] - type ... */
	while (getline(&line, &cap, f) > 0) {
		char *field[6], *sep, *save = NULL, *type, *tok;
		const char *rest;
		int n = 0;

		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		type = strtok_r(sep + 3, " \n", &save);
		if (!type || strcmp(type, "cgroup2") != 0)
			continue;
		save = NULL;
		for (tok = strtok_r(line, " ", &save); tok && n < 6;
		     tok = strtok_r(NULL, " ", &save))
			field[n++] = tok;
		if (n < 5)
			continue;
		unescape_octal(field[3]);
		unescape_octal(field[4]);
		/* The caller's group must be visible under this mount. */
		rest = below(self, field[3]);
		if (!rest || !cs_cgroup2_is_dir(field[4]))
			continue;
		if (!strcmp(rest, "/"))
			rest = "";	/* the mount's own root */
		/* /sys/fs/cgroup first, then the hybrid's unified, then any. */
		if (found && strcmp(field[4], "/sys/fs/cgroup") != 0)
			continue;
		if (strlen(field[4]) + strlen(rest) + 1 >= sizeof(cg->self))
			continue;
		snprintf(cg->mount, sizeof(cg->mount), "%s", field[4]);
		snprintf(cg->self, sizeof(cg->self), "%s%s",
			 strcmp(field[4], "/") ? field[4] : "", rest);
		if (!cg->self[0])
			snprintf(cg->self, sizeof(cg->self), "/");
		found = 1;
	}
	free(line);
	fclose(f);
	if (!found) {
		snprintf(why, CS_WHY_MAX,
			 "no cgroup2 file system mounted (%.200s), or none shows the caller's group %.400s",
			 info, self);
		return -1;
	}
	return 0;
}

int cs_cgroup2_resolve(const char *arg, char *dir, char *why)
{
	struct cs_cgroup2 cg;

	if (arg[0] == '/' && cs_cgroup2_is_dir(arg)) {
		snprintf(dir, CS_CGROUP_PATH_MAX, "%s", arg);
		return 0;
	}
	if (cs_cgroup2_find(&cg, why))
		return -1;
	while (*arg == '/')
		arg++;
	if (strlen(cg.mount) + strlen(arg) + 2 > CS_CGROUP_PATH_MAX) {
		snprintf(why, CS_WHY_MAX, "cgroup path too long");
		return -1;
	}
	if (snprintf(dir, CS_CGROUP_PATH_MAX, "%s/%s", cg.mount, arg) >=
	    CS_CGROUP_PATH_MAX || !cs_cgroup2_is_dir(dir)) {
		snprintf(why, CS_WHY_MAX, "%s is not a cgroup v2 group", dir);
		return -1;
	}
	return 0;
}

struct ids {
	uint64_t *v;
	size_t n, cap;
};

static int ids_add(struct ids *ids, uint64_t id)
{
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? 2 * ids->cap : 16;
		uint64_t *v = realloc(ids->v, cap * sizeof(*v));

		if (!v)
			return -1;
		ids->v = v;
		ids->cap = cap;
	}
	ids->v[ids->n++] = id;
	return 0;
}

/* dir's id and those of its subgroups; fd is dir, closed here. */
static int walk(int fd, struct ids *ids, int depth)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int ret = 0;

	if (fstat(fd, &st) || ids_add(ids, st.st_ino)) {
		close(fd);
		return -1;
	}
	if (depth > 64) {	/* deeper than cgroup.max.depth allows */
		close(fd);
		return 0;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while (!ret && (e = readdir(d))) {
		int sub;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		sub = openat(dirfd(d), e->d_name,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub < 0)
			continue;	/* removed meanwhile */
		ret = walk(sub, ids, depth + 1);
	}
	closedir(d);
	return ret;
}

int cs_cgroup2_ids(const char *dir, uint64_t **out, size_t *n)
{
	struct ids ids = { NULL, 0, 0 };
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (walk(fd, &ids, 0)) {
		free(ids.v);
		return -1;
	}
	*out = ids.v;
	*n = ids.n;
	return 0;
}
