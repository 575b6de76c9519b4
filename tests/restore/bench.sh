#!/usr/bin/env bash
# Restore benchmark: tests/restore/bench.sh [PROCESSES [IPC_OBJECTS]] (default 10000 10000).
# Builds a large world in mount A (bigworld.py), dumps it, restores it into a fresh mount B, dumps
# again; prints the times and whether the images are identical (exit status 1 if not).
set -u
cd "$(dirname "$0")"
. ./lib.sh
work=$(mktemp -d /tmp/nextidfs-restore-bench.XXXXXX)
trap 'stop_all_mounts; rm -rf "$work"' EXIT
nproc=${1:-10000} nipc=${2:-10000}
now() { printf '%s' "$EPOCHREALTIME"; }
start_mount A || exit 1
t0=$(now); python3 ./bigworld.py "$A" "$nproc" "$nipc" > /dev/null || exit 1
t1=$(now); "$NEXTIDFS_ROOT/scripts/dump.sh" "$A" > "$work/a.img" || exit 1
t2=$(now); start_mount B || exit 1
t3=$(now); "$NEXTIDFS_ROOT/scripts/restore.sh" "$work/a.img" "$B" || exit 1
t4=$(now); "$NEXTIDFS_ROOT/scripts/dump.sh" "$B" > "$work/b.img" || exit 1
same=identical; cmp -s "$work/a.img" "$work/b.img" || same=DIFFERENT
printf 'restore bench: %d tasks, %d IPC objects: build %.1f s, dump %.1f s, restore %.1f s; images %s\n' \
    "$(grep -c '^thread ' "$work/a.img")" "$(grep -c '^\(msg\|sem\|shm\) ' "$work/a.img")" \
    "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t4 - $t3" | bc)" "$same"
[ "$same" = identical ]
