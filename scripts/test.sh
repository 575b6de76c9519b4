#!/usr/bin/env bash
# The one test command: installs what is missing, builds, runs every test (Swift unit and
# property tests, a minute of fuzzing, the shell-level tests on a real mount, among them mount(8),
# fstab and scripts/install.sh, the concurrency and life-cycle tests under ThreadSanitizer,
# kernel conformance, dump/restore).
# FUSE and namespace tests need root, /dev/fuse and fusermount3: without them the run fails
# under CI=true and skips those tests (saying so) elsewhere.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$NEXTIDFS_ROOT"

# man-db and groff-base: test_install.sh renders the man page; systemd: test_mount.sh checks a
# mount unit with systemd-analyze (nothing is started).
ensure_packages libfuse3-dev liburing-dev fuse3 pkg-config gcc make psmisc util-linux procps bc python3 strace \
    man-db groff-base systemd

step() { printf '\n=== %s\n' "$*"; }

# Every suite, in the order they run. A suite that is missing or not executable is an error (it
# would otherwise be a test that silently never runs), found before the build.
suites=(tests/shell/run.sh scripts/tsan.sh tests/conformance/run.sh
        tests/restore/test_refuse.sh tests/restore/test_fixed.sh tests/restore/test_progress.sh
        tests/restore/run.sh)
for suite in "${suites[@]}"; do
    [ -f "$suite" ] && [ -x "$suite" ] || { echo "test.sh: suite $suite is missing or not executable" >&2; exit 1; }
done

step "build"
swift build --build-tests
bin=$(swift build --show-bin-path)/nextidfs

step "unit and property tests"
swift test --skip-build

step "fuzzing (scripts/fuzz.sh, one minute)"
scripts/fuzz.sh 60

can_mount() {
    [ "$(id -u)" -eq 0 ] || { echo "not root"; return 1; }
    [ -c /dev/fuse ] || { echo "no /dev/fuse"; return 1; }
    command -v fusermount3 > /dev/null || { echo "no fusermount3"; return 1; }
    unshare --pid --ipc --fork true 2> /dev/null || { echo "cannot unshare pid and IPC namespaces"; return 1; }
}
if ! why=$(can_mount); then
    if [ "${CI:-}" = "true" ]; then
        echo "FUSE and namespace tests cannot run here ($why): failing, as CI requires" >&2
        exit 1
    fi
    echo "skipping FUSE and namespace tests: $why" >&2
    exit 0
fi

for suite in "${suites[@]}"; do
    step "$suite"
    NEXTIDFS_BIN=$bin "$suite"
done
step "all tests passed"
