#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# apt-get purge of both packages while the module is in use (a reader
# reads every /proc/ctxscope file in a loop): the purge succeeds, the
# module stays loaded and the reader keeps reading (nothing in use is
# unloaded), and nothing of the packages is left: no DKMS tree, no source,
# no built module for any kernel, no configuration, no command. Then the
# module unloads by hand.

# shellcheck source=syslib.sh
. "$CTXSCOPE_TEST_DIR/syslib.sh"

cs-workload reader >/dev/null 2>&1 &
reader=$!
sleep 1

purge() {
	logged /var/log/ctxscope-test/apt-purge.log apt-get purge -y ctxscope-dkms ctxscope
}

still_loaded_and_read() {
	local a b
	a=$(awk '$1 == "switches" { print $2 }' /proc/ctxscope/summary)
	sleep 1
	b=$(awk '$1 == "switches" { print $2 }' /proc/ctxscope/summary)
	diag "module loaded: $([ -d /sys/module/ctxscope ] && echo yes || echo no); reader alive: $(kill -0 $reader 2>/dev/null && echo yes || echo no); switches $a then $b"
	[ -d /sys/module/ctxscope ] && kill -0 $reader 2>/dev/null && [ "${b:-0}" -gt "${a:-0}" ]
}

nothing_left() {
	local left
	left=$( {
		ls -d /var/lib/dkms/ctxscope /usr/src/ctxscope-* /etc/modules-load.d/ctxscope.conf \
			/etc/modprobe.d/ctxscope.conf /usr/bin/ctxscope /usr/share/doc/ctxscope* \
			/usr/share/man/man1/ctxscope.1.gz 2>/dev/null
		find /lib/modules -name 'ctxscope.ko*' 2>/dev/null
		# Known to dpkg in any state but "not installed" (pn, un).
		dpkg -l 'ctxscope*' 2>/dev/null | awk '/^[a-z][a-z] / && $1 !~ /^.n/ { print "dpkg: " $1 " " $2 }'
	} )
	[ -z "$left" ] || echo "$left" | sed 's/^/# left: /'
	modinfo ctxscope >/dev/null 2>&1 && diag "modinfo still finds a module file"
	[ -z "$left" ] && ! modinfo ctxscope >/dev/null 2>&1
}

unloads() {
	kill $reader
	wait $reader 2>/dev/null
	rmmod ctxscope && [ ! -d /sys/module/ctxscope ]
}

tap_plan 4
check "apt_get_purge_of_both_packages_succeeds_with_the_module_in_use" purge
check "the_module_in_use_stays_loaded_and_read" still_loaded_and_read
check "purge_leaves_no_dkms_tree_module_file_or_configuration" nothing_left
check "the_module_then_unloads_with_rmmod" unloads
tap_exit
