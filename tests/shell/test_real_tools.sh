#!/usr/bin/env bash
# Real tools read the formats: ipcs and lsipc with the mount's sysvipc bound over /proc/sysvipc,
# pstree -p and -g with the whole mount bound over /proc, each in a private mount namespace.
. "$(dirname "$0")/lib.sh"
start_daemon

echo "LONG 70000" > "$MNT/1/task/1/next_id"
ctl 1 1 'msgget 0x1234 IPC_CREAT|0640' > /dev/null
ctl 1 1 'semget 0x2345 4 IPC_CREAT|0600' > /dev/null
echo "LONG 40" > "$MNT/1/task/1/next_id"
ctl 1 1 'shmget IPC_PRIVATE 8192 IPC_CREAT|0600' > /dev/null
echo "LONG 100" > "$MNT/1/task/1/next_id"; ctl 1 1 fork > /dev/null
ctl 100 100 'comm server' > /dev/null
echo "LONG 101" > "$MNT/100/task/100/next_id"; ctl 100 100 'clone thread' > /dev/null
put "$MNT/100/task/101/ctl" 'comm worker' > /dev/null
echo "LONG 102" > "$MNT/100/task/100/next_id"; ctl 100 100 fork > /dev/null
ctl 102 102 'comm child' > /dev/null
echo "LONG2 1 200" > "$MNT/1/task/1/next_id"; ctl 1 1 'clone newpid' > /dev/null
ctl 200 200 'comm nsinit' > /dev/null
# Groups and a session: 102 leads its group, 200 its session; 103 joins 102's group and exits
# (a zombie of 102, whose group keeps the dead member's pid out of reach).
ctl 102 102 'setpgid 0 0' > /dev/null
echo "LONG 103" > "$MNT/102/task/102/next_id"; ctl 102 102 fork > /dev/null
ctl 103 103 'comm member' > /dev/null
ctl 200 200 setsid > /dev/null
ctl 103 103 'exit 2' > /dev/null

ipcs_out=$(unshare -m bash -c "mount --bind '$MNT/sysvipc' /proc/sysvipc && ipcs -a" 2>&1)
expect_match "ipcs lists the queue" '0x00001234 +70000 +root +640 ' "$ipcs_out"
expect_match "ipcs lists the semaphore set" '0x00002345 +0 +root +600 +4' "$ipcs_out"
expect_match "ipcs lists the segment" '0x00000000 +40 +root +600 +8192 +0' "$ipcs_out"
lsipc_out=$(unshare -m bash -c "mount --bind '$MNT/sysvipc' /proc/sysvipc && lsipc -q -o KEY,ID,PERMS,OWNER && lsipc -s -o KEY,ID,NSEMS && lsipc -m -o KEY,ID,SIZE,CPID" 2>&1)
expect_match "lsipc lists the queue" '0x00001234 +70000 +rw-r----- +root' "$lsipc_out"
expect_match "lsipc lists the semaphore set" '0x00002345 +0 +4' "$lsipc_out"
expect_match "lsipc lists the segment" '0x00000000 +40 +8K +1' "$lsipc_out"

tree=$(unshare -m bash -c "mount --bind '$MNT' /proc && pstree -p -t -A 1" 2>&1)
echo "$tree" | sed 's/^/    pstree: /'
expect_match "pstree draws init" '^init\(1\)' "$tree"
expect_match "pstree draws the process with its thread and child" 'server\(100\)-[-+]-child\(102\)' "$tree"
expect_match "pstree draws the thread" '\{worker\}\(101\)' "$tree"
expect_match "pstree draws the namespace init" 'nsinit\(200\)' "$tree"
groups=$(unshare -m bash -c "mount --bind '$MNT' /proc && pstree -p -g -t -A 1" 2>&1)
echo "$groups" | sed 's/^/    pstree -g: /'
expect_match "pstree -g shows the groups" 'init\(1,1\)' "$groups"
expect_match "pstree -g: a child that made its own group, its zombie member" 'child\(102,102\)---member\(103,102\)' "$groups"
expect_match "pstree -g: a session leader's group" 'nsinit\(200,200\)' "$groups"
expect_match "pstree -g: a thread shows its process's group" '\{worker\}\(101,1\)' "$groups"

stop_daemon
finish
