#!/usr/bin/env bash
# Malformed and forbidden writes to next_id, ctl and the sysctl files: each fails with the errno
# docs/interface.md §7 gives, and a read-back shows nothing changed.
. "$(dirname "$0")/lib.sh"
start_daemon

T=$MNT/1/task/1
# A second process, and a non-root one, to act from.
ctl 1 1 fork > /dev/null                      # pid 2
ctl 1 1 fork > /dev/null                      # pid 3
ctl 3 3 'setuid 1000' > /dev/null
ctl 2 2 fork > /dev/null                      # pid 4, which exits: a zombie of 2
ctl 4 4 'exit 3' > /dev/null
echo "LONG2 1 500" > "$T/next_id"

# The world as a string: processes, cursor, tables, the pending ids of task 1.
world() {
    echo "$(ls "$MNT")|$(cat "$MNT/sys/kernel/ns_last_pid")|$(cat "$MNT/sys/kernel/pid_max")"
    cat "$MNT/sysvipc/msg" "$MNT/sysvipc/sem" "$MNT/sysvipc/shm" "$MNT/sys/kernel/msg_next_id" "$T/next_id" "$MNT/3/task/3/next_id"
    echo "$(status_field 3 Uid)|$(cat "$MNT/2/sys/kernel/pid_max")"
    for p in 1 2 3 4; do echo "$p: $(status_field $p State)|$(status_field $p NSpgid)|$(status_field $p NSsid)|$(cat "$MNT/$p/stat")"; done
    cat "$MNT/2/task/2/children"
}
before=$(world)
n=0
# bad FILE TEXT ERRNO [EXPECTED_CTL_READBACK]
bad() {
    n=$((n + 1))
    expect_put "bad input #$n" "$1" "$2" "$3"
    expect_eq "bad input #$n changed nothing" "$before" "$(world)"
}

# next_id: the grammar (pending ids of task 1 stay LONG2 1 500).
bad "$T/next_id" $'LONG\n' EINVAL
bad "$T/next_id" $'LONG 1 2\n' EINVAL
bad "$T/next_id" $'LONG2 1\n' EINVAL
bad "$T/next_id" $'LONG0 1\n' EINVAL
bad "$T/next_id" "LONG33 $(seq -s ' ' 33)" EINVAL
bad "$T/next_id" $'long 5\n' EINVAL
bad "$T/next_id" $'INT 5\n' EINVAL
bad "$T/next_id" $'LONG -5\n' EINVAL
bad "$T/next_id" $'LONG +5\n' EINVAL
bad "$T/next_id" $'LONG 5x\n' EINVAL
bad "$T/next_id" $'LONG 2147483648\n' EINVAL
bad "$T/next_id" $'LONG 5\nLONG 6\n' EINVAL
bad "$T/next_id" $'clear now\n' EINVAL
bad "$T/next_id" $'\n' EINVAL
bad "$T/next_id" $'LONG 0x10\n' EINVAL
err=$(printf 'LONG 5%4089s\n' '' | dd of="$T/next_id" bs=8192 iflag=fullblock status=none 2>&1)
expect_eq "one write of 4096 bytes (the limit) is taken" "" "$err"
expect_eq "and sets the ids" 'LONG 5\n' "$(get "$T/next_id")"
echo "LONG2 1 500" > "$T/next_id"
expect_eq "back to the state before" "$before" "$(world)"
n=$((n + 1))
err=$(printf 'LONG 5%4100s' '' | dd of="$T/next_id" bs=8192 iflag=fullblock 2>&1 >/dev/null | head -1)
expect_eq "bad input #$n (one write of 4106 bytes)" EINVAL "$(errno_of_message "$err")"
expect_eq "bad input #$n changed nothing" "$before" "$(world)"
n=$((n + 1))
err=$(printf 'LONG 5' | dd of="$T/next_id" bs=1 seek=3 conv=notrunc 2>&1 >/dev/null | head -1)
expect_eq "bad input #$n (write at offset 3)" EINVAL "$(errno_of_message "$err")"
expect_eq "bad input #$n changed nothing" "$before" "$(world)"

