#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# After stage 1 uncommented /etc/modules-load.d/ctxscope.conf, this boot
# loaded the module before any test ran: systemd-modules-load says it
# inserted it, and it is there.

# shellcheck source=syslib.sh
. "$CTXSCOPE_TEST_DIR/syslib.sh"

loaded_at_boot() {
	local said
	said=$(journalctl -b -u systemd-modules-load.service -o cat -q --no-pager | grep ctxscope)
	diag "systemd-modules-load: ${said:-nothing about ctxscope}"
	[ -d /sys/module/ctxscope ] && [ -r /proc/ctxscope/summary ] &&
		echo "$said" | grep -q "Inserted module 'ctxscope'"
}

tap_plan 1
check "modules_load_d_loaded_ctxscope_at_boot" loaded_at_boot
tap_exit
