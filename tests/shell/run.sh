#!/usr/bin/env bash
# Runs every shell-level test (tests/shell/test_*.sh) against a mounted nextidfs.
# Usage: NEXTIDFS_BIN=path/to/nextidfs tests/shell/run.sh [TEST...]
set -u
cd "$(dirname "$0")"
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=(test_*.sh)
failed=()
for t in "${tests[@]}"; do
    if ! TEST_NAME=$(basename "$t" .sh) bash "$t"; then failed+=("$t"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "shell tests FAILED: ${failed[*]}"
    exit 1
fi
echo "shell tests: all ${#tests[@]} passed"
