#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the ctxscope command (built with ASan and UBSan) on files
# captured from the real module (tests/fixtures/<kernel>), pointed to with
# CTXSCOPE_PROC, and on broken and hostile copies of them:
#   - every output format is valid (jq, promtool) and terminal-safe
#     (tests/tools/termsafe) whatever the task names hold;
#   - truncated, malformed, future-format, missing and column-less files
#     give one clear line naming the file and line, and the documented
#     exit status, never a crash or a partial document;
#   - the conventions: [interval [count]], -T, Average, -p lists, -o in
#     any case, one CSV header, timestamps, write errors;
#   - stat -- CMD itself, following the process tree (CTXSCOPE_MOUNTINFO
#     =/dev/null: no cgroup2 here): exact elapsed time, signals forwarded
#     with the report still written, -O opened first and replaced whole,
#     the JSON schema, -r.
#
# usage: cli.sh CTXSCOPE_BINARY       (TAP on stdout)
set -uo pipefail

bin=${1:?usage: cli.sh CTXSCOPE_BINARY}
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../fixtures"
termsafe="$here/../tools/termsafe"
tmp=$(mktemp -d)
churner=""
trap '[ -n "$churner" ] && kill "$churner" 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
failed=0
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LC_ALL=C

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

# says PATTERN: the last error names what it should.
says() {
	cat "$tmp/err"
	grep -q -- "$1" "$tmp/err"
}

