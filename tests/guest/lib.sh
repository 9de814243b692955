# SPDX-License-Identifier: GPL-2.0
#
# TAP helpers for the shell tests (sourced).

CTXSCOPE_KO=/ctxscope/ctxscope.ko
_tap_n=0

tap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

# check DESCRIPTION COMMAND [ARGS...]: one TAP result from a command.
check() {
	_desc=$1
	shift
	_tap_n=$((_tap_n + 1))
	if "$@"; then
		echo "ok $_tap_n $_desc"
	else
		echo "not ok $_tap_n $_desc"
		_tap_failed=1
	fi
}

diag() {
	echo "# $*"
}

tap_exit() {
	exit ${_tap_failed:-0}
}

# Prints "key value" of the summary as shell assignments: s_switches=...
summary_vars() {
	awk 'NR > 1 { printf "s_%s=%s\n", $1, $2 }' /proc/ctxscope/summary
}

# scaled N: N scaled by ctxscope.scale=PERCENT (guest.h: scaled()).
scaled() {
	awk -v n="$1" '{
		p = 100
		for (i = 1; i <= NF; i++)
			if ($i ~ /^ctxscope\.scale=[0-9]+$/) { p = substr($i, 16) + 0 }
		if (p < 1 || p > 100) p = 100
		v = int(n * p / 100)
		print (v > 0 ? v : 1)
	}' /proc/cmdline
}

ctxt() {
	awk '$1 == "ctxt" { print $2 }' /proc/stat
}

# The summary has format 1 and every key of docs/proc-interface.md, each
# with a number (the TLB keys where tlb_available is 1). Its values are
# checked against the kernel by the C tests; the sums the module derives
# (switches from the classes, involuntary from voluntary) are identities
# of its own arithmetic and prove nothing here.
summary_ok() {
	awk '
	NR == 1 { if ($0 != "format 1") { print "# first line: " $0; bad = 1 } next }
	{
		if (NF != 2 || $2 !~ /^[0-9]+$/) { print "# line " NR ": " $0; bad = 1 }
		v[$1] = $2
	}
	END {
		want = "switches switches_process switches_thread switches_kernel switches_idle voluntary involuntary mm_switches lazy_switches since_ns tasks_tracked tasks_dropped tasks_capacity processes_tracked cgroups_tracked cgroups_dropped exited_logged table_bytes kstack_size tlb_available"
		if (v["tlb_available"] == 1)
			want = want " tlb_switch_flush tlb_switch_noflush tlb_other_switch_flush tlb_other_switch_noflush tlb_shootdown_remote tlb_shootdown_local tlb_shootdown_local_mm tlb_ipi_sent pcid pti"
		n = split(want, keys, " ")
		for (i = 1; i <= n; i++)
			if (!(keys[i] in v)) { print "# missing key " keys[i]; bad = 1 }
		exit bad
	}' /proc/ctxscope/summary
}

# ---- the reporter's tests (t09, t30-t34) ------------------------------------

# artifact KIND NAME CMD...: runs CMD and prints its stdout (or, for
# stat -- CMD, the report it wrote to /tmp/report) for the host, which
# checks it by KIND (json, jsonl, prometheus: jq, promtool) and, for every
# KIND (human, csv too), with tests/tools/termsafe.
artifact() {
	kind=$1 name=$2
	shift 2
	rm -f /tmp/report
	"$@" >/tmp/artifact.out 2>/tmp/artifact.err
	echo "CTXSCOPE-ARTIFACT $kind $name"
	cat /tmp/report 2>/dev/null || cat /tmp/artifact.out
	echo "CTXSCOPE-ARTIFACT-END"
	sed 's/^/# stderr: /' /tmp/artifact.err
}

# json_num FILE KEY...: the number after the last KEY, looking for each
# KEY after the one before it ("command" "stddev" "switches_thread");
# for ctxscope's one-line JSON, whose keys come in a known order.
json_num() {
	awk -v keys="$(shift; echo "$*")" '{
		n = split(keys, k, " "); s = $0
		for (i = 1; i <= n; i++) {
			j = index(s, "\"" k[i] "\":")
			if (!j) { print "missing"; exit 1 }
			s = substr(s, j + length(k[i]) + 3)
		}
		if (!match(s, /^(-?[0-9][0-9.eE+-]*|null|true|false)/)) { print "missing"; exit 1 }
		print substr(s, 1, RLENGTH)
	}' "$1"
}

# prom_sum FILE REGEX: the sum of the values of the samples matching REGEX.
prom_sum() {
	awk -v re="$2" '$0 ~ re && !/^#/ { s += $NF; n++ } END { if (!n) exit 1; printf "%.0f\n", s }' "$1"
}

# tree_attribution METHOD: stat -- cs-workload tree; ctxscope's row for
# each of its processes must hold what the kernel counted for it in all:
# the total its parent's wait4() gave (ctxscope stat's, for the top one),
# less what it had reaped itself, both of which the workload reports. The
# report must name METHOD (cgroup, process_tree). A row may hold more by
# what a process did after its parent reaped it: the final switch-out
# (each exiting thread's too) and a preemption right before it, which
# wait4() cannot see; up to 8, against rows of 1,000 to 6,000 switches
# that a misattribution would move.
tree_attribution() {
	ctxscope stat --per-pid -o prometheus -O /tmp/stat.prom -- cs-workload tree 2>/tmp/tree.log || return 1
	grep "^ctxscope_run_info.*method=\"$1\"" /tmp/stat.prom || {
		grep ctxscope_run_info /tmp/stat.prom
		return 1
	}
	top=$(prom_sum /tmp/stat.prom '^ctxscope_run_rusage_context_switches_total') || {
		diag "no wait4 count of the run in /tmp/stat.prom"
		return 1
	}
	awk -v top="$top" '
	function field(name,    v) {
		if (!match($0, name "=[0-9]+"))
			return -1
		return substr($0, RSTART + length(name) + 1, RLENGTH - length(name) - 1) + 0
	}
	FNR == NR {
		if ((p = field("pid")) >= 0) {
			self[p] = field("switches"); reaped[p] = field("children"); n++
		} else if ((p = field("reaped")) >= 0) {
			total[p] = field("total")
		}
		next
	}
	# A process: its voluntary and involuntary series add up to its switches.
	/^ctxscope_process_context_switches_by_type_total/ {
		match($0, /tgid="[0-9]+"/); pid = substr($0, RSTART + 6, RLENGTH - 7)
		if (!(pid in got)) rows++
		got[pid] += $NF
	}
	END {
		tops = 0
		for (p in self) {
			if (!(p in total)) {
				total[p] = top; tops++
			}
			want = total[p] - reaped[p]
			d = got[p] - want
			printf "# pid %s: kernel %d (wait4 %d less reaped %d; %d before its exit), ctxscope %s\n", p, want, total[p], reaped[p], self[p], (p in got) ? got[p] : "missing"
			if (!(p in got) || want < self[p] || d < 0 || d > 8) bad = 1
		}
		printf "# %d processes reported, %d rows, %d reaped by ctxscope\n", n, rows, tops
		if (n != 7 || rows != 7 || tops != 1) bad = 1
		exit bad
	}' /tmp/tree.log /tmp/stat.prom
}

# no_run_groups: no ctxscope-stat-* group left anywhere in the hierarchy.
no_run_groups() {
	left=$(find /sys/fs/cgroup -name 'ctxscope-stat-*' -type d 2>/dev/null)
	[ -z "$left" ] || { diag "left behind: $left"; return 1; }
}
