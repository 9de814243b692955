#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# After stage 1 uncommented /etc/modules-load.d/ctxscope.conf, this boot
# loaded the module before any test ran, and systemd-modules-load is what
# loaded it. Its "Inserted module" message is the plain proof, but it can
# be missing from the unit's journal when the service ran before journald
# was up (seen on 6.12: the module loaded at 25.8 s, journald started at
# 28.2 s, no message); then the kernel's own time of the load must fall
# within the service's run (its start and exit, CLOCK_MONOTONIC, which is
# close to the clock of the kernel log's timestamps).

# shellcheck source=syslib.sh
. "$CTXSCOPE_TEST_DIR/syslib.sh"

# The kernel log's timestamp of the module's load message, in microseconds.
load_time_us() {
	dmesg | sed -n 's/^\[ *\([0-9]*\)\.\([0-9]*\)\] ctxscope: version .* loaded.*/\1\2/p' |
		tail -n 1 | sed 's/^0*//'
}

loaded_at_boot() {
	local said result start exit t
	[ -d /sys/module/ctxscope ] && [ -r /proc/ctxscope/summary ] || {
		diag "ctxscope is not loaded"
		return 1
	}
	said=$(journalctl -b -o cat -q --no-pager | grep "Inserted module 'ctxscope'")
	diag "journal: ${said:-nothing about inserting ctxscope}"
	result=$(systemctl show -P Result systemd-modules-load.service)
	start=$(systemctl show -P ExecMainStartTimestampMonotonic systemd-modules-load.service)
	exit=$(systemctl show -P ExecMainExitTimestampMonotonic systemd-modules-load.service)
	t=$(load_time_us)
	diag "systemd-modules-load: result ${result:-?}, ran from ${start:-?} to ${exit:-?} us; ctxscope loaded at ${t:-?} us"
	[ "$result" = success ] || return 1
	[ -n "$said" ] && return 0
	# The load message is printed at the end of the module's init, a
	# little before insmod returns and the service exits; 1 s of slack
	# for the kernel log's clock (local_clock) against CLOCK_MONOTONIC.
	[ -n "$t" ] && [ -n "$start" ] && [ -n "$exit" ] &&
		[ "$t" -ge $((start - 1000000)) ] && [ "$t" -le $((exit + 1000000)) ]
}

tap_plan 1
check "modules_load_d_loaded_ctxscope_at_boot" loaded_at_boot
tap_exit
