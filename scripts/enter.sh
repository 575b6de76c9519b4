#!/usr/bin/env bash
# scripts/enter.sh MOUNTPOINT [--as PID] [COMMAND...]
# Runs COMMAND (default: an interactive shell) with the nextidfs tree at MOUNTPOINT over /proc,
# so that ps, top, pgrep, pstree, ipcs, lsipc, uptime and free show the simulated world. It runs
# in new mount, pid and IPC namespaces (docs/interface.md §2.5): the host's /proc stays as it
# is, the session's processes get pids above the simulated pid_max (no name clash with a
# simulated task), and a tool that falls back to system calls sees an empty IPC namespace, never
# the host's objects. With --as PID the session is attached to simulated process PID:
# /proc/self is PID, /proc/thread-self its leader thread. Needs root.
set -euo pipefail
usage() { echo "usage: $0 MOUNTPOINT [--as PID] [COMMAND...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
mnt=$(realpath -- "$1"); shift
as=
if [ "${1:-}" = --as ]; then
    [ $# -ge 2 ] || usage
    as=$2; shift 2
fi
grep -q " $mnt fuse.nextidfs " /proc/mounts || { echo "$0: no nextidfs mounted on $mnt" >&2; exit 1; }
[ $# -gt 0 ] || set -- "${SHELL:-/bin/bash}" -i
pid_max=$(cat "$mnt/sys/kernel/pid_max")

# The session's pid 1 (this sh) sets where the namespace's pids start, attaches, covers /proc
# (a bind that only this mount namespace sees) and runs COMMAND as its child: pid 1 would clash
# with the simulated init. ns_last_pid acts on the writer's own pid namespace.
exec unshare --mount --pid --ipc --fork --kill-child -- /bin/sh -c '
    mnt=$1 as=$2 pid_max=$3; shift 3
    echo $((pid_max < 4194000 ? pid_max : 4194000)) > /proc/sys/kernel/ns_last_pid || exit 1
    if [ -n "$as" ] && ! echo "$as" > "$mnt/attach" 2> /dev/null; then
        echo "enter.sh: cannot attach to $as: not a simulated process" >&2; exit 1
    fi
    mount --bind "$mnt" /proc || exit 1
    "$@"
    status=$?
    exit $status
' enter.sh "$mnt" "$as" "$pid_max" "$@"
