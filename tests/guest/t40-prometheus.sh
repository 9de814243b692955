#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ctxscope exporter scraped by a real Prometheus server: tests/check boots
# this guest with user-mode networking, the exporter's port forwarded to
# the host, where a Prometheus (Debian's) scrapes it every second
# (tests/vm/prometheus-run). This script runs the exporter and known
# workloads, asks that Prometheus (the host is 10.0.2.2 to the guest,
# ctxscope.prom=HOST:PORT) what it stored through its HTTP API, and
# compares that with /proc/ctxscope and with the kernel's own counts;
# then unloads and reloads the module and checks that PromQL sees one
# counter reset, not garbage. Skipped in the other boots (no network).

. /tests/lib.sh

prom=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	ctxscope.prom=*) prom=${arg#ctxscope.prom=} ;;
	esac
done
if [ -z "$prom" ]; then
	tap_plan 1
	echo "ok 1 prometheus_scrapes_the_exporter # SKIP runs in a boot of its own with networking and Prometheus on the host (tests/check)"
	exit 0
fi

exporter=/opt/ctxscope/bin/ctxscope
net_ok=
port=19418
cg=/sys/fs/cgroup

urlencode() {
	awk -v s="$1" 'BEGIN {
		for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c ~ /[A-Za-z0-9._~-]/) printf "%s", c
			else printf "%%%02X", ord[c]
		}
	}'
}

# value PROMQL: the value of an instant query's (first) sample, or "".
value() {
	timeout 10 wget -q -O - "http://$prom/api/v1/query?query=$(urlencode "$1")" 2>/dev/null |
		sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p'
}

# wait_value PROMQL AWK-CONDITION-ON-v SECONDS: polls until the query's
# value meets the condition; the value in $got.
wait_value() {
	[ -n "$net_ok" ] || return 1
	i=0
	while [ "$i" -lt "$3" ]; do
		got=$(value "$1")
		if [ -n "$got" ] && awk -v v="$got" "BEGIN { exit !($2) }"; then
			return 0
		fi
		sleep 1
		i=$((i + 1))
	done
	diag "$1: last value '${got}' after $3 s, wanted $2"
	return 1
}

summary_key() {
	awk -v k="$1" '$1 == k { print $2 }' /proc/ctxscope/summary
}

# cgroup_col DIR COLUMN: the module's cgroups row of a directory.
cgroup_col() {
	awk -v id="$(stat -c %i "$1")" -v col="$2" '
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["cgroup"] == id { print $c[col] }' /proc/ctxscope/cgroups
}

nvcsw() {
	awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$1/status"
}

uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

net_up() {
	for m in $(cat /ctxscope/test/e1000.order 2>/dev/null); do
		insmod "/ctxscope/test/$m" || return 1
	done
	i=0
	while [ ! -e /sys/class/net/eth0 ] && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	ip link set lo up &&
	ip link set eth0 up &&
	ip addr add 10.0.2.15/24 dev eth0 &&
	ip route add default via 10.0.2.2 &&
	timeout 10 wget -q -O - "http://$prom/-/ready" | grep -q Ready || return 1
	net_ok=1
}

exporter_serves() {
	"$exporter" exporter --web.listen-address=":$port" \
		--collector.processes.top=5 2>/tmp/exporter.log &
	exporter_pid=$!
	i=0
	while [ "$i" -lt 30 ]; do
		timeout 10 wget -q -O /tmp/local.prom "http://127.0.0.1:$port/metrics" 2>/dev/null &&
			grep -q '^ctxscope_module_loaded 1$' /tmp/local.prom && return 0
		sleep 1
		i=$((i + 1))
	done
	sed 's/^/# exporter: /' /tmp/exporter.log
	return 1
}

# The ping-pong's cgroup, idle once it is done: Prometheus must hold the
# module's row exactly, and that is at least 1.95 switches per round of
# two processes pinned to one CPU (t03's bound).
rounds=3000
cgroup_count_exact() {
	mkdir -p $cg/promwork
	sh -c "echo \$\$ >$cg/promwork/cgroup.procs; exec cs-workload pingpong process $rounds 0" >/tmp/pp.log 2>&1 ||
		return 1
	want=$(cgroup_col $cg/promwork to_process)
	diag "module: /promwork made ${want:-no} process switches in $rounds rounds"
	[ -n "$want" ] && [ "$want" -ge $((rounds * 195 / 100)) ] || return 1
	wait_value 'ctxscope_cgroup_context_switches_total{job="ctxscope",cgroup="/promwork",class="process"}' "v == $want" 30
}

# Prometheus's latest sum lies between two readings of the summary taken
# before and after it was scraped.
total_bracketed() {
	a=$(summary_key "$1")
	wait_value "sum($2)" "v >= $a" 30 || return 1
	b=$(summary_key "$1")
	diag "$1: module $a before, Prometheus $got, module $b after"
	awk -v a="$a" -v v="$got" -v b="$b" 'BEGIN { exit !(a <= v && v <= b) }'
}

