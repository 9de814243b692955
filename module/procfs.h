/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/ctxscope: the module's ABI. docs/proc-interface.md documents every
 * file and key.
 */
#ifndef CTXSCOPE_PROCFS_H
#define CTXSCOPE_PROCFS_H

#include <linux/types.h>

/**
 * ctxscope_procfs_create() - create /proc/ctxscope and its files
 * @tasks_mode: the mode of the per-task files
 *
 * Return: 0 or -ENOMEM.
 */
int ctxscope_procfs_create(umode_t tasks_mode);

/* Removes them; waits for every reader and writer inside a file. */
void ctxscope_procfs_remove(void);

#endif /* CTXSCOPE_PROCFS_H */
