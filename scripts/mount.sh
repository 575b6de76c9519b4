#!/usr/bin/env bash
# Mounts nextidfs: scripts/mount.sh [MOUNTPOINT] [nextidfs options...]
# MOUNTPOINT defaults to /mnt/nextidfs. Installs libfuse3-dev and fuse3 when missing (as root),
# builds the release daemon when it is missing or stale, mounts, and shows how to use it.
set -euo pipefail
. "$(dirname "$0")/common.sh"

mountpoint=/mnt/nextidfs
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then mountpoint=$1; shift; fi

ensure_packages libfuse3-dev liburing-dev fuse3 pkg-config
bin=$(build_release)
mkdir -p "$mountpoint"
"$bin" "$@" "$mountpoint"
for _ in $(seq 50); do
    grep -q " $(realpath "$mountpoint") fuse.nextidfs " /proc/mounts && break
    sleep 0.1
done

cat <<TXT
nextidfs is mounted on $mountpoint. Try:
  scripts/enter.sh $mountpoint ps -ef         (or scripts/enter.sh $mountpoint --as 1: a shell attached to init)
  echo "LONG 4242" > $mountpoint/1/task/1/next_id && echo fork > $mountpoint/1/task/1/ctl && cat $mountpoint/1/task/1/ctl
  cat $mountpoint/4242/status
  echo "msgget IPC_PRIVATE IPC_CREAT|0600" > $mountpoint/4242/task/4242/ctl && cat $mountpoint/sysvipc/msg
Unmount with: scripts/umount.sh $mountpoint   (or: fusermount3 -u $mountpoint)
TXT
