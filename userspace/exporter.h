/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctxscope exporter: what one scrape holds (exporter_collect.c), apart
 * from how it is served over HTTP (cmd_exporter.c), so that the tests and
 * the benchmark can build scrapes without a server.
 *
 * A scrape reads /proc/ctxscope afresh (summary, cpus, cgroups and, with
 * --collector.processes.top, processes), reads the summary again at the
 * end, and starts over if the module was reset, unloaded or reloaded in
 * between: the samples of one scrape always come from one module instance
 * and one counting period. It is complete or it is an error: never part
 * of the families.
 */
#ifndef CTXSCOPE_EXPORTER_H
#define CTXSCOPE_EXPORTER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "procfile.h"
#include "prom.h"

/* The port of ctxscope exporter (docs/fleet.md). */
#define CS_EXPORTER_PORT 19418
#define CS_EXPORTER_CGROUP_LIMIT 256
#define CS_EXPORTER_MAX_BYTES (64u << 20)
#define CS_EXPORTER_TIMEOUT 5.0
#define CS_CGROUP_PATH_BYTES 4096

/* Why a scrape failed: the reason label of its error counter. */
enum cs_scrape_error {
	CS_SCRAPE_OK,
	CS_SCRAPE_TIMEOUT,	/* the deadline passed (EAGAIN, slow read) */
	CS_SCRAPE_TOO_LARGE,	/* a file beyond --collector.max-bytes */
	CS_SCRAPE_MALFORMED,	/* a file that does not parse */
	CS_SCRAPE_FORMAT,	/* a /proc format newer than this exporter */
	CS_SCRAPE_PERMISSION,	/* a per-task file it may not read */
	CS_SCRAPE_IO,		/* any other read error */
	CS_SCRAPE_NOMEM,
	CS_SCRAPE_BUSY,		/* more scrapes at once than allowed */
	CS_SCRAPE_NREASONS
};

const char *cs_scrape_error_name(enum cs_scrape_error e);

struct cs_exporter_config {
	bool cgroups;			/* per-cgroup families */
	unsigned int cgroup_limit;	/* most cgroups exported */
	unsigned int top_processes;	/* per-process families: 0 none */
	size_t max_bytes;		/* largest /proc file read */
};

/* A cgroup id (the inode of its directory) and its path in the hierarchy. */
struct cs_cgroup_path {
	uint64_t id;
	char *path;
};

struct cs_exporter {
	struct cs_exporter_config cfg;
	/*
	 * Where cgroup2 is mounted ("" if nowhere): ids are resolved to
	 * paths by walking it, again when an id is not known.
	 */
	char cgroup_mount[CS_CGROUP_PATH_BYTES];
	pthread_mutex_t lock;		/* the path map */
	struct cs_cgroup_path *paths;	/* sorted by id */
	size_t npaths;
	atomic_uint_fast64_t errors[CS_SCRAPE_NREASONS];
};

/*
 * Sets up e with cfg; cgroup_root: where cgroup2 is mounted, or NULL to
 * find it (CTXSCOPE_CGROUP_ROOT overrides it, for tests).
 */
void cs_exporter_init(struct cs_exporter *e,
		      const struct cs_exporter_config *cfg,
		      const char *cgroup_root);
void cs_exporter_destroy(struct cs_exporter *e);

/*
 * One scrape into p (empty): CS_SCRAPE_OK, or the reason it failed, with
 * a one-line detail, and p must then not be served. deadline: on
 * CLOCK_MONOTONIC, in seconds.
 */
enum cs_scrape_error cs_exporter_collect(struct cs_exporter *e,
					 double deadline, struct cs_prom *p,
					 char *detail);

/* Counts a failed scrape (served in the next good one). */
void cs_exporter_count_error(struct cs_exporter *e, enum cs_scrape_error r);

/*
 * The cgroup map (exporter_cgroups.c); the caller holds e->lock. The
 * path of cgroup id ("/system.slice/x.service", "/" for the root), or
 * NULL if the last walk did not find it.
 */
const char *cs_exporter_cgroup_path(const struct cs_exporter *e, uint64_t id);
/* Walks the mount again (a new group appeared). */
void cs_exporter_cgroups_rewalk(struct cs_exporter *e);
void cs_exporter_paths_free(struct cs_exporter *e);

#endif /* CTXSCOPE_EXPORTER_H */
