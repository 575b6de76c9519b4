#!/usr/bin/env bash
# The daemon's life: SIGTERM and SIGINT unmount and exit 0 (also with cache invalidation notices
# still queued), SIGKILL leaves no dead mount, a second daemon on the same mount point fails
# clearly, the mount point is reusable, and the usual mount errors are one clear line with exit
# status 1.
. "$(dirname "$0")/lib.sh"
USER_NAME=nextidfs-test

# SIGTERM right after 200,000 tasks ended, 20,000 of them looked up: the notices that the kernel
# should forget their names are still being sent; the session goes only after the last one.
start_daemon --pid-max 4194304
echo 'clone newpid' > "$MNT/1/task/1/ctl"
init=$(cat "$MNT/1/task/1/ctl")
python3 -c "import os; fd = os.open('$MNT/$init/task/$init/ctl', os.O_WRONLY); [os.write(fd, b'fork\n' * 20000) for _ in range(10)]"
python3 -c "import os; [os.stat(f'$MNT/{p}') for p in sorted(os.listdir('$MNT'), key=lambda p: -int(p) if p.isdigit() else 0)[:20000]]"
echo exit > "$MNT/$init/task/$init/ctl"
kill -TERM "$DAEMON_PID"; status=0; wait "$DAEMON_PID" || status=$?
expect_eq "SIGTERM with notices queued: exit status" 0 "$status"
expect_eq "and nothing on stderr" "" "$(head -c 300 "$MNT.log")"
DAEMON_PID=
fusermount3 -u "$MNT" 2> /dev/null; rmdir "$MNT"; rm -f "$MNT.log"

start_daemon
expect_put "the mount answers" "$MNT/1/task/1/ctl" $'fork\n' OK
# A second daemon on the same mount point.
out=$("$NEXTIDFS_BIN" -f "$MNT" 2>&1); status=$?
expect_eq "second daemon exit status" 1 "$status"
expect_match "second daemon says why" "^nextidfs: $MNT is already a mount point" "$out"
expect_eq "second daemon: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
expect_eq "the first daemon still serves" 2 "$(cat "$MNT/1/task/1/ctl")"
saved=$MNT
stop_daemon                                  # SIGTERM: exit 0, unmounted (checked there)

# The same mount point again, stopped with SIGINT this time.
mkdir -p "$saved"
"$NEXTIDFS_BIN" -f "$saved" > /dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q " $saved fuse.nextidfs " /proc/mounts && break; sleep 0.05; done
expect_eq "remounted on the same directory" yes "$(grep -q " $saved fuse.nextidfs " /proc/mounts && echo yes)"
expect_eq "a fresh world" 1 "$(ls "$saved" | grep -cx '[0-9]*')"
kill -INT "$pid"; status=0; wait "$pid" || status=$?
expect_eq "SIGINT exit status" 0 "$status"
expect_eq "unmounted after SIGINT" no "$(grep -q " $saved " /proc/mounts && echo yes || echo no)"

# SIGKILL: auto_unmount takes the mount away; no "Transport endpoint is not connected".
"$NEXTIDFS_BIN" -f "$saved" > /dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q " $saved fuse.nextidfs " /proc/mounts && break; sleep 0.05; done
kill -KILL "$pid"; wait "$pid" 2>/dev/null
for _ in $(seq 100); do grep -q " $saved " /proc/mounts || break; sleep 0.05; done
expect_eq "no dead mount after SIGKILL" no "$(grep -q " $saved " /proc/mounts && echo yes || echo no)"
expect_eq "the directory is usable" OK "$(ls "$saved" > /dev/null 2>&1 && echo OK || echo "$(ls "$saved" 2>&1)")"

# Background mode: returns once mounted, holding nothing of the caller's output (so that
# `nextidfs DIR | tail` ends: nor does fusermount3, which stays with auto_unmount); an outside
# unmount stops the daemon.
exec {out}< <("$NEXTIDFS_BIN" "$saved" 2>&1; echo "exit $?")
read -r -t 20 -u "$out" line; status=${line#exit }
read -r -t 5 -u "$out" line; eof=$?
exec {out}<&-
expect_eq "background start exit status" 0 "$status"
expect_eq "the caller's output is closed once it returns (1: end of file)" 1 "$eof"
expect_eq "mounted when it returns" yes "$(grep -q " $saved fuse.nextidfs " /proc/mounts && echo yes || echo no)"
daemon=$(pgrep -f "^$NEXTIDFS_BIN $saved\$")
expect_match "the background daemon is found" '^[0-9]+$' "$daemon"
fusermount3 -u "$saved"
for _ in $(seq 100); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.05; done
expect_eq "the daemon exits after fusermount3 -u" gone "$(kill -0 "$daemon" 2>/dev/null && echo running || echo gone)"
rmdir "$saved"

# Errors: one line each, exit status 1.
check_error() {  # WHAT EXPECTED_REGEX COMMAND...
    local what=$1 regex=$2 out status=0
    shift 2
    out=$("$@" 2>&1) || status=$?
    expect_eq "$what: exit status" 1 "$status"
    expect_match "$what: message" "$regex" "$out"
    expect_eq "$what: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
}
check_error "missing mount point" "^nextidfs: mount point /nonexistent/x does not exist$" "$NEXTIDFS_BIN" -f /nonexistent/x
check_error "no mount point given" "^nextidfs: missing mount point" "$NEXTIDFS_BIN" -f
check_error "a file as mount point" "is not a directory" "$NEXTIDFS_BIN" -f /etc/hostname
check_error "no /dev/fuse" "^nextidfs: /dev/fuse is missing" unshare -m bash -c "mount -t tmpfs tmpfs /dev && exec $NEXTIDFS_BIN -f /tmp"
check_error "bad --pid-max" "pid-max" "$NEXTIDFS_BIN" -f --pid-max 300 /tmp
if ! id "$USER_NAME" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /bin/bash "$USER_NAME" && trap 'cleanup_daemon; userdel "$USER_NAME" 2>/dev/null' EXIT
fi
rootdir=$(mktemp -d /tmp/nextidfs-root.XXXXXX)
check_error "not permitted" "^nextidfs: (not permitted|cannot mount on $rootdir)" runuser -u "$USER_NAME" -- "$NEXTIDFS_BIN" -f "$rootdir"
rmdir "$rootdir"

help=$("$NEXTIDFS_BIN" --help)
for word in -f -d -s -o --pid-max allow_other default_permissions auto_unmount SIGTERM fusermount3; do
    expect_match "--help mentions $word" "$word" "$help"
done
finish
