#!/usr/bin/env bash
# Restore a simulated world into a freshly mounted nextidfs, with identical ids:
#   scripts/restore.sh IMAGE MOUNTPOINT               plan the restore of IMAGE and run it
#   scripts/restore.sh --plan IMAGE                   print the restore program instead
#   scripts/restore.sh --program PROGRAM MOUNTPOINT   run a program (printed, maybe edited)
# The program is plain bash (echo and printf into the tree's ctl, next_id and sysctl files),
# written by nextidfs-image from the image (docs/restore.md). With NEXTIDFS_RESTORE_TIMES set,
# the times of planning, of the shell and of the FUSE round trips go to stderr.
# Exit status: 0 restored; 1 refused (mount not pristine, bad image) or a step failed (the
# message names the object, the command and the errno); 2 usage.
set -u
here=${0%/*}; [ "$here" != "$0" ] || here=.
. "$here/common.sh"
export LC_ALL=C
usage() {
    echo "usage: $0 IMAGE MOUNTPOINT | --plan IMAGE | --program PROGRAM MOUNTPOINT" >&2
    exit 2
}
tool=$(image_tool) || exit 1

case ${1-} in
    --plan) [ $# -eq 2 ] || usage; exec "$tool" plan "$2" ;;
    --program) [ $# -eq 3 ] || usage; program=$2 mnt=${3%/} ;;
    -*) usage ;;
    *) [ $# -eq 2 ] || usage; image=$1 mnt=${2%/} ;;
esac
# (one temporary directory, few processes started: the restore's time counts them)
work=$(mktemp -d /tmp/nextidfs-restore.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
if [ -z "${program:-}" ]; then
    program=$work/program
    start=$EPOCHREALTIME
    "$tool" plan --check "$mnt" "$image" > "$program" || exit 1   # (refuses a used mount first)
    planned=$EPOCHREALTIME
else
    "$tool" check "$mnt" || exit 1
fi

# The program runs in its own bash; a failing write stops it (set -e) with bash's message,
# "PROGRAM: line N: ...: ERROR", which names the step.
errors=$work/errors
TIMEFORMAT='%3R %3U %3S'
# On a terminal, a big world's restore shows how many of its processes exist (nextidfs-image
# progress shows nothing for a small one).
if [ -t 2 ] && [ -n "${image:-}" ]; then
    "$tool" progress "$image" "$mnt" & watcher=$!
fi
{ time bash -e "$program" "$mnt" 2> "$errors"; } 2> "$work/time"
status=$?
if [ -n "${watcher:-}" ]; then
    kill "$watcher" 2> /dev/null; wait "$watcher" 2> /dev/null
    "$tool" progress --once "$image" "$mnt"
fi
if [ -n "${NEXTIDFS_RESTORE_TIMES:-}" ]; then
    # planning: the planner's wall time (with the mount check); shell: bash's CPU; fuse: the
    # rest of bash's wall time (waiting for the daemon). In milliseconds, by bash's arithmetic
    # (EPOCHREALTIME has six decimals, TIMEFORMAT's fields three).
    read -r real user sys < "$work/time"
    real=$((10#${real/./})) cpu=$((10#${user/./} + 10#${sys/./})) start=${start:-0.000000} planned=${planned:-0.000000}
    plan=$(((10#${planned/./} - 10#${start/./}) / 1000))
    printf 'restore times: plan=%.3f shell=%.3f fuse=%.3f bash=%.3f\n' "${plan}e-3" "${cpu}e-3" "$((real - cpu))e-3" "${real}e-3" >&2
fi
[ "$status" -eq 0 ] && exit 0

line=$(sed -n 's/^[^:]*: line \([0-9]*\): .*/\1/p' "$errors" | head -1)
message=$(head -1 "$errors")
"$tool" explain "$program" "${line:-0}" "${message##*: }" "$mnt" >&2
exit 1
