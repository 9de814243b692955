#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Prometheus rules of contrib/prometheus: promtool check rules (syntax,
# PromQL) and promtool test rules (every recording rule's value and every
# alert's firing on known series, rules_test.yml). One TAP line each.
set -uo pipefail

cd "$(dirname "$0")/../../contrib/prometheus" || exit 1
n=0 failed=0
run() {
	local desc=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc"
		sed 's/^/# /' <<<"$out" | head -n 40
		failed=$((failed + 1))
	fi
}
run "promtool check rules contrib/prometheus/rules.yml" promtool check rules rules.yml
run "promtool test rules contrib/prometheus/rules_test.yml" promtool test rules rules_test.yml
echo "1..$n"
[ "$failed" -eq 0 ]
