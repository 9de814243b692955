#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The exporter as a user starts it: its unit is installed disabled and not
# running; `systemctl enable --now ctxscope-exporter` starts it; it serves
# Prometheus metrics over HTTP on the port it listens on (found from its
# sockets, not assumed); its journal has no error. Skipped while the
# package has no ctxscope-exporter.service (issue 15).

# shellcheck source=syslib.sh
. "$CTXSCOPE_TEST_DIR/syslib.sh"

unit=ctxscope-exporter.service

installed_disabled() {
	local enabled active
	enabled=$(systemctl is-enabled "$unit" 2>&1)
	active=$(systemctl is-active "$unit" 2>&1)
	diag "$unit: $enabled, $active"
	[ "$enabled" = disabled ] && [ "$active" = inactive ]
}

enable_now() {
	systemctl enable --now "$unit" || return 1
	sleep 2
	systemctl is-active -q "$unit" && systemctl is-enabled -q "$unit"
}

# The TCP ports the unit's main process listens on (IPv4 and IPv6).
listening_ports() {
	local pid inodes
	pid=$(systemctl show -P MainPID "$unit")
	[ "${pid:-0}" -gt 0 ] || return 1
	inodes=$(find "/proc/$pid/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null |
		sed 's/socket:\[\(.*\)\]/\1/' | tr '\n' ' ')
	awk -v inodes=" $inodes" '
	FNR > 1 && $4 == "0A" && index(inodes, " " $10 " ") {
		n = split($2, a, ":"); print a[n]
	}' /proc/net/tcp /proc/net/tcp6 | while read -r hex; do
		echo $((16#$hex))
	done | sort -u
}

# GET /metrics from the first port it listens on, through bash's /dev/tcp
# (the image has no HTTP client); the response in $logs/metrics.http.
serves_metrics() {
	local port out=/var/log/ctxscope-test/metrics.http
	port=$(listening_ports | head -n 1)
	diag "listening on: ${port:-nothing}"
	[ -n "$port" ] || return 1
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
	timeout 20 cat <&3 >"$out"
	exec 3>&-
	head -n 1 "$out" | sed 's/^/# /'
	diag "$(grep -c '^ctxscope_' "$out") ctxscope_ samples"
	head -n 1 "$out" | grep -q ' 200 ' && grep -q '^ctxscope_.* [0-9]' "$out"
}

journal_clean() {
	local errs
	errs=$(journalctl -b -u "$unit" -p err -q --no-pager)
	[ -z "$errs" ] || echo "$errs" | sed 's/^/# journal: /'
	[ -z "$errs" ]
}

tap_plan 4
if ! systemctl cat "$unit" >/dev/null 2>&1; then
	for t in installed_disabled_and_stopped enable_now_starts_it \
		it_serves_prometheus_metrics its_journal_has_no_error; do
		skip "exporter_$t" "the package has no $unit yet (issue 15)"
	done
	tap_exit
fi
check "exporter_installed_disabled_and_stopped" installed_disabled
check "exporter_enable_now_starts_it" enable_now
check "exporter_it_serves_prometheus_metrics" serves_metrics
check "exporter_its_journal_has_no_error" journal_clean
tap_exit
