#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# stat -- CMD on the cgroup layouts of real machines, built here from the
# initramfs's plain cgroup2 at /sys/fs/cgroup:
#   - the caller in a nested group with a controller enabled above it (a
#     systemd slice): the run's group goes beneath the caller's, the
#     command runs there, the caller stays where it was;
#   - the caller in a threaded group, or a user in a group not delegated
#     to it: ctxscope follows the process tree and says why; a user in a
#     group delegated to it: the run's group goes there;
#   - a hybrid host (cgroup v1 hierarchies, cgroup2 at
#     /sys/fs/cgroup/unified): that mount is found;
#   - no cgroup2 at all: the process tree, every process still attributed
#     exactly (tree_attribution, against the kernel's own counts).
# Every run leaves no group behind.

. /tests/lib.sh

CG=/sys/fs/cgroup

# ran_in FILE GROUP: the command printed its /proc/self/cgroup to FILE,
# and it was a run group directly beneath GROUP.
ran_in() {
	diag "the command ran in $(cat "$1")"
	grep -q "^0::$2/ctxscope-stat-[0-9]*-[0-9]*\$" "$1"
}

# method FILE METHOD [REASON]: the JSON report names the method (and why).
method() {
	grep -o '"method":"[a-z_]*","method_reason":[^,]*' "$1" | sed 's/^/# /'
	grep -q "\"method\":\"$2\"" "$1" || return 1
	[ -z "${3:-}" ] || grep -q "\"method_reason\":\"[^\"]*$3" "$1"
}

nested() {
	mkdir -p $CG/outer/inner || return 1
	echo +pids >$CG/cgroup.subtree_control || diag "no pids controller"
	echo +pids >$CG/outer/cgroup.subtree_control 2>/dev/null
	echo 1000 >$CG/outer/inner/pids.max 2>/dev/null
	# This shell, and so ctxscope, in the nested group.
	echo $$ >$CG/outer/inner/cgroup.procs || return 1
	ctxscope stat -o json -O /tmp/n.json -- cat /proc/self/cgroup >/tmp/n.cg || return 1
	ran_in /tmp/n.cg /outer/inner && method /tmp/n.json cgroup &&
		grep -q '"path":"/sys/fs/cgroup/outer/inner/ctxscope-stat-' /tmp/n.json
}

caller_stays() {
	diag "the caller is in $(cat /proc/$$/cgroup)"
	grep -q '^0::/outer/inner$' /proc/$$/cgroup
}

leave_nested() {
	echo $$ >$CG/cgroup.procs
	echo -pids >$CG/outer/cgroup.subtree_control 2>/dev/null
	echo -pids >$CG/cgroup.subtree_control 2>/dev/null
	rmdir $CG/outer/inner $CG/outer
}

# The caller's only thread in a threaded group: processes cannot move
# there, so ctxscope follows the tree.
threaded() {
	mkdir -p $CG/dom/thr || return 1
	if ! echo threaded >$CG/dom/thr/cgroup.type; then
		diag "this kernel has no threaded cgroups"
		return 1
	fi
	sh -c 'echo $$ >/sys/fs/cgroup/dom/cgroup.procs &&
		echo $$ >/sys/fs/cgroup/dom/thr/cgroup.threads &&
		exec ctxscope stat -o json -O /tmp/t.json -- true' || return 1
	method /tmp/t.json process_tree threaded
}

# A user (nobody) in a group delegated to it, then in root's.
delegated() {
	mkdir -p $CG/deleg || return 1
	chown 65534 $CG/deleg $CG/deleg/cgroup.procs $CG/deleg/cgroup.threads \
		$CG/deleg/cgroup.subtree_control || return 1
	rm -f /tmp/d.json /tmp/d.cg
	sh -c 'echo $$ >/sys/fs/cgroup/deleg/cgroup.procs &&
		exec cs-workload asuser 65534 ctxscope stat -o json -O /tmp/d.json -- cat /proc/self/cgroup' \
		>/tmp/d.cg || return 1
	ran_in /tmp/d.cg /deleg && method /tmp/d.json cgroup
}

not_delegated() {
	rm -f /tmp/u.json
	cs-workload asuser 65534 ctxscope stat -o json -O /tmp/u.json -- true || return 1
	method /tmp/u.json process_tree "Permission denied"
}

hybrid() {
	umount $CG || return 1
	mount -t tmpfs cgroup $CG && mkdir $CG/systemd $CG/unified || return 1
	mount -t cgroup -o none,name=systemd cgroup $CG/systemd || return 1
	mkdir $CG/cpu && mount -t cgroup -o cpu cgroup $CG/cpu ||
		diag "no v1 cpu hierarchy (the controller is busy)"
	mount -t cgroup2 cgroup2 $CG/unified || return 1
	grep cgroup /proc/self/mountinfo | sed 's/^/# /'
	ctxscope stat -o json -O /tmp/h.json -- cat /proc/self/cgroup >/tmp/h.cg || return 1
	ran_in /tmp/h.cg "" && method /tmp/h.json cgroup &&
		grep -q '"path":"/sys/fs/cgroup/unified/ctxscope-stat-' /tmp/h.json
}

# Only the v1 hierarchies: every format says the tree was followed.
no_cgroup2() {
	umount $CG/unified || return 1
	ctxscope stat -o json -O /tmp/x.json -- true || return 1
	ctxscope stat -O /tmp/x.txt -- true || return 1
	ctxscope stat -o prometheus -O /tmp/x.prom -- true || return 1
	method /tmp/x.json process_tree "no cgroup2" &&
		grep -q '^ method  *process tree' /tmp/x.txt &&
		grep -q 'method="process_tree"' /tmp/x.prom
}

restore() {
	umount $CG/cpu 2>/dev/null
	umount $CG/systemd && umount $CG && mount -t cgroup2 cgroup2 $CG
}

tap_plan 15
check "nested_group_run_goes_beneath_the_callers_group" nested
check "nested_group_caller_stays_in_its_group" caller_stays
check "nested_group_attributes_every_process_exactly" tree_attribution cgroup
check "nested_group_leaves_no_run_group" no_run_groups
leave_nested
check "threaded_group_falls_back_to_the_process_tree" threaded
echo $$ >$CG/cgroup.procs
rmdir $CG/dom/thr $CG/dom 2>/dev/null
rmmod ctxscope && insmod "$CTXSCOPE_KO" tasks_mode=0444
check "delegated_group_of_a_user_gets_the_run_group" delegated
check "undelegated_group_of_a_user_falls_back_with_the_reason" not_delegated
check "a_users_runs_leave_no_run_group" no_run_groups
rmdir $CG/deleg 2>/dev/null
rmmod ctxscope && insmod "$CTXSCOPE_KO"
check "hybrid_hierarchy_uses_cgroup2_at_unified" hybrid
check "hybrid_hierarchy_attributes_every_process_exactly" tree_attribution cgroup
check "hybrid_hierarchy_leaves_no_run_group" no_run_groups
check "without_cgroup2_every_format_names_the_process_tree" no_cgroup2
check "without_cgroup2_attributes_every_process_exactly" tree_attribution process_tree
check "cgroup2_is_restored" restore
check "restored_hierarchy_uses_the_cgroup_method_again" tree_attribution cgroup
tap_exit
