#!/usr/bin/env bash
# O_APPEND (`>>`). procfs files have size 0, so appending writes at the file position: the sysctl
# files take an appended value, the next write on the same O_APPEND fd is past the start (ignored
# by a sysctl). On the mount the kernel sends no open, and puts an O_APPEND write at the size it
# caches: every O_APPEND write counts as at the start, the second on an fd too (a deliberate
# difference, docs/interface.md §8). The sysctl sequence runs on this machine's /proc, in fresh
# pid and IPC namespaces, and on the mount.
. "$(dirname "$0")/lib.sh"
start_daemon

# appends DIR: the values a sequence of > and >> writes leaves in DIR's sysctl files (builtins
# only: a fork would move ns_last_pid).
appends() {
    local f v out=
    for f in msg_next_id ns_last_pid; do
        echo 100 > "$1/$f"; echo 200 >> "$1/$f"; read -r v < "$1/$f"; out+="$v "
        exec 3>> "$1/$f"; echo 300 >&3; echo 400 >&3; exec 3>&-; read -r v < "$1/$f"; out+="$v "
        exec 3> "$1/$f"; echo 500 >&3; echo 600 >&3; exec 3>&-; read -r v < "$1/$f"; out+="$v "
    done
    echo "$out"
}
kernel=$(unshare --pid --ipc --fork --mount-proc bash -c "$(declare -f appends); appends /proc/sys/kernel")
expect_eq "the kernel: >> takes the value, a second write on the fd does not" "200 300 500 200 300 500 " "$kernel"
expect_eq "the mount: the same but the second write on the O_APPEND fd" "${kernel//300/400}" "$(appends "$MNT/sys/kernel")"
expect_eq "under <pid>/ too" "${kernel//300/400}" "$(appends "$MNT/1/sys/kernel")"

N=$MNT/1/task/1/next_id
echo 'LONG 5' > "$N"
expect_eq "next_id: >> at a fresh open" OK "$(errno_of_message "$( { echo 'LONG 6' >> "$N"; } 2>&1 )")"
expect_eq "takes it" 'LONG 6\n' "$(get "$N")"
exec 3>> "$N"
expect_eq "next_id: the first write on an O_APPEND fd" OK "$(errno_of_message "$( { echo 'LONG 7' >&3; } 2>&1 )")"
expect_eq "next_id: the second counts as at the start too" OK "$(errno_of_message "$( { echo 'LONG 8' >&3; } 2>&1 )")"
exec 3>&-
expect_eq "next_id takes the second" 'LONG 8\n' "$(get "$N")"
expect_eq "ctl: >> runs (the fork takes the pending LONG 8)" 8 "$(echo fork >> "$MNT/1/task/1/ctl"; cat "$MNT/1/task/1/ctl")"

stop_daemon
finish
