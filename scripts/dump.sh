#!/usr/bin/env bash
# Checkpoint a simulated world: scripts/dump.sh MOUNTPOINT > IMAGE
#
# Reads only the mounted nextidfs tree (status, stat, next_id, children, the ns links, the
# sys/kernel files and the sysvipc tables of every namespace) and prints the line-oriented
# image of docs/restore.md ("nextidfs-image 2"), through nextidfs-image. Exit status 1 with a
# message when MOUNTPOINT is not a nextidfs tree or the tree cannot be restored (a queue with
# messages, an attached segment); 2 usage.
set -u
. "$(dirname "$0")/common.sh"
if [ $# -ne 1 ]; then
    echo "usage: $0 MOUNTPOINT > IMAGE" >&2
    exit 2
fi
tool=$(image_tool) || exit 1
exec "$tool" dump "$1"
