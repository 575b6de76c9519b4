#!/usr/bin/env bash
# FUSE over io_uring (--transport, docs/interface.md §9): by default the daemon (root) serves over
# the ring with a thread per possible CPU and puts enable_uring back as it was; requests, forks,
# exits and concurrent clients work; SIGTERM unmounts cleanly, and kill -9 leaves no dead mount.
# With enable_uring N and another daemon holding the switch, --transport uring says it falls back
# to /dev/fuse and serves. -s keeps /dev/fuse; --transport uring with -s is refused.
. "$(dirname "$0")/lib.sh"
PARAM=/sys/module/fuse/parameters/enable_uring
LOCK=/run/nextidfs-enable-uring.lock
[ -e "$PARAM" ] || { echo "[$TEST_NAME] no FUSE over io_uring in this kernel ($PARAM): skipped"; exit 0; }
before=$(cat "$PARAM")
cpus=$(awk -F, '{ for (i = 1; i <= NF; i++) { split($i, r, "-"); n += r[2] == "" ? 1 : r[2] - r[1] + 1 } } END { print n }' /sys/devices/system/cpu/possible)

ring_threads() { grep -lx nextidfs-ring /proc/"$DAEMON_PID"/task/*/comm 2> /dev/null | wc -l; }

# The ring, seen from -d's transport line, its threads, and requests of every kind.
start_daemon -d --pid-max 4194304
expect_put "fork over the ring" "$MNT/1/task/1/ctl" $'fork\n' OK
expect_eq "enable_uring as it was, once INIT was answered" "$before" "$(cat "$PARAM")"
expect_eq "the fork's pid" 2 "$(cat "$MNT/1/task/1/ctl")"
expect_put "next_id over the ring" "$MNT/1/task/1/next_id" 'LONG 500' OK
expect_put "fork at next_id" "$MNT/1/task/1/ctl" $'fork\n' OK
expect_eq "the fork got it" 500 "$(cat "$MNT/1/task/1/ctl")"
child=$(ctl 500 500 fork)
expect_put "exit" "$MNT/$child/task/$child/ctl" $'exit\n' OK
expect_eq "the exited child's state" "Z (zombie)" "$(status_field "$child" State)"
expect_eq "a listing" "1 2 $child 500 " "$(ls "$MNT" | grep -x '[0-9]*' | sort -n | tr '\n' ' ')"
expect_match "transport line" 'nextidfs: transport: io_uring \([0-9]+ queues of [0-9]+ entries\)' "$(grep -a 'transport:' "$MNT.log")"
expect_eq "one ring thread per possible CPU" "$cpus" "$(ring_threads)"
# Eight clients at once, each driving its own task: every fork gets its pid.
tasks=() clients=()
for c in $(seq 8); do tasks+=("$(ctl 1 1 fork)"); done
for c in $(seq 8); do
    (
        trap - EXIT                       # (the daemon is the test's, not this client's)
        pid=${tasks[$((c - 1))]} errors=0
        for j in $(seq 200); do
            echo "LONG $((c * 100000 + j))" > "$MNT/$pid/task/$pid/next_id"
            [ "$(ctl "$pid" "$pid" fork)" = $((c * 100000 + j)) ] || errors=$((errors + 1))
            cat "$MNT/$pid/status" > /dev/null || errors=$((errors + 1))
        done
        echo "$errors" > "$MNT.client.$c"
    ) &
    clients+=($!)
done
wait "${clients[@]}"
expect_eq "eight concurrent clients: errors" "0 0 0 0 0 0 0 0" "$(cat "$MNT".client.* | tr '\n' ' ' | sed 's/ $//')"
rm -f "$MNT".client.*
expect_eq "no fallback said" "" "$(grep -a 'transport: /dev/fuse' "$MNT.log")"
stop_daemon

# kill -9: auto_unmount's fusermount3 unmounts (the connection is aborted before it looks).
start_daemon
expect_put "the ring serves" "$MNT/1/task/1/ctl" $'fork\n' OK
expect_eq "ring threads before kill -9" "$cpus" "$(ring_threads)"
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2> /dev/null; DAEMON_PID=
for _ in $(seq 100); do grep -q " $MNT " /proc/mounts || break; sleep 0.05; done
expect_eq "kill -9: no dead mount" "" "$(grep " $MNT " /proc/mounts)"
rmdir "$MNT"; rm -f "$MNT.log"

# enable_uring N, and the switch held (as by another daemon mounting): --transport uring waits
# a second for it, then serves over /dev/fuse and says so.
echo N > "$PARAM"
exec 9> "$LOCK"
flock 9
start_daemon --transport uring
expect_put "fork over /dev/fuse" "$MNT/1/task/1/ctl" $'fork\n' OK
expect_eq "its pid" 2 "$(cat "$MNT/1/task/1/ctl")"
expect_match "the fallback said" 'nextidfs: transport: /dev/fuse \(the kernel does not offer FUSE over io_uring' "$(cat "$MNT.log")"
expect_eq "no ring threads" 0 "$(ring_threads)"
expect_eq "enable_uring left N" N "$(cat "$PARAM")"
stop_daemon
exec 9>&-
echo "$before" > "$PARAM"

# -s stays on /dev/fuse; --transport uring with -s is refused; a bad name is a usage error.
start_daemon -s -d
expect_put "single-threaded" "$MNT/1/task/1/ctl" $'fork\n' OK
expect_match "-s: /dev/fuse" 'nextidfs: transport: /dev/fuse \(-s\)' "$(grep -a 'transport:' "$MNT.log")"
stop_daemon
dir=$(mktemp -d /tmp/nextidfs-test.XXXXXX)
out=$("$NEXTIDFS_BIN" -f -s --transport uring "$dir" 2>&1); status=$?
expect_eq "uring with -s: exit status" 1 "$status"
expect_match "uring with -s: why" '^nextidfs: --transport uring .* -s$' "$out"
out=$("$NEXTIDFS_BIN" -f --transport pipes "$dir" 2>&1); status=$?
expect_eq "unknown transport: exit status" 64 "$status"
expect_match "unknown transport: why" 'auto, devfuse or uring, not pipes' "$out"
expect_eq "nothing mounted" "" "$(grep " $dir " /proc/mounts)"
rmdir "$dir"
finish
