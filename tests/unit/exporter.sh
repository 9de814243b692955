#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ctxscope exporter on the host, over HTTP, against /proc/ctxscope trees
# made from the fixtures (CTXSCOPE_PROC) and cgroup trees made here
# (CTXSCOPE_CGROUP_ROOT), under ASan and UBSan: every scrape checked by
# promtool and its values against the files' own (computed here with awk,
# not by the exporter's code); OpenMetrics on request; the module
# unloaded; malformed, newer-format, missing, truncated and huge files
# give a 503 with the reason, never a crash or part of a document, and
# are counted; a slow read ends at the deadline (ours or Prometheus's);
# concurrent scrapes, scrapes over the bound, slow and stalled clients;
# options; SIGTERM ends it with 0. One TAP line per check.
#
# usage: tests/unit/exporter.sh CTXSCOPE
set -uo pipefail

bin=${1:?usage: exporter.sh CTXSCOPE}
top=$(cd "$(dirname "$0")/../.." && pwd)
fixtures="$top/tests/fixtures"
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

n=0 failed=0
check() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc"
		failed=$((failed + 1))
	fi
}
diag() { echo "# $*"; }

# start NAME [OPTIONS...]: runs the exporter on a free port of 127.0.0.1
# with the environment given by the caller; sets $port and $epid.
start() {
	local name=$1 i
	shift
	"$bin" exporter --web.listen-address=127.0.0.1:0 "$@" 2>"$tmp/$name.log" &
	epid=$!
	pids+=("$epid")
	for i in $(seq 100); do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$tmp/$name.log")
		[ -n "$port" ] && return 0
		kill -0 "$epid" 2>/dev/null || break
		sleep 0.05
	done
	diag "exporter $name did not start: $(cat "$tmp/$name.log")"
	return 1
}

# stop NAME: SIGTERM; it must exit 0 with no sanitizer report.
stop() {
	local st
	kill -TERM "$epid" 2>/dev/null
	wait "$epid"
	st=$?
	if [ "$st" -ne 0 ] || grep -q 'Sanitizer\|runtime error' "$tmp/$1.log"; then
		diag "exporter $1: exit $st"
		sed 's/^/# log: /' "$tmp/$1.log" | tail -n 30
		return 1
	fi
}

# get PATH OUT [CURL ARGS...]: the status code on stdout, body in OUT.
get() {
	local path=$1 out=$2
	shift 2
	curl -s -m 30 -o "$out" -D "$out.headers" -w '%{http_code}' "$@" \
		"http://127.0.0.1:$port$path"
}

promtool_ok() {
	promtool check metrics <"$1" >"$1.promtool" 2>&1 || {
		sed 's/^/# promtool: /' "$1.promtool" | head -n 20
		return 1
	}
}

# sample FILE SERIES: the value of a series written exactly as served.
sample() {
	awk -v s="$2" 'substr($0, 1, length(s) + 1) == s " " { print $NF; f = 1 } END { exit !f }' "$1"
}

# fixture_tree K DIR: a copy of the fixtures of kernel K.
fixture_tree() {
	rm -rf "$2"
	mkdir -p "$2"
	cp "$fixtures/$1"/* "$2/"
}

# ---- the fixtures, as captured from the real module ------------------

# sums_match FILE FIXTURE: for every counter of the cpus file, the sum of
# the exporter's per-CPU series equals the column's sum in the file.
sums_match() {
	local out=$1 cpus=$2/cpus
	awk '
	FNR == NR {
		if (FNR == 1) { for (i = 1; i <= NF; i++) col[i] = $i; next }
		for (i = 3; i <= NF; i++) want[col[i]] += $i
		next
	}
	/^#/ { next }
	{
		name = $1; sub(/\{.*/, "", name)
		key = ""
		if (name == "ctxscope_context_switches_total" && match($0, /class="[a-z]+"/))
			key = "switches_" substr($0, RSTART + 7, RLENGTH - 8)
		else if (name == "ctxscope_context_switches_by_type_total" && match($0, /type="[a-z]+"/))
			key = substr($0, RSTART + 6, RLENGTH - 7)
		else if (name == "ctxscope_mm_switches_total") key = "mm_switches"
		else if (name == "ctxscope_lazy_tlb_switches_total") key = "lazy_switches"
		else if (name == "ctxscope_tlb_flush_events_total" && match($0, /event="[a-z_]+"/))
			key = "tlb_" substr($0, RSTART + 7, RLENGTH - 8)
		if (key != "" && index($0, "cpu=\"")) got[key] += $NF
	}
	END {
		for (k in want) {
			if (k == "switches") continue	# the sum of the classes
			if (!(k in got) || got[k] != want[k]) {
				printf "# %s: file %s, exporter %s\n", k, want[k], (k in got) ? got[k] : "absent"
				bad = 1
			}
		}
		exit bad
	}' "$cpus" "$out"
}

