#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests the host's judge of a guest run (tests/vm/judge) on made-up guest
# output: the heartbeat may split any line, even one of an artifact, and
# the judge must still count every result and check every artifact; a
# failed or missing result must still fail.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 bad=0

check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		bad=1
	fi
}

# guest_run DIR: writes DIR/results.log from stdin, as the guest would,
# with carriage returns from the serial line.
guest_run() {
	mkdir -p "$1"
	sed 's/$/\r/' >"$1/results.log"
	: >"$1/console.log"
}

# judged DIR [EXPECTED]: runs the judge; prints "PASSED FAILED SKIPPED".
judged() {
	"$top/tests/vm/judge" "$1" unit 0 "${2:-}" >"$1/judge.out" 2>&1
	cat "$1/counts"
}

# The end of a clean run: taint, an empty dmesg, poweroff.
clean_end() {
	printf '%s\n' "CTXSCOPE-TAINT 4096" CTXSCOPE-DMESG-BEGIN \
		CTXSCOPE-DMESG-END CTXSCOPE-POWEROFF
}

# One passing program of one result.
one_program() {
	printf '%s\n' "CTXSCOPE-BEGIN $1" "1..1" "ok 1 - works" "CTXSCOPE-END $1 0 1"
}

guest_run "$work/split" <<'OUT'
CTXSCOPE-KERNEL 6.1.0-test 2 cpus
CTXSCOPE-BEGIN t01
1..2
ok 1 - first
okCTXSCOPE-ALIVE
 2 - second, split by the heartbeat
CTXSCOPE-ALIVE
CTXSCOPE-ARTIFACT json sample
{"switches": 12,CTXSCOPE-ALIVE
 "voluntary": 7}
CTXSCOPE-ARTIFACT-END
CTXSCOPE-END t01 0 3
CTXSCOPE-TAINT 12288
CTXSCOPE-DMESG-BEGIN
[    1.0] ctxscope: loaded
CTXSCOPE-DMESG-END
CTXSCOPE-POWEROFF
OUT
counts=$(judged "$work/split")
# 2 results + taint + dmesg + the artifact (jq) = 5
[ "$counts" = "5 0 0" ]
check $? "a heartbeat inside a TAP line and an artifact loses nothing ($counts)"

guest_run "$work/fail" <<'OUT'
CTXSCOPE-KERNEL 6.1.0-test 2 cpus
CTXSCOPE-BEGIN t01
1..3
ok 1 - first
not ok 2 - second
CTXSCOPE-ARTIFACT json sample
{"switches": 12,
CTXSCOPE-ARTIFACT-END
CTXSCOPE-END t01 1 3
CTXSCOPE-TAINT 12288
CTXSCOPE-DMESG-BEGIN
CTXSCOPE-DMESG-END
CTXSCOPE-POWEROFF
OUT
counts=$(judged "$work/fail")
# failed: "not ok 2", 2 of 3 results, broken artifact
[ "$counts" = "3 3 0" ]
check $? "a failed result, a missing result and a broken artifact all fail ($counts)"
grep -q "last 60 lines of the guest console" "$work/fail/judge.out"
check $? "a failed run prints the guest console"

{ echo "CTXSCOPE-KERNEL 6.1.0-test 2 cpus"; clean_end; } | guest_run "$work/none"
counts=$(judged "$work/none")
# taint + dmesg pass; nothing ran
[ "$counts" = "2 1 0" ] && grep -q "not ok .*no test program ran" "$work/none/judge.out"
check $? "a boot that ran no test program fails ($counts)"

{ one_program t01-load.sh; clean_end; } | guest_run "$work/missing"
counts=$(judged "$work/missing" t01-load.sh,t08-tlb)
[ "$counts" = "3 1 0" ] &&
	grep -q "not ok .*t08-tlb: did not run" "$work/missing/judge.out"
check $? "an expected program that did not run fails: missing or renamed ($counts)"

{ one_program t01-load.sh; clean_end; } | guest_run "$work/present"
counts=$(judged "$work/present" t01-load.sh)
[ "$counts" = "3 0 0" ]
check $? "every expected program ran: passes ($counts)"

{ echo "CTXSCOPE-NO-SUCH-TEST t08-tbl"; one_program t01-load.sh; clean_end; } |
	guest_run "$work/nosuch"
counts=$(judged "$work/nosuch" t01-load.sh)
[ "$counts" = "3 1 0" ] &&
	grep -q "not ok .*no test program named t08-tbl" "$work/nosuch/judge.out"
check $? "a name the guest has no program for fails ($counts)"

{ printf '%s\n' "CTXSCOPE-BEGIN t20-empty" "1..0" "CTXSCOPE-END t20-empty 0 0"
	clean_end; } | guest_run "$work/plan0"
counts=$(judged "$work/plan0" t20-empty)
[ "$counts" = "2 1 0" ] &&
	grep -q "not ok .*plan 1..0" "$work/plan0/judge.out"
check $? "a plan of 1..0 fails ($counts)"

{ printf '%s\n' "CTXSCOPE-BEGIN t32-stat.sh" "1..1" \
	"/tests/t32-stat.sh: line 60: pgrep: not found" "ok 1 - passes on 127" \
	"CTXSCOPE-END t32-stat.sh 0 1"
	clean_end; } | guest_run "$work/notfound"
counts=$(judged "$work/notfound" t32-stat.sh)
[ "$counts" = "3 1 0" ] &&
	grep -q "not ok .*runs a command the guest does not have: .*pgrep" "$work/notfound/judge.out"
check $? "a shell test calling a command the guest lacks fails ($counts)"

{ printf '%s\n' "CTXSCOPE-BEGIN t12-cgroup-move" "1..2" "ok 1 - first" \
	"ok 2 - second # SKIP no cgroup2" "CTXSCOPE-END t12-cgroup-move 0 1"
	clean_end; } | guest_run "$work/skip"
counts=$(judged "$work/skip" t12-cgroup-move)
[ "$counts" = "3 0 1" ] && grep -q "1 skipped" "$work/skip/judge.out"
check $? "a skipped result is counted as a skip and shown ($counts)"

# Stalls: the same guest report, judged against what the host gave QEMU.
# stall_run DIR: a run whose kernel log has a soft lockup and an RCU stall
# at 55.6 s of guest time, the guest's clock 4 s behind QEMU's start.
stall_run() {
	{
		echo "CTXSCOPE-KERNEL 6.12.0-test 2 cpus"
		echo "CTXSCOPE-UPTIME 1.00"
		echo "CTXSCOPE-RCU-STALL-TIMEOUT 21"
		one_program t02-total
		echo "CTXSCOPE-TAINT 28672"
		echo CTXSCOPE-DMESG-BEGIN
		echo "[   55.583004] watchdog: BUG: soft lockup - CPU#1 stuck for 43s! [t02-total:334]"
		echo "[   55.595429] Call Trace:"
		echo "[   55.665123] rcu: INFO: rcu_preempt self-detected stall on CPU"
		echo "[   55.670526] Call Trace:"
		[ "${2:-}" = warning ] && echo "[   80.100000] WARNING: CPU: 0 PID: 1 at somewhere"
		echo CTXSCOPE-DMESG-END
		echo CTXSCOPE-POWEROFF
	} | guest_run "$1"
}

# host_log DIR STOPPED: QEMU's record, one line every 2 s for 80 s; QEMU
# ran all the time, or (STOPPED=1) not at all from 15 s to 61 s.
host_log() {
	awk -v stopped="$2" 'BEGIN {
		for (s = 1; s <= 80; s += 2) {
			if (!stopped || s < 15) cpu += 2
			else if (s > 61) cpu += 2
			printf "%d %.2f 0.00 1.00 %d\n", s, cpu, s < 5 ? 0 : 100000
		}
	}' >"$1/host.log"
}

