#!/usr/bin/env bash
# restore.sh refuses a mount that is not pristine, and a failing step stops it with exit status 1
# and a message naming the object, the command and the errno.
set -u
cd "$(dirname "$0")"
. ./lib.sh
work=$(mktemp -d /tmp/nextidfs-restore-refuse.XXXXXX)
trap 'stop_all_mounts; rm -rf "$work"' EXIT
RESTORE=$NEXTIDFS_ROOT/scripts/restore.sh
failures=0 checks=0
check() {   # check WHAT STATUS MESSAGE-REGEX ACTUAL-STATUS ACTUAL-MESSAGE
    checks=$((checks + 1))
    if [ "$2" != "$4" ] || ! [[ "$5" =~ $3 ]]; then
        failures=$((failures + 1)); echo "FAIL $1: status $4 (want $2), message [$5] (want /$3/)" >&2
    fi
}
image() { printf 'nextidfs-image 1\n'; cat; printf 'end\n'; }
image > "$work/small.img" <<'IMG'
pidns p1 - 0 32768 5
ipcns i1 -1 -1 -1 1
proc 1 0 p1 p1 i1 0 0
proc 5 1 p1 p1 i1 0 0
thread 1 1 1 - init
thread 5 5 5 - init
msg i1 3 0 600 0 0 0 0 -
IMG

# 1. not pristine: a process more, a pending next_id, an IPC object, a moved cursor
for dirt in 'fork' 'next_id LONG 7' 'msgget IPC_PRIVATE IPC_CREAT|0600'; do
    start_mount B
    printf '%s\n' "$dirt" > "$B/1/task/1/ctl"
    out=$("$RESTORE" "$work/small.img" "$B" 2>&1); st=$?
    check "not pristine ($dirt)" 1 "^restore: refusing to restore into $B: not a pristine mount \(" "$st" "$out"
    stop_mount "$B"
done
start_mount B
"$RESTORE" "$work/small.img" "$B" > /dev/null 2>&1
out=$("$RESTORE" "$work/small.img" "$B" 2>&1); st=$?
check "a second restore into the same mount" 1 "not a pristine mount" "$st" "$out"
stop_mount "$B"

# 2. a failing step: a pid at pid_max (4194304) cannot be forced
sed 's/^proc 5 /proc 4194304 /; s/^thread 5 5 5 /thread 4194304 4194304 4194304 /' "$work/small.img" > "$work/bad-pid.img"
start_mount B
out=$("$RESTORE" "$work/bad-pid.img" "$B" 2>&1); st=$?
check "fork that fails" 1 '^restore: failed: process 4194304 \(by thread 1\): command "next_id LONG 4194304; fork": EINVAL$' "$st" "$out"
stop_mount "$B"
# 3. the pid is taken: a helper took nothing, but the image names a pid twice
sed 's/^proc 5 /proc 1 /' "$work/small.img" > "$work/dup.img"
start_mount B
out=$("$RESTORE" "$work/dup.img" "$B" 2>&1); st=$?
check "image with a pid twice" 1 '^restore: .*dup.img line 5: process 1 twice$' "$st" "$out"
stop_mount "$B"
# 4. a sysctl that fails: pid_max below the kernel's minimum (301)
sed 's/^pidns p1 - 0 32768 5/pidns p1 - 0 300 5/' "$work/small.img" > "$work/bad-max.img"
start_mount B
out=$("$RESTORE" "$work/bad-max.img" "$B" 2>&1); st=$?
check "sysctl that fails" 1 '^restore: failed: pid namespace p1: command "echo 300 > sys/kernel/pid_max": EINVAL$' "$st" "$out"
stop_mount "$B"
# 5. an IPC id that is taken twice
sed 's/^msg i1 3 0 600/msg i1 3 0 600 0 0 0 0 -\nmsg i1 3 9 600/' "$work/small.img" | sed 's/^\(msg i1 3 9 600\) 0 0 0 0 - 0 0 0 0 -$/\1 0 0 0 0 -/' > "$work/dup-ipc.img"
start_mount B
out=$("$RESTORE" "$work/dup-ipc.img" "$B" 2>&1); st=$?
check "IPC id taken" 1 '^restore: failed: msg 3 of i1 \(by thread 1\): command "next_id LONG 3; msgget 9 IPC_CREAT\|IPC_EXCL\|0600": EBUSY$' "$st" "$out"
stop_mount "$B"
# 6. not an image, not a mount
out=$("$RESTORE" /etc/hostname "$work" 2>&1); st=$?
check "not a mount" 1 'is not a nextidfs mount' "$st" "$out"
start_mount B
out=$("$RESTORE" /etc/hostname "$B" 2>&1); st=$?
check "not an image" 1 'not a version 1 nextidfs image' "$st" "$out"
stop_mount "$B"

echo "restore refusals: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
