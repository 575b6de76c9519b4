#!/usr/bin/env bash
# FUSE requests per operation, from the daemon's -d log (single-threaded, so the log is in the
# order the kernel queued them): what one echo or cat costs in round trips. Counted on the file's
# own node; LOOKUP and GETATTR, which depend on how long the kernel keeps names and attributes,
# are left out here.
. "$(dirname "$0")/lib.sh"
start_daemon -d -s

# requests FILE COMMAND...: the opcodes of the requests on FILE's node while COMMAND runs.
# RELEASE is queued before close(2) returns; a read of another file afterwards is answered only
# once everything queued before it was, so the log is complete when it returns.
requests() {
    local file=$1 ino before
    shift
    ino=$(stat -c %i "$file")
    before=$(wc -l < "$MNT.log")
    "$@"
    cat "$MNT/uptime" > /dev/null
    tail -n +"$((before + 1))" "$MNT.log" |
        sed -n "s/.*opcode: \([A-Z_]*\) ([0-9]*), nodeid: $ino,.*/\1/p" |
        grep -v -x -e LOOKUP -e GETATTR -e FORGET -e BATCH_FORGET | tr '\n' ' '
}

T=$MNT/1/task/1
echo 'LONG 400' > "$T/next_id"         # the first write asks GETXATTR once (ENOSYS: never again)
echo fork > "$T/ctl"
cat "$MNT/1/status" > /dev/null

put_next_id() { echo "LONG $1" > "$T/next_id"; }
put_ctl() { echo "$1" > "$T/ctl"; }
read_status() { cat "$MNT/1/status" > /dev/null; }
exec_fd_write() { exec 3> "$T/next_id"; echo 'LONG 600' >&3; exec 3>&-; }

expect_eq "echo > next_id: no FLUSH (nothing to do at close)" "OPEN WRITE RELEASE " "$(requests "$T/next_id" put_next_id 500)"
expect_eq "a sysctl: the same" "OPEN WRITE RELEASE " "$(requests "$MNT/sys/kernel/ns_last_pid" eval 'echo 700 > "$MNT/sys/kernel/ns_last_pid"')"
expect_eq "exec 3> next_id, echo >&3, close" "OPEN WRITE RELEASE " "$(requests "$T/next_id" exec_fd_write)"
expect_eq "echo > ctl: FLUSH at bash's dup2 and at close (a held line runs at close)" \
    "OPEN FLUSH WRITE FLUSH RELEASE " "$(requests "$T/ctl" put_ctl fork)"
expect_eq "cat status: READ until the empty one (direct_io)" "OPEN READ READ RELEASE " "$(requests "$MNT/1/status" read_status)"

stop_daemon
finish
