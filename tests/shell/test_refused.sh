#!/usr/bin/env bash
# Operations that would make, remove or move a name (mkdir, mknod, O_CREAT, symlink, link,
# unlink, rmdir, rename) get the errno procfs gives, measured on this machine's /proc at the
# same three levels (the top, <pid>/, <pid>/task/<tid>/), never ENOSYS; the tree is unchanged.
. "$(dirname "$0")/lib.sh"
start_daemon
ctl 1 1 fork > /dev/null
PROBE="python3 $(dirname "$0")/refused.py"

sleep 300 & sleeper=$!
# Where the kernel answers before the filesystem is asked, a FUSE mount cannot give procfs's
# answer: under <pid>/ procfs refuses these with EPERM; the VFS checks the types first.
vfs_decides() {
    case "$1" in
        "pid rename file to dir: "*) echo "pid rename file to dir: EISDIR" ;;
        "pid unlink dir: "*) echo "pid unlink dir: EISDIR" ;;
        "pid rmdir file: "*) echo "pid rmdir file: ENOTDIR" ;;
        *) echo "$1" ;;
    esac
}
compare() {     # compare LEVEL MOUNT_ARGS PROC_ARGS
    local want got
    want=$($PROBE $3 | sed "s/^/$1 /" | while IFS= read -r line; do vfs_decides "$line"; done)
    got=$($PROBE $2 | sed "s/^/$1 /")
    expect_eq "$1: the same errnos as /proc" "$want" "$got"
    [ "$want" = "$got" ] || diff <(echo "$want") <(echo "$got") >&2
}
before=$(ls -R "$MNT" | md5sum)
compare top "$MNT $MNT/uptime $MNT/sysvipc" "/proc /proc/uptime /proc/sysvipc"
compare pid "$MNT/1 $MNT/1/status $MNT/1/ns" "/proc/$sleeper /proc/$sleeper/status /proc/$sleeper/ns"
compare tid "$MNT/1/task/1 $MNT/1/task/1/status" "/proc/$sleeper/task/$sleeper /proc/$sleeper/task/$sleeper/status"
expect_eq "a process directory: rmdir" "$($PROBE /proc /proc/uptime /proc/$sleeper | grep '^rmdir dir')" "$($PROBE "$MNT" "$MNT/uptime" "$MNT/2" | grep '^rmdir dir')"
expect_eq "a link (task/<tid>, /proc/self): unlink" "$($PROBE /proc /proc/self | grep '^unlink file')" \
    "$($PROBE "$MNT/task" "$MNT/task/2" | grep '^unlink file')"
kill "$sleeper"
expect_eq "no ENOSYS anywhere" "" "$($PROBE "$MNT/1/task/1" "$MNT/1/task/1/ctl" | grep ENOSYS)"
expect_eq "the tree is unchanged" "$before" "$(ls -R "$MNT" | md5sum)"

stop_daemon
finish