health_match() {
	local out=$1 dir=$2 k v
	for k in tasks_tracked tasks_capacity processes_tracked; do
		v=$(awk -v k="$k" '$1 == k { print $2 }' "$dir/summary")
		[ "$(sample "$out" "ctxscope_$k")" = "$v" ] || { diag "$k: file $v"; return 1; }
	done
	grep -q '^ctxscope_info{.*proc_format="1"' "$out" &&
		[ "$(sample "$out" ctxscope_module_loaded)" = 1 ]
}

for k in 6.1 6.12; do
	fixture_tree "$k" "$tmp/f$k"
	mkdir -p "$tmp/nocg"
	export CTXSCOPE_PROC="$tmp/f$k" CTXSCOPE_CGROUP_ROOT="$tmp/nocg"
	start "fixture-$k"
	check "$k fixture: a scrape is 200 and passes promtool check metrics" \
		eval '[ "$(get /metrics "$tmp/s$k")" = 200 ] && promtool_ok "$tmp/s$k"'
	check "$k fixture: per-CPU series add up to every counter of the cpus file" \
		sums_match "$tmp/s$k" "$tmp/f$k"
	check "$k fixture: health series equal the summary, module loaded, format 1" \
		health_match "$tmp/s$k" "$tmp/f$k"
	check "$k fixture: no per-process series by default" \
		eval '! grep -q "^ctxscope_process_" "$tmp/s$k"'
	check "$k fixture: SIGTERM ends it with 0, no sanitizer report" stop "fixture-$k"
done

# ---- cgroups: paths, the limit, removed groups -----------------------

cgt="$tmp/cgroot"
mkdir -p "$cgt/a" "$cgt/b/c" "$cgt/d" "$cgt/e space"
fixture_tree 6.12 "$tmp/fcg"
ino() { stat -c %i "$cgt$1"; }
# cgroup processes processes_exited switches voluntary involuntary
# to_process to_thread to_kernel to_idle migrations tlb_switch_flush
# tlb_ipi_sent kstack_max ustack_max: switches decreasing from /b/c.
{
	echo "cgroup processes processes_exited switches voluntary involuntary to_process to_thread to_kernel to_idle migrations tlb_switch_flush tlb_ipi_sent kstack_max ustack_max"
	echo "$(ino /) 3 1 100 60 40 10 20 30 40 5 9 1 4000 8192"
	echo "$(ino /a) 1 0 500 300 200 100 200 150 50 7 99 3 14400 65536"
	echo "$(ino /b/c) 2 5 900 800 100 700 100 60 40 11 690 8 9000 4096"
	echo "99999999 0 4 800 700 100 600 100 50 50 1 600 0 5000 0"
	echo "$(ino /d) 1 0 50 25 25 10 10 10 20 0 10 0 3000 100"
	echo "$(ino '/e space') 1 0 700 350 350 300 300 50 50 2 300 1 6000 200"
} >"$tmp/fcg/cgroups"

