#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-system: `ctxscope stat` as run from the context under test
# (stat.sh starts this in a login session and in a systemd service). Runs
# a process ping-pong pinned to CPU 0 under ctxscope stat; the ping-pong
# records the cgroup it ran in and the kernel's own count of its switches,
# this script its caller's cgroup before and after and any cgroup left
# beneath the caller's.
#
# usage: stat-inner.sh OUT_DIR ROUNDS

out=${1:?usage: stat-inner.sh OUT_DIR ROUNDS} rounds=${2:?rounds}
mnt=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break
	     if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)
cat /proc/self/cgroup >"$out/caller.cgroup"
# shellcheck disable=SC2016 # expanded by the command's shell
ctxscope stat -o prometheus -O "$out/report.prom" -- sh -c \
	'cat /proc/self/cgroup >"$1/command.cgroup"; exec cs-workload pingpong process "$2" 0' \
	sh "$out" "$rounds" >"$out/workload.out" 2>"$out/stat.err"
echo $? >"$out/status"
cat /proc/self/cgroup >"$out/caller-after.cgroup"
caller=$(sed -n 's/^0:://p' "$out/caller.cgroup")
find "$mnt$caller" -mindepth 1 -type d >"$out/left-behind" 2>&1
