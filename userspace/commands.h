/* SPDX-License-Identifier: GPL-2.0 */
/* The ctxscope subcommands; each returns the process exit status. */
#ifndef CTXSCOPE_COMMANDS_H
#define CTXSCOPE_COMMANDS_H

int cmd_stat(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_tasks(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_exporter(int argc, char **argv);

#endif /* CTXSCOPE_COMMANDS_H */
