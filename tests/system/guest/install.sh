#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installing the packages as users do: apt-get install of the two local
# .deb files, dependencies from the image's own repository (no network).
# DKMS builds the module, in this guest, for every installed kernel that
# has its headers (the running one and, in the image, the headers of a
# kernel that is neither running nor the newest, which dkms's own postinst
# leaves out); modprobe loads it; the module-loading examples are there,
# commented out. Then enables loading at boot for stage 2.

# shellcheck source=syslib.sh
. "$CTXSCOPE_TEST_DIR/syslib.sh"

debs=("$CTXSCOPE_TEST_DIR"/debs/ctxscope-dkms_*.deb "$CTXSCOPE_TEST_DIR"/debs/ctxscope_*.deb)
logs=/var/log/ctxscope-test
mkdir -p "$logs"

apt_install() {
	local start st
	logged "$logs/apt-update.log" apt-get update || return 1
	start=$(date +%s)
	logged "$logs/apt-install.log" apt-get install -y "${debs[@]}"
	st=$?
	time_diag "apt-get install of the two packages (DKMS builds included)" "$(($(date +%s) - start))"
	grep -E '^(Building|Done|Module build|Skipped)' "$logs/apt-install.log" | sed 's/^/# /'
	return $st
}

installed_for() {
	dkms_installed "$1" || return 1
	time_diag "DKMS compile for $1 (make.log)" "$(dkms_compile_seconds "$1")"
}

# Every kernel whose headers are installed (the build link dkms uses).
every_kernel_with_headers() {
	local dir k n=0 bad=0
	for dir in /lib/modules/*/build; do
		[ -e "$dir/include" ] || continue
		k=${dir%/build}
		k=${k##*/}
		n=$((n + 1))
		installed_for "$k" || bad=1
	done
	diag "$n kernels with headers"
	[ "$n" -ge 2 ] && [ $bad -eq 0 ]
}

module_matches() {
	local ko ver magic
	ko=$(dkms_module "$running")
	ver=$(modinfo -F version "$ko" 2>/dev/null)
	magic=$(modinfo -F vermagic "$ko" 2>/dev/null)
	diag "module: ${ko:-none}, version ${ver:-none}, vermagic ${magic:-none}"
	[ -n "$ko" ] && [ "$ver" = "$CTXSCOPE_VERSION" ] && [ "${magic%% *}" = "$running" ] &&
		[ "$(modinfo -n ctxscope)" = "$ko" ]
}

modprobe_loads() {
	modprobe ctxscope || return 1
	diag "$(head -n 1 /proc/ctxscope/summary)"
	[ "$(head -n 1 /proc/ctxscope/summary)" = "format 1" ] && [ -d /sys/module/ctxscope ]
}

reporter_version() {
	local v
	v=$(ctxscope --version 2>&1)
	diag "ctxscope --version: $v"
	echo "$v" | grep -qw "$CTXSCOPE_VERSION" && [ -f /usr/share/man/man1/ctxscope.1.gz ]
}

# No line of the examples is active: installing loads nothing at boot.
examples_commented() {
	local f
	for f in /etc/modules-load.d/ctxscope.conf /etc/modprobe.d/ctxscope.conf; do
		[ -f "$f" ] || { diag "$f missing"; return 1; }
		if grep -v '^[[:space:]]*\(#\|$\)' "$f"; then
			diag "$f has an active line"
			return 1
		fi
	done
}

enable_autoload() {
	sed -i 's/^#ctxscope$/ctxscope/' /etc/modules-load.d/ctxscope.conf &&
		grep -qx ctxscope /etc/modules-load.d/ctxscope.conf
}

tap_plan 7
check "apt_get_install_of_the_local_debs_succeeds_offline" apt_install
check "dkms_built_and_installed_it_for_every_kernel_with_headers" every_kernel_with_headers
check "the_module_for_the_running_kernel_is_the_packaged_version" module_matches
check "modprobe_ctxscope_loads_it" modprobe_loads
check "ctxscope_and_its_man_page_are_installed" reporter_version
check "the_modules_load_and_modprobe_examples_are_commented_out" examples_commented
check "autoload_enabled_by_uncommenting_modules_load_d" enable_autoload
tap_exit
