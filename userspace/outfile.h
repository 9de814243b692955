/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A report file (-O FILE), opened before what it reports starts, so that
 * a bad path costs nothing, and replaced at once when it is written: the
 * report goes to a temporary file in the same directory, which is then
 * renamed over FILE. A reader (node_exporter's textfile collector, whose
 * files end in .prom; the temporary one does not) sees the old report or
 * the new one, never half of one. A FILE that exists and is not a regular
 * file (/dev/stdout, a FIFO) is written directly.
 */
#ifndef CTXSCOPE_OUTFILE_H
#define CTXSCOPE_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

struct cs_outfile {
	const char *path;	/* renamed into place; NULL: written directly */
	const char *label;	/* a file written directly, for messages */
	char *tmp;		/* the temporary file, or NULL (direct) */
	char *real;		/* a link's target, owned */
	int fd;
};

/*
 * Opens path, or with a NULL path takes fallback_fd (STDERR_FILENO for
 * stat's reports, as perf stat's); 0, or reports and returns an exit
 * status.
 */
int cs_outfile_open(struct cs_outfile *f, const char *path, int fallback_fd);
/* Writes the whole report and puts it in place; 0 or an exit status. */
int cs_outfile_commit(struct cs_outfile *f, const char *buf, size_t len);
/* Removes the temporary file of a report that will not be written. */
void cs_outfile_abort(struct cs_outfile *f);

#endif /* CTXSCOPE_OUTFILE_H */
