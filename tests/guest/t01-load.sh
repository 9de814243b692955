#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Loading and unloading: the /proc files appear with the documented
# format and invariants, disappear on unload, and the module survives
# repeated load/unload while a workload switches on every CPU.

. /tests/lib.sh

CYCLES=20

files_ok() {
	[ "$(stat -c %a /proc/ctxscope/summary)" = 444 ] &&
	[ "$(stat -c %a /proc/ctxscope/cpus)" = 444 ] &&
	[ "$(stat -c %a /proc/ctxscope/control)" = 200 ]
}

# The possible CPUs, one number per line, from the kernel's range list.
possible_cpus() {
	tr ',' '\n' </sys/devices/system/cpu/possible | awk -F- '{
		last = NF == 2 ? $2 : $1
		for (c = $1; c <= last; c++) print c
	}'
}

# Header, then exactly one row per possible CPU, in order, each with every
# column (t20 checks their values against the kernel's switch events).
cpus_ok() {
	cols="cpu online switches switches_process switches_thread switches_kernel switches_idle voluntary involuntary mm_switches lazy_switches"
	if [ "$(awk '$1 == "tlb_available" { print $2 }' /proc/ctxscope/summary)" = 1 ]; then
		cols="$cols tlb_switch_flush tlb_switch_noflush tlb_other_switch_flush tlb_other_switch_noflush tlb_shootdown_remote tlb_shootdown_local tlb_shootdown_local_mm tlb_ipi_sent"
	fi
	[ "$(head -n 1 /proc/ctxscope/cpus)" = "$cols" ] || return 1
	tail -n +2 /proc/ctxscope/cpus | awk -v nf="$(echo $cols | wc -w)" '{
		if (NF != nf) { print "# row " NR ": " NF " fields"; bad = 1 }
		print $1
	} END { exit bad }' >/tmp/cpus.rows || { grep '^#' /tmp/cpus.rows; return 1; }
	possible_cpus >/tmp/cpus.want
	diag "cpus: rows for CPUs $(tr '\n' ' ' </tmp/cpus.rows); possible: $(tr '\n' ' ' </tmp/cpus.want)"
	cmp -s /tmp/cpus.rows /tmp/cpus.want
}

unload_ok() {
	rmmod ctxscope && [ ! -e /proc/ctxscope ]
}

# Counters start at zero on every load: after insmod they hold at most the
# switches the kernel made since just before it.
fresh_load() {
	c0=$(ctxt)
	insmod "$CTXSCOPE_KO" || return 1
	eval "$(summary_vars)"
	c1=$(ctxt)
	if [ "$s_switches" -gt $((c1 - c0)) ]; then
		diag "after load: switches $s_switches > kernel's $((c1 - c0))"
		return 1
	fi
	summary_ok
}

cycles_ok() {
	cs-workload forever >/dev/null 2>&1 &
	i=0
	while [ $i -lt $CYCLES ]; do
		fresh_load || { diag "cycle $i: load"; break; }
		cat /proc/ctxscope/cpus >/dev/null || { diag "cycle $i: cpus"; break; }
		usleep 200000
		summary_ok || { diag "cycle $i: summary under load"; break; }
		unload_ok || { diag "cycle $i: unload"; break; }
		i=$((i + 1))
	done
	killall -9 cs-workload
	wait
	diag "$i of $CYCLES load/unload cycles completed"
	[ $i -eq $CYCLES ]
}

tap_plan 8
[ -d /proc/ctxscope ] && rmmod ctxscope
check "module_loads_with_fresh_counters" fresh_load
check "proc_files_have_documented_modes" files_ok
check "summary_is_format_1_with_every_key" summary_ok
check "cpus_has_header_and_one_row_per_possible_cpu" cpus_ok
check "unload_removes_proc_ctxscope" unload_ok
check "load_unload_${CYCLES}_cycles_under_workload" cycles_ok
check "module_loads_again_after_cycles" fresh_load
check "dmesg_has_no_ctxscope_errors" sh -c '! dmesg | grep -i "ctxscope:.*\(error\|cannot\|not found\)"'
tap_exit
