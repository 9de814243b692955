// SPDX-License-Identifier: GPL-2.0
/*
 * One scrape of ctxscope exporter: /proc/ctxscope read afresh and turned
 * into samples; see exporter.h and docs/fleet.md.
 */
#define _GNU_SOURCE

#include "exporter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup2.h"
#include "common.h"

/* The summary is a page of keys: anything much larger is not one. */
#define SUMMARY_MAX_BYTES (1u << 20)

static const char *const reason_names[CS_SCRAPE_NREASONS] = {
	[CS_SCRAPE_OK] = "ok",
	[CS_SCRAPE_TIMEOUT] = "timeout",
	[CS_SCRAPE_TOO_LARGE] = "too_large",
	[CS_SCRAPE_MALFORMED] = "malformed",
	[CS_SCRAPE_FORMAT] = "format",
	[CS_SCRAPE_PERMISSION] = "permission",
	[CS_SCRAPE_IO] = "io",
	[CS_SCRAPE_NOMEM] = "nomem",
	[CS_SCRAPE_BUSY] = "busy",
};

const char *cs_scrape_error_name(enum cs_scrape_error e)
{
	return e < CS_SCRAPE_NREASONS ? reason_names[e] : "unknown";
}

void cs_exporter_init(struct cs_exporter *e,
		      const struct cs_exporter_config *cfg,
		      const char *cgroup_root)
{
	const char *env = getenv("CTXSCOPE_CGROUP_ROOT");
	struct cs_cgroup2 cg;
	char why[CS_WHY_MAX];
	int i;

	memset(e, 0, sizeof(*e));
	e->cfg = *cfg;
	pthread_mutex_init(&e->lock, NULL);
	for (i = 0; i < CS_SCRAPE_NREASONS; i++)
		atomic_init(&e->errors[i], 0);
	if (env && *env)
		cgroup_root = env;
	if (cgroup_root)
		snprintf(e->cgroup_mount, sizeof(e->cgroup_mount), "%s",
			 cgroup_root);
	else if (!cs_cgroup2_find(&cg, why))
		snprintf(e->cgroup_mount, sizeof(e->cgroup_mount), "%s",
			 cg.mount);
}

void cs_exporter_destroy(struct cs_exporter *e)
{
	cs_exporter_paths_free(e);
	pthread_mutex_destroy(&e->lock);
}

void cs_exporter_count_error(struct cs_exporter *e, enum cs_scrape_error r)
{
	if (r > CS_SCRAPE_OK && r < CS_SCRAPE_NREASONS)
		atomic_fetch_add(&e->errors[r], 1);
}

/* What a scrape holds while it is being read. */
struct scrape {
	struct cs_summary summary, again;
	struct cs_table cpus, cgroups, processes;
	bool have_cgroups, have_processes;
};

static void scrape_free(struct scrape *s)
{
	cs_summary_free(&s->summary);
	cs_summary_free(&s->again);
	cs_table_free(&s->cpus);
	cs_table_free(&s->cgroups);
	cs_table_free(&s->processes);
	memset(s, 0, sizeof(*s));
}

/* A read's status as the reason a scrape fails. */
static enum cs_scrape_error reason_of(enum cs_status st)
{
	switch (st) {
	case CS_OK:
		return CS_SCRAPE_OK;
	case CS_ERR_ACCESS:
		return CS_SCRAPE_PERMISSION;
	case CS_ERR_FORMAT:
		return CS_SCRAPE_FORMAT;
	case CS_ERR_PARSE:
		return CS_SCRAPE_MALFORMED;
	case CS_ERR_NOMEM:
		return CS_SCRAPE_NOMEM;
	case CS_ERR_TIMEOUT:
		return CS_SCRAPE_TIMEOUT;
	case CS_ERR_TOOBIG:
		return CS_SCRAPE_TOO_LARGE;
	case CS_ERR_NOMODULE:
	case CS_ERR_IO:
		break;
	}
	return CS_SCRAPE_IO;
}

static enum cs_status read_text(const char *file, double deadline,
				size_t max, char **buf, size_t *len,
				char *detail)
{
	struct cs_read_bounds b = { deadline, max };
	char path[CS_CGROUP_PATH_BYTES];

	snprintf(path, sizeof(path), "%s/%s", cs_proc_dir(), file);
	return cs_read_file_bounded(path, &b, buf, len, detail);
}

/* "file: detail" for a parse error (the parser's detail has no path). */
static void name_file(char *detail, const char *file)
{
	char prefix[CS_DETAIL_MAX];
	size_t n, len;

	snprintf(prefix, sizeof(prefix), "%s/%s: ", cs_proc_dir(), file);
	n = strlen(prefix);
	len = strnlen(detail, CS_DETAIL_MAX - 1);
	if (n + len >= CS_DETAIL_MAX)
		len = n < CS_DETAIL_MAX ? CS_DETAIL_MAX - 1 - n : 0;
	if (n >= CS_DETAIL_MAX)
		n = CS_DETAIL_MAX - 1;
	memmove(detail + n, detail, len);
	memcpy(detail, prefix, n);
	detail[n + len] = '\0';
}

