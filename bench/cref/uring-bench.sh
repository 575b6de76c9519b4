#!/usr/bin/env bash
# cref over /dev/fuse against cref over FUSE-over-io_uring (--uring), in the same run, interleaved
# rounds (as root; Linux 6.14+ built with CONFIG_FUSE_IO_URING):
#   latency: bench/cref/fsbench on cref and cref --no-open, each over /dev/fuse and io_uring, and
#            procfs's ns_last_pid (bench/clients/procref); daemon and client pinned to CPU 1, and
#            free (the ring threads are always pinned, one per CPU: that is the design).
#   parts:   the pieces of open(O_TRUNC)+write+close on cref --no-open over both, pinned.
#   clients: bench/cref/parwrite (1, 2, 4, 8, 16, 64 threads, each pwriting a next_id.K of its
#            own, as pairs clients each write their own thread's next_id) on cref --no-open over
#            both transports.
# enable_uring is Y only while a --uring mount initializes (the connection keeps the ring after it
# goes back to N), and is restored on exit. Prints raw lines; stderr has the progress.
# Usage: bench/cref/uring-bench.sh [ROUNDS] [CLIENT_ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5} client_rounds=${2:-3} seconds=${3:-3}
param=/sys/module/fuse/parameters/enable_uring
[ "$(id -u)" -eq 0 ] && [ -w "$param" ] || { echo "needs root and $param" >&2; exit 1; }
saved=$(cat "$param")
bin=$(mktemp -d /tmp/uring-bench.XXXXXX)
mnt=$bin/mnt
mkdir "$mnt"
daemon=
cleanup() {
    echo "$saved" > "$param"
    [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" || true
    grep -q " $mnt " /proc/mounts && fusermount3 -u "$mnt"
    rm -rf "$bin"
}
trap cleanup EXIT
cc="gcc -O2 -Wall -Wextra -Werror"
$cc $(pkg-config --cflags fuse3) -DCREF_URING -o "$bin/cref" bench/cref/cref.c $(pkg-config --libs fuse3) -luring
$cc -o "$bin/fsbench" bench/cref/fsbench.c
$cc -pthread -o "$bin/parwrite" bench/cref/parwrite.c
$cc -o "$bin/procref" bench/clients/procref.c

# mount FS CPU: FS is cref, cref-no-open, cref-uring or cref-no-open-uring; CPU is any or a CPU.
mount_cref() {
    local fs=$1 cpu=$2 args=() pin=()
    case $fs in *no-open*) args+=(--no-open) ;; esac
    case $fs in *uring) args+=(--uring); echo Y > "$param" ;; esac
    [ "$cpu" != any ] && pin=(taskset -c "$cpu")
    "${pin[@]}" "$bin/cref" "${args[@]}" -f "$mnt" 2> "$bin/cref.log" & daemon=$!
    for _ in $(seq 100); do grep -q " $mnt fuse" /proc/mounts && break; sleep 0.05; done
    stat "$mnt/next_id" > /dev/null   # returns once INIT is done (and the ring is ready)
    echo "$saved" > "$param"
    case $fs in *uring) grep -q "io_uring queue" "$bin/cref.log" || { echo "$fs: not on io_uring" >&2; cat "$bin/cref.log" >&2; exit 1; } ;; esac
}
unmount_cref() { kill -TERM "$daemon"; wait "$daemon"; daemon=; }

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC') kernel: $(uname -r) cpus: $(nproc) load: $(cut -d' ' -f1-3 /proc/loadavg)"
for placement in pinned free; do
    for round in $(seq "$rounds"); do
        echo "latency $placement round $round" >&2
        for fs in cref cref-uring cref-no-open cref-no-open-uring; do
            if [ $placement = pinned ]; then mount_cref $fs 1; client=(-c 1); else mount_cref $fs any; client=(); fi
            "$bin/fsbench" "${client[@]}" -n 20000 -w 2000 "$mnt/next_id" "$mnt/status" | sed "s/^/latency placement=$placement fs=$fs round=$round /"
            unmount_cref
        done
        if [ $placement = pinned ]; then cpu=1; else cpu=; fi
        "$bin/procref" nslastpid 20000 $cpu | sed "s/^/procfs placement=$placement round=$round /"
    done
done
# Where the floor's time goes: the parts of trunc_write_close, pinned.
for round in $(seq "$rounds"); do
    echo "parts round $round" >&2
    for fs in cref-no-open cref-no-open-uring; do
        mount_cref $fs 1
        "$bin/fsbench" -c 1 -n 20000 -w 2000 -o open_close -o trunc_close -o write_close -o pwrite -o trunc_write_close "$mnt/next_id" "$mnt/status" | sed "s/^/parts placement=pinned fs=$fs round=$round /"
        unmount_cref
    done
done
for round in $(seq "$client_rounds"); do
    echo "clients round $round" >&2
    for clients in 1 2 4 8 16 64; do
        for fs in cref-no-open cref-no-open-uring; do
            mount_cref $fs any
            "$bin/parwrite" "$mnt/next_id.%d" "$clients" "$seconds" | sed "s/^/parwrite fs=$fs round=$round /"
            unmount_cref
        done
    done
done
