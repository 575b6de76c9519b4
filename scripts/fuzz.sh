#!/usr/bin/env bash
# Fuzzes the next_id, ctl and sysctl parsers and ctl batches on the simulated kernel
# (Fuzz/NextIdFuzz, libFuzzer), starting from the committed seeds in Fuzz/corpus, with the
# machine's invariants checked after every write. A crash or a broken invariant fails the run
# and leaves the input in .build-fuzz/crashes/ (replay: .build-fuzz/release/NextIdFuzz FILE).
# Usage: scripts/fuzz.sh [SECONDS] [LIBFUZZER-OPTION...]     (default 60 seconds)
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$NEXTIDFS_ROOT"
seconds=${1:-60}
shift $(($# > 0 ? 1 : 0))

NEXTIDFS_FUZZ=1 swift build -c release --sanitize=fuzzer --scratch-path .build-fuzz --product NextIdFuzz
corpus=$(mktemp -d /tmp/nextidfs-fuzz.XXXXXX)
trap 'rm -rf "$corpus"' EXIT
mkdir -p .build-fuzz/crashes
# Swift's crash backtracer would take the trap of a failed check from libFuzzer, which then
# keeps no input.
export SWIFT_BACKTRACE=enable=no
# New inputs go to the first directory (a scratch one): the seeds stay as committed. libFuzzer's
# progress goes to .build-fuzz/fuzz.log; its summary (and a crash's report) is shown.
log=.build-fuzz/fuzz.log
if ! .build-fuzz/release/NextIdFuzz -max_total_time="$seconds" -max_len=4096 -timeout=30 \
        -dict=Fuzz/nextid.dict -artifact_prefix=.build-fuzz/crashes/ -print_final_stats=1 \
        "$@" "$corpus" Fuzz/corpus > "$log" 2>&1; then
    grep -v -e '^#[0-9]*[[:space:]]*\(NEW\|REDUCE\|RELOAD\|pulse\)' "$log" | tail -n 60 >&2
    echo "fuzz: FAILED; the input is in .build-fuzz/crashes/ (whole log: $log)" >&2
    exit 1
fi
grep -e 'INITED' -e '^Done' -e '^stat::' "$log"
