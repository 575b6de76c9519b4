#!/usr/bin/env bash
# The concurrency and life-cycle shell tests against a ThreadSanitizer build of the daemon
# (scratch path .build-tsan): any report fails the run. Needs what the shell tests need (root,
# /dev/fuse, fusermount3). Usage: scripts/tsan.sh [TEST...]  (default: test_concurrency.sh
# test_lifecycle.sh, from tests/shell)
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$NEXTIDFS_ROOT"
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test_concurrency.sh test_lifecycle.sh)

swift build --sanitize=thread --scratch-path .build-tsan --product nextidfs
bin=$(swift build --sanitize=thread --scratch-path .build-tsan --show-bin-path)/nextidfs
logs=$(mktemp -d /tmp/nextidfs-tsan.XXXXXX)
trap 'rm -rf "$logs"' EXIT
# Reports go to $logs/report.PID (the tests keep no daemon output). ignore_noninstrumented_modules
# and ignore_interceptors_accesses are off: with them on (Swift's default), every intercepted call
# from libfuse turns TSan's ignores on until it returns, and libfuse stops by cancelling workers
# blocked in read(2), so TSan kills every stopping daemon with "thread finished with ignores
# enabled". tests/tsan/suppressions.txt says what that shows which is not ours.
export TSAN_OPTIONS="log_path=$logs/report:suppressions=$NEXTIDFS_ROOT/tests/tsan/suppressions.txt:ignore_noninstrumented_modules=0:ignore_interceptors_accesses=0"
export SWIFT_BACKTRACE=enable=no

reports() { cat "$logs"/report.* 2> /dev/null | grep -c '^WARNING: ThreadSanitizer\|^ThreadSanitizer:' || true; }

# First, that these options find a race and keep quiet on Lock (tests/tsan/canary.swift).
swiftc -sanitize=thread -g -parse-as-library -swift-version 6 -module-cache-path .build-tsan/canary-cache \
    Sources/IdAllocators/Lock.swift tests/tsan/canary.swift -o .build-tsan/canary
.build-tsan/canary none || true
[ "$(reports)" -gt 0 ] || { echo "tsan: FAILED: no report of the canary's race" >&2; exit 1; }
rm -f "$logs"/report.*
.build-tsan/canary lock || { echo "tsan: FAILED: the canary with Lock" >&2; cat "$logs"/report.* >&2; exit 1; }

status=0
NEXTIDFS_BIN=$bin tests/shell/run.sh "${tests[@]}" || status=1
if [ "$(reports)" -gt 0 ]; then
    cat "$logs"/report.* >&2
    echo "tsan: FAILED: $(reports) ThreadSanitizer reports" >&2
    exit 1
fi
[ $status -eq 0 ] || { echo "tsan: FAILED: shell tests" >&2; exit 1; }
echo "tsan: no reports"
