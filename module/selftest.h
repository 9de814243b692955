/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTXSCOPE_SELFTEST_H
#define CTXSCOPE_SELFTEST_H

/* Runs the in-module self-tests; 0 if all passed, else -EINVAL. */
int ctxscope_selftest(void);

#endif /* CTXSCOPE_SELFTEST_H */
