// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope exporter in a build without libmicrohttpd (STATIC=1: the static
 * ctxscope of the test VM): says so instead of serving.
 */
#include "commands.h"
#include "common.h"

int cmd_exporter(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cs_error("exporter: this ctxscope was built without libmicrohttpd (make STATIC=1): use a build with it, as packaged");
	return CS_EXIT_SOFTWARE;
}