static enum cs_status read_summary(double deadline, struct cs_summary *s,
				   char *detail)
{
	enum cs_status st;
	size_t len;
	char *buf;

	st = read_text("summary", deadline, SUMMARY_MAX_BYTES, &buf, &len,
		       detail);
	if (st)
		return st;
	st = cs_summary_parse(buf, len, s, detail);
	free(buf);
	if (!st)
		st = cs_summary_require(s, cs_required("summary"), detail);
	if (st)
		name_file(detail, "summary");
	return st;
}

static enum cs_status read_table(const char *file, double deadline,
				 size_t max, struct cs_table *t, char *detail)
{
	enum cs_status st;
	size_t len;
	char *buf;

	st = read_text(file, deadline, max, &buf, &len, detail);
	if (st)
		return st;
	st = cs_table_parse(buf, len, t, detail);
	free(buf);
	if (!st)
		st = cs_table_require(t, cs_required(file), detail);
	if (st)
		name_file(detail, file);
	return st;
}

/*
 * Reads every file of a scrape. CS_ERR_NOMODULE from the summary: the
 * module is not loaded; from a later file: it went away meanwhile (the
 * caller starts again).
 */
static enum cs_status read_scrape(const struct cs_exporter *e, double deadline,
				  struct scrape *s, char *detail)
{
	size_t max = e->cfg.max_bytes;
	enum cs_status st;
	uint64_t capacity = 0;

	st = read_summary(deadline, &s->summary, detail);
	if (st)
		return st;
	st = read_table("cpus", deadline, max, &s->cpus, detail);
	if (st)
		return st;
	/* max_tasks=0: no per-task files, and nothing to miss. */
	cs_summary_get(&s->summary, "tasks_capacity", &capacity);
	if (e->cfg.cgroups && capacity) {
		st = read_table("cgroups", deadline, max, &s->cgroups, detail);
		if (st)
			return st;
		s->have_cgroups = true;
	}
	if (e->cfg.top_processes && capacity) {
		st = read_table("processes", deadline, max, &s->processes,
				detail);
		if (st)
			return st;
		s->have_processes = true;
	}
	return read_summary(deadline, &s->again, detail);
}

/* The same module instance and counting period at both ends. */
static bool same_period(const struct scrape *s)
{
	uint64_t a = 0, b = 1;

	cs_summary_get(&s->summary, "since_ns", &a);
	cs_summary_get(&s->again, "since_ns", &b);
	return a == b && s->summary.format == s->again.format;
}

/*
 * After a file of a scrape was missing: whether the module went away or
 * came back since its summary was read (else the file is just missing).
 */
static bool module_changed(struct scrape *s, double deadline)
{
	char detail[CS_DETAIL_MAX];
	enum cs_status st;

	cs_summary_free(&s->again);
	st = read_summary(deadline, &s->again, detail);
	return st != CS_OK || !same_period(s);
}

struct ranked {
	uint64_t switches;
	size_t row;
};

static int by_switches(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->switches != y->switches)
		return x->switches > y->switches ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

/* Rows of t in decreasing order of switches; NULL if out of memory. */
static size_t *busiest(const struct cs_table *t)
{
	int col = cs_table_col(t, "switches");
	struct ranked *r;
	size_t *order, i;

	r = malloc((t->nrows ? t->nrows : 1) * sizeof(*r));
	order = malloc((t->nrows ? t->nrows : 1) * sizeof(*order));
	if (!r || !order) {
		free(r);
		free(order);
		return NULL;
	}
	for (i = 0; i < t->nrows; i++)
		r[i] = (struct ranked){ cs_table_num(t, i, col), i };
	qsort(r, t->nrows, sizeof(*r), by_switches);
	for (i = 0; i < t->nrows; i++)
		order[i] = r[i].row;
	free(r);
	return order;
}

/* A cgroup chosen for a scrape: its row, path and rank by switches. */
struct pick {
	size_t row, rank;
	const char *path;
};

static int by_path(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->rank > y->rank) - (x->rank < y->rank);
}

/*
 * The busiest cgroups with a path, up to the limit; the others counted
 * as omitted, by reason.
 */
static enum cs_scrape_error add_cgroups(struct cs_exporter *e,
					const struct cs_table *t,
					struct cs_prom *p, char *detail)
{
	int idcol = cs_table_col(t, "cgroup");
	size_t *order, i, n = 0, removed = 0, limited = 0;
	bool missing = false;
	struct pick *picks;

