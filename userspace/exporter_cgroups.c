// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's cgroup paths: the module names a group by the inode
 * number of its directory (docs/proc-interface.md), a fleet by its path.
 * The map from one to the other is made by walking the cgroup2 mount and
 * made again when a scrape meets an id it does not hold (a new group), at
 * most once per scrape, before any id of that scrape is resolved: so the
 * paths of one scrape come from one walk, and no two ids share one.
 */
#define _GNU_SOURCE

#include "exporter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bounds of a walk: deeper or larger hierarchies are not real ones. */
#define WALK_DEPTH 64
#define WALK_GROUPS 1000000

struct walk {
	struct cs_cgroup_path *v;
	size_t n, cap;
	bool failed;
};

static void walk_add(struct walk *w, uint64_t id, const char *path)
{
	struct cs_cgroup_path *more;
	char *copy;

	if (w->failed || w->n >= WALK_GROUPS)
		return;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 256;

		more = realloc(w->v, cap * sizeof(*more));
		if (!more) {
			w->failed = true;
			return;
		}
		w->v = more;
		w->cap = cap;
	}
	copy = strdup(path);
	if (!copy) {
		w->failed = true;
		return;
	}
	w->v[w->n].id = id;
	w->v[w->n].path = copy;
	w->n++;
}

/* Adds the groups below directory fd, whose path is path (len bytes). */
static void walk_dir(struct walk *w, int fd, char *path, size_t len,
		     int depth)
{
	struct dirent *de;
	DIR *d;

	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		size_t nlen = strlen(de->d_name);
		int sub;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (len + 1 + nlen >= CS_CGROUP_PATH_BYTES)
			continue;
		sub = openat(dirfd(d), de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		if (fstat(sub, &st) || !S_ISDIR(st.st_mode)) {
			close(sub);
			continue;
		}
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, nlen + 1);
		walk_add(w, (uint64_t)st.st_ino, path);
		if (depth < WALK_DEPTH)
			walk_dir(w, sub, path, len + 1 + nlen, depth + 1);
		else
			close(sub);
		path[len] = '\0';
	}
	closedir(d);
}

static int by_id(const void *a, const void *b)
{
	const struct cs_cgroup_path *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void free_paths(struct cs_cgroup_path *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

/* Makes the map again from the mount; keeps the old one if that fails. */
static void rewalk(struct cs_exporter *e)
{
	char path[CS_CGROUP_PATH_BYTES] = "";
	struct walk w = { 0 };
	struct stat st;
	int fd;

	if (!e->cgroup_mount[0])
		return;
	fd = open(e->cgroup_mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st)) {
		close(fd);
		return;
	}
	walk_add(&w, (uint64_t)st.st_ino, "/");
	walk_dir(&w, fd, path, 0, 1);
	if (w.failed) {
		free_paths(w.v, w.n);
		return;
	}
	qsort(w.v, w.n, sizeof(*w.v), by_id);
	free_paths(e->paths, e->npaths);
	e->paths = w.v;
	e->npaths = w.n;
}

static const struct cs_cgroup_path *lookup(const struct cs_exporter *e,
					   uint64_t id)
{
	struct cs_cgroup_path key = { .id = id };

	if (!e->npaths)
		return NULL;
	return bsearch(&key, e->paths, e->npaths, sizeof(key), by_id);
}

const char *cs_exporter_cgroup_path(const struct cs_exporter *e, uint64_t id)
{
	const struct cs_cgroup_path *p = lookup(e, id);

	return p ? p->path : NULL;
}

void cs_exporter_cgroups_rewalk(struct cs_exporter *e)
{
	rewalk(e);
}

void cs_exporter_paths_free(struct cs_exporter *e)
{
	free_paths(e->paths, e->npaths);
	e->paths = NULL;
	e->npaths = 0;
}