cgroups_exact() {
	local out=$1
	[ "$(sample "$out" 'ctxscope_cgroup_context_switches_total{cgroup="/b/c",class="process"}')" = 700 ] &&
	[ "$(sample "$out" 'ctxscope_cgroup_context_switches_total{cgroup="/e space",class="thread"}')" = 300 ] &&
	[ "$(sample "$out" 'ctxscope_cgroup_context_switches_by_type_total{cgroup="/a",type="involuntary"}')" = 200 ] &&
	[ "$(sample "$out" 'ctxscope_cgroup_tlb_flush_events_total{cgroup="/b/c",event="switch_flush"}')" = 690 ] &&
	[ "$(sample "$out" 'ctxscope_cgroup_tlb_flush_events_total{cgroup="/a",event="ipi_sent"}')" = 3 ] &&
	[ "$(sample "$out" 'ctxscope_cgroup_kernel_stack_max_bytes{cgroup="/a"}')" = 14400 ] &&
	[ "$(sample "$out" 'ctxscope_cgroup_processes_exited_total{cgroup="/b/c"}')" = 5 ] &&
	[ "$(sample "$out" 'ctxscope_cgroup_migrations_total{cgroup="/e space"}')" = 2 ]
}

# With a limit of 3: /b/c, /e space and /a (900, 700, 500 switches; the
# removed group's 800 has no path), not / or /d.
cgroups_limited() {
	local out=$1 got
	got=$(grep '^ctxscope_cgroup_context_switches_total{' "$out" |
		sed 's/.*cgroup="\([^"]*\)".*/\1/' | sort -u | tr '\n' ,)
	diag "cgroups exported: $got"
	[ "$got" = "/a,/b/c,/e space," ] &&
	[ "$(sample "$out" 'ctxscope_exporter_cgroups_omitted{reason="limit"}')" = 2 ] &&
	[ "$(sample "$out" 'ctxscope_exporter_cgroups_omitted{reason="removed"}')" = 1 ]
}

export CTXSCOPE_PROC="$tmp/fcg" CTXSCOPE_CGROUP_ROOT="$cgt"
start cgroups
check "cgroups: the scrape passes promtool" \
	eval '[ "$(get /metrics "$tmp/cg")" = 200 ] && promtool_ok "$tmp/cg"'
