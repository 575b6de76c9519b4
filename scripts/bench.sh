#!/usr/bin/env bash
# The benchmarks, in one run, on release builds (as root: FUSE mounts and namespaces):
#   1. FUSE operation latency: nextidfs against bench/cref (a minimal C libfuse filesystem, and
#      the same with --no-open: nextidfs's request pattern answered at once, the transport's
#      floor), the same client (bench/cref/fsbench) doing raw system calls on all; medians, ratios.
#   2. Concurrent clients (1, 2, 4, 8, 16, 64) doing next_id + fork pairs: pairs per second,
#      interleaved rounds; every child's pid checked against its client's range; the machine's
#      context switches and rescheduling interrupts per pair.
#   3. Bulk creation of 1,000,000 tasks through multi-line ctl writes; resident bytes per task.
#   4. scripts/restore.sh of a 10,000-process, 10,000-queue world, against a C program that builds
#      the same world in the real kernel (clone3 + set_tid, msg_next_id + msgget); the restore's
#      time split into planning, the shell and the FUSE round trips.
#   5. The allocator: fork+exit cost at 1e3 ... 4e6 live pids (ordo-one/benchmark), bytes per task.
#   6. Memory after mass exits: twenty cycles of a new pid namespace whose init forks 200,000
#      processes and exits; the daemon's resident memory after each cycle.
#   7. cat of 10,000 status files, cold and warm, against the real /proc of 10,000 sleeping
#      processes in a fresh pid namespace (bench/clients/procref world).
# Part 1 also times the real kernel's procfs write of ns_last_pid (bench/clients/procref), and
# part 4 scripts/dump.sh of the 10,000 + 10,000 world.
# nextidfs serves with --transport auto, FUSE over io_uring (it is root; pairs 1.4-2.0x /dev/fuse's
# from 2 clients on, docs/interface.md §9); NEXTIDFS_BENCH_TRANSPORT=devfuse measures /dev/fuse.
# Writes bench/out/ (raw results, plots) and the tables of BENCHMARKS.md; --only N runs part N
# alone and prints its results (BENCHMARKS.md is left as it is).
# Usage: scripts/bench.sh [--rounds N] [--skip-allocator] [--only N]
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$NEXTIDFS_ROOT"

rounds=5
allocator=yes
only=
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --skip-allocator) allocator=no; shift ;;
        --only) only=$2; shift 2 ;;
        *) echo "usage: scripts/bench.sh [--rounds N] [--skip-allocator] [--only N]" >&2; exit 2 ;;
    esac
done
part() { [ -z "$only" ] || [ "$only" = "$1" ]; }   # part N: whether this run measures part N
[ "$(id -u)" -eq 0 ] || { echo "bench.sh needs root (FUSE mounts, namespaces)" >&2; exit 1; }
ensure_packages libfuse3-dev liburing-dev fuse3 pkg-config gcc gnuplot-nox python3

out=bench/out
mkdir -p "$out"
results=$out/results${only:+-part$only}.txt
: > "$results"
note() { echo "$*" | tee -a "$results"; }

echo "building (release) ..." >&2
swift build -c release --product nextidfs >&2
swift build -c release --product nextidfs-image >&2
bin=$(swift build -c release --show-bin-path)/nextidfs
export NEXTIDFS_IMAGE=$(swift build -c release --show-bin-path)/nextidfs-image
cc_flags="-O2 -Wall -Wextra -Werror"
gcc $cc_flags $(pkg-config --cflags fuse3) -o bench/cref/cref bench/cref/cref.c $(pkg-config --libs fuse3)
gcc $cc_flags -o bench/cref/fsbench bench/cref/fsbench.c
gcc $cc_flags -pthread -o bench/clients/pairs bench/clients/pairs.c
gcc $cc_flags -o bench/clients/bulk bench/clients/bulk.c
gcc $cc_flags -o bench/clients/kernelworld bench/clients/kernelworld.c
gcc $cc_flags -o bench/clients/churn bench/clients/churn.c
gcc $cc_flags -o bench/clients/procref bench/clients/procref.c

mnt=$(mktemp -d "/tmp/nextidfs-bench${NEXTIDFS_TEST_TAG:+-$NEXTIDFS_TEST_TAG}.XXXXXX")
daemon=
cleanup() {
    if grep -q " $mnt " /proc/mounts; then fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt"; fi
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null
    rmdir "$mnt" 2>/dev/null || true
}
trap cleanup EXIT

# mount_fs nextidfs|cref|cref-no-open [taskset-cpu] [nextidfs options...]: a fresh mount on $mnt.
mount_fs() {
    local fs=$1 cpu=$2
    shift 2
    local pin=()
    [ "$cpu" != any ] && pin=(taskset -c "$cpu")
    if [ "$fs" = cref ]; then
        "${pin[@]}" bench/cref/cref -f "$mnt" & daemon=$!
    elif [ "$fs" = cref-no-open ]; then
        "${pin[@]}" bench/cref/cref --no-open -f "$mnt" & daemon=$!
    else
        "${pin[@]}" "$bin" -f --transport "${NEXTIDFS_BENCH_TRANSPORT:-auto}" "$@" "$mnt" & daemon=$!
    fi
    for _ in $(seq 100); do grep -q " $mnt fuse" /proc/mounts && return; sleep 0.05; done
    echo "mount of $fs failed" >&2; exit 1
}
unmount_fs() {
    kill -TERM "$daemon"; wait "$daemon" || true; daemon=
}

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(swift --version 2>&1 | head -1)"
} | tee -a "$results"