echo "TAP version 13"
for k in "$fixtures"/*/; do
	k=${k%/}
	name=$(basename "$k")
	check "$name: tasks -o json is valid JSON" valid_json "$k" tasks -o json
	check "$name: tasks --per-pid -o prometheus passes promtool" valid_prometheus "$k" tasks --per-pid -o prometheus
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

check "a truncated summary: exit 65, one line" status 65 "$tmp/truncated" stat -a -n 1 -i 0.1
check "a future format: exit 65, one line" status 65 "$tmp/future" stat -a -o json -n 1 -i 0.1
check "a future format names both versions" grep -q "format 2.*format 1" "$tmp/err"
check "a malformed summary: exit 65, one line" status 65 "$tmp/garbage" stat -a -o prometheus
check "a malformed summary names the file and the line" says "garbage/summary: line 2:"
check "a truncated tasks file: exit 65 and no partial JSON" status 65 "$tmp/badtasks" tasks -o json
check "a truncated tasks file names the file and the line" says "badtasks/tasks: line [0-9]*: truncated"
check "no module: exit 69 naming modprobe" status 69 "$tmp/nonexistent" tasks
check "no module message names the fix" grep -q "modprobe ctxscope" "$tmp/err"
check "unknown command: exit 64" status 64 "$k" frobnicate
check "unknown output format: exit 64" status 64 "$k" tasks -o xml
check "bad interval: exit 64" status 64 "$k" stat -a -i -1
check "stat -a with a command but no --: exit 64" status 64 "$k" stat -a true
check "tasks -p for a missing pid: exit 66" status 66 "$k" tasks -p 999999
check "--help exits 0 with examples" sh -c "'$bin' --help | grep -q Examples"
check "--version names the /proc format" sh -c "'$bin' --version | grep -q 'format 1'"
for c in stat top tasks bench; do
	check "$c --help exits 0 with examples" sh -c "'$bin' $c --help | grep -q Examples"
done

# ---- a table without a column: an error naming it, never a crash --------
# drop FILE COLUMN DIR: DIR is the capture with COLUMN cut out of FILE.
drop() {
	mkdir -p "$3"
	cp "$k"/* "$3/"
	awk -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
	{ s = ""; for (i = 1; i <= NF; i++) if (i != c) s = s (s == "" ? "" : " ") $i; print s }' \
		"$k/$1" >"$3/$1"
}
export CTXSCOPE_MOUNTINFO=/dev/null
for case in "tasks comm:tasks" "tasks pid:tasks" "tasks tgid:top -n 1 0.1" \
	"tasks comm:top -n 1 0.1" "tasks switches:tasks -o json" \
	"processes comm:stat -p 1" "processes tgid:stat -- true" \
	"processes ppid:stat -- true" "processes cgroup:stat -- true" \
	"exited seq:stat -- true" "exited comm:stat -- true" \
	"cpus cpu:stat -a -A 0.1 1" "cpus online:stat -a -o prometheus" \
	"summary since_ns:stat -a 0.1 1"; do
	file=${case%% *}
	rest=${case#* }
	col=${rest%%:*}
	cmd=${rest#*:}
	dir="$tmp/no-$file-$col"
	if [ "$file" = summary ]; then
		mkdir -p "$dir"
		cp "$k"/* "$dir/"
		grep -v "^$col " "$k/summary" >"$dir/summary"
	else
		drop "$file" "$col" "$dir"
	fi
	# shellcheck disable=SC2086 # the command's words
	check "$file without $col: $cmd exits 65 naming it" status 65 "$dir" $cmd
	check "$file without $col: the message names file, line and column" \
		says "no-$file-$col/$file: \(line 1: no column\|no key\) $col"
done
mkdir -p "$tmp/badrow"
cp "$k"/* "$tmp/badrow/"
awk 'NR == 5 { $3 = "12x" } { print }' "$k/tasks" >"$tmp/badrow/tasks"
check "a bad value names the file, line and column" status 65 "$tmp/badrow" top 0.1 1
check "... as badrow/tasks: line 5: bad value in column switches" says "badrow/tasks: line 5: bad value in column switches"

# ---- hostile task names through every format -----------------------------
# The module escapes space, tab, newline and backslash as \ooo; every other
# byte of a name comes through raw: escape sequences, 0xff, C1, quotes.
hostile="$tmp/hostile"
mkdir -p "$hostile"
cp "$k"/* "$hostile/"
h1=$(printf '\033[2J\033]0;pwn\a')	# clears and retitles the terminal
h2=$(printf 'q"\\134\\012\377\177')	# quote, backslash, newline, 0xff, DEL
h3=$(printf '\302\233""31m\\040x,y')	# C1 CSI as UTF-8, quotes, space, comma
# (ENVIRON, not -v: awk would undo the backslash escapes.)
export H1="$h1" H2="$h2" H3="$h3"
awk 'NR == 2 { $NF = ENVIRON["H1"] } NR == 3 { $NF = ENVIRON["H2"] }
NR == 4 { $NF = ENVIRON["H3"] } { print }' "$k/tasks" >"$hostile/tasks"
awk 'NR == 2 { $NF = ENVIRON["H1"] } NR == 3 { $NF = ENVIRON["H2"] } { print }' \
	"$k/processes" >"$hostile/processes"
check "hostile names: the fixture holds them raw" grep -q "$(printf '\033')\[2J" "$hostile/tasks"

safe() {
	local desc=$1 check=$2
	shift 2
	if [ "$1" = stat ]; then
		CTXSCOPE_PROC=$hostile timeout --preserve-status -s INT 0.3 "$bin" "$@" >"$tmp/out" 2>"$tmp/err" ||
			{ cat "$tmp/err"; return 1; }
	else
		run "$hostile" "$@" || { cat "$tmp/err"; return 1; }
	fi
	cp "$tmp/out" "$tmp/safe.out"
	"$termsafe" "$tmp/safe.out" || return 1
	case "$check" in
	json) jq -e . "$tmp/safe.out" >/dev/null ;;
	jsonl) jq -e . "$tmp/safe.out" >/dev/null &&
		[ "$(jq -c . "$tmp/safe.out" | wc -l)" -eq "$(wc -l <"$tmp/safe.out")" ] ;;
	prom) promtool check metrics <"$tmp/safe.out" ;;
	csv) awk -F, -v want="$(head -n 1 "$tmp/safe.out" | awk -F, '{ print NF }')" '
		# Quoted commas aside, every row has as many fields as the header.
		{ gsub(/"[^"]*"/, "q"); if (NF != want) { print "row " NR ": " NF " fields"; bad = 1 } }
		END { exit bad }' "$tmp/safe.out" ;;
	*) true ;;
	esac
}
check "hostile names: tasks (human) is terminal-safe" safe human human tasks
check "hostile names: ... and shows ? for the escapes, as ps does" grep -q '?\[2J?\]0;pwn?' "$tmp/safe.out"
check "hostile names: tasks -o json is valid, terminal-safe JSON" safe json json tasks -o json
# The names as they are, but 0xff: U+FFFD (jq's \u escapes, written out).
json_names() {
	jq -e '.tasks[0].comm == "\u001b[2J\u001b]0;pwn\u0007" and
		.tasks[1].comm == "q\"\\\n\ufffd\u007f" and
		.tasks[2].comm == "\u009b\"\"31m x,y"' "$tmp/safe.out"
}
check "hostile names: ... and keeps the names, 0xff as U+FFFD" json_names
check "hostile names: tasks -o csv is one line per row, terminal-safe" safe csv csv tasks -o csv
check "hostile names: tasks -o prometheus passes promtool, terminal-safe" safe prom prom tasks --per-pid -o prometheus
check "hostile names: ... with the label escaped as the format says" grep -q 'comm="q\\"\\\\\\n' "$tmp/safe.out"
# stat -p reports at ^C (here: timeout's SIGINT after 0.3 s).
check "hostile names: stat -p (report) is terminal-safe" safe human human stat -p 1 -O /dev/stdout
check "hostile names: stat -p -o json is valid JSON" safe json json stat -p 1,2 -o json -O /dev/stdout
check "hostile names: stat -p -o prometheus passes promtool" safe prom prom stat -p 1,2 -o prometheus -O /dev/stdout
check "hostile names: an error quoting a name is terminal-safe" sh -c \
	"CTXSCOPE_PROC='$hostile' '$bin' tasks -o '$h1' 2>'$tmp/e'; '$termsafe' '$tmp/e'"

# top needs tasks that switch: a tasks file rewritten as it runs.
live="$tmp/live"
mkdir -p "$live"
cp "$hostile"/* "$live/"
cp "$hostile/tasks" "$tmp/tasks.base"
(
	i=0
	while :; do
		i=$((i + 7))
		awk -v i=$i 'NR > 1 && NR < 6 { $3 += i; $4 += i; $6 += i } { print }' \
			"$tmp/tasks.base" >"$live/tasks.new" && mv "$live/tasks.new" "$live/tasks"
		sleep 0.05
	done
) &
churner=$!
topsafe() {
	local fmt=$1
	shift
	CTXSCOPE_PROC=$live "$bin" top "$@" >"$tmp/top.out" 2>"$tmp/err" || { cat "$tmp/err"; return 1; }
	"$termsafe" "$tmp/top.out" || return 1
	grep -q 'pwn' "$tmp/top.out" || { echo "the hostile task is not shown"; return 1; }
	case "$fmt" in
	jsonl) jq -e . "$tmp/top.out" >/dev/null ;;
	*) true ;;
	esac
}
check "hostile names: top (human) is terminal-safe" topsafe human 0.2 2
check "hostile names: ... and ends with the averages" grep -q 'on average over the whole' "$tmp/top.out"
check "hostile names: top -o json is valid, terminal-safe JSON lines" topsafe jsonl -o json 0.2 2
check "top -o json carries schema_version and a timestamp" sh -c \
	"jq -e '.schema_version == 1 and (.timestamp | type) == \"number\" and (.tasks | length) > 0' '$tmp/top.out' >/dev/null"
check "hostile names: top -o csv is terminal-safe" topsafe csv -o csv 0.2 3
check "top -o csv has one header for three refreshes" sh -c \
	"[ \$(grep -c '^timestamp,pid,tgid' '$tmp/top.out') -eq 1 ]"
check "top -p selects, top -T shows the time of day" sh -c \
	"CTXSCOPE_PROC='$live' '$bin' top -T -p 2 0.2 1 | grep -q '^ [0-9][0-9]:[0-9][0-9]:[0-9][0-9] ctxscope top: 1 tasks'"
kill "$churner" 2>/dev/null
wait "$churner" 2>/dev/null
churner=""

# ---- conventions ---------------------------------------------------------
lines() {
	local want=$1 got
	shift
	run "$k" "$@" || { cat "$tmp/err"; return 1; }
	got=$(wc -l <"$tmp/out")
	echo "$*: $got lines, want $want"
	[ "$got" -eq "$want" ]
}
ncpus=$(($(wc -l <"$k/cpus") - 1))
check "stat with no arguments: a one-line usage, exit 64" sh -c \
	"'$bin' stat 2>'$tmp/e'; [ \$? -eq 64 ] && [ \$(wc -l <'$tmp/e') -eq 1 ] && grep -q '^usage: ctxscope stat' '$tmp/e'"
check "-o is case-insensitive (-o JSON)" valid_json "$k" tasks -o JSON
check "stat -a INTERVAL COUNT: COUNT rows and a header" lines 3 stat -a -o csv 0.1 2
check "stat -a INTERVAL COUNT (human): header, rows, Average" lines 4 stat -a 0.1 2
check "... the last line is the Average" sh -c "tail -n 1 '$tmp/out' | grep -q '^ Average: '"
check "stat -a -T shows the time of day" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' stat -a -T 0.1 1 | sed -n 2p | grep -q '^ [0-9][0-9]:[0-9][0-9]:[0-9][0-9] '"
check "stat -a -o json: numbers, and a timestamp per line" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' stat -a -o json 0.1 2 | jq -e '(.timestamp | type) == \"number\" and (.switches | type) == \"number\"' >/dev/null"
check "stat -a -A: a row per CPU per interval" lines $((1 + 2 * ncpus)) stat -a -A -o csv 0.1 2
check "an interval under 0.1 s is refused" status 64 "$k" stat -a 0.05
check "top INTERVAL COUNT is honoured (top 0.1 2)" lines 2 top -o json 0.1 2
check "a third positional argument is refused" status 64 "$k" top 1 2 3
check "tasks -p accumulates (-p 1,2 -p 3)" sh -c \
	"[ \$(CTXSCOPE_PROC='$k' '$bin' tasks -o csv -p 1,2 -p 3 | wc -l) -eq 4 ]"
check "tasks -o prometheus without a choice of tasks: exit 64" status 64 "$k" tasks -o prometheus
check "stat -p 1 INTERVAL COUNT: rows of the process" lines 3 stat -p 1 -o csv 0.1 2
check "stat -p for a missing process: exit 66" status 66 "$k" stat -p 999999
check "stat -a -o prometheus: per CPU, health, no NaN" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' stat -a -o prometheus >'$tmp/p' && grep -q '^ctxscope_context_switches_total{cpu=\"0\",class=\"thread\"} ' '$tmp/p' && grep -q '^ctxscope_tasks_dropped_total 0' '$tmp/p' && grep -q '^ctxscope_info{version=' '$tmp/p' && ! grep -qi nan '$tmp/p'"
check "writing to a full disk: exit 74, one line" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' tasks >/dev/full 2>'$tmp/e'; s=\$?; cat '$tmp/e'; [ \$s -eq 74 ] && [ \$(wc -l <'$tmp/e') -eq 1 ] && grep -q 'No space left' '$tmp/e'"
check "writing intervals to a full disk: exit 74" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' stat -a 0.1 1 >/dev/full 2>'$tmp/e'; [ \$? -eq 74 ]"
check "writing Prometheus to a full disk: exit 74" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' stat -a -o prometheus >/dev/full 2>'$tmp/e'; [ \$? -eq 74 ]"

# max_tasks=0: the module is loaded, its per-task files are not there.
mkdir -p "$tmp/notasks"
cp "$k/cpus" "$tmp/notasks/"
sed 's/^tasks_capacity .*/tasks_capacity 0/' "$k/summary" >"$tmp/notasks/summary"
check "max_tasks=0: tasks exits 78 and says so" status 78 "$tmp/notasks" tasks
check "... naming max_tasks=0" says "max_tasks=0"
notasks_stat() {
	CTXSCOPE_PROC=$tmp/notasks "$bin" stat -a -o csv 0.1 1 >"$tmp/out" 2>"$tmp/err" &&
		[ "$(wc -l <"$tmp/out")" -eq 2 ]
}
check "max_tasks=0: stat -a still works" notasks_stat