	order = busiest(t);
	picks = calloc(t->nrows ? t->nrows : 1, sizeof(*picks));
	if (!order || !picks) {
		free(order);
		free(picks);
		snprintf(detail, CS_DETAIL_MAX, "out of memory");
		return CS_SCRAPE_NOMEM;
	}
	pthread_mutex_lock(&e->lock);
	/* One walk for the whole scrape, before any id is resolved. */
	for (i = 0; i < t->nrows && !missing; i++)
		missing = !cs_exporter_cgroup_path(e, cs_table_num(t, i, idcol));
	if (missing)
		cs_exporter_cgroups_rewalk(e);
	for (i = 0; i < t->nrows; i++) {
		const char *path = cs_exporter_cgroup_path(e,
			cs_table_num(t, order[i], idcol));

		if (!path)
			removed++;
		else if (n >= e->cfg.cgroup_limit)
			limited++;
		else
			picks[n++] = (struct pick){ order[i], i, path };
	}
	/*
	 * One walk gives each directory one inode, but a group renamed while
	 * it was walked could show twice, and a series may not: the busier
	 * row keeps the path.
	 */
	qsort(picks, n, sizeof(*picks), by_path);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(picks[i].path, picks[i - 1].path)) {
			removed++;
			continue;
		}
		cs_prom_add_cgroup(p, t, picks[i].row, picks[i].path);
	}
	pthread_mutex_unlock(&e->lock);
	cs_prom_add(p, CS_PROM_EXPORTER_CGROUPS_OMITTED, (double)limited,
		    "reason", "limit");
	cs_prom_add(p, CS_PROM_EXPORTER_CGROUPS_OMITTED, (double)removed,
		    "reason", "removed");
	free(order);
	free(picks);
	return CS_SCRAPE_OK;
}

static enum cs_scrape_error add_processes(const struct cs_exporter *e,
					  const struct cs_table *t,
					  struct cs_prom *p, char *detail)
{
	size_t *order = busiest(t), i, k = e->cfg.top_processes;

	if (!order) {
		snprintf(detail, CS_DETAIL_MAX, "out of memory");
		return CS_SCRAPE_NOMEM;
	}
	if (k > t->nrows)
		k = t->nrows;
	for (i = 0; i < k; i++)
		cs_prom_add_process(p, t, order[i]);
	cs_prom_add(p, CS_PROM_EXPORTER_PROCESSES_OMITTED,
		    (double)(t->nrows - k));
	free(order);
	return CS_SCRAPE_OK;
}

/* The exporter's own series, in every scrape (the module loaded or not). */
static void add_self(struct cs_exporter *e, struct cs_prom *p, bool loaded,
		     double start)
{
	int i;

	cs_prom_add(p, CS_PROM_MODULE_LOADED, loaded ? 1 : 0);
	for (i = CS_SCRAPE_OK + 1; i < CS_SCRAPE_NREASONS; i++)
		cs_prom_add(p, CS_PROM_EXPORTER_SCRAPE_ERRORS,
			    (double)atomic_load(&e->errors[i]), "reason",
			    reason_names[i]);
	cs_prom_add(p, CS_PROM_EXPORTER_SCRAPE_SECONDS,
		    cs_monotonic() - start);
}

enum cs_scrape_error cs_exporter_collect(struct cs_exporter *e,
					 double deadline, struct cs_prom *p,
					 char *detail)
{
	double start = cs_monotonic();
	enum cs_scrape_error r;
	struct scrape s = { 0 };

	for (;;) {
		enum cs_status st = read_scrape(e, deadline, &s, detail);

		if (st == CS_OK && same_period(&s))
			break;
		if (st == CS_ERR_NOMODULE && !s.summary.kv) {
			/* Not loaded: a complete scrape of what is known. */
			scrape_free(&s);
			add_self(e, p, false, start);
			return CS_SCRAPE_OK;
		}
		if (st == CS_ERR_NOMODULE && !module_changed(&s, deadline)) {
			/* A file missing from a module that stayed. */
			scrape_free(&s);
			return CS_SCRAPE_MALFORMED;
		}
		scrape_free(&s);
		if (st != CS_OK && st != CS_ERR_NOMODULE)
			return reason_of(st);
		/* Unloaded, reloaded or reset meanwhile: once more. */
		if (cs_monotonic() >= deadline) {
			snprintf(detail, CS_DETAIL_MAX,
				 "the module was reloaded or reset during every read until the deadline");
			return CS_SCRAPE_TIMEOUT;
		}
	}
	cs_prom_add_system(p, &s.summary, &s.cpus);
	r = CS_SCRAPE_OK;
	if (s.have_cgroups)
		r = add_cgroups(e, &s.cgroups, p, detail);
	if (!r && s.have_processes)
		r = add_processes(e, &s.processes, p, detail);
	scrape_free(&s);
	if (r)
		return r;
	add_self(e, p, true, start);
	return CS_SCRAPE_OK;
}
