/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTXSCOPE_PROCFS_TABLES_H
#define CTXSCOPE_PROCFS_TABLES_H

#include <linux/types.h>

struct proc_dir_entry;

/**
 * ctxscope_procfs_create_tables() - tasks, processes, cgroups and exited
 * @dir: /proc/ctxscope
 * @mode: their mode (tasks_mode)
 *
 * Return: true if all four were created.
 */
bool ctxscope_procfs_create_tables(struct proc_dir_entry *dir, umode_t mode);

#endif /* CTXSCOPE_PROCFS_TABLES_H */