# ---- stat -- CMD, following the process tree -----------------------------
# stat_json ARGS...: stat -o json -O $tmp/r.json ARGS; exit status in $st.
stat_json() {
	CTXSCOPE_PROC=$k "$bin" stat -o json -O "$tmp/r.json" "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
}
schema() {
	stat_json -- sh -c 'exit 3'
	[ "$st" -eq 3 ] || { echo "exit $st"; return 1; }
	jq -e '.schema_version == 1 and .report == "stat" and (.hostname | type) == "string"
		and (.timestamp | type) == "number" and .run.argv == ["sh", "-c", "exit 3"]
		and .run.exit_status == 3 and .run.signal == null
		and (.run.elapsed_seconds | type) == "number"
		and (.run.processes.total | type) == "number"
		and (.run.user_seconds | type) == "number"
		and (.run.rusage.voluntary | type) == "number"
		and .run.method == "process_tree" and (.run.method_reason | type) == "string"
		and .run.cgroup == null and (.command.switches | type) == "number"
		and (.system.switches | type) == "number" and (has("title") | not)' "$tmp/r.json"
}
check "stat -o json: the documented schema, numbers as numbers" schema
# Exact elapsed: sleep 0.05 runs 50 ms and a little; polling every 100 ms
# would give 0.1 or more. The fastest of three must be under 90 ms.
elapsed() {
	local i best=9
	for i in 1 2 3; do
		stat_json -- sleep 0.05 || true
		e=$(jq -r .run.elapsed_seconds "$tmp/r.json") || return 1
		echo "run $i: $e s"
		awk -v e="$e" 'BEGIN { exit !(e >= 0.05) }' || return 1
		best=$(awk -v a="$best" -v b="$e" 'BEGIN { print (b < a ? b : a) }')
	done
	awk -v e="$best" 'BEGIN { exit !(e < 0.09) }'
}
check "stat -- sleep 0.05 reports 0.05x s, not a polling tick" elapsed
check "stat shows user and system time from wait4" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' stat -- sh -c 'i=0; while [ \$i -lt 30000 ]; do i=\$((i+1)); done' 2>&1 | grep -q 's user, .* s system (wait4)'"
check "stat -o prometheus: the run's info, method and timings pass promtool" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' stat -o prometheus -O '$tmp/r.prom' -- true && promtool check metrics <'$tmp/r.prom' && grep -q 'ctxscope_run_info{command=\"true\",method=\"process_tree\"} 1' '$tmp/r.prom' && grep -q '^ctxscope_run_exit_status 0' '$tmp/r.prom'"
check "stat human says which method it used" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' stat -- true 2>&1 | grep -q '^ method  *process tree'"
check "stat -O to a directory that does not exist: exit 73, CMD not run" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' stat -O /nonexistent/r.json -- touch '$tmp/ran' 2>'$tmp/e'; s=\$?; cat '$tmp/e'; [ \$s -eq 73 ] && [ ! -e '$tmp/ran' ]"
outfile() {
	rm -rf "$tmp/o" && mkdir "$tmp/o" || return 1
	echo old >"$tmp/o/r.prom"
	chmod 0640 "$tmp/o/r.prom"
	CTXSCOPE_PROC=$k "$bin" stat -o prometheus -O "$tmp/o/r.prom" -- sh -c "ls '$tmp/o' >'$tmp/during'" || return 1
	echo "during the run: $(cat "$tmp/during")"
	# The temporary file is there while CMD runs, next to the old report.
	[ "$(wc -l <"$tmp/during")" -eq 2 ] && grep -qv '^r.prom$' "$tmp/during" &&
	[ "$(ls "$tmp/o")" = r.prom ] && [ "$(stat -c %a "$tmp/o/r.prom")" = 640 ] &&
	promtool check metrics <"$tmp/o/r.prom"
}
check "stat -O: opened first, replaced whole by rename, mode kept" outfile
signalled() {
	local sig=$1 want=$2
	stat_json -- sh -c "kill -$sig \$PPID; exec sleep 5"
	echo "exit $st (want $want): $(cat "$tmp/err")"
	[ "$st" -eq "$want" ] && jq -e ".run.signal == $((want - 128)) and .run.elapsed_seconds < 4" "$tmp/r.json"
}
check "SIGTERM to ctxscope goes to the command; the report follows" signalled TERM 143
check "SIGINT to ctxscope goes to the command; the report follows" signalled INT 130
background_term() {
	CTXSCOPE_PROC=$k "$bin" stat -o json -O "$tmp/bg.json" -- sleep 33.3 2>/dev/null &
	local pid=$! s
	sleep 0.5
	kill -TERM "$pid"
	wait "$pid"
	s=$?
	echo "exit $s"
	[ "$s" -eq 143 ] && jq -e '.run.signal == 15' "$tmp/bg.json" && ! pgrep -f '^sleep 33.3$' >/dev/null
}
check "kill -TERM of a background ctxscope stat ends the command too" background_term
repeat() {
	stat_json -r 3 -- sleep 0.05
	[ "$st" -eq 0 ] && jq -e '.run.runs == 3 and .run.elapsed_seconds >= 0.05
		and .run.elapsed_seconds < 0.2 and (.run.elapsed_stddev_seconds | type) == "number"
		and (.command | has("stddev"))' "$tmp/r.json"
}
check "stat -r 3: means over 3 runs with their deviations" repeat
check "stat -r 3 (human): +- as perf stat -r prints it" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' stat -r 3 -- true 2>&1 | grep -q 'elapsed .* s ( +- .*% ), mean of 3 runs'"
check "stat -a -- CMD: system-wide while it ran, its exit status" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' stat -a -o json -O '$tmp/a.json' -- sh -c 'exit 4'; [ \$? -eq 4 ] && jq -e '(has(\"command\") | not) and (.system.switches | type) == \"number\" and .run.exit_status == 4' '$tmp/a.json'"
check "stat -A -- CMD: a row per CPU" sh -c \
	"CTXSCOPE_PROC='$k' '$bin' stat -A -o json -O '$tmp/c.json' -- true && jq -e '(.cpus | length) == $ncpus' '$tmp/c.json'"
check "stat -- a missing command: exit 127, one line" status 127 "$k" stat -- /no/such/command
# The metric names are an interface (dashboards, alerts, the exporter):
# every family of prom.c's table is in ctxscope(1), and every name the
# man page gives is one that ctxscope writes.
prom_names_documented() {
	local src=$here/../../userspace/prom.c man=$here/../../docs/ctxscope.1 bad=0 name
	grep -o '"ctxscope_[a-z_]*"' "$src" | tr -d '"' | sort -u >"$tmp/prom.names"
	[ "$(wc -l <"$tmp/prom.names")" -ge 40 ] || { echo "only $(wc -l <"$tmp/prom.names") names in $src"; return 1; }
	while read -r name; do
		grep -q "$name\\>" "$man" || { echo "$name is not in ctxscope(1)"; bad=1; }
	done <"$tmp/prom.names"
	sed -n '/^\.SS Prometheus/,/^\.SH/p' "$man" | grep -o 'ctxscope_[a-z_]*[a-z]' | sort -u |
		while read -r name; do
			grep -qx "$name" "$tmp/prom.names" || { echo "ctxscope(1) names $name, which ctxscope does not write"; exit 1; }
		done || bad=1
	return $bad
}
check "every Prometheus family is in ctxscope(1), and only those" prom_names_documented
echo "1..$n"
exit $failed
