// SPDX-License-Identifier: GPL-2.0
/*
 * Report files written atomically; see outfile.h.
 */
#define _GNU_SOURCE

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

int cs_outfile_open(struct cs_outfile *f, const char *path, int fallback_fd)
{
	struct stat st;
	mode_t mask;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->path = path;
	if (!path) {
		f->fd = fallback_fd;
		return 0;
	}
	/* /dev/stdout, /proc/self/fd/N, a FIFO: written as they are. */
	if (!strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6) ||
	    (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) {
		f->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY |
			     (stat(path, &st) == 0 && S_ISREG(st.st_mode) ?
			      O_TRUNC : 0), 0666);
		if (f->fd < 0) {
			cs_error("cannot open %s: %s", path, strerror(errno));
			return CS_EXIT_CANTCREAT;
		}
		f->path = NULL;
		f->label = path;
		return 0;
	}
	/* A symbolic link stays one: its target is replaced. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		f->real = realpath(path, NULL);
		if (!f->real) {
			cs_error("cannot open %s: %s", path, strerror(errno));
			return CS_EXIT_CANTCREAT;
		}
		f->path = path = f->real;
	}
	if (asprintf(&f->tmp, "%s.XXXXXX", path) < 0) {
		f->tmp = NULL;
		cs_error("out of memory");
		return CS_EXIT_SOFTWARE;
	}
	f->fd = mkostemp(f->tmp, O_CLOEXEC);
	if (f->fd < 0) {
		cs_error("cannot create %s: %s", path, strerror(errno));
		free(f->tmp);
		f->tmp = NULL;
		return CS_EXIT_CANTCREAT;
	}
	/* The mode open(2) would give FILE (mkostemp's is 0600). */
	if (stat(path, &st) == 0) {
		fchmod(f->fd, st.st_mode & 07777);
	} else {
		mask = umask(0);
		umask(mask);
		fchmod(f->fd, 0666 & ~mask);
	}
	return 0;
}

int cs_outfile_commit(struct cs_outfile *f, const char *buf, size_t len)
{
	const char *what = f->label ? f->label : f->path ? f->path :
			   f->fd == STDOUT_FILENO ? "standard output" :
			   "standard error";
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(f->fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			cs_write_error(what);
			cs_outfile_abort(f);
			return CS_EXIT_IOERR;
		}
		done += (size_t)n;
	}
	if (!f->path && !f->label)
		return 0;
	if ((f->tmp && fsync(f->fd)) || close(f->fd)) {
		f->fd = -1;
		cs_write_error(what);
		cs_outfile_abort(f);
		return CS_EXIT_IOERR;
	}
	f->fd = -1;
	if (f->tmp && rename(f->tmp, f->path)) {
		cs_error("cannot rename %s to %s: %s", f->tmp, f->path,
			 strerror(errno));
		cs_outfile_abort(f);
		return CS_EXIT_IOERR;
	}
	free(f->tmp);
	f->tmp = NULL;
	free(f->real);
	f->real = NULL;
	return 0;
}

void cs_outfile_abort(struct cs_outfile *f)
{
	if ((f->path || f->label) && f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp)
		unlink(f->tmp);
	free(f->tmp);
	f->tmp = NULL;
	free(f->real);
	f->real = NULL;
}
