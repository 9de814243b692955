#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ctxscope stat against things known from outside it:
#   - time: sleep 0.05 takes 50 ms and a little (a 100 ms polling loop
#     would say 0.1 s or more); every run is at least 50 ms;
#   - signals: SIGINT and SIGTERM to ctxscope end the command, the report
#     is still written, the run's group is gone;
#   - the kernel's own counts: the wait4 rusage of a ping-pong beside the
#     module's voluntary and involuntary counts of it; /proc/PID/status of
#     a stopped process before and after stat -p and stat -G watched it;
#   - tasks -G and top -G against the groups the test put processes in;
#   - workloads whose answer is known by construction: -r over runs of
#     1,000, 2,000 and 3,000 round trips (mean and standard deviation of
#     the thread switches), -A with a ping-pong pinned to CPU 1, stat -a
#     -- CMD run by a user;
#   - max_tasks=0 says so.

. /tests/lib.sh

CG=/sys/fs/cgroup

# Every run at least 50 ms, and the fastest of five within 30 ms of the
# fastest of five plain runs of the same command (busybox time, in steps
# of 10 ms) on this kernel: a reporter that polled every 100 ms or took
# the end time late would be 50 ms or more above it, on a fast kernel
# (plain runs about 0.05 s) as on the debug kernel (about 0.12 s), where
# a fixed bound of 0.1 s could not tell.
elapsed() {
	best=9 plain=9
	for i in 1 2 3 4 5; do
		p=$(busybox time sleep 0.05 2>&1 >/dev/null |
			awk '$1 == "real" { print $2 * 60 + $3 }')
		[ -n "$p" ] || return 1
		plain=$(awk -v a="$plain" -v b="$p" 'BEGIN { print (b < a ? b : a) }')
		ctxscope stat -o json -O /tmp/e.json -- sleep 0.05 || return 1
		e=$(json_num /tmp/e.json run elapsed_seconds)
		diag "run $i: $e s (plain: $p s)"
		awk -v e="$e" 'BEGIN { exit !(e >= 0.05) }' || return 1
		best=$(awk -v a="$best" -v b="$e" 'BEGIN { print (b < a ? b : a) }')
	done
	diag "fastest: $best s, plain $plain s"
	awk -v e="$best" -v p="$plain" 'BEGIN { exit !(e <= p + 0.03) }'
}

# signalled SIG WANT: the command signals ctxscope, which must pass it on.
signalled() {
	rm -f /tmp/s.json
	ctxscope stat -o json -O /tmp/s.json -- sh -c "kill -$1 \$PPID; exec sleep 20" 2>/tmp/s.err
	st=$?
	diag "exit $st (want $2); signal $(json_num /tmp/s.json run signal), $(json_num /tmp/s.json run elapsed_seconds) s"
	[ "$st" -eq "$2" ] && [ "$(json_num /tmp/s.json run signal)" -eq $(($2 - 128)) ] &&
		no_run_groups && return 0
	sed 's/^/# stderr: /' /tmp/s.err
	grep -E 'Sig(Blk|Ign)' /proc/$$/status | sed 's/^/# this shell: /'
	return 1
}

# kill -TERM of a ctxscope stat in the background: the command ends too.
background() {
	rm -f /tmp/b.json
	ctxscope stat -o json -O /tmp/b.json -- sleep 27.5 &
	cs=$!
	sleep 1
	kill -TERM "$cs"
	wait "$cs"
	st=$?
	diag "exit $st"
	[ "$st" -eq 143 ] && [ "$(json_num /tmp/b.json run signal)" -eq 15 ] &&
		! running sleep 27.5 && no_run_groups
}

# Whether a process runs with exactly these arguments (busybox has no
# pgrep).
running() {
	want="$* "
	for f in /proc/[0-9]*/cmdline; do
		[ "$(tr '\0' ' ' <"$f" 2>/dev/null)" = "$want" ] && return 0
	done
	return 1
}

# The module's counts of a ping-pong beside the kernel's own, from wait4:
# a dead child's rusage holds all its switches but the last switch-out
# (TASK_DEAD, voluntary) of each thread that exited before the process
# did, and of the process itself when its parent, on another CPU, reaps
# it between exit_notify() and that switch; so the module's voluntary
# count is higher by 0 to the number of threads, the involuntary ones
# equal. 4,000 switches each.
rusage() {
	ctxscope stat -o json -O /tmp/r.json -- cs-workload pingpong "$1" 2000 0 >/dev/null || return 1
	mv=$(json_num /tmp/r.json command voluntary)
	mi=$(json_num /tmp/r.json command involuntary)
	kv=$(json_num /tmp/r.json rusage voluntary)
	ki=$(json_num /tmp/r.json rusage involuntary)
	threads=$(json_num /tmp/r.json run threads)
	diag "$1 ping-pong: voluntary: module $mv, wait4 $kv (threads: $threads); involuntary: module $mi, wait4 $ki"
	[ $((mv + mi)) -ge 4000 ] && [ $((mv - kv)) -ge 0 ] && [ $((mv - kv)) -le "$threads" ] &&
		[ "$mi" -eq "$ki" ]
}

