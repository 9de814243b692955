#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The ctxscope command against the real module: stat -- CMD attributes
# every process of a known tree exactly, exit statuses are the command's
# or the documented ones, interval mode prints exactly N lines, bench
# shows both modes and the class mix. Its JSON and Prometheus outputs are
# printed as artifacts, which the host checks with jq and promtool.

. /tests/lib.sh

exit_status() {
	ctxscope stat -- sh -c "exit $1" >/dev/null 2>&1
	got=$?
	diag "stat -- sh -c 'exit $1': exit $got, want $2"
	[ "$got" -eq "$2" ]
}

killed_status() {
	ctxscope stat -- sh -c 'kill -TERM $$' >/dev/null 2>&1
	got=$?
	diag "command killed by SIGTERM: exit $got, want 143"
	[ "$got" -eq 143 ]
}

# error_status WANT CMD...: exit WANT, one line on stderr, nothing on stdout.
error_status() {
	want=$1
	shift
	"$@" >/tmp/err.out 2>/tmp/err.err
	got=$?
	diag "$*: exit $got (want $want): $(cat /tmp/err.err)"
	[ "$got" -eq "$want" ] && [ ! -s /tmp/err.out ] && [ "$(wc -l </tmp/err.err)" -eq 1 ]
}

lines() {
	n=$(eval "$2" | wc -l)
	diag "$2: $n lines, want $1"
	[ "$n" -eq "$1" ]
}

# bench --size 0 as CSV: of the ping-pong's own switches (process and
# thread; kernel threads and idle are the rest, "other"), the process
# row's are process switches with a TLB flush each (no PCID under TCG),
# the thread row's thread switches with none. Kernel threads take their
# share too, more on PREEMPT_RT with threaded interrupts on a busy host
# (5% seen), but never most of the run.
bench_mix() {
	ctxscope bench --loops 2000 --size 0 --cpu 0 -o csv >/tmp/bench.csv || return 1
	sed 's/^/# /' /tmp/bench.csv
	awk -F, '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{
		ps = $col["process_share"]; ts = $col["thread_share"]
		tlb = $col["tlb_flushes_per_switch"]
		if (ps + ts <= 0 || $col["other_share"] > 0.25) bad = 1
	}
	$col["mode"] == "process" { p = 1; if (ps < 0.95 * (ps + ts) || tlb < 0.9 * ps) bad = 1 }
	$col["mode"] == "thread" { t = 1; if (ts < 0.95 * (ps + ts) || tlb > 0.05 * ts) bad = 1 }
	END { exit bad || !p || !t }' /tmp/bench.csv
}

tap_plan 17
check "stat_attributes_every_process_of_a_tree_exactly" tree_attribution cgroup
check "stat_exits_with_the_commands_status" exit_status 7 7
check "stat_exits_128_plus_signal_for_a_killed_command" killed_status
check "stat_reports_a_missing_command_with_127" error_status 127 ctxscope stat -- /no/such/command
check "stat_interval_mode_prints_exactly_n_csv_rows" lines 6 "ctxscope stat -a -i 0.2 -n 5 -o csv"
check "stat_interval_mode_prints_exactly_n_json_lines" lines 4 "ctxscope stat -a -i 0.2 -n 4 -o json"
check "stat_interval_mode_prints_n_human_lines_a_header_and_an_average" lines 5 "ctxscope stat -a -i 0.2 -n 3"
check "top_prints_n_refreshes" lines 2 "ctxscope top -i 0.5 -n 2 -o json"
check "bench_reports_both_modes_and_the_class_mix" bench_mix
check "tasks_shows_the_stacks_of_init" sh -c "ctxscope tasks -p 1 | grep -q ' init\$'"
check "a_user_without_root_gets_77" error_status 77 cs-workload asuser 65534 ctxscope tasks
check "an_unknown_option_gets_64" error_status 64 ctxscope stat -a -x
check "a_missing_task_gets_66" error_status 66 ctxscope tasks -p 999999

artifact json stat-command ctxscope stat -o json -O /tmp/report -- cs-workload pingpong thread 2000 0
artifact jsonl stat-intervals ctxscope stat -a -i 0.2 -n 3 -o json
artifact json tasks ctxscope tasks -o json
artifact jsonl top ctxscope top -i 0.5 -n 2 -o json
artifact json bench ctxscope bench --loops 1000 --size 0,16 -o json
artifact prometheus stat-system ctxscope stat -a -o prometheus
artifact prometheus stat-command ctxscope stat -o prometheus -O /tmp/report -- cs-workload ring thread 8 500
artifact prometheus tasks ctxscope tasks --per-pid -o prometheus
artifact prometheus bench ctxscope bench --loops 1000 --size 0 -o prometheus

rmmod ctxscope
check "without_the_module_stat_gets_69" error_status 69 ctxscope stat -a -n 1
check "without_the_module_stat_of_a_command_gets_69" error_status 69 ctxscope stat -- true
check "without_the_module_bench_still_measures" sh -c "ctxscope bench --loops 500 --size 0 | grep -q 'not loaded'"
insmod "$CTXSCOPE_KO"
check "stat_runs_again_after_a_reload" sh -c "ctxscope stat -- true 2>&1 | grep -q 'context switches'"
tap_exit
