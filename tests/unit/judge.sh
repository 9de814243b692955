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

# judged DIR: runs the judge; prints "PASSED FAILED SKIPPED".
judged() {
	"$top/tests/vm/judge" "$1" unit >"$1/judge.out" 2>&1
	cat "$1/counts"
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
