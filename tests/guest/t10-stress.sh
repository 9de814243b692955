#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Load and unload under fire: 500 load/unload cycles while a fork/exec/exit
# storm runs and four readers read every /proc/ctxscope file in a loop
# (cs-workload storm and reader).
# After each load the counters must be consistent; the kernel must stay
# clean (judged from dmesg by the harness).

. /tests/lib.sh

# 500, less on the debug kernel (ctxscope.scale).
CYCLES=$(scaled 500)

start_readers() {
	for r in 1 2 3 4; do
		cs-workload reader &
		readers="$readers $!"
	done
}

# After a load: format 1, the invariants, and every table readable with
# its header.
consistent() {
	summary_ok || return 1
	for f in cpus tasks processes cgroups exited; do
		head -n 1 /proc/ctxscope/$f | grep -q '^[a-z]' || {
			diag "cycle $i: /proc/ctxscope/$f has no header"
			return 1
		}
	done
}

cycles() {
	cs-workload storm 2>/tmp/storm.log &
	storm=$!
	readers=""
	start_readers
	i=0
	start=$(date +%s)
	while [ $i -lt $CYCLES ]; do
		insmod "$CTXSCOPE_KO" || { diag "cycle $i: insmod failed"; break; }
		consistent || { diag "cycle $i: inconsistent after load"; break; }
		rmmod ctxscope || { diag "cycle $i: rmmod failed"; break; }
		i=$((i + 1))
		[ $((i % 100)) -eq 0 ] && diag "$i cycles in $(($(date +%s) - start))s"
	done
	secs=$(($(date +%s) - start))
	kill -TERM $storm
	kill $readers
	wait
	diag "$i of $CYCLES cycles in ${secs}s under $(cat /tmp/storm.log)"
	[ $i -eq $CYCLES ]
}

# The storm's rate is reported, not asserted: under QEMU's TCG it depends
# on the host (docs/reliability.md).
storm_ran() {
	rate=$(sed -n 's/.*: \([0-9]*\) tasks\/s$/\1/p' /tmp/storm.log)
	diag "storm rate: ${rate:-unknown} tasks/s"
	[ "${rate:-0}" -gt 0 ]
}

tap_plan 3
[ -d /proc/ctxscope ] && rmmod ctxscope
check "load_unload_${CYCLES}_cycles_under_storm_and_readers" cycles
check "the_storm_ran_throughout" storm_ran
check "module_loads_clean_after_the_cycles" sh -c "insmod $CTXSCOPE_KO && . /tests/lib.sh && summary_ok"
tap_exit
