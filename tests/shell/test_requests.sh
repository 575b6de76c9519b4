#!/usr/bin/env bash
# FUSE requests per operation, from the daemon's -d log (single-threaded, so the log is in the
# order the kernel queued them): what one echo or cat costs in round trips, every request
# counted. No OPEN, FLUSH or RELEASE: a write is one WRITE (bash adds the GETATTR of its fstat
# when the kernel forgot the size), a cold read its LOOKUPs and one READ, a re-read of unchanged
# content nothing at all.
. "$(dirname "$0")/lib.sh"
start_daemon -d -s

# requests COMMAND...: the opcodes of the requests while COMMAND runs. A read of uptime (no
# attributes kept: a GETATTR, and a READ when it changed) is answered only once everything
# queued before it was, so the log is complete when it returns; its own requests are left out.
requests() {
    local before
    before=$(wc -l < "$MNT.log")
    "$@"
    cat "$MNT/uptime" > /dev/null
    tail -n +"$((before + 1))" "$MNT.log" |
        sed -n "s/.*opcode: \([A-Z_]*\) ([0-9]*), nodeid: \([0-9]*\),.*/\1 \2/p" |
        grep -v -e " $UPTIME\$" -e '^FORGET ' -e '^BATCH_FORGET ' | cut -d' ' -f1 | tr '\n' ' '
}

T=$MNT/1/task/1
UPTIME=$(stat -c %i "$MNT/uptime")
echo 'LONG 400' > "$T/next_id"         # the first ones: GETXATTR, OPEN and FLUSH once (ENOSYS: never again)
echo fork > "$T/ctl"
echo 700 > "$MNT/sys/kernel/ns_last_pid"
cat "$MNT/1/status" "$T/next_id" "$T/ctl" > /dev/null

put_next_id() { echo "LONG $1" > "$T/next_id"; }
put_ctl() { echo "$1" > "$T/ctl"; }
c_write() { python3 -c "import os, sys; fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC); os.write(fd, sys.argv[2].encode()); os.close(fd)" "$@"; }
exec_fd_write() { exec 3> "$T/next_id"; echo 'LONG 600' >&3; exec 3>&-; }
read_file() { cat "$1" > /dev/null; }

put_next_id 499
# bash: its fstat of the redirected fd asks GETATTR when the kernel forgot the file's size.
bash_write='^(GETATTR )?WRITE $'
expect_match "bash echo > next_id" "$bash_write" "$(requests put_next_id 500)"
expect_eq "a C writer: open(O_TRUNC), write, close" "WRITE " "$(requests c_write "$T/next_id" $'LONG 501\n')"
expect_match "a sysctl: the same" "$bash_write" "$(requests eval 'echo 700 > "$MNT/sys/kernel/ns_last_pid"')"
expect_match "exec 3> next_id, echo >&3, close" "$bash_write" "$(requests exec_fd_write)"
expect_match "bash echo > ctl" "$bash_write" "$(requests put_ctl 'comm a')"
expect_match "again (the last write told the kernel what changed)" "$bash_write" "$(requests put_ctl 'comm b')"
expect_eq "a C writer on ctl" "WRITE " "$(requests c_write "$T/ctl" $'comm c\n')"
expect_eq "cat of a status file never read: its LOOKUPs and one READ" "LOOKUP LOOKUP READ " \
    "$(requests read_file "$MNT/400/status")"
expect_eq "cat again: one GETATTR (a READ makes the kernel forget the atime)" "GETATTR " \
    "$(requests read_file "$MNT/400/status")"
expect_eq "and again: nothing" "" "$(requests read_file "$MNT/400/status")"
expect_eq "and again" "" "$(requests read_file "$MNT/400/status")"
# A listing hands the kernel the directories in it (READDIRPLUS): a glob's cat then looks up
# only the file. `ls` of a task that ended after the listing no longer shows it, and a new task
# with its pid is the new one (the exit told the kernel to forget the name).
put_next_id 450
put_ctl fork
glob_cat() { cat "$MNT"/45[0]/status > /dev/null; }
stat_task() { stat "$MNT/450/task" > /dev/null; }
expect_eq "glob cat of a status file never read: the listing, LOOKUP of status only, one READ" \
    "OPENDIR READDIRPLUS READDIRPLUS RELEASEDIR LOOKUP READ " "$(requests glob_cat)"
expect_eq "a path through a listed directory" "LOOKUP " "$(requests stat_task)"
ls "$MNT" > /dev/null
old_inode=$(stat -c %i "$MNT/450")
put "$MNT/450/task/450/ctl" $'exit 0\n' > /dev/null          # init reaps it
expect_eq "a listed task that ended is gone" "No such file or directory" "$(cat "$MNT/450/status" 2>&1 | sed 's/.*: //')"
put_next_id 450
put_ctl fork
ls "$MNT" > /dev/null
expect_eq "its pid's new task, after a listing" "PPid:	1 new inode" \
    "$(grep PPid "$MNT/450/status") $([ "$(stat -c %i "$MNT/450")" != "$old_inode" ] && echo new inode)"

read_file "$MNT/1/status"
expect_eq "after a write that changed it: its attributes and content" "GETATTR READ " \
    "$(put_ctl 'comm renamed'; requests read_file "$MNT/1/status")"
expect_eq "cat shows the new content" renamed "$(sed -n 's/^Name:\t//p' "$MNT/1/status")"
expect_eq "after a write that did not change it: its attributes only" "GETATTR " \
    "$(put_ctl 'comm renamed'; requests read_file "$MNT/1/status")"

# A thread's next_id + fork pairs on fds kept open (bench/clients/pairs.c): the write that set
# the ids made the kernel forget next_id's attributes itself, so the fork that consumes them
# sends no notice, unless next_id was read in between.
pairs_py='import os, sys
nid, ctl = (os.open(sys.argv[1] + f, os.O_WRONLY) for f in ("/next_id", "/ctl"))
for pid in sys.argv[2:]:
    os.pwrite(nid, b"LONG %s\n" % pid.encode(), 0)
    os.pwrite(ctl, b"fork\n", 0)'
pairs() { python3 -c "$pairs_py" "$T" "$@"; }
# inode_notices COMMAND...: the attribute notices (FUSE_NOTIFY_INVAL_INODE) while COMMAND runs.
inode_notices() {
    local before
    before=$(wc -l < "$MNT.log")
    "$@"
    cat "$MNT/uptime" > /dev/null
    tail -n +"$((before + 1))" "$MNT.log" | grep -c '^NOTIFY: code=2 '
}
read_between() { put_next_id 905; cat "$T/next_id" > /dev/null; put_ctl fork; }
# The open's permission check asks for next_id's attributes (GETATTR): the first fork tells it
# (a fork before them told the files read earlier in this test).
put_ctl fork
expect_eq "four next_id + fork pairs: one notice" 1 "$(inode_notices pairs 900 901 902 903)"
expect_eq "next_id read between the two: one notice" 1 "$(inode_notices read_between)"
expect_eq "and it reads empty after the fork" "" "$(get "$T/next_id")"

stop_daemon
finish