# 1. FUSE operation latency, interleaved rounds; daemon and client pinned to one CPU, and free.
if part 1; then
    echo "== 1. FUSE operation latency ($rounds rounds)" >&2
    for placement in pinned free; do
        for round in $(seq "$rounds"); do
            for fs in cref cref-no-open nextidfs; do
                if [ $placement = pinned ]; then mount_fs $fs 1; client=(-c 1); else mount_fs $fs any; client=(); fi
                if [ $fs = nextidfs ]; then paths=("$mnt/1/task/1/next_id" "$mnt/1/status"); else paths=("$mnt/next_id" "$mnt/status"); fi
                bench/cref/fsbench "${client[@]}" -n 20000 -w 2000 "${paths[@]}" | sed "s/^/latency placement=$placement fs=$fs round=$round /" >> "$results"
                unmount_fs
            done
            if [ $placement = pinned ]; then cpu=1; else cpu=; fi
            bench/clients/procref nslastpid 20000 $cpu | sed "s/^/procfs placement=$placement round=$round /" >> "$results"
        done
    done
fi

# 2. Concurrent next_id + fork pairs, interleaved rounds.
if part 2; then
    echo "== 2. concurrent clients ($rounds rounds)" >&2
    for round in $(seq "$rounds"); do
        for clients in 1 2 4 8 16 64; do
            mount_fs nextidfs any --pid-max 4194304
            bench/clients/pairs "$mnt" "$clients" 3 | sed "s/^/pairs round=$round /" >> "$results"
            unmount_fs
        done
    done
fi

# 3. Bulk creation of a million tasks.
if part 3; then
    echo "== 3. bulk creation" >&2
    mount_fs nextidfs any --pid-max 4194304
    bench/clients/bulk "$mnt" "$daemon" 1000000 20000 | sed 's/^/bulk /' >> "$results"
    unmount_fs
fi

# 4. Restore of a 10,000 + 10,000 world against the kernel building it, three rounds of each,
#    interleaved: restore.sh with the daemon free, and with the daemon and restore.sh pinned to
#    one CPU (no cross-CPU wakeup per FUSE round trip); kernelworld free.
if part 4; then
    echo "== 4. restore" >&2
    python3 bench/clients/world.py 10000 10000 1 > "$out/world.lst"
    mount_fs nextidfs any --pid-max 4194304
    python3 bench/clients/world.py --drive "$mnt" < "$out/world.lst"
    start=$(date +%s.%N)
    scripts/dump.sh "$mnt" > "$out/world.image"
    note "dump seconds=$(echo "$(date +%s.%N) - $start" | bc)"
    unmount_fs
    for round in 1 2 3; do
        for placement in free pinned; do
            if [ $placement = pinned ]; then mount_fs nextidfs 1; pin=(taskset -c 1); else mount_fs nextidfs any; pin=(); fi
            start=$(date +%s.%N)
            "${pin[@]}" env NEXTIDFS_RESTORE_TIMES=1 scripts/restore.sh "$out/world.image" "$mnt" 2> "$out/restore.times"
            restore_s=$(echo "$(date +%s.%N) - $start" | bc)
            scripts/dump.sh "$mnt" > "$out/world.restored"
            unmount_fs
            cmp -s "$out/world.image" "$out/world.restored" && same=yes || same=no
            note "restore placement=$placement round=$round seconds=$restore_s identical_image=$same $(sed -n 's/^restore times: //p' "$out/restore.times")"
        done
        note "kernelworld round=$round $(bench/clients/kernelworld "$out/world.lst")"
    done
fi

# 5. The allocator (ordo-one/benchmark).
if part 5 && [ $allocator = yes ]; then
    echo "== 5. allocator" >&2
    NEXTIDFS_BENCHMARKS=1 swift package benchmark --format markdown --path stdout --no-progress \
        2> "$out/allocator.log" > "$out/allocator.md"
    python3 - "$out/allocator.md" >> "$results" <<'PY'
import re, sys
name = None
for line in open(sys.argv[1]):
    if line.startswith("### "):
        name = line[4:].strip().replace(" ", "_")
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if name and len(cells) == 9 and cells[0] in ("Time (wall clock) (ns) *", "bytes per task"):
        print(f"allocator name={name} metric={cells[0].split()[0].lower()} p50={cells[3]}")
PY
fi

# 6. Memory after mass exits: 20 cycles of 200,000 forks (20,000 per write) in a new pid
#    namespace whose init then exits.
if part 6; then
    echo "== 6. memory after mass exits" >&2
    mount_fs nextidfs any --pid-max 4194304
    bench/clients/churn "$mnt" "$daemon" 20 200000 20000 | sed 's/^/churn /' | tee -a "$results" >&2
    unmount_fs
fi

# 7. cat of 10,000 status files: the same bash command on a fresh mount with 10,000 processes
#    under init and on the procfs of 10,000 sleeping processes, interleaved rounds.
if part 7; then
    echo "== 7. cat of 10,000 status files ($rounds rounds)" >&2
    for round in $(seq "$rounds"); do
        mount_fs nextidfs any
        printf 'fork\n%.0s' $(seq 10000) > "$mnt/1/task/1/ctl"
        note "cat fs=nextidfs round=$round $(bench/clients/catpasses.sh "$mnt")"
        unmount_fs
        note "cat fs=procfs round=$round $(bench/clients/procref world 10000 'bench/clients/catpasses.sh "$PROCDIR"')"
    done
fi

if [ -n "$only" ]; then
    echo "results: $results (part $only alone; BENCHMARKS.md left as it is)" >&2
    exit 0
fi
python3 bench/report.py "$results" "$out" BENCHMARKS.md
echo "results: $results; BENCHMARKS.md updated" >&2
