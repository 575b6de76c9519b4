#!/usr/bin/env bash
# With -o allow_other: an unprivileged user cannot write another user's task files (EACCES), can
# drive a task that root setuid'ed to it, and gets EPERM when its task forces ids.
. "$(dirname "$0")/lib.sh"
need_test_user
USER_NAME=$TEST_USER
USER_ID=$(id -u "$USER_NAME")
GROUP_ID=$(id -g "$USER_NAME")
start_daemon -o allow_other

# as_user COMMAND...: a bash run as the test user; prints its output (errors included).
as_user() { runuser -u "$USER_NAME" -- bash -c "$(declare -f put errno_of_message); $*" 2>&1; }

ctl 1 1 fork > /dev/null       # 2: stays root's
ctl 1 1 fork > /dev/null       # 3: handed to the user
expect_eq "root may read everything" "$(cat "$MNT/2/status")" "$(as_user "cat $MNT/2/status")"
expect_eq "user cannot write root's ctl" EACCES "$(as_user "put $MNT/2/task/2/ctl fork")"
expect_eq "user cannot write root's next_id" EACCES "$(as_user "put $MNT/2/task/2/next_id 'LONG 5'")"
expect_eq "user cannot read root's ctl (0600)" EACCES "$(errno_of_message "$(as_user "cat $MNT/2/task/2/ctl" | grep -o 'Permission denied')")"
expect_eq "user cannot write the top sysctl files" EACCES "$(as_user "put $MNT/sys/kernel/ns_last_pid 5")"
expect_eq "nothing was forked" "1 2 3" "$(ls "$MNT" | grep -x '[0-9]*' | sort -n | xargs)"

# Root hands task 3 to the user; at once (no cache delay) the user drives it.
printf 'setgid %s\nsetuid %s\n' "$GROUP_ID" "$USER_ID" > "$MNT/3/task/3/ctl"
expect_eq "owner of the task's files" "$USER_ID:$GROUP_ID" "$(stat -c %u:%g "$MNT/3/task/3/ctl")"
expect_eq "owner of the process directory" "$USER_ID" "$(stat -c %u "$MNT/3")"
expect_eq "user forks from its task" OK "$(as_user "put $MNT/3/task/3/ctl \$'fork\\n'")"
child=$(as_user "cat $MNT/3/task/3/ctl")
expect_match "user reads its ctl" '^[0-9]+$' "$child"
expect_eq "the child is the user's too" "$USER_ID" "$(status_field "$child" Uid | cut -d' ' -f1)"
expect_eq "user may set next_id of its task" OK "$(as_user "put $MNT/3/task/3/next_id 'LONG 900'")"
expect_eq "forcing ids from a uid != 0 task" EPERM "$(as_user "put $MNT/3/task/3/ctl \$'fork\\n'")"
expect_eq "ctl read-back" '-1 EPERM' "$(as_user "cat $MNT/3/task/3/ctl")"
[ ! -e "$MNT/900" ] && pass || fail "pid 900 must not exist"
expect_eq "the task's own sysctl: EPERM (uid != 0)" EPERM "$(as_user "put $MNT/3/sys/kernel/ns_last_pid 5")"
expect_eq "IPC from the user's task" OK "$(as_user "put $MNT/3/task/3/ctl \$'msgget 0x42 IPC_CREAT|0600\\n'")"
expect_match "owned by the user" " $USER_ID +$GROUP_ID +$USER_ID +$GROUP_ID " "$(sed -n 2p "$MNT/sysvipc/msg")"
expect_eq "user task cannot remove root's queue" EPERM "$(ctl 1 1 'msgget 0x43 IPC_CREAT|0600' >/dev/null; as_user "put $MNT/3/task/3/ctl \$'msgrm 1\\n'")"
expect_eq "user cannot change its task back to root" EPERM "$(as_user "put $MNT/3/task/3/ctl \$'setuid 0\\n'")"
expect_eq "root (real caller) still drives the user's task" OK "$(put "$MNT/3/task/3/ctl" "comm by-root"$'\n')"

stop_daemon
finish