check "cgroups: each exported group has its row's values, under its path" cgroups_exact "$tmp/cg"
check "cgroups: every group with a path is exported below the limit, the removed one counted" \
	eval '[ "$(grep -c "^ctxscope_cgroup_processes{" "$tmp/cg")" = 5 ] &&
	[ "$(sample "$tmp/cg" "ctxscope_exporter_cgroups_omitted{reason=\"removed\"}")" = 1 ] &&
	[ "$(sample "$tmp/cg" "ctxscope_cgroup_processes{cgroup=\"/\"}")" = 3 ]'
mkdir "$cgt/new"
sed -i "\$a $(ino /new) 1 0 1 1 0 1 0 0 0 0 1 0 100 100" "$tmp/fcg/cgroups"
check "cgroups: a group made after the start is found (the tree is walked again)" \
	eval '[ "$(get /metrics "$tmp/cg2")" = 200 ] &&
	[ "$(sample "$tmp/cg2" "ctxscope_cgroup_context_switches_total{cgroup=\"/new\",class=\"process\"}")" = 1 ]'
check "cgroups: SIGTERM ends it with 0" stop cgroups
sed -i '$d' "$tmp/fcg/cgroups"
start cglimit --collector.cgroups.limit=3
check "cgroups: --collector.cgroups.limit=3 keeps the 3 busiest, counts the rest by reason" \
	eval '[ "$(get /metrics "$tmp/cgl")" = 200 ] && promtool_ok "$tmp/cgl" && cgroups_limited "$tmp/cgl"'
stop cglimit
start nocgroups --no-collector.cgroups
check "cgroups: --no-collector.cgroups has no per-cgroup series" \
	eval '[ "$(get /metrics "$tmp/nocg.out")" = 200 ] && ! grep -q "^ctxscope_cgroup_" "$tmp/nocg.out"'
stop nocgroups

# ---- top processes -------------------------------------------------------

export CTXSCOPE_PROC="$tmp/f6.12" CTXSCOPE_CGROUP_ROOT="$tmp/nocg"
top3_are_the_busiest() {
	local out=$1 want got
	want=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ print $c["switches"], $c["tgid"] }' "$tmp/f6.12/processes" |
		sort -k1,1nr -k2,2n | head -n 3 | awk '{ print $2 }' | sort -n | tr '\n' ,)
	got=$(grep '^ctxscope_process_context_switches_total{' "$out" |
		sed 's/.*tgid="\([0-9]*\)".*/\1/' | sort -nu | tr '\n' ,)
	diag "top 3 by switches: file $want, exporter $got"
	[ "$want" = "$got" ] &&
	[ "$(sample "$out" ctxscope_exporter_processes_omitted)" = \
		"$(($(wc -l <"$tmp/f6.12/processes") - 1 - 3))" ]
}
start top --collector.processes.top=3
check "top: --collector.processes.top=3 exports the 3 processes with most switches" \
	eval '[ "$(get /metrics "$tmp/top")" = 200 ] && promtool_ok "$tmp/top" && top3_are_the_busiest "$tmp/top"'

# ---- OpenMetrics -----------------------------------------------------------

om_shape() {
	local out=$1
	grep -qi '^content-type: application/openmetrics-text; version=1.0.0; charset=utf-8' "$out.headers" &&
	[ "$(tail -n 1 "$out")" = "# EOF" ] &&
	awk '
	/^# TYPE / { type[$3] = $4; if ($4 == "counter" && $3 ~ /_total$/) { print "# TYPE of a counter with _total: " $3; bad = 1 } next }
	/^#/ { next }
	{
		name = $1; sub(/\{.*/, "", name)
		fam = name
		if (!(fam in type)) { fam = name; sub(/_total$/, "", fam) }
		if (!(fam in type)) { print "# sample without a family: " name; bad = 1 }
		else if (type[fam] == "counter" && name !~ /_total$/) { print "# counter sample without _total: " name; bad = 1 }
	}
	END { exit bad }' "$out"
}
# The samples of two scrapes of the same files: alike but for the scrape's
# own duration and the start time (now - uptime + since_ns, to the ns).
same_samples() {
	diff <(grep -v '^#\|scrape_duration\|start_time' "$1") \
		<(grep -v '^#\|scrape_duration\|start_time' "$2")
}
check "openmetrics: served when Accept prefers it (Prometheus's header), # EOF, counters named without _total" \
	eval '[ "$(get /metrics "$tmp/om" -H "Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")" = 200 ] && om_shape "$tmp/om"'
check "openmetrics: the same samples as the text format" same_samples "$tmp/om" "$tmp/top"
check "openmetrics: version 0.0.1 when only that is asked for" \
	eval '[ "$(get /metrics "$tmp/om1" -H "Accept: application/openmetrics-text;version=0.0.1")" = 200 ] &&
	grep -qi "^content-type: application/openmetrics-text; version=0.0.1" "$tmp/om1.headers"'
check "openmetrics: text 0.0.4 when text/plain weighs more, or with no Accept" \
	eval '[ "$(get /metrics "$tmp/t1" -H "Accept: application/openmetrics-text;q=0.2,text/plain;q=0.9")" = 200 ] &&
	grep -qi "^content-type: text/plain; version=0.0.4" "$tmp/t1.headers" &&
	[ "$(get /metrics "$tmp/t2")" = 200 ] && grep -qi "^content-type: text/plain; version=0.0.4" "$tmp/t2.headers" &&
	! grep -q "^# EOF" "$tmp/t2"'

# ---- concurrency, stalled clients -------------------------------------------

concurrent() {
	local i bad=0
	for i in $(seq 20); do
		get /metrics "$tmp/c$i" >"$tmp/c$i.code" &
	done
	wait $(jobs -p | grep -v "^$epid\$") 2>/dev/null
	for i in $(seq 20); do
		[ "$(cat "$tmp/c$i.code")" = 200 ] && same_samples "$tmp/c$i" "$tmp/top" >/dev/null &&
			promtool_ok "$tmp/c$i" || { diag "scrape $i: $(cat "$tmp/c$i.code")"; bad=1; }
	done
	return $bad
}
check "concurrency: 20 scrapes at once are all 200, complete and alike" concurrent

# A client that sends half a request and waits, one that asks and never
# reads: neither holds up a scrape.
stalled_clients() {
	local code
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n' >&3
	exec 4<>"/dev/tcp/127.0.0.1/$port"
	printf 'GET /metrics HTTP/1.0\r\n\r\n' >&4
	code=$(get /metrics "$tmp/stall")
	exec 3>&- 4>&-
	diag "scrape beside two stalled clients: $code"
	[ "$code" = 200 ] && promtool_ok "$tmp/stall"
}
check "slow clients: a half-sent request and an unread answer do not hold up a scrape" stalled_clients
check "top: SIGTERM ends it with 0 after all that" stop top

# ---- the module unloaded -----------------------------------------------------

export CTXSCOPE_PROC="$tmp/no-such-dir"
start unloaded
check "unloaded: 200 with ctxscope_module_loaded 0 and the exporter's own series only" \
	eval '[ "$(get /metrics "$tmp/un")" = 200 ] && promtool_ok "$tmp/un" &&
	[ "$(sample "$tmp/un" ctxscope_module_loaded)" = 0 ] &&
	! grep -q "^ctxscope_context_switches_total" "$tmp/un" &&
	grep -q "^ctxscope_exporter_scrape_errors_total{reason=\"timeout\"} 0" "$tmp/un"'
fixture_tree 6.12 "$tmp/no-such-dir"
check "unloaded: loaded again, the counters are back" \
	eval '[ "$(get /metrics "$tmp/un2")" = 200 ] && [ "$(sample "$tmp/un2" ctxscope_module_loaded)" = 1 ] &&
	grep -q "^ctxscope_context_switches_total" "$tmp/un2"'
stop unloaded

# ---- bad /proc contents ---------------------------------------------------------

# bad NAME REASON SETUP: the tree broken by SETUP gives a 503 naming the
# reason and no metric; mended, a 200 that counts the error.
bad() {
	local name=$1 reason=$2 code
	fixture_tree 6.12 "$tmp/bad"
	eval "$3"
	code=$(get /metrics "$tmp/bad.out")
	diag "$name: $code: $(head -c 300 "$tmp/bad.out")"
	[ "$code" = 503 ] && grep -q "($reason)" "$tmp/bad.out" &&
		! grep -q '^ctxscope_' "$tmp/bad.out" || return 1
	fixture_tree 6.12 "$tmp/bad"
	[ "$(get /metrics "$tmp/bad2.out")" = 200 ] &&
		[ "$(sample "$tmp/bad2.out" "ctxscope_exporter_scrape_errors_total{reason=\"$reason\"}")" -ge 1 ]
}
export CTXSCOPE_PROC="$tmp/bad"
mkdir -p "$tmp/bad"
start bad --collector.max-bytes=1048576 --collector.processes.top=5
check "malformed: a summary of garbage" bad garbage-summary malformed \
	'head -c 3000 /dev/urandom >"$tmp/bad/summary"'
check "malformed: a cpus row with a field too few" bad short-row malformed \
	'sed -i "2s/ [0-9]*\$//" "$tmp/bad/cpus"'
check "malformed: cgroups cut short (no newline at the end)" bad truncated malformed \
	'head -c 100 "$fixtures/6.12/cgroups" >"$tmp/bad/cgroups"'
check "malformed: cpus missing while the summary is there" bad missing malformed \
	'rm "$tmp/bad/cpus"'
check "format: a newer /proc format is refused, not guessed" bad format-2 format \
	'sed -i "1s/.*/format 2/" "$tmp/bad/summary"'
check "huge: a 3 MB processes file beyond --collector.max-bytes=1048576" bad huge too_large \
	'awk "NR == 1" "$fixtures/6.12/processes" >"$tmp/bad/processes"; yes "1 0 1 1 0 0 0 0 0 0 0 0 0 0 0 4032 0 132 init" | head -n 60000 >>"$tmp/bad/processes"'
check "huge: a 3 MB summary, far beyond any summary" bad huge-summary too_large \
	'yes "switches 1" | head -n 300000 >"$tmp/bad/summary"'
check "bad contents: SIGTERM ends it with 0, no sanitizer report" stop bad

# ---- 10,000 processes, 2,000 cgroups --------------------------------------------

big_tree() {
	fixture_tree 6.12 "$tmp/big"
	awk 'NR == 1' "$fixtures/6.12/processes" >"$tmp/big/processes"
	awk 'BEGIN { for (i = 1; i <= 10000; i++)
		printf "%d 1 1 %d 0 %d %d %d %d %d %d %d 3 %d 0 %d %d 132 task-%d\n",
			i, 1 + i % 7, i * 3, i * 2, i, i, i, i / 2, i / 2, i, 8000 + i % 5000, 4096 + i, i }' >>"$tmp/big/processes"
	mkdir -p "$tmp/bigcg"
	awk 'NR == 1' "$fixtures/6.12/cgroups" >"$tmp/big/cgroups"
	for i in $(seq 300); do mkdir -p "$tmp/bigcg/g$i"; done
	for i in $(seq 300); do
		echo "$(stat -c %i "$tmp/bigcg/g$i") 1 0 $((i * 10)) $((i * 5)) $((i * 5)) $((i * 4)) $((i * 3)) $((i * 2)) $i 0 1 0 4000 100"
	done >>"$tmp/big/cgroups"
}
big_tree
export CTXSCOPE_PROC="$tmp/big" CTXSCOPE_CGROUP_ROOT="$tmp/bigcg"
start big --collector.processes.top=10
check "10,000 processes and 300 cgroups: 200, promtool, 10 processes and the 256 busiest groups" \
	eval '[ "$(get /metrics "$tmp/big.out")" = 200 ] && promtool_ok "$tmp/big.out" &&
	[ "$(grep "^ctxscope_process_threads{" "$tmp/big.out" | wc -l)" = 10 ] &&
	[ "$(sample "$tmp/big.out" ctxscope_exporter_processes_omitted)" = 9990 ] &&
	[ "$(grep -c "^ctxscope_cgroup_processes{" "$tmp/big.out")" = 256 ] &&
	[ "$(sample "$tmp/big.out" "ctxscope_exporter_cgroups_omitted{reason=\"limit\"}")" = 44 ] &&
	! grep -q "cgroup=\"/g44\"" "$tmp/big.out" && grep -q "cgroup=\"/g45\"" "$tmp/big.out"'
stop big

# ---- slow reads: the deadline ------------------------------------------------------

# cgroups is a FIFO whose writer sends the header, then a row a second
# for 30 s: the scrape must answer 503 (timeout) while it still writes.
slow_tree() {
	fixture_tree 6.12 "$tmp/slow"
	rm "$tmp/slow/cgroups"
	mkfifo "$tmp/slow/cgroups"
	rm -f "$tmp/slow.opened"
	(
		exec 5>"$tmp/slow/cgroups"
		touch "$tmp/slow.opened"
		head -n 1 "$fixtures/6.12/cgroups" >&5
		for i in $(seq 30); do
			sleep 1
			echo "$i 1 0 1 1 0 1 0 0 0 0 1 0 100 100" >&5 || exit 0
		done
	) 2>/dev/null &
	writer=$!
	pids+=("$writer")
}
slow_scrape() {
	local code
	slow_tree
	code=$(get /metrics "$tmp/slow.out" "$@")
	diag "slow cgroups: $code: $(head -c 200 "$tmp/slow.out")"
	kill -0 "$writer" 2>/dev/null || { diag "the writer had finished"; return 1; }
	kill "$writer" 2>/dev/null
	wait "$writer" 2>/dev/null
	[ "$code" = 503 ] && grep -q '(timeout)' "$tmp/slow.out"
}
export CTXSCOPE_PROC="$tmp/slow" CTXSCOPE_CGROUP_ROOT="$tmp/nocg"
mkdir -p "$tmp/slow"
start slow --scrape.timeout=1 --web.max-requests=1
check "slow read: --scrape.timeout=1 ends the scrape with a 503 while the file is still being written" slow_scrape
stop slow
start slow2 --scrape.timeout=60 --web.max-requests=1
check "slow read: Prometheus's shorter timeout (X-Prometheus-Scrape-Timeout-Seconds: 1) is the deadline" \
	slow_scrape -H "X-Prometheus-Scrape-Timeout-Seconds: 1"

# With --web.max-requests=1 and a scrape stuck on the slow file, the next
# one is refused with 503 (busy) at once.
busy() {
	local code
	slow_tree
	get /metrics "$tmp/busy1" >"$tmp/busy1.code" &
	first=$!
	for i in $(seq 100); do [ -e "$tmp/slow.opened" ] && break; sleep 0.05; done
	code=$(get /metrics "$tmp/busy2")
	diag "second scrape while the first reads: $code: $(cat "$tmp/busy2")"
	kill "$writer" 2>/dev/null
	wait "$writer" "$first" 2>/dev/null
	[ "$code" = 503 ] && grep -q 'more than 1 scrapes at once' "$tmp/busy2"
}
check "bound: a scrape beyond --web.max-requests=1 gets 503 while one reads" busy
stop slow2

# ---- options -------------------------------------------------------------------------

export CTXSCOPE_PROC="$tmp/f6.12"
exit_is() {
	local want=$1 got
	shift
	"$bin" exporter "$@" >"$tmp/opt.out" 2>"$tmp/opt.err"
	got=$?
	diag "exporter $*: exit $got (want $want): $(head -n 1 "$tmp/opt.err")"
	[ "$got" = "$want" ]
}
check "options: -h prints the usage and exits 0" \
	eval 'exit_is 0 -h && grep -q -- "--web.listen-address" "$tmp/opt.out" && grep -q "19418" "$tmp/opt.out"'
check "options: an unknown option exits 64" exit_is 64 --web.nonsense=1
check "options: a listen address without a port exits 64" exit_is 64 --web.listen-address=localhost
check "options: a bad telemetry path exits 64" exit_is 64 --web.telemetry-path=metrics
check "options: a zero timeout exits 64" exit_is 64 --scrape.timeout=0
check "options: a listen address that does not resolve exits 71 (cannot listen), not 64" \
	exit_is 71 --web.listen-address=no-such-host.invalid:1
# A minimal system (a fresh mmdebstrap, a container) may have no
# /etc/hosts: localhost must not depend on it or on DNS.
no_hosts_file() {
	local pid i ok=1
	echo >"$tmp/empty-hosts"
	unshare -m sh -c "mount --bind '$tmp/empty-hosts' /etc/hosts && exec '$bin' exporter --web.listen-address=localhost:0" \
		2>"$tmp/nohosts.log" &
	pid=$!
	for i in $(seq 100); do
		grep -q 'listening on 127\.0\.0\.1:' "$tmp/nohosts.log" && { ok=0; break; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	diag "without /etc/hosts: $(head -n 1 "$tmp/nohosts.log")"
	return $ok
}
if unshare -m true 2>/dev/null; then
	check "options: localhost listens on 127.0.0.1 without /etc/hosts or DNS" no_hosts_file
else
	n=$((n + 1))
	echo "ok $n options: localhost without /etc/hosts # SKIP needs unshare -m (root)"
fi
start paths --web.telemetry-path=/ctx/metrics
check "options: a port in use exits 71" exit_is 71 "--web.listen-address=127.0.0.1:$port"
check "options: --web.telemetry-path moves the metrics; / links to them; other paths 404; POST 405" \
	eval '[ "$(get /ctx/metrics "$tmp/p1")" = 200 ] && promtool_ok "$tmp/p1" &&
	[ "$(get /metrics "$tmp/p2")" = 404 ] &&
	[ "$(get / "$tmp/p3")" = 200 ] && grep -q "href=\"/ctx/metrics\"" "$tmp/p3" &&
	[ "$(get /ctx/metrics "$tmp/p4" -X POST)" = 405 ]'
stop paths

echo "1..$n"
[ "$failed" -eq 0 ]
