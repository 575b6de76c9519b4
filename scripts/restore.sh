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
. "$(dirname "$0")/common.sh"
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
if [ -z "${program:-}" ]; then
    program=$(mktemp /tmp/nextidfs-restore-program.XXXXXX)
    trap 'rm -f "$program"' EXIT
    start=$EPOCHREALTIME
    "$tool" plan --check "$mnt" "$image" > "$program" || exit 1   # (refuses a used mount first)
    planned=$EPOCHREALTIME
else
    "$tool" check "$mnt" || exit 1
fi

# The program runs in its own bash; a failing write stops it (set -e) with bash's message,
# "PROGRAM: line N: ...: ERROR", which names the step.
errors=$(mktemp /tmp/nextidfs-restore-errors.XXXXXX)
trap 'rm -f "$errors" ${image:+"$program"}' EXIT
TIMEFORMAT='%R %U %S'
# On a terminal, a big world's restore shows how many of its processes exist (nextidfs-image
# progress shows nothing for a small one).
if [ -t 2 ] && [ -n "${image:-}" ]; then
    "$tool" progress "$image" "$mnt" & watcher=$!
fi
{ time bash -e "$program" "$mnt" 2> "$errors"; } 2> "$errors.time"
status=$?
if [ -n "${watcher:-}" ]; then
    kill "$watcher" 2> /dev/null; wait "$watcher" 2> /dev/null
    "$tool" progress --once "$image" "$mnt"
fi
if [ -n "${NEXTIDFS_RESTORE_TIMES:-}" ]; then
    read -r real user sys < <(tail -1 "$errors.time")
    # planning: the planner's wall time (with the mount check); shell: bash's CPU; fuse: the
    # rest of bash's wall time (waiting for the daemon)
    printf 'restore times: plan=%.3f shell=%.3f fuse=%.3f bash=%.3f\n' \
        "$(echo "${planned:-0} - ${start:-0}" | bc)" "$(echo "$user + $sys" | bc)" \
        "$(echo "$real - $user - $sys" | bc)" "$real" >&2
fi
rm -f "$errors.time"
[ "$status" -eq 0 ] && exit 0

line=$(sed -n 's/^[^:]*: line \([0-9]*\): .*/\1/p' "$errors" | head -1)
message=$(head -1 "$errors")
"$tool" explain "$program" "${line:-0}" "${message##*: }" "$mnt" >&2
exit 1
