#!/usr/bin/env bash
# Kernel conformance (docs/ops-format.md): the running Linux kernel judges the simulation.
#
#   tests/conformance/run.sh [--scripts N] [--ops M] [--seed S] [--soak MINUTES] [--mount-sample K] [--keep]
#
# Generates N random scripts of M operations (default 2000 x 200, seed 1), runs them on the
# real kernel (tools/kernelrun) and on the simulation (nextidfs-conform run), compares, runs the
# fixed regression scripts of tests/conformance/regress the same way, and runs K of the scripts
# (default 20) through a live nextidfs mount, whose output must equal the in-process run's, and
# after every operation of which every name, link and file of the mount must read as an
# in-process simulation run in step renders it (--check-tree: no stale read).
# --soak MINUTES then keeps going with new seeds (N scripts per round) until the time is up.
# --keep leaves the work directory (scripts and outputs) for inspection.
#
# The mount sample uses $NEXTIDFS_BIN when set, else builds .build/debug/nextidfs.
# Needs root, clone3, unshare of pid+IPC namespaces and the *_next_id sysctls. When the kernel
# side cannot run, the test fails under CI=true and is skipped (exit 0, with the reason) otherwise.
# Exit status: 0 no difference, 1 differences, 2 the test itself could not run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRIPTS=2000
OPS=200
SEED=1
SOAK=0
SAMPLE=20
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --scripts) SCRIPTS=$2; shift 2 ;;
        --ops) OPS=$2; shift 2 ;;
        --seed) SEED=$2; shift 2 ;;
        --soak) SOAK=$2; shift 2 ;;
        --mount-sample) SAMPLE=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

KERNELRUN=$ROOT/tools/kernelrun/kernelrun
CONFORM=$ROOT/.build/release/nextidfs-conform  # release: generation is 7x faster
# the daemon for the mount sample: NEXTIDFS_BIN (as scripts/test.sh passes it), else a debug build
DAEMON=${NEXTIDFS_BIN:-$ROOT/.build/debug/nextidfs}
WORK=$(mktemp -d /tmp/nextidfs-conform.XXXXXX)
MNT=
DAEMON_PID=
START=$(date +%s)

