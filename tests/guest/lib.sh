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
