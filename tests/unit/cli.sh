#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the ctxscope command (built with ASan and UBSan) on files
# captured from the real module (tests/fixtures/<kernel>), pointed to with
# CTXSCOPE_PROC: every output format is valid (jq, promtool), and
# truncated, malformed, future-format and missing files give one clear
# line and the documented exit status, never a partial document.
#
# usage: cli.sh CTXSCOPE_BINARY       (TAP on stdout)
set -uo pipefail

bin=${1:?usage: cli.sh CTXSCOPE_BINARY}
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../fixtures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

check() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@" >"$tmp/log" 2>&1; then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc"
		sed 's/^/# /' "$tmp/log" | tail -n 20
		failed=1
	fi
}

# run DIR ARGS...: the command on fixture DIR; stdout to $tmp/out.
run() {
	local dir=$1
	shift
	CTXSCOPE_PROC=$dir "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
}

valid_json() {
	run "$@" && jq -e . "$tmp/out" >/dev/null
}

valid_prometheus() {
	run "$@" && promtool check metrics <"$tmp/out"
}

# status CODE DIR ARGS...: exits with CODE, one line on stderr naming the
# problem, nothing on stdout.
status() {
	local want=$1 got
	shift
	run "$@"
	got=$?
	echo "exit $got (want $want): $(cat "$tmp/err")"
	[ "$got" -eq "$want" ] && [ ! -s "$tmp/out" ] &&
		[ "$(wc -l <"$tmp/err")" -eq 1 ]
}

echo "TAP version 13"
for k in "$fixtures"/*/; do
	k=${k%/}
	name=$(basename "$k")
	check "$name: tasks -o json is valid JSON" valid_json "$k" tasks -o json
	check "$name: tasks -o prometheus passes promtool" valid_prometheus "$k" tasks -o prometheus
	check "$name: stat -a -o prometheus passes promtool" valid_prometheus "$k" stat -a -o prometheus
	check "$name: tasks -p 1 shows init" sh -c "CTXSCOPE_PROC=$k '$bin' tasks -p 1 | grep -q ' init\$'"
	check "$name: tasks -o csv has a header and a row per task" sh -c \
		"[ \$(CTXSCOPE_PROC=$k '$bin' tasks -o csv | wc -l) -eq \$(wc -l <'$k/tasks') ]"
	check "$name: human tasks output" run "$k" tasks
done

k="$fixtures/6.12"
# Broken copies of a real capture.
mkdir -p "$tmp/truncated" "$tmp/future" "$tmp/garbage" "$tmp/badtasks"
cp "$k"/* "$tmp/truncated/"
head -c 100 "$k/summary" >"$tmp/truncated/summary"
cp "$k"/* "$tmp/future/"
sed -i 's/^format 1$/format 2/' "$tmp/future/summary"
cp "$k"/* "$tmp/garbage/"
printf 'format 1\nswitches lots\n' >"$tmp/garbage/summary"
cp "$k"/* "$tmp/badtasks/"
head -c 300 "$k/tasks" >"$tmp/badtasks/tasks"

check "a truncated summary: exit 65, one line" status 65 "$tmp/truncated" stat -a -n 1 -i 0.01
check "a future format: exit 65, one line" status 65 "$tmp/future" stat -a -o json -n 1 -i 0.01
check "a future format names both versions" grep -q "format 2.*format 1" "$tmp/err"
check "a malformed summary: exit 65, one line" status 65 "$tmp/garbage" stat -a -o prometheus
check "a truncated tasks file: exit 65 and no partial JSON" status 65 "$tmp/badtasks" tasks -o json
check "no module: exit 69 naming modprobe" status 69 "$tmp/nonexistent" tasks
check "no module message names the fix" grep -q "modprobe ctxscope" "$tmp/err"
check "unknown command: exit 64" status 64 "$k" frobnicate
check "unknown output format: exit 64" status 64 "$k" tasks -o xml
check "bad interval: exit 64" status 64 "$k" stat -a -i -1
check "stat -a with a command: exit 64" status 64 "$k" stat -a -- true
check "tasks -p for a missing pid: exit 66" status 66 "$k" tasks -p 999999
check "--help exits 0 with examples" sh -c "'$bin' --help | grep -q Examples"
check "--version names the /proc format" sh -c "'$bin' --version | grep -q 'format 1'"
for c in stat top tasks bench; do
	check "$c --help exits 0 with examples" sh -c "'$bin' $c --help | grep -q Examples"
done
echo "1..$n"
exit $failed
