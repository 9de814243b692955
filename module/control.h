/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTXSCOPE_CONTROL_H
#define CTXSCOPE_CONTROL_H

#include <linux/proc_fs.h>

/* /proc/ctxscope/control: "reset" (control.c). */
extern const struct proc_ops ctxscope_control_ops;

#endif /* CTXSCOPE_CONTROL_H */
