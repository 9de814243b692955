# SPDX-License-Identifier: GPL-2.0
#
# make check-system, in the guest: helpers of the stage programs
# (sourced, bash). The TAP helpers are the busybox tests' (lib.sh).

# shellcheck source=../../guest/lib.sh
. "$CTXSCOPE_TEST_DIR/lib.sh"

export DEBIAN_FRONTEND=noninteractive
running=$(uname -r)

# skip DESCRIPTION REASON: a TAP result that was not run, and why.
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n $1 # SKIP $2"
}

# Runs a command, its output into FILE; on failure, the tail of FILE as
# diagnostics.
logged() {
	local file=$1 st
	shift
	"$@" >"$file" 2>&1
	st=$?
	[ $st -eq 0 ] || tail -n 25 "$file" | sed 's/^/# /'
	return $st
}

# hybrid: booted with systemd.unified_cgroup_hierarchy=0.
hybrid() {
	grep -qw 'systemd.unified_cgroup_hierarchy=0' /proc/cmdline
}

hierarchy_name() {
	if hybrid; then echo hybrid; else echo v2; fi
}

# Where cgroup2 is mounted: /sys/fs/cgroup, or /sys/fs/cgroup/unified in
# the hybrid hierarchy.
cgroup2_mount() {
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break
	       if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo
}

# dkms_installed KERNEL: dkms says ctxscope is installed for KERNEL.
dkms_installed() {
	local st
	st=$(dkms status -m ctxscope -v "$CTXSCOPE_VERSION" -k "$1" 2>/dev/null)
	diag "dkms status -k $1: ${st:-nothing}"
	echo "$st" | grep -q ": installed"
}

# The module DKMS installed for KERNEL (compressed or not).
dkms_module() {
	find "/lib/modules/$1/updates/dkms" -name 'ctxscope.ko*' 2>/dev/null | head -n 1
}

# time_diag WHAT SECONDS: a timing line the host collects into its summary.
time_diag() {
	diag "time: $1: $2 s"
}

# How long DKMS's compile for KERNEL took: from the date make.log starts
# with to its last write.
dkms_compile_seconds() {
	local log="/var/lib/dkms/ctxscope/$CTXSCOPE_VERSION/$1/$(uname -m)/log/make.log" s
	[ -f "$log" ] || { echo "?"; return; }
	s=$(date -d "$(sed -n 2p "$log")" +%s 2>/dev/null) || { echo "?"; return; }
	echo $(($(stat -c %Y "$log") - s))
}
