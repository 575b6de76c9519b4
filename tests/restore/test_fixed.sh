#!/usr/bin/env bash
# The fixed worlds in tests/restore/worlds/*.sh (cases that were tricky): each is built in a
# fresh mount A, dumped, restored into a fresh mount B, dumped again; the images must be
# byte-identical, and a fork in every pid namespace must return the same pids in A and B.
set -u
cd "$(dirname "$0")"
. ./lib.sh
work=$(mktemp -d /tmp/nextidfs-restore-fixed.XXXXXX)
trap 'stop_all_mounts; rm -rf "$work"' EXIT
DUMP=$NEXTIDFS_ROOT/scripts/dump.sh RESTORE=$NEXTIDFS_ROOT/scripts/restore.sh
failures=0 n=0
for w in worlds/*.sh; do
    [ "${w##*/}" = common.sh ] && continue
    n=$((n + 1)); name=${w##*/}; name=${name%.sh}
    start_mount A && start_mount B || { echo "FAIL $name: mount" >&2; failures=$((failures + 1)); continue; }
    if ! bash "$w" "$A" > "$work/$name.build" 2>&1; then
        echo "FAIL $name: building the world: $(tail -1 "$work/$name.build")" >&2; failures=$((failures + 1))
    elif ! "$DUMP" "$A" > "$work/$name.a" || ! "$RESTORE" "$work/$name.a" "$B" > "$work/$name.log" 2>&1; then
        echo "FAIL $name: dump or restore: $(tail -1 "$work/$name.log" 2>/dev/null)" >&2; failures=$((failures + 1))
    elif ! "$DUMP" "$B" > "$work/$name.b" || ! cmp -s "$work/$name.a" "$work/$name.b"; then
        diff "$work/$name.a" "$work/$name.b" >&2; echo "FAIL $name: images differ" >&2; failures=$((failures + 1))
    elif forks=$(fork_all "$A" "$work/$name.a"); [ -z "$forks" ] || [ "$forks" != "$(fork_all "$B" "$work/$name.a")" ]; then
        echo "FAIL $name: forks after the restore differ (or none was made)" >&2; failures=$((failures + 1))
    else
        echo "ok   $name ($(grep -c '^thread ' "$work/$name.a") tasks, $(grep -c '^\(msg\|sem\|shm\) ' "$work/$name.a") IPC objects)"
    fi
    stop_mount "$A"; stop_mount "$B"
done
echo "restore fixed worlds: $n worlds, $failures failed"
[ "$failures" -eq 0 ]