# A sleeper (10 ms sleeps) in its own group: Prometheus's rate of the
# group's voluntary switches against the kernel's own count of the
# sleeper's (nvcsw) over the same 10 s, within 20%.
steady_rate() {
	mkdir -p $cg/promsteady
	sh -c "echo \$\$ >$cg/promsteady/cgroup.procs; exec cs-workload sleeper 10" &
	sleeper=$!
	sleep 3
	n0=$(nvcsw $sleeper) t0=$(uptime_s)
	sleep 10
	n1=$(nvcsw $sleeper) t1=$(uptime_s)
	sleep 2
	kernel_rate=$(awk -v a="$n0" -v b="$n1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.2f", (b - a) / (e - s) }')
	prom_rate=$(value 'rate(ctxscope_cgroup_context_switches_by_type_total{job="ctxscope",cgroup="/promsteady",type="voluntary"}[10s])')
	diag "sleeper: kernel $kernel_rate/s, Prometheus rate() ${prom_rate:-none}/s"
	[ -n "$prom_rate" ] &&
		awk -v k="$kernel_rate" -v p="$prom_rate" 'BEGIN { exit !(k > 10 && p >= 0.8 * k && p <= 1.2 * k) }'
}

resets_of() {
	value "resets(ctxscope_cgroup_context_switches_by_type_total{job=\"ctxscope\",cgroup=\"/promsteady\",type=\"voluntary\"}[$1])"
}

no_reset_before() {
	r=$(resets_of 2m)
	diag "resets() of the sleeper's group before the reload: ${r:-none}"
	[ "$r" = 0 ]
}

# rmmod: the exporter goes on, Prometheus stores ctxscope_module_loaded 0
# and the scrape stays up; insmod: 1 again.
reload_seen() {
	rmmod ctxscope || return 1
	r0_n=$(nvcsw $sleeper) r0_t=$(uptime_s)
	wait_value 'ctxscope_module_loaded{job="ctxscope"}' "v == 0" 30 || return 1
	kill -0 "$exporter_pid" || return 1
	insmod "$CTXSCOPE_KO" || return 1
	wait_value 'ctxscope_module_loaded{job="ctxscope"}' "v == 1" 30 || return 1
	sleep 15
	r1_n=$(nvcsw $sleeper) r1_t=$(uptime_s)
	# Since the rmmod (Prometheus scraped nothing up before the boot).
	span=$(awk -v s="$r0_t" -v e="$r1_t" 'BEGIN { printf "%d", e - s + 2 }')
	up=$(value "min_over_time(up{job=\"ctxscope\"}[${span}s])")
	diag "lowest up over the reload (${span} s): ${up:-none}"
	[ "$up" = 1 ]
}

one_reset() {
	r=$(resets_of 2m)
	s=$(value 'resets(sum(ctxscope_context_switches_total{job="ctxscope"})[2m:1s])')
	diag "resets() of the sleeper's group: ${r:-none}; of the system total: ${s:-none}"
	[ "$r" = 1 ] && [ "$s" = 1 ]
}

# rate() over a window holding the reload: the sleeper's rate less what
# the unloaded module missed, never negative or absurd.
rate_across_reload() {
	k=$(awk -v a="$r0_n" -v b="$r1_n" -v s="$r0_t" -v e="$r1_t" 'BEGIN { printf "%.2f", (b - a) / (e - s) }')
	p=$(value 'rate(ctxscope_cgroup_context_switches_by_type_total{job="ctxscope",cgroup="/promsteady",type="voluntary"}[30s])')
	diag "across the reload: kernel $k/s, Prometheus rate() ${p:-none}/s"
	[ -n "$p" ] && awk -v k="$k" -v p="$p" 'BEGIN { exit !(p >= 0.5 * k && p <= 1.2 * k) }'
}

# Prometheus parsed every sample the exporter serves (it asks for
# OpenMetrics; the local read gets the text format).
every_sample_stored() {
	timeout 10 wget -q -O /tmp/local.prom "http://127.0.0.1:$port/metrics" || return 1
	n=$(grep -vc '^#' /tmp/local.prom)
	wait_value 'scrape_samples_scraped{job="ctxscope"}' "v == $n" 10
	diag "text format: $n samples; Prometheus's last scrape: $got"
	[ "$got" = "$n" ]
}

stops_on_sigterm() {
	kill -TERM "$exporter_pid"
	wait "$exporter_pid"
	st=$?
	diag "exporter exit status $st"
	[ "$st" -eq 0 ]
}

tap_plan 13
check "guest_network_reaches_prometheus_on_the_host" net_up
check "exporter_serves_the_module_loaded" exporter_serves
check "prometheus_scrapes_the_exporter_through_the_forwarded_port" \
	wait_value 'up{job="ctxscope"}' "v == 1" 60
check "prometheus_holds_the_cgroups_process_switches_exactly" cgroup_count_exact
check "prometheus_total_switches_lie_between_two_summary_reads" \
	total_bracketed switches 'ctxscope_context_switches_total{job="ctxscope"}'
check "prometheus_voluntary_switches_lie_between_two_summary_reads" \
	total_bracketed voluntary 'ctxscope_context_switches_by_type_total{job="ctxscope",type="voluntary"}'
check "prometheus_rate_of_a_steady_sleeper_is_the_kernels_within_20pct" steady_rate
check "no_counter_reset_before_the_reload" no_reset_before
check "exporter_stays_up_with_module_loaded_0_across_a_reload" reload_seen
check "promql_resets_sees_exactly_one_reset_at_the_reload" one_reset
check "promql_rate_across_the_reload_is_the_sleepers" rate_across_reload
check "prometheus_stores_every_sample_the_exporter_serves" every_sample_stored
artifact prometheus exporter-scrape timeout 10 wget -q -O - "http://127.0.0.1:$port/metrics"
check "exporter_exits_0_on_sigterm" stops_on_sigterm
kill "$sleeper" 2>/dev/null
tap_exit