stall_run "$work/starved"
host_log "$work/starved" 1
counts=$(judged "$work/starved" t02-total)
# the program passes; taint and dmesg fail, pending the second boot
[ "$counts" = "1 2 0" ] && [ -s "$work/starved/starved" ] &&
	grep -q "rcu-stall at 55.665 s of guest time: .*host starvation" "$work/starved/judge.out"
check $? "a stall while QEMU did not run is the host's: marked for a second boot ($counts)"

stall_run "$work/real"
host_log "$work/real" 0
counts=$(judged "$work/real" t02-total)
[ "$counts" = "1 2 0" ] && [ ! -e "$work/real/starved" ] &&
	grep -q "rcu-stall at 55.665 s of guest time: .*a real stall" "$work/real/judge.out"
check $? "a stall while QEMU ran is real: it fails, no second boot ($counts)"

stall_run "$work/starved-warn" warning
host_log "$work/starved-warn" 1
counts=$(judged "$work/starved-warn" t02-total)
[ "$counts" = "1 2 0" ] && [ ! -e "$work/starved-warn/starved" ] &&
	grep -q "dmesg: .*WARNING: CPU: 0" "$work/starved-warn/judge.out"
check $? "a starved stall does not excuse another splat: no second boot ($counts)"

rm "$work/real/host.log"
counts=$(judged "$work/real" t02-total)
[ "$counts" = "1 2 0" ] && [ ! -e "$work/real/starved" ] &&
	grep -q "no host record .*taken as real" "$work/real/judge.out"
check $? "a stall without a host record is taken as real ($counts)"

# --tests names are resolved against the programs that exist.
mkdir -p "$work/bin"
touch "$work/bin/t02-total" "$work/bin/t08-tlb"
chmod +x "$work/bin"/*
sel=$("$top/tests/vm/select-tests" "$work/bin" t02-total,t01-load 2>/dev/null)
[ "$sel" = t02-total,t01-load.sh ]
check $? "select-tests names programs with or without .sh ($sel)"
"$top/tests/vm/select-tests" "$work/bin" t02-totl,t08-tlb >/dev/null 2>"$work/sel.err"
[ $? -ne 0 ] && grep -q "no test program named 't02-totl'" "$work/sel.err"
check $? "a misspelt --tests name is an error"
sel=$("$top/tests/vm/select-tests" "$work/bin" all)
case ",$sel," in *,t01-load.sh,*t08-tlb,*) true ;; *) false ;; esac
check $? "--tests all is every program ($sel)"

esc=$(printf '\033')
guest_run "$work/unsafe" <<OUT
CTXSCOPE-KERNEL 6.1.0-test 2 cpus
CTXSCOPE-BEGIN t01
1..1
ok 1 - first
CTXSCOPE-ARTIFACT human tasks
 pid  command
   1  ${esc}[2Jinit
CTXSCOPE-ARTIFACT-END
CTXSCOPE-ARTIFACT human safe
 pid  command
   1  ?[2Jinit
CTXSCOPE-ARTIFACT-END
CTXSCOPE-END t01 0 3
CTXSCOPE-TAINT 0
CTXSCOPE-DMESG-BEGIN
CTXSCOPE-DMESG-END
CTXSCOPE-POWEROFF
OUT
counts=$(judged "$work/unsafe")
# 1 result + taint + dmesg + the safe artifact; the escape byte fails
[ "$counts" = "4 1 0" ]
check $? "an artifact with a terminal escape in it fails termsafe ($counts)"

echo "1..$n"
exit "$bad"
