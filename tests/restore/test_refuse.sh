#!/usr/bin/env bash
# restore.sh refuses a mount that is not pristine and an image that contradicts itself, and a
# failing step stops it with exit status 1 and a message naming the object, the command and the
# errno; a world the planner cannot tell apart (two dying inits side by side) is refused with the
# reason. (The images here are version 1, still read, but the dying inits' one.)
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
stop_b() {  # a daemon that does not stop cleanly is a failure too
    stop_mount "$B" || { failures=$((failures + 1)); echo "FAIL daemon on $B did not stop cleanly" >&2; }
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

# 1. not pristine, each reason: FILE (under the mount) <tab> what is written <tab> the reason given
while IFS=$'\t' read -r file dirt reason; do
    start_mount B
    printf '%s\n' "$dirt" > "$B/$file"
    out=$("$RESTORE" "$work/small.img" "$B" 2>&1); st=$?
    check "not pristine ($file: $dirt)" 1 "^restore: refusing to restore into $B: not a pristine mount \($reason" "$st" "$out"
    stop_b
done <<'DIRT'
1/task/1/ctl	fork	processes: 1 2\)
1/task/1/ctl	next_id LONG 7	1 has a pending next_id
1/task/1/ctl	msgget IPC_PRIVATE IPC_CREAT|0600	sysvipc/msg is not empty
1/task/1/ctl	comm other	comm of 1 is 'other'
1/task/1/ctl	setgid 5	1 is not uid/gid 0
sys/kernel/msg_next_id	5	msg_next_id is 5
sys/kernel/ns_last_pid	100	ns_last_pid is 100
DIRT
start_mount B
out=$("$RESTORE" "$work/small.img" "$B" 2>&1); st=$?
check "a restore into a fresh mount" 0 '^$' "$st" "$out"
out=$("$RESTORE" "$work/small.img" "$B" 2>&1); st=$?
check "a second restore into the same mount" 1 "not a pristine mount" "$st" "$out"
stop_b
# an IPC allocator that moved, though the tables are empty again
start_mount B
printf 'msgget IPC_PRIVATE IPC_CREAT|0600\nmsgrm 0\n' > "$B/1/task/1/ctl"
out=$("$RESTORE" "$work/small.img" "$B" 2>&1); st=$?
check "an IPC allocator that moved" 1 "^restore: refusing to restore into $B: not a pristine mount \\(the msg ids have been used: msg 0 0 1\\)$" "$st" "$out"
stop_b

# refused_image NAME SED_SCRIPT WHAT REGEX: the small image edited by SED_SCRIPT, restored into a
# fresh mount, fails with status 1 and a message matching REGEX
refused_image() {
    sed "$2" "$work/small.img" > "$work/$1.img"
    start_mount B
    out=$("$RESTORE" "$work/$1.img" "$B" 2>&1); st=$?
    check "$3" 1 "$4" "$st" "$out"
    stop_b
}
# 2. a pid out of range is refused before anything runs; a step of an edited program that fails
#    (the same pid forced) stops the restore with the object, the command and the errno
refused_image bad-pid 's/^proc 5 /proc 4194304 /; s/^thread 5 5 5 /thread 4194304 4194304 4194304 /' "pid out of range" \
    '^restore: .*bad-pid.img: thread 4194304: pid 4194304 is out of range$'
"$RESTORE" --plan "$work/small.img" | sed 's/^next_id LONG 5$/next_id LONG 4194304/' > "$work/edited.sh"
start_mount B
out=$("$RESTORE" --program "$work/edited.sh" "$B" 2>&1); st=$?
check "a fork that fails" 1 '^restore: failed: process 4194304 \(by thread 1\): command "next_id LONG 4194304; fork": EINVAL$' "$st" "$out"
stop_b
# 3. the image names a pid twice
refused_image dup 's/^proc 5 /proc 1 /' "image with a pid twice" '^restore: .*dup.img line 5: process 1 twice$'
# 4. a sysctl that fails: pid_max below the kernel's minimum (301)
refused_image bad-max 's/^pidns p1 - 0 32768 5/pidns p1 - 0 300 5/' "sysctl that fails" \
    '^restore: failed: pid namespace p1: command "echo 300 > sys/kernel/pid_max": EINVAL$'
# 5. an IPC id that is taken twice (a second queue with id 3, key 9)
refused_image dup-ipc 's/^msg i1 3 0 600 0 0 0 0 -$/&\nmsg i1 3 9 600 0 0 0 0 -/' "IPC id taken" \
    '^restore: .*dup-ipc.img: msg 3 of i1: its idx is taken twice$'
# 6. two dying inits side by side, each held only by a group outside: which holds which is not
# in the image (docs/restore.md, Known limits)
cat > "$work/two-dying.img" <<'IMG'
nextidfs-image 2
pidns p1 - 0 32768 45
pidns p10 p1 1 - -
pidns p40 p1 1 - -
ipcns i1 -1 -1 -1 1 0,-1,0 0,-1,0 0,-1,0
proc 1 0 p1 p1 i1 0 0 1 1 S 0 dfl
proc 10 1 p10 - - 0 0 1,0 1,0 D 768 dfl
proc 12 1 p1 p1 i1 0 0 11 1 S 0 dfl
proc 40 1 p40 - - 0 0 1,0 1,0 D 512 dfl
proc 45 1 p1 p1 i1 0 0 42 1 S 0 dfl
thread 1 1 1 - init 10,12,40,45
thread 10 10 10,1 - init -
thread 12 12 12 - init -
thread 40 40 40,1 - init -
thread 45 45 45 - init -
end
IMG
start_mount B
out=$("$RESTORE" "$work/two-dying.img" "$B" 2>&1); st=$?
check "two dying inits held only by groups outside" 1 \
    '^restore: .*two-dying.img: unsupported: dying init 10: the image does not say which group outside holds a pid of p10$' "$st" "$out"
stop_b
# 7. not an image, not a mount
out=$("$RESTORE" /etc/hostname "$work" 2>&1); st=$?
check "not a mount" 1 'is not a nextidfs mount' "$st" "$out"
start_mount B
out=$("$RESTORE" /etc/hostname "$B" 2>&1); st=$?
check "not an image" 1 'not a nextidfs image of version 1 or 2' "$st" "$out"
stop_b

echo "restore refusals: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
