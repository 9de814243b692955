#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A kernel upgrade after the package: the headers of another kernel
# (CTXSCOPE_OTHER_RELEASE), installed with apt from the image's
# repository; DKMS's kernel hook builds ctxscope for it, and dkms status
# shows it installed for both kernels.

# shellcheck source=syslib.sh
. "$CTXSCOPE_TEST_DIR/syslib.sh"

other=$CTXSCOPE_OTHER_RELEASE

install_headers() {
	local start st
	logged /var/log/ctxscope-test/apt-update-2.log apt-get update || return 1
	start=$(date +%s)
	logged /var/log/ctxscope-test/apt-headers.log apt-get install -y "linux-headers-$other"
	st=$?
	time_diag "apt-get install linux-headers-$other (DKMS build included)" "$(($(date +%s) - start))"
	return $st
}

built_for_both() {
	dkms_installed "$running" && dkms_installed "$other" || return 1
	time_diag "DKMS compile for $other (make.log)" "$(dkms_compile_seconds "$other")"
}

module_for_other() {
	local ko magic
	ko=$(dkms_module "$other")
	magic=$(modinfo -F vermagic "$ko" 2>/dev/null)
	diag "module: ${ko:-none}, vermagic ${magic:-none}"
	[ -n "$ko" ] && [ "${magic%% *}" = "$other" ]
}

tap_plan 3
check "apt_installs_the_headers_of_$other" install_headers
check "dkms_status_shows_both_kernels_installed" built_for_both
check "the_module_for_${other}_has_its_vermagic" module_for_other
tap_exit
