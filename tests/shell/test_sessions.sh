#!/usr/bin/env bash
# Sessions, process groups and zombies through the tree: setsid and setpgid with their
# read-backs, NSpgid/NSsid and stat fields 5 and 6, a zombie's readable files and refused calls,
# wait, sigchld, and the pids that zombies and dead leaders keep taken.
. "$(dirname "$0")/lib.sh"
start_daemon --pid-max 400

expect_eq "root init's group" 1 "$(status_field 1 NSpgid)"
expect_eq "root init's session" 1 "$(status_field 1 NSsid)"
expect_eq "stat pgrp session" "1 1" "$(stat_field 1 5) $(stat_field 1 6)"
expect_eq "fork" 2 "$(ctl 1 1 fork)"
expect_eq "setsid returns the session id" 2 "$(ctl 2 2 setsid)"
expect_eq "NSpgid after setsid" 2 "$(status_field 2 NSpgid)"
expect_eq "stat pgrp session after setsid" "2 2" "$(stat_field 2 5) $(stat_field 2 6)"
expect_eq "a session leader cannot setsid again" '-1 EPERM' "$(ctl 2 2 setsid)"
expect_eq "child" 3 "$(ctl 2 2 fork)"
expect_eq "second child" 4 "$(ctl 2 2 fork)"
expect_eq "setpgid 0 0: a group of its own" 0 "$(ctl 3 3 'setpgid 0 0')"
expect_eq "setpgid of a child into it" 0 "$(ctl 2 2 'setpgid 4 3')"
expect_eq "member's group" "3 2" "$(status_field 4 NSpgid) $(status_field 4 NSsid)"
expect_eq "not its child" '-3 ESRCH' "$(ctl 3 3 'setpgid 4 0')"

# A new pid namespace: the init inherits group and session, which have no number inside.
echo "LONG2 1 300" > "$MNT/2/task/2/next_id"
expect_eq "clone newpid" 300 "$(ctl 2 2 'clone newpid')"
expect_eq "inherited, unnumbered inside" "2 0|2 0" "$(status_field 300 NSpgid)|$(status_field 300 NSsid)"
expect_eq "the init makes its own session" 1 "$(ctl 300 300 setsid)"
expect_eq "numbered at both levels" "300 1" "$(status_field 300 NSsid)"

# The group leader exits: a zombie of its parent, Z, exit code in stat field 52.
expect_put "exit 7" "$MNT/3/task/3/ctl" $'exit 7\n' OK
expect_eq "State" "Z (zombie)" "$(status_field 3 State)"
expect_eq "stat state ppid pgrp session" "Z 2 3 2" "$(stat_field 3 3) $(stat_field 3 4) $(stat_field 3 5) $(stat_field 3 6)"
expect_eq "stat exit_code (7 << 8)" 1792 "$(stat_field 3 52)"
expect_match "still listed" '(^| )3( |$)' "$(echo $(ls "$MNT"))"
expect_eq "its parent's child" '3 4 300 ' "$(get "$MNT/2/task/2/children")"
expect_put "a zombie makes no calls" "$MNT/3/task/3/ctl" $'fork\n' ESRCH
expect_put "nor sets pending ids" "$MNT/3/task/3/next_id" $'LONG 50\n' ESRCH
expect_match "ns/pid still names its namespace" '^pid:\[[0-9]+\]$' "$(readlink "$MNT/3/ns/pid")"
[ -z "$(readlink "$MNT/3/ns/ipc")" ] && pass || fail "a zombie has no IPC namespace link"
echo "LONG 3" > "$MNT/1/task/1/next_id"
expect_eq "its pid is taken" '-17 EEXIST' "$(ctl 1 1 fork)"
expect_eq "wait reaps it" 3 "$(ctl 2 2 wait)"
[ ! -e "$MNT/3" ] && pass || fail "the reaped zombie should be gone"
expect_eq "the group lives on" 3 "$(status_field 4 NSpgid)"
echo "LONG 3" > "$MNT/1/task/1/next_id"
expect_eq "a dead leader's pid stays taken by its group" '-17 EEXIST' "$(ctl 1 1 fork)"
echo 2 > "$MNT/sys/kernel/ns_last_pid"
expect_eq "the cursor skips it" 5 "$(ctl 1 1 fork)"
expect_eq "the last member leaves" 0 "$(ctl 4 4 'setpgid 0 0')"
echo "LONG 3" > "$MNT/1/task/1/next_id"
expect_eq "then it is free" 3 "$(ctl 1 1 fork)"

# wait: 0 while children live, ECHILD without any; sigchld ignore: no zombies.
expect_eq "wait with live children" 0 "$(ctl 2 2 wait)"
expect_eq "wait without children" '-10 ECHILD' "$(ctl 5 5 wait)"
expect_eq "sigchld ignore" 0 "$(ctl 2 2 'sigchld ignore')"
expect_eq "child" 6 "$(ctl 2 2 fork)"
expect_put "it exits" "$MNT/6/task/6/ctl" $'exit\n' OK
[ ! -e "$MNT/6" ] && pass || fail "a child of a process ignoring SIGCHLD is reaped at once"
expect_eq "sigchld default" 0 "$(ctl 2 2 'sigchld default')"
expect_eq "a zombie's parent exits" 7 "$(ctl 4 4 fork)"
expect_put "the child exits" "$MNT/7/task/7/ctl" $'exit\n' OK
expect_eq "zombie" "Z (zombie)" "$(status_field 7 State)"
expect_put "its parent exits" "$MNT/4/task/4/ctl" $'exit\n' OK
[ ! -e "$MNT/7" ] && pass || fail "the init reaps a zombie it adopts"
expect_eq "the exited parent is a zombie of 2" "Z (zombie)" "$(status_field 4 State)"

stop_daemon
finish
