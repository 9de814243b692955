#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The system the tests run on is the one asked for: systemd is PID 1 and
# reached its default target with no failed unit, and the cgroup
# hierarchy is the one booted (v2, or hybrid: v1 controllers beside v2 at
# /sys/fs/cgroup/unified). Reports how long the boot took.

# shellcheck source=syslib.sh
. "$CTXSCOPE_TEST_DIR/syslib.sh"

pid1_is_systemd() {
	local exe
	exe=$(readlink /proc/1/exe)
	diag "PID 1: $exe"
	[ "${exe##*/}" = systemd ]
}

reached_default_target() {
	local state target
	state=$(systemctl is-system-running --wait 2>&1)
	target=$(systemctl get-default)
	diag "system state: $state, default target $target"
	systemctl --failed --no-legend --plain | sed 's/^/# failed: /'
	systemctl is-active -q "$target" && [ "$state" = running ]
}

boot_time() {
	local t
	t=$(systemd-analyze time 2>&1)
	echo "$t" | sed 's/^/# /'
	# "multi-user.target reached after 31.2s in userspace"
	t=$(echo "$t" | sed -n 's/.*target reached after \([0-9.]*\)s in userspace.*/\1/p')
	[ -n "$t" ] && time_diag "boot to default.target (userspace, guest clock)" "$t"
	[ -n "$t" ]
}

# The v1 hierarchies mounted (cgroup, not cgroup2), by mount point.
v1_mounts() {
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break
	       if ($(i + 1) == "cgroup") print $5 }' /proc/self/mountinfo
}

# Hybrid: v2 at /sys/fs/cgroup/unified, systemd's own v1 hierarchy and at
# least one v1 controller beside it (which ones depends on the kernel:
# Debian's 6.12 has no v1 memory or cpuset controller).
cgroup_layout() {
	local top v1
	top=$(stat -fc %T /sys/fs/cgroup)
	v1=$(v1_mounts | tr '\n' ' ')
	diag "/sys/fs/cgroup: $top; cgroup2 at $(cgroup2_mount); v1: ${v1:-none}"
	if hybrid; then
		[ "$top" = tmpfs ] && [ "$(cgroup2_mount)" = /sys/fs/cgroup/unified ] &&
			v1_mounts | grep -qx /sys/fs/cgroup/systemd &&
			[ "$(v1_mounts | grep -vcx /sys/fs/cgroup/systemd)" -ge 1 ]
	else
		[ "$top" = cgroup2fs ] && [ -z "$v1" ]
	fi
}

tap_plan 4
check "pid1_is_systemd" pid1_is_systemd
check "systemd_reached_the_default_target_with_no_failed_unit" reached_default_target
check "boot_time_is_reported" boot_time
check "cgroup_hierarchy_is_$(hierarchy_name)_as_booted" cgroup_layout
tap_exit
