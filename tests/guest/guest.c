// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the in-guest kselftest programs; see guest.h.
 */
#define _GNU_SOURCE

#include "guest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "# %s: %s\n", what, detail);
	exit(1);
}

static const struct {
	const char *key;
	size_t offset;
} summary_keys[] = {
	{ "switches", offsetof(struct summary, switches) },
	{ "switches_process", offsetof(struct summary, process) },
	{ "switches_thread", offsetof(struct summary, thread) },
	{ "switches_kernel", offsetof(struct summary, kernel) },
	{ "switches_idle", offsetof(struct summary, idle) },
	{ "voluntary", offsetof(struct summary, voluntary) },
	{ "involuntary", offsetof(struct summary, involuntary) },
	{ "mm_switches", offsetof(struct summary, mm_switches) },
	{ "lazy_switches", offsetof(struct summary, lazy_switches) },
	{ "since_ns", offsetof(struct summary, since_ns) },
};

#define NKEYS (sizeof(summary_keys) / sizeof(summary_keys[0]))

void summary_read(struct summary *s)
{
	char detail[CS_DETAIL_MAX] = "";
	struct cs_summary sum;
	size_t i;

	if (cs_summary_read(CS_PROC_DIR "/summary", &sum, detail))
		die("summary", detail);
	for (i = 0; i < NKEYS; i++) {
		uint64_t *field = (uint64_t *)((char *)s +
					       summary_keys[i].offset);

		if (cs_summary_get(&sum, summary_keys[i].key, field))
			die("summary: missing key", summary_keys[i].key);
	}
	cs_summary_free(&sum);
}

void cpus_read_sum(struct summary *s)
{
	char detail[CS_DETAIL_MAX] = "";
	struct cs_table t;
	size_t i, row;

	if (cs_table_read(CS_PROC_DIR "/cpus", &t, detail))
		die("cpus", detail);
	memset(s, 0, sizeof(*s));
	for (i = 0; i < NKEYS; i++) {
		uint64_t *field = (uint64_t *)((char *)s +
					       summary_keys[i].offset);
		int col = cs_table_col(&t, summary_keys[i].key);

		if (col < 0) {
			if (!strcmp(summary_keys[i].key, "since_ns"))
				continue;
			die("cpus: missing column", summary_keys[i].key);
		}
		for (row = 0; row < t.nrows; row++)
			*field += cs_table_num(&t, row, col);
	}
	cs_table_free(&t);
}

uint64_t proc_stat_ctxt(void)
{
	unsigned long long v;
	char line[512];
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		die("/proc/stat", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "ctxt %llu", &v) == 1) {
			fclose(f);
			return v;
		}
	}
	fclose(f);
	die("/proc/stat", "no ctxt line");
	return 0;
}

int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

int control_write(const void *buf, size_t len)
{
	int fd = open(CS_PROC_DIR "/control", O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return n == (ssize_t)len ? 0 : -EIO;
}
