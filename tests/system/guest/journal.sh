#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# This boot's journal holds no message of priority err or worse: package
# scripts, DKMS, the units and the module logged no error. One kind is
# the test system's own and let through: in the hybrid hierarchy, systemd
# 252 mounts every v1 controller it knows, and a kernel built without one
# (Debian's 6.12 has no v1 memory or cpuset) says
# "cgroup: Unknown subsys name 'memory'".

# shellcheck source=syslib.sh
. "$CTXSCOPE_TEST_DIR/syslib.sh"

no_errors() {
	local errs
	errs=$(journalctl -b -p err -q --no-pager -o short-monotonic |
		grep -v " kernel: cgroup: Unknown subsys name '[a-z_]*'$")
	[ -z "$errs" ] || echo "$errs" | head -n 40 | sed 's/^/# journal: /'
	[ -z "$errs" ]
}

tap_plan 1
check "journal_of_this_boot_has_no_error" no_errors
tap_exit
