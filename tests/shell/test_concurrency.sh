#!/usr/bin/env bash
# Eight shell processes at once, each driving its own simulated thread (four processes with two
# threads each) through thousands of next_id + fork pairs: every fork gets exactly the pid its
# thread asked for, no write fails, no state crosses between threads.
. "$(dirname "$0")/lib.sh"
PAIRS=${PAIRS:-2000}
start_daemon --pid-max 4194304

threads=()
for p in 1 2 3 4; do
    echo "LONG ${p}000000" > "$MNT/1/task/1/next_id"
    pid=$(ctl 1 1 fork)
    echo "LONG $((pid + 1))" > "$MNT/$pid/task/$pid/next_id"
    tid=$(ctl "$pid" "$pid" 'clone thread')
    threads+=("$pid/$pid" "$pid/$tid")
done
expect_match "eight simulated threads, each with a pid" '^([0-9]+/[0-9]+ ){7}[0-9]+/[0-9]+$' "${threads[*]}"

worker() {
    local dir=$MNT/${1%/*}/task/${1#*/} base=$2 errors=0 j pid got
    exec 4> "$dir/ctl"
    for ((j = 0; j < PAIRS; j++)); do
        pid=$((base + j))
        echo "LONG $pid" > "$dir/next_id" || errors=$((errors + 1))
        echo fork >&4 || errors=$((errors + 1))
        read -r got < "$dir/ctl"
        [ "$got" == "$pid" ] || { errors=$((errors + 1)); echo "thread $1: asked $pid, got $got" >&2; }
    done
    exec 4>&-
    echo "$errors" > "$MNT.worker.${1//\//_}"
}

start=$(date +%s.%N)
workers=()
for i in "${!threads[@]}"; do
    worker "${threads[$i]}" $((100000 + i * 100000)) &
    workers+=($!)
done
wait "${workers[@]}"
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
for i in "${!threads[@]}"; do
    t=${threads[$i]}
    expect_eq "errors of worker $t" 0 "$(cat "$MNT.worker.${t//\//_}")"
    rm -f "$MNT.worker.${t//\//_}"
    want=$(seq -s ' ' $((100000 + i * 100000)) $((100000 + i * 100000 + PAIRS - 1)))
    expect_eq "children of thread $t are exactly its pids, in order" "$want " "$(cat "$MNT/${t%/*}/task/${t#*/}/children")"
    expect_eq "pending ids of thread $t consumed" "" "$(cat "$MNT/${t%/*}/task/${t#*/}/next_id")"
done
expect_eq "process count" $((1 + 4 + 8 * PAIRS)) "$(ls "$MNT" | grep -cx '[0-9]*')"
echo "[$TEST_NAME] $((8 * PAIRS)) next_id+fork pairs from 8 writers in ${elapsed}s"

stop_daemon
finish
