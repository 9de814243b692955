#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Hostile task names against the real module. Any user can name a task
# (prctl(PR_SET_NAME), /proc/PID/comm): here three processes are named
# with a clear-screen and a retitle escape sequence, a quote, a backslash,
# a newline, 0xff and DEL, and the C1 CSI (U+009B), and go through every
# command and format of ctxscope. Here each output must show them (so the
# test sees what it checks) without an escape byte; each is also printed
# as an artifact that the host checks with jq or promtool and with
# tests/tools/termsafe (valid UTF-8, no byte a terminal acts on).

. /tests/lib.sh

ESC=$(printf '\033')

# named FORMAT: a shell that names itself printf FORMAT and keeps
# switching; prints its pid.
named() {
	sh -c 'printf "$1" >/proc/$$/comm; while :; do usleep 20000; done' \
		named "$1" >/dev/null 2>&1 &
	echo $!
}

p1=$(named '\033[2J\033]0;pwn\007')
p2=$(named 'q"\\\n\377\177pwn')
p3=$(named '\302\233"31m pwn,')
pids="$p1,$p2,$p3"
sleep 1

# shows FILE: FILE shows the three and holds no escape byte.
shows() {
	n=$(grep -o pwn "$1" | wc -l)
	diag "$1: $n hostile names shown"
	[ "$n" -ge 3 ] || { sed 's/^/# /' "$1" | head -n 20; return 1; }
	if grep -q "$ESC" "$1"; then
		diag "$1 holds an ESC byte"
		return 1
	fi
}

out() {
	"$@" >/tmp/out 2>/tmp/err
	st=$?
	[ "$st" -eq 0 ] || { diag "$*: exit $st: $(cat /tmp/err)"; return 1; }
	shows /tmp/out
}

# The report of stat -p, at ^C (timeout's SIGINT after a second).
attached() {
	rm -f /tmp/report
	timeout -s INT 1 ctxscope stat -p "$pids" -O /tmp/report "$@" 2>/tmp/err
	[ -s /tmp/report ] || { diag "no report: $(cat /tmp/err)"; return 1; }
	shows /tmp/report
}

# stat -- CMD whose command renames itself, with an escape in its argv.
command_named() {
	rm -f /tmp/report
	ctxscope stat -O /tmp/report "$@" -- sh -c \
		'printf "\033]0;pwn\007" >/proc/$$/comm; usleep 300000' "$ESC[2J" 2>/tmp/err
	[ -s /tmp/report ] || { diag "no report: $(cat /tmp/err)"; return 1; }
	grep -q pwn /tmp/report && ! grep -q "$ESC" /tmp/report
}

tap_plan 13
check "the_names_are_set" sh -c "grep -q pwn /proc/$p1/comm && grep -q pwn /proc/$p2/comm && grep -q pwn /proc/$p3/comm"
check "tasks_shows_hostile_names_safely" out ctxscope tasks -p "$pids"
check "tasks_json_shows_hostile_names_safely" out ctxscope tasks -p "$pids" -o json
check "tasks_csv_shows_hostile_names_safely" out ctxscope tasks -p "$p1" -p "$p2" -p "$p3" -o csv
check "tasks_prometheus_shows_hostile_names_safely" out ctxscope tasks -p "$pids" -o prometheus
check "top_shows_hostile_names_safely" out ctxscope top -p "$pids" 0.5 2
check "top_json_shows_hostile_names_safely" out ctxscope top -p "$pids" -o json 0.5 2
check "top_csv_shows_hostile_names_safely" out ctxscope top -p "$pids" -o csv 0.5 2
check "stat_p_report_shows_hostile_names_safely" attached
check "stat_p_json_shows_hostile_names_safely" attached -o json
check "stat_p_prometheus_shows_hostile_names_safely" attached -o prometheus
check "stat_cmd_report_shows_a_hostile_name_safely" command_named
check "stat_cmd_json_shows_a_hostile_name_safely" command_named -o json

artifact human names-tasks ctxscope tasks -p "$pids"
artifact json names-tasks ctxscope tasks -p "$pids" -o json
artifact csv names-tasks ctxscope tasks -p "$pids" -o csv
artifact prometheus names-tasks ctxscope tasks -p "$pids" -o prometheus
artifact human names-top ctxscope top -p "$pids" 0.5 2
artifact jsonl names-top ctxscope top -p "$pids" -o json 0.5 2
artifact csv names-top ctxscope top -p "$pids" -o csv 0.5 2
artifact human names-stat-p timeout -s INT 1 ctxscope stat -p "$pids" -O /tmp/report
artifact json names-stat-p timeout -s INT 1 ctxscope stat -p "$pids" -o json -O /tmp/report
artifact prometheus names-stat-p timeout -s INT 1 ctxscope stat -p "$pids" -o prometheus -O /tmp/report
for fmt in human json prometheus; do
	artifact "$fmt" names-stat-command ctxscope stat -o "$fmt" --per-pid -O /tmp/report -- sh -c \
		'printf "\033[2J\033]0;pwn\007" >/proc/$$/comm; usleep 300000'
done
artifact human names-error sh -c "ctxscope tasks -o '$ESC[2Jx' 2>&1"

kill "$p1" "$p2" "$p3"
tap_exit