cleanup() {
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID" 2>/dev/null || true
        wait "$DAEMON_PID" 2>/dev/null || true
    fi
    if [ -n "$MNT" ]; then
        if grep -q " $MNT " /proc/mounts; then fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true; fi
        rmdir "$MNT" 2>/dev/null || true
    fi
    if [ "$KEEP" = 1 ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

say() { echo "conformance: $*" >&2; }

# The kernel side cannot run here: a failure in CI, a clear skip elsewhere.
kernel_unavailable() {
    if [ "${CI:-}" = "true" ]; then
        say "FAIL: the kernel side cannot run: $1"
        exit 2
    fi
    say "SKIPPED: the kernel side cannot run: $1 (run as root on Linux >= 6.9 with CONFIG_CHECKPOINT_RESTORE)"
    exit 0
}

build_kernelrun() {
    make -s -C "$ROOT/tools/kernelrun" || { say "cannot build kernelrun"; exit 2; }
}

build_swift() {
    local builds=("-c release --product nextidfs-conform")
    [ "$SAMPLE" -gt 0 ] && [ -z "${NEXTIDFS_BIN:-}" ] && builds+=("--product nextidfs")
    for b in "${builds[@]}"; do
        # shellcheck disable=SC2086
        (cd "$ROOT" && swift build $b >"$WORK/build.log" 2>&1) || { cat "$WORK/build.log" >&2; say "cannot build ($b)"; exit 2; }
    done
}

# Root, clone3, pid+IPC namespaces, pidfds and the *_next_id sysctls: kernelrun checks them all
# when it runs the smoke script.
check_kernel_side() {
    local out
    if ! out=$("$KERNELRUN" "$ROOT/tests/conformance/regress/smoke.ops" 2>&1 >/dev/null); then
        kernel_unavailable "${out:-kernelrun failed}"
    fi
}

TOTAL_SCRIPTS=0
TOTAL_OPS=0
TOTAL_MAPPED=0
TOTAL_DIFFS=0
TOTAL_INEXACT=0

# compare NAME SCRIPT...: kernel and simulation on the scripts; adds to the totals.
compare() {
    local name=$1; shift
    local kr=$WORK/$name.kernel sim=$WORK/$name.sim
    # Two kernelrun processes (it mostly waits for task switches, so two share the cores well)
    # and the simulation alongside; the differ matches scripts by path.
    local half=$(( ($# + 1) / 2 ))
    local status=0 p1 p2=
    "$KERNELRUN" "${@:1:$half}" >"$kr.1" 2>"$kr.1.err" & p1=$!
    : >"$kr.2"; : >"$kr.2.err"
    if [ $# -gt "$half" ]; then "$KERNELRUN" "${@:$((half + 1))}" >"$kr.2" 2>"$kr.2.err" & p2=$!; fi
    "$CONFORM" run "$@" >"$sim" || { say "FAIL: nextidfs-conform run failed on $name"; exit 2; }
    wait "$p1" || status=$?
    if [ -n "$p2" ]; then wait "$p2" || status=$?; fi
    cat "$kr.1" "$kr.2" >"$kr"
    if [ "$status" -ne 0 ]; then
        cat "$kr.1.err" "$kr.2.err" >&2
        say "FAIL: kernelrun failed on $name (status $status)"
        exit 2
    fi
    local summary
    summary=$("$CONFORM" diff --limit 10 "$kr" "$sim" | tee "$WORK/$name.diff" | tail -1) || true
    grep -v '^scripts ' "$WORK/$name.diff" >&2 || true
    # "scripts N lines L mapped M inexact I differences D"
    set -- $summary
    TOTAL_SCRIPTS=$((TOTAL_SCRIPTS + $2))
    TOTAL_OPS=$((TOTAL_OPS + $(grep -vc '^== ' "$sim" || true)))
    TOTAL_MAPPED=$((TOTAL_MAPPED + $6))
    TOTAL_INEXACT=$((TOTAL_INEXACT + $8))
    TOTAL_DIFFS=$((TOTAL_DIFFS + ${10}))
    say "$name: $summary"
}

# The pid_max header of a script (docs/ops-format.md), 32768 without one.
header_pid_max() {
    awk '/^[ \t]*(#|$)/ {next} { if ($1 == "pid_max") print $2; else print 32768; exit }' "$1"
}

# One script through a fresh live mount; its output must equal the in-process run's.
through_mount() {
    local script=$1 pid_max
    pid_max=$(header_pid_max "$script")
    MNT=$(mktemp -d /tmp/nextidfs-conform-mnt.XXXXXX)
    "$DAEMON" -f --pid-max "${pid_max:-32768}" "$MNT" >"$WORK/daemon.log" 2>&1 &
    DAEMON_PID=$!
    local i
    for i in $(seq 100); do
        grep -q " $MNT fuse" /proc/mounts && break
        kill -0 "$DAEMON_PID" 2>/dev/null || break
        sleep 0.05
    done
    grep -q " $MNT fuse" /proc/mounts || { cat "$WORK/daemon.log" >&2; say "FAIL: nextidfs did not mount"; exit 2; }
    local status=0
    "$CONFORM" run --mount "$MNT" --check-tree "$script" >"$WORK/one.mount" 2>"$WORK/one.check" || status=$?
    case $status in
        0) ;;
        1) head -n 6 "$WORK/one.check" >&2; say "mount: stale reads in $script"; MOUNT_DIFFS=$((MOUNT_DIFFS + 1)) ;;
        *) cat "$WORK/one.check" >&2; say "FAIL: run --mount failed on $script"; exit 2 ;;
    esac
    CHECKED=$((CHECKED + $(sed -n 's/^check-tree: .*, \([0-9]*\) names, links and files compared.*/\1/p' "$WORK/one.check")))
    kill -TERM "$DAEMON_PID"
    wait "$DAEMON_PID" || { say "FAIL: nextidfs exited with status $? after SIGTERM"; exit 2; }
    DAEMON_PID=
    if grep -q " $MNT " /proc/mounts; then say "FAIL: $MNT still mounted after SIGTERM"; exit 2; fi
    rmdir "$MNT"
    MNT=
    "$CONFORM" run "$script" >"$WORK/one.sim"
    if ! cmp -s "$WORK/one.sim" "$WORK/one.mount"; then
        "$CONFORM" diff "$WORK/one.sim" "$WORK/one.mount" >&2 || true
        say "mount: $script differs from the in-process run"
        MOUNT_DIFFS=$((MOUNT_DIFFS + 1))
    fi
}

# generate SEED DIR: N scripts of M operations.
generate() {
    "$CONFORM" generate --seed "$1" --count "$SCRIPTS" --ops "$OPS" --out "$2" >/dev/null || { say "FAIL: generate failed"; exit 2; }
}

[ "$(uname -s)" = Linux ] || kernel_unavailable "not Linux"
[ "$(id -u)" -eq 0 ] || kernel_unavailable "not root"
build_kernelrun
check_kernel_side
build_swift

mkdir -p "$WORK/gen"
generate "$SEED" "$WORK/gen"
compare "random-seed-$SEED" "$WORK"/gen/*.ops
compare regress "$ROOT"/tests/conformance/regress/*.ops

MOUNT_DIFFS=0
CHECKED=0
if [ "$SAMPLE" -gt 0 ]; then
    sample=("$WORK"/gen/*.ops)
    [ "$SAMPLE" -gt "${#sample[@]}" ] && SAMPLE=${#sample[@]}
    for script in "${sample[@]:0:$SAMPLE}"; do through_mount "$script"; done
    say "mount: $SAMPLE scripts through a live mount ($CHECKED names, links and files compared after each operation), $MOUNT_DIFFS differ from the in-process run"
fi

if [ "$SOAK" -gt 0 ]; then
    deadline=$(( $(date +%s) + SOAK * 60 ))
    round=0
    soak_seed=$(date +%s%N)
    while [ "$(date +%s)" -lt "$deadline" ] && [ "$TOTAL_DIFFS" -eq 0 ]; do
        round=$((round + 1))
        seed=$((soak_seed + round))
        rm -rf "$WORK/gen" && mkdir -p "$WORK/gen"
        generate "$seed" "$WORK/gen"
        compare "soak-seed-$seed" "$WORK"/gen/*.ops
    done
    say "soak: $round rounds of $SCRIPTS scripts in $SOAK minutes"
fi

ELAPSED=$(( $(date +%s) - START ))
echo "conformance: scripts $TOTAL_SCRIPTS, ops $TOTAL_OPS, mapped lines $TOTAL_MAPPED (inexact $TOTAL_INEXACT), differences $TOTAL_DIFFS, via mount $SAMPLE (differing $MOUNT_DIFFS), time ${ELAPSED}s"
[ "$TOTAL_DIFFS" -eq 0 ] && [ "$MOUNT_DIFFS" -eq 0 ] && [ "$TOTAL_INEXACT" -eq 0 ] || exit 1
