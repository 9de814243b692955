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
	diag "$i of $CYCLES cycles in ${secs}s under $(tail -n 1 /tmp/storm.log)"
	[ $i -eq $CYCLES ]
}

# The storm really raced the cycles: no task it tried to create failed,
# it made at least MIN_RATE tasks/s (30 were seen on the debug kernel,
# about 240 on the others: docs/reliability.md; an order of magnitude
# below the slowest, since TCG's speed depends on the host), and each
# of its three kinds (spawn+exec, fork+exit, threads) made progress in
# every minute of the run (its progress lines come every 10 s).
MIN_RATE=10
storm_ran() {
	awk -v min_rate=$MIN_RATE '
	/^storm: / {
		n++
		last = $0
		sub(/^\(/, "", $4)
		e[n] = $4 + 0; x[n] = $6 + 0; h[n] = $8 + 0
		rate = $(NF - 3) + 0; failed = $(NF - 1) + 0
	}
	END {
		print "# " last
		if (n < 2) { print "# fewer than two progress lines"; exit 1 }
		if (failed) { print "# " failed " tasks failed"; bad = 1 }
		if (rate < min_rate) { print "# rate " rate " < " min_rate " tasks/s"; bad = 1 }
		for (i = 1; i + 6 <= n; i++)
			if (e[i + 6] == e[i] || x[i + 6] == x[i] || h[i + 6] == h[i]) {
				print "# no progress of some kind between lines " i " and " i + 6
				bad = 1
				break
			}
		exit bad
	}' /tmp/storm.log
}

tap_plan 3
[ -d /proc/ctxscope ] && rmmod ctxscope
check "load_unload_${CYCLES}_cycles_under_storm_and_readers" cycles
check "the_storm_ran_throughout" storm_ran
check "module_loads_clean_after_the_cycles" sh -c "insmod $CTXSCOPE_KO && . /tests/lib.sh && summary_ok"
tap_exit
