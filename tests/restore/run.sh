#!/usr/bin/env bash
# Round trip of random worlds: tests/restore/run.sh [--worlds N] [--seed S] [--first W] [--keep DIR]
# (worlds S*100000+W to S*100000+W+N-1; W is 0 unless given)
#
# For each world: fresh mount A, random world (genworld.py, seeded), dump A; fresh mount B,
# restore, dump B; the two images must be byte-identical. Then one automatic fork in every pid
# namespace and one automatic object of every IPC type in every IPC namespace, in the same
# order in A and B: the returned pids and ids and the dumps after them must agree (the pid
# cursors and the IPC sequence counters and cursors were restored). Both mounts go away after
# each world. Prints one summary line; exit status 1 on any difference or failure (details on
# stderr, images kept in DIR).
set -u
cd "$(dirname "$0")"
. ./lib.sh

worlds=200 seed=1 first=0 keep=/tmp/nextidfs-restore-failures
while [ $# -gt 0 ]; do
    case $1 in
        --worlds) worlds=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --first) first=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        *) echo "usage: $0 [--worlds N] [--seed S] [--first W] [--keep DIR]" >&2; exit 2 ;;
    esac
done
work=$(mktemp -d /tmp/nextidfs-restore-run.XXXXXX)
trap 'stop_all_mounts; rm -rf "$work"' EXIT

failures=0 tasks=0 objects=0 gone=0 dying=0 start=$SECONDS
save_failure() {    # save_failure WORLDSEED WHY
    failures=$((failures + 1))
    mkdir -p "$keep/$1"
    cp "$work"/* "$keep/$1/" 2>/dev/null
    echo "FAIL world seed $1: $2 (files in $keep/$1)" >&2
}

# one_world SEED: a random world in a fresh mount A, round trip through a fresh mount B.
one_world() {
    start_mount A && start_mount B || { why="mount"; return 1; }
    python3 ./genworld.py "$A" "$1" > "$work/gen.log" 2>&1 || { why="generator: $(tail -1 "$work/gen.log")"; return 1; }
    round_trip "$work/"
}

for ((w = first; w < first + worlds; w++)); do
    ws=$((seed * 100000 + w))
    rm -f "$work"/*
    A= B= why=
    if one_world "$ws"; then
        tasks=$((tasks + $(grep -c '^thread ' "$work/a.img")))
        objects=$((objects + $(grep -c '^\(msg\|sem\|shm\) ' "$work/a.img")))
        # (a session whose leader is gone: a helper stands in for it)
        awk '$1 == "proc" { p[$2]; split($10, s, ","); sid[s[1]] } END { for (x in sid) if (!(x in p)) exit 0; exit 1 }' \
            "$work/a.img" && gone=$((gone + 1))
        awk '$1 == "proc" && $11 == "D" { f = 1 } END { exit !f }' "$work/a.img" && dying=$((dying + 1))
    else
        save_failure "$ws" "$why"
    fi
    for m in "$A" "$B"; do
        [ -z "$m" ] || stop_mount "$m" || save_failure "$ws" "daemon on $m did not stop cleanly"
    done
done
echo "restore round trip: $worlds worlds (seed $seed), $tasks tasks, $objects IPC objects, $gone with a session whose leader is gone, $dying with a dying init, $failures differences/failures, $((SECONDS - start)) s"
[ "$failures" -eq 0 ]
