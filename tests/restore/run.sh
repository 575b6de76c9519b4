#!/usr/bin/env bash
# Round trip of random worlds: tests/restore/run.sh [--worlds N] [--seed S] [--keep DIR]
#
# For each world: fresh mount A, random world (genworld.py, seeded), dump A; fresh mount B,
# restore, dump B; the two images must be byte-identical. Then one automatic fork in every pid
# namespace, in the same order in A and B: the returned pids and the dumps after the forks must
# agree (the cursors were restored). Both mounts go away after each world. Prints one summary
# line; exit status 1 on any difference or failure (details on stderr, images kept in DIR).
set -u
cd "$(dirname "$0")"
. ./lib.sh
trap stop_all_mounts EXIT

worlds=200 seed=1 keep=/tmp/nextidfs-restore-failures
while [ $# -gt 0 ]; do
    case $1 in
        --worlds) worlds=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        *) echo "usage: $0 [--worlds N] [--seed S] [--keep DIR]" >&2; exit 2 ;;
    esac
done
DUMP=$NEXTIDFS_ROOT/scripts/dump.sh
RESTORE=$NEXTIDFS_ROOT/scripts/restore.sh
work=$(mktemp -d /tmp/nextidfs-restore-run.XXXXXX)
trap 'stop_all_mounts; rm -rf "$work"' EXIT


failures=0 tasks=0 objects=0 start=$SECONDS
save_failure() {    # save_failure WORLDSEED WHY
    failures=$((failures + 1))
    mkdir -p "$keep/$1"
    cp "$work"/* "$keep/$1/" 2>/dev/null
    echo "FAIL world seed $1: $2 (files in $keep/$1)" >&2
}
for ((w = 0; w < worlds; w++)); do
    ws=$((seed * 100000 + w))
    rm -f "$work"/*
    start_mount A || { save_failure "$ws" "mount A"; continue; }
    python3 ./genworld.py "$A" "$ws" > "$work/gen.log" 2>&1 || { save_failure "$ws" "generator: $(tail -1 "$work/gen.log")"; stop_mount "$A"; continue; }
    if ! "$DUMP" "$A" > "$work/a.img" 2> "$work/dump-a.err"; then
        save_failure "$ws" "dump of A: $(cat "$work/dump-a.err")"; stop_mount "$A"; continue
    fi
    start_mount B || { save_failure "$ws" "mount B"; stop_mount "$A"; continue; }
    if ! "$RESTORE" "$work/a.img" "$B" > "$work/restore.log" 2>&1; then
        save_failure "$ws" "restore: $(tail -1 "$work/restore.log")"; stop_mount "$A"; stop_mount "$B"; continue
    fi
    "$DUMP" "$B" > "$work/b.img" 2> "$work/dump-b.err"
    if ! cmp -s "$work/a.img" "$work/b.img"; then
        diff "$work/a.img" "$work/b.img" | head -20 >&2
        save_failure "$ws" "images differ"; stop_mount "$A"; stop_mount "$B"; continue
    fi
    fork_all "$A" "$work/a.img" > "$work/fork-a"
    fork_all "$B" "$work/a.img" > "$work/fork-b"
    "$DUMP" "$A" > "$work/a2.img" 2>&1; "$DUMP" "$B" > "$work/b2.img" 2>&1
    if [ ! -s "$work/fork-a" ] || ! cmp -s "$work/fork-a" "$work/fork-b" || ! cmp -s "$work/a2.img" "$work/b2.img"; then
        diff "$work/fork-a" "$work/fork-b" | head -10 >&2
        diff "$work/a2.img" "$work/b2.img" | head -10 >&2
        save_failure "$ws" "forks after the restore differ"; stop_mount "$A"; stop_mount "$B"; continue
    fi
    tasks=$((tasks + $(grep -c '^thread ' "$work/a.img")))
    objects=$((objects + $(grep -c '^\(msg\|sem\|shm\) ' "$work/a.img")))
    stop_mount "$A" || save_failure "$ws" "daemon A did not stop cleanly"
    stop_mount "$B" || save_failure "$ws" "daemon B did not stop cleanly"
done
echo "restore round trip: $worlds worlds (seed $seed), $tasks tasks, $objects IPC objects, $failures differences/failures, $((SECONDS - start)) s"
[ "$failures" -eq 0 ]