# -r 3 over 1,000, 2,000 and 3,000 round trips of two threads: about
# 2,000, 4,000 and 6,000 thread switches, so a mean of 4,000 and a
# standard deviation of 2,000 (a few switches of other classes aside).
repeat() {
	echo 1 >/tmp/k
	ctxscope stat -r 3 -o json -O /tmp/rr.json -- sh -c \
		'k=$(cat /tmp/k); echo $((k + 1)) >/tmp/k; exec cs-workload pingpong thread $((k * 1000)) 0' \
		>/dev/null || return 1
	mean=$(json_num /tmp/rr.json command switches_thread)
	sd=$(json_num /tmp/rr.json command stddev switches_thread)
	runs=$(json_num /tmp/rr.json run runs)
	diag "runs $runs: thread switches mean $mean, standard deviation $sd"
	[ "$runs" -eq 3 ] &&
		awk -v m="$mean" -v s="$sd" 'BEGIN { exit !(m >= 3900 && m <= 4400 && s >= 1800 && s <= 2300) }'
}

# stat -a -- CMD by a user: the system-wide counts while a process
# ping-pong pinned to one CPU ran hold its 4,000 process switches.
system_while() {
	rm -f /tmp/a.json
	cs-workload asuser 65534 ctxscope stat -a -o json -O /tmp/a.json -- \
		cs-workload pingpong process 2000 0 >/dev/null || return 1
	p=$(json_num /tmp/a.json system switches_process)
	diag "process switches system-wide: $p"
	[ "$p" -ge 4000 ] && ! grep -q '"command":{' /tmp/a.json
}

# -A: a process ping-pong pinned to CPU 1 shows on CPU 1 (its 4,000
# switches but for the first and the last, from and to other tasks), not
# on CPU 0.
per_cpu() {
	ctxscope stat -a -A -o prometheus -O /tmp/c.prom -- cs-workload pingpong process 2000 1 >/dev/null || return 1
	c0=$(prom_sum /tmp/c.prom '^ctxscope_context_switches_total[{]cpu="0",class="process"')
	c1=$(prom_sum /tmp/c.prom '^ctxscope_context_switches_total[{]cpu="1",class="process"')
	diag "process switches: CPU 0 $c0, CPU 1 $c1"
	[ "$c1" -ge 3900 ] && [ "$c0" -lt 400 ]
}

