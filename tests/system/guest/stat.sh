#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `ctxscope stat -- CMD` on a systemd system, from a login session (a
# logind session scope, through PAM: runuser -l) and from a systemd
# service (systemd-run), in the hierarchy booted (stage 1: cgroup v2;
# stage 2: hybrid). In each: the command runs beneath its caller's cgroup
# (not moved out of its slice), ctxscope counts its switches as the kernel
# does (the ping-pong's own getrusage counts, plus at most 1% and 50 for
# the shell that starts it and the way out of exit()), at least 95% of
# its 2 x ROUNDS switches are process switches (pinned to one CPU, every
# switch is between its two processes), and nothing is left behind.

# shellcheck source=syslib.sh
. "$CTXSCOPE_TEST_DIR/syslib.sh"

rounds=2000
hier=$(hierarchy_name)
base=/var/log/ctxscope-test/stat-$hier

run_in() {
	local ctx=$1 out="$base/$1"
	rm -rf "$out"
	mkdir -p "$out"
	case "$ctx" in
	login_session)
		runuser -l root -c "bash '$CTXSCOPE_TEST_DIR/stat-inner.sh' '$out' $rounds" ;;
	systemd_run)
		systemd-run --wait --quiet --collect --unit="ctxscope-stat-$hier" \
			/bin/bash "$CTXSCOPE_TEST_DIR/stat-inner.sh" "$out" "$rounds" ;;
	esac
}

v2_path() {
	sed -n 's/^0:://p' "$1" 2>/dev/null
}

exits_0() {
	local out="$base/$1" st
	st=$(cat "$out/status" 2>/dev/null)
	diag "ctxscope stat exit status: ${st:-none}"
	[ "$st" = 0 ] || sed 's/^/# stderr: /' "$out/stat.err"
	[ "$st" = 0 ]
}

# The context is what it claims: a session scope of root's user slice, or
# the transient service.
context_is_real() {
	local caller
	caller=$(v2_path "$base/$1/caller.cgroup")
	diag "caller's cgroup: ${caller:-none}"
	case "$1" in
	login_session) [[ $caller =~ ^/user\.slice/user-0\.slice/session-[^/]+\.scope$ ]] ;;
	systemd_run) [ "$caller" = "/system.slice/ctxscope-stat-$hier.service" ] ;;
	esac
}

beneath_caller() {
	local caller cmd
	caller=$(v2_path "$base/$1/caller.cgroup")
	cmd=$(v2_path "$base/$1/command.cgroup")
	diag "command's cgroup: ${cmd:-none}"
	[ -n "$caller" ] && [[ $cmd == "$caller"/* ]]
}

counts_as_kernel() {
	local out="$base/$1" v i kernel got proc
	read -r v i < <(sed -n 's/.*counted \([0-9]*\) voluntary and \([0-9]*\) involuntary.*/\1 \2/p' "$out/workload.out" 2>/dev/null)
	got=$(awk '$1 == "ctxscope_switches_total{scope=\"command\"}" { print $2 }' "$out/report.prom" 2>/dev/null)
	proc=$(awk '$1 == "ctxscope_switches_process_total{scope=\"command\"}" { print $2 }' "$out/report.prom" 2>/dev/null)
	[ -n "$v" ] && [ -n "$got" ] && [ -n "$proc" ] || {
		diag "no counts: workload '$(cat "$out/workload.out" 2>/dev/null)', report $(wc -l 2>/dev/null <"$out/report.prom") lines"
		return 1
	}
	kernel=$((v + i))
	diag "kernel (getrusage): $kernel switches; ctxscope: $got, $proc of them process switches"
	awk -v k="$kernel" -v g="$got" -v p="$proc" -v r="$rounds" \
		'BEGIN { exit !(g >= k && g <= k * 1.01 + 50 && p >= 0.95 * 2 * r) }'
}

nothing_left() {
	local out="$base/$1"
	[ -s "$out/left-behind" ] && sed 's/^/# left behind: /' "$out/left-behind"
	cmp -s "$out/caller.cgroup" "$out/caller-after.cgroup" || diag "the caller moved"
	[ -f "$out/left-behind" ] && [ ! -s "$out/left-behind" ] &&
		cmp -s "$out/caller.cgroup" "$out/caller-after.cgroup"
}

tap_plan 10
for ctx in login_session systemd_run; do
	run_in "$ctx"
	check "${hier}_${ctx}_is_what_it_claims" context_is_real "$ctx"
	check "${hier}_${ctx}_stat_exits_0" exits_0 "$ctx"
	check "${hier}_${ctx}_stat_runs_the_command_beneath_the_callers_cgroup" beneath_caller "$ctx"
	check "${hier}_${ctx}_stat_counts_the_commands_switches_as_the_kernel_does" counts_as_kernel "$ctx"
	check "${hier}_${ctx}_stat_leaves_no_cgroup_behind" nothing_left "$ctx"
done
tap_exit