# ctl: malformed lines (EINVAL) and forbidden calls.
for line in bogus 'fork now' 'clone newnet' 'clone thread thread' unshare 'unshare net' 'exit 256' 'exit -1' \
    'exit 1 2' comm 'setuid -1' 'setuid abc' msgget 'msgget 5 IPC_CREATE' 'semget 5 x 0' 'shmget 5 -1 0' 'msgrm x' \
    'msgset 1 2 3' 'next_id LONG 5 6' 'clone newpid thread' 'msgrm 12345' 'semget IPC_PRIVATE 0 IPC_CREAT|0600' \
    'shmget IPC_PRIVATE 0 IPC_CREAT|0600' 'setsid now' setpgid 'setpgid 1' 'setpgid x 0' 'setpgid 0 -1' \
    'wait x' 'wait 1 2' 'wait 0' sigchld 'sigchld maybe'; do
    bad "$MNT/2/task/2/ctl" "$line"$'\n' EINVAL
    expect_eq "ctl read-back after '$line'" '-22 EINVAL' "$(cat "$MNT/2/task/2/ctl")"
done
bad "$MNT/2/task/2/ctl" $'msgget 0x777 0600\n' ENOENT
bad "$T/ctl" $'exit\n' EBUSY
# Sessions, groups, wait: the kernel's errnos (pids in the caller's namespace).
bad "$T/ctl" $'setsid\n' EPERM
bad "$T/ctl" $'setpgid 0 0\n' EPERM
bad "$MNT/2/task/2/ctl" $'setpgid 999 0\n' ESRCH
bad "$MNT/2/task/2/ctl" $'setpgid 3 0\n' ESRCH
bad "$MNT/2/task/2/ctl" $'setpgid 0 999\n' EPERM
bad "$MNT/3/task/3/ctl" $'wait\n' ECHILD
bad "$T/ctl" $'wait 999\n' ECHILD
expect_eq "ctl read-back after ECHILD" '-10 ECHILD' "$(cat "$T/ctl")"
# A zombie's files read, but it makes no calls.
bad "$MNT/4/task/4/ctl" $'fork\n' ESRCH
bad "$MNT/4/task/4/next_id" $'LONG 77\n' ESRCH
# Non-root task: forbidden calls.
bad "$MNT/3/task/3/ctl" $'setuid 0\n' EPERM
bad "$MNT/3/task/3/ctl" $'clone newpid\n' EPERM
bad "$MNT/3/task/3/ctl" $'unshare ipc\n' EPERM
expect_eq "ctl read-back after EPERM" '-1 EPERM' "$(cat "$MNT/3/task/3/ctl")"
# Forced ids that cannot be honoured: the call fails and creates nothing (the pending ids are
# consumed, as docs/interface.md §3.3 says, so they are set again each time).
forced() {
    echo clear > "$1/next_id"
    before=$(world)
    echo "$2" > "$1/next_id"
    bad "$1/ctl" $'fork\n' "$3"
}
forced "$MNT/3/task/3" "LONG 600" EPERM
forced "$MNT/2/task/2" "LONG 1" EEXIST
forced "$MNT/2/task/2" "LONG 32768" EINVAL
forced "$MNT/2/task/2" "LONG 0" EINVAL
forced "$MNT/2/task/2" "LONG2 1 700" EINVAL

# sysctl files.
before=$(world)
for v in abc -1 32769 '5 abc' '' 5x 0x 08 '+5'; do
    bad "$MNT/sys/kernel/ns_last_pid" "$v"$'\n' EINVAL
done
for v in 300 4194305 -5 1e3; do bad "$MNT/2/sys/kernel/pid_max" "$v"$'\n' EINVAL; done
for v in -1 2147483648 1.5; do bad "$MNT/sys/kernel/msg_next_id" "$v"$'\n' EINVAL; done
bad "$MNT/sys/kernel/sem_next_id" $'0x\n' EINVAL
bad "$MNT/sys/kernel/shm_next_id" $'7 7\n' EINVAL
bad "$MNT/3/sys/kernel/ns_last_pid" $'5\n' EPERM
bad "$MNT/3/sys/kernel/pid_max" $'5000\n' EPERM
bad "$MNT/3/sys/kernel/msg_next_id" $'5\n' EPERM
bad "$MNT/3/sys/kernel/msg_next_id" $'garbage\n' EPERM
# Files without a write.
bad "$MNT/1/status" $'x\n' EINVAL
bad "$T/children" $'1\n' EINVAL
bad "$MNT/sysvipc/msg" $'x\n' EINVAL
expect_eq "distinct bad inputs tried" yes "$([ $n -ge 40 ] && echo yes || echo "only $n")"
echo "[$TEST_NAME] $n bad inputs"

stop_daemon
finish
