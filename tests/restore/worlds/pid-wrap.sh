#!/usr/bin/env bash
# Small pid_max in the root and in a nested namespace with their cursors wrapped, pending next_id
# on threads, comm with a space, several uids.
. "$(dirname "$0")/common.sh"
put sys/kernel/pid_max 400; put sys/kernel/ns_last_pid 396
for i in 1 2 3 4 5; do c 1 1 fork; done                # 397 398 399 300 301
c 1 1 'clone newpid'; ns=$REPLY                       # 302
put "$ns/sys/kernel/pid_max" 310; put "$ns/sys/kernel/ns_last_pid" 308
for i in 1 2 3; do c "$ns" "$ns" fork; done
c "$ns" "$ns" 'comm a b'; c "$ns" "$ns" 'clone thread'
t=$(ls "$MNT/$ns/task" | sort -n | head -1)
printf 'LONG3 7 8 9\n' > "$MNT/$ns/task/$t/next_id"
printf 'LONG 12345\n' > "$MNT/1/task/1/next_id"
c "$ns" "$ns" 'setgid 2000'; c "$ns" "$ns" 'setuid 2000'
