#!/usr/bin/env bash
# pid_namespaces (docs/interface.md §6.7, a nextidfs extension) through a mount: every pid
# namespace with its pid_max and ns_last_pid, read-only; a dead one, whose own files are ESRCH,
# stays listed while a pid_for_children holds it, and its pid_max still decides a forced fork.
. "$(dirname "$0")/lib.sh"
start_daemon
header='inode parent level pid_max ns_last_pid'
expect_eq "a fresh mount: the root namespace" "$header"$'\n'"4026531836 0 0 32768 1" "$(cat "$MNT/pid_namespaces")"
expect_eq "mode 0444" 444 "$(stat -c %a "$MNT/pid_namespaces")"
expect_put "read-only" "$MNT/pid_namespaces" $'4026531836 0 0 400 1\n' EINVAL

ctl 1 1 'next_id LONG 20' > /dev/null; ctl 1 1 fork > /dev/null; ctl 20 20 'unshare pid' > /dev/null
ctl 20 20 'next_id LONG2 1 30' > /dev/null; ctl 20 20 fork > /dev/null; ctl 30 30 fork > /dev/null
echo 400 > "$MNT/30/sys/kernel/pid_max"
ns=$(readlink "$MNT/30/ns/pid"); ns=${ns#pid:[}; ns=${ns%]}
expect_eq "30's namespace" 4026531840 "$ns"
line="$ns 4026531836 1 400 $(cat "$MNT/30/sys/kernel/ns_last_pid")"
expect_eq "a live namespace: as its sys/kernel files" "$line" "$(grep "^$ns " "$MNT/pid_namespaces")"
ctl 30 30 exit > /dev/null
expect_match "a zombie init's files" 'No such process' "$(cat "$MNT/30/sys/kernel/pid_max" 2>&1)"
ctl 20 20 wait > /dev/null
expect_eq "dead, held by 20's pid_for_children" "pid:[$ns]" "$(readlink "$MNT/20/ns/pid_for_children")"
expect_eq "a dead namespace stays listed" "$line" "$(grep "^$ns " "$MNT/pid_namespaces")"
expect_eq "a forced fork past its pid_max" '-22 EINVAL' "$(ctl 20 20 'next_id LONG2 500 600' > /dev/null; ctl 20 20 fork)"
expect_eq "within it: it takes no tasks" '-12 ENOMEM' "$(ctl 20 20 'next_id LONG2 300 600' > /dev/null; ctl 20 20 fork)"
put "$MNT/20/task/20/ctl" $'exit\n' > /dev/null
expect_eq "nothing holds it: gone (30's child took root pid 2)" "$header"$'\n'"4026531836 0 0 32768 2" "$(cat "$MNT/pid_namespaces")"
stop_daemon
finish
