#!/usr/bin/env bash
# Unmounts nextidfs (the daemon then exits): scripts/umount.sh [MOUNTPOINT], default /mnt/nextidfs.
set -euo pipefail
mountpoint=${1:-/mnt/nextidfs}
fusermount3 -u "$mountpoint"