# The voluntary and involuntary switches of all threads of PID.
status_counts() {
	cat /proc/"$1"/task/*/status |
		awk '/^voluntary_ctxt_switches/ { v += $2 } /^nonvoluntary_ctxt_switches/ { i += $2 }
		END { print v, i }'
}

# Stops PID and waits until all its threads are off the CPU.
stop() {
	kill -STOP "$1"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		grep -q '^State:.*T (stopped)' /proc/"$1"/status && break
		usleep 50000
	done
	usleep 300000
}

# watched OPTION: a two-thread ping-pong, stopped, is watched by stat
# OPTION; it runs a second, stops again, and stat reports at ^C. Its
# counts must be exactly what /proc/PID/task/*/status gained.
watched() {
	cs-workload pingpong thread 10000000 0 >/dev/null &
	w=$!
	usleep 500000
	if [ "$1" = -G ]; then
		mkdir -p $CG/watched && echo "$w" >$CG/watched/cgroup.procs || return 1
		what="-G watched"
	else
		what="-p $w"
	fi
	stop "$w"
	set -- $(status_counts "$w")
	v0=$1 i0=$2
	# shellcheck disable=SC2086
	ctxscope stat $what -o prometheus -O /tmp/w.prom &
	cs=$!
	sleep 2
	kill -CONT "$w"
	sleep 1
	stop "$w"
	set -- $(status_counts "$w")
	v1=$1 i1=$2
	kill -INT "$cs"
	wait "$cs"
	kill -KILL "$w"
	wait "$w" 2>/dev/null
	mv=$(prom_sum /tmp/w.prom '^ctxscope_context_switches_by_type_total[{]scope="(pids|cgroup)",type="voluntary"')
	mi=$(prom_sum /tmp/w.prom '^ctxscope_context_switches_by_type_total[{]scope="(pids|cgroup)",type="involuntary"')
	diag "$what: kernel $((v1 - v0)) voluntary, $((i1 - i0)) involuntary; ctxscope $mv, $mi"
	[ "$((v1 - v0))" -gt 100 ] && [ "$mv" -eq $((v1 - v0)) ] && [ "$mi" -eq $((i1 - i0)) ]
}

# stat -p without an interval ends by itself, with its report, once
# every process watched has exited: here two sleeps of 2 and 3 s, under
# a 20 s timeout that would send ^C.
watched_to_the_end() {
	sleep 2 &
	a=$!
	sleep 3 &
	b=$!
	rm -f /tmp/x.json
	timeout -s INT 20 ctxscope stat -p "$a,$b" -o json -O /tmp/x.json
	st=$?
	wait "$a" "$b"
	e=$(json_num /tmp/x.json run elapsed_seconds)
	x=$(json_num /tmp/x.json run processes exited)
	diag "exit $st after $e s; $x of 2 exited"
	[ "$st" -eq 0 ] && [ "$x" = 2 ] &&
		awk -v e="$e" 'BEGIN { exit !(e >= 2 && e < 10) }'
}

# top -p shows the threads of that process only.
top_pid() {
	cs-workload pingpong thread 10000000 0 >/dev/null &
	w=$!
	usleep 300000
	ctxscope top -p "$w" -o csv 0.5 1 >/tmp/top.csv
	kill "$w"
	wait "$w" 2>/dev/null
	sed 's/^/# /' /tmp/top.csv
	awk -F, -v w="$w" 'NR > 1 { n++; if ($3 != w) bad = 1 } END { exit bad || n != 2 }' /tmp/top.csv
}

# tasks -G and top -G show the tasks of a group and of the groups below
# it, and no others: a ping-pong in the group, one in a group below it,
# one outside.
group_filter() {
	mkdir -p $CG/only/below || return 1
	cs-workload pingpong thread 10000000 0 >/dev/null &
	a=$!
	cs-workload pingpong thread 10000000 0 >/dev/null &
	c=$!
	cs-workload pingpong thread 10000000 0 >/dev/null &
	b=$!
	echo "$a" >$CG/only/cgroup.procs && echo "$c" >$CG/only/below/cgroup.procs
	moved=$?
	usleep 300000
	ctxscope tasks -G only -o csv >/tmp/tg.csv
	ctxscope top -G only -o csv 0.5 1 >/tmp/topg.csv
	kill "$a" "$b" "$c"
	wait "$a" "$b" "$c" 2>/dev/null
	rmdir $CG/only/below $CG/only
	diag "in the group $a, below it $c, outside $b"
	sed 's/^/# tasks: /' /tmp/tg.csv
	sed 's/^/# top: /' /tmp/topg.csv
	[ "$moved" -eq 0 ] || return 1
	# tasks: tgid is column 2; top: column 3.
	awk -F, -v a="$a" -v c="$c" 'NR > 1 { if ($2 == a) na++; else if ($2 == c) nc++; else bad = 1 }
		END { exit bad || !na || !nc }' /tmp/tg.csv &&
		awk -F, -v a="$a" -v c="$c" 'NR > 1 { if ($3 == a) na++; else if ($3 == c) nc++; else bad = 1 }
		END { exit bad || !na || !nc }' /tmp/topg.csv
}

no_table() {
	rmmod ctxscope && insmod "$CTXSCOPE_KO" max_tasks=0 || return 1
	ctxscope tasks >/tmp/nt.out 2>/tmp/nt.err
	st=$?
	diag "tasks: exit $st: $(cat /tmp/nt.err)"
	[ "$st" -eq 78 ] && grep -q 'max_tasks=0' /tmp/nt.err && [ ! -s /tmp/nt.out ] &&
		[ "$(wc -l </tmp/nt.err)" -eq 1 ]
}

tap_plan 16
check "stat_elapsed_of_sleep_0.05_is_what_the_shell_measures" elapsed
check "sigterm_to_ctxscope_ends_the_command_and_reports" signalled TERM 143
check "sigint_to_ctxscope_ends_the_command_and_reports" signalled INT 130
check "kill_of_a_background_stat_ends_its_command" background
check "stat_counts_of_processes_match_the_kernels_wait4_rusage" rusage process
check "stat_counts_of_threads_match_the_kernels_wait4_rusage" rusage thread
check "stat_r_gives_the_mean_and_deviation_of_the_runs" repeat
check "stat_a_cmd_as_a_user_counts_the_whole_system" system_while
check "stat_A_shows_a_pinned_ping_pong_on_its_cpu" per_cpu
check "stat_p_counts_exactly_what_the_kernel_counted" watched -p
check "stat_G_counts_exactly_what_the_kernel_counted" watched -G
check "stat_p_ends_when_every_process_watched_has_exited" watched_to_the_end
rmdir $CG/watched 2>/dev/null
check "top_p_shows_only_that_process" top_pid
check "tasks_G_and_top_G_show_the_group_and_below_only" group_filter
check "max_tasks_0_says_so" no_table
check "max_tasks_0_stat_a_still_works" sh -c "ctxscope stat -a -o csv 0.2 1 | grep -q '^[0-9]'"
rmmod ctxscope && insmod "$CTXSCOPE_KO"
tap_exit
