#!/usr/bin/env bash
# The fixed worlds in tests/restore/worlds/*.sh (cases that were tricky): each is built in a
# fresh mount A, dumped, restored into a fresh mount B, dumped again; the images must be
# byte-identical, and a fork in every pid namespace and an automatic object of every IPC type in
# every IPC namespace must return the same pids and ids in A and B (round_trip in lib.sh).
set -u
cd "$(dirname "$0")"
. ./lib.sh
work=$(mktemp -d /tmp/nextidfs-restore-fixed.XXXXXX)
trap 'stop_all_mounts; rm -rf "$work"' EXIT
failures=0 n=0

# one_world NAME SCRIPT: the world SCRIPT builds in a fresh mount A, round trip through B.
one_world() {
    start_mount A && start_mount B || { why="mount"; return 1; }
    bash "$2" "$A" > "$work/$1.build" 2>&1 || { why="building the world: $(tail -1 "$work/$1.build")"; return 1; }
    round_trip "$work/$1."
}

for w in worlds/*.sh; do
    [ "${w##*/}" = common.sh ] && continue
    n=$((n + 1)); name=${w##*/}; name=${name%.sh}
    A= B= why=
    if one_world "$name" "$w"; then
        echo "ok   $name ($(grep -c '^thread ' "$work/$name.a.img") tasks, $(grep -c '^\(msg\|sem\|shm\) ' "$work/$name.a.img") IPC objects)"
    else
        echo "FAIL $name: $why" >&2; failures=$((failures + 1))
    fi
    for m in "$A" "$B"; do
        [ -z "$m" ] || stop_mount "$m" || { echo "FAIL $name: daemon on $m did not stop cleanly" >&2; failures=$((failures + 1)); }
    done
done
echo "restore fixed worlds: $n worlds, $failures failed"
[ "$failures" -eq 0 ]
