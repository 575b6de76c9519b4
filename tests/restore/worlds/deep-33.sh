#!/usr/bin/env bash
# Pid namespaces 32 deep: the innermost tasks have 33 pids, one more than next_id can force, so
# the restore sets the root namespace's ns_last_pid just before forking them.
. "$(dirname "$0")/common.sh"
cur=1
for i in $(seq 32); do
    c "$cur" "$cur" 'clone newpid'
    read -r cur < "$MNT/$cur/task/$cur/children" || true   # its only child: the new init
done
c "$cur" "$cur" fork; c "$cur" "$cur" 'clone thread'
put sys/kernel/ns_last_pid 4000
