#!/usr/bin/env bash
# The tools people use, through scripts/enter.sh (the tree over /proc in new mount, pid and IPC
# namespaces), against a world with threads, a nested pid namespace, three uids, a zombie, a
# process group, a session and one object of each IPC kind: every command of issue 15 item 1,
# its output checked against the tree, and no host process or host IPC object in any of them.
. "$(dirname "$0")/lib.sh"
ENTER=$(dirname "$0")/../../scripts/enter.sh
tools=(ps top pgrep pstree ipcs lsipc uptime free ipcmk ipcrm)
for t in "${tools[@]}"; do
    command -v "$t" > /dev/null && continue
    # scripts/test.sh installs procps, psmisc and util-linux; in CI a missing tool is a failure.
    if [ "${CI:-}" = true ]; then fail "$t is not installed"; finish; fi
    echo "SKIP [$TEST_NAME] $t is not installed" >&2; exit 0
done
start_daemon

# On the host: a process and a message queue that must not show in the session.
canary_dir=$(mktemp -d /tmp/nextidfs-tools-canary.XXXXXX)
cp "$(command -v sleep)" "$canary_dir/hostcanary"
"$canary_dir/hostcanary" 600 &
canary=$!
host_queue=$(ipcmk -Q | grep -o '[0-9]*$')
host_key=$(ipcs -q | awk -v id="$host_queue" '$2 == id {print $1}')
cleanup_host() { kill "$canary" 2> /dev/null; wait "$canary" 2> /dev/null; ipcrm -q "$host_queue" 2> /dev/null; rm -rf "$canary_dir"; cleanup_daemon; }
trap cleanup_host EXIT

echo "LONG 70000" > "$MNT/1/task/1/next_id"
ctl 1 1 'msgget 0x1234 IPC_CREAT|0640' > /dev/null
ctl 1 1 'semget 0x2345 4 IPC_CREAT|0600' > /dev/null
echo "LONG 40" > "$MNT/1/task/1/next_id"
ctl 1 1 'shmget IPC_PRIVATE 8192 IPC_CREAT|0600' > /dev/null
echo "LONG 100" > "$MNT/1/task/1/next_id"; ctl 1 1 fork > /dev/null
ctl 100 100 'comm server' > /dev/null
echo "LONG 101" > "$MNT/100/task/100/next_id"; ctl 100 100 'clone thread' > /dev/null
put "$MNT/100/task/101/ctl" $'comm worker\n' > /dev/null
echo "LONG 102" > "$MNT/100/task/100/next_id"; ctl 100 100 fork > /dev/null
ctl 102 102 'comm child' > /dev/null
echo "LONG 110" > "$MNT/100/task/100/next_id"; ctl 100 100 fork > /dev/null
ctl 110 110 'comm www' > /dev/null
ctl 110 110 'setuid 33' > /dev/null
echo "LONG2 1 200" > "$MNT/1/task/1/next_id"; ctl 1 1 'clone newpid' > /dev/null
ctl 200 200 'comm nsinit' > /dev/null
echo "LONG2 5 205" > "$MNT/200/task/200/next_id"; ctl 200 200 fork > /dev/null
ctl 205 205 'comm inner' > /dev/null
echo "LONG2 6 206" > "$MNT/205/task/205/next_id"; ctl 205 205 'clone thread' > /dev/null
# 102 leads its group; 103 joins it and exits (102's zombie); 200 leads a session; 102 is uid 1000.
ctl 102 102 'setpgid 0 0' > /dev/null
echo "LONG 103" > "$MNT/102/task/102/next_id"; ctl 102 102 fork > /dev/null
ctl 103 103 'comm member' > /dev/null
ctl 102 102 'setuid 1000' > /dev/null
ctl 200 200 setsid > /dev/null
ctl 103 103 'exit 2' > /dev/null

# What the tree says, to compare with.
pids=$(ls "$MNT" | grep -E '^[0-9]+$' | sort -n | xargs)
expect_eq "the world" "1 100 102 103 110 200 205" "$pids"
threads=$(for p in $pids; do for t in $(ls "$MNT/$p/task" | sort -n); do echo "$p $t"; done; done)
row() {  # PID: pid ppid pgid sid uid nlwp comm, from stat and status
    local s f uid
    s=$(cat "$MNT/$1/stat"); f=(${s##*) })
    read -r uid _ <<< "$(status_field "$1" Uid)"
    echo "$1 ${f[1]} ${f[2]} ${f[3]} $uid ${f[17]} $(cat "$MNT/$1/comm")"
}
expected_rows=$(for p in $pids; do row "$p"; done)
session() { "$ENTER" "$MNT" "$@" 2>&1; }

out=$(session ps -e)
expect_eq "ps -e: the tree's processes, with their names" \
    "$(for p in $pids; do echo "$p $(cat "$MNT/$p/comm")"; done)" \
    "$(echo "$out" | awk 'NR > 1 {print $1, $4}')"
expect_match "ps -e: the zombie by its name" $'\n  103 \\? +00:00:00 member\n' "$out"

out=$(session ps -eLf)
expect_eq "ps -eLf: every thread (PID LWP)" "$threads" "$(echo "$out" | awk 'NR > 1 {print $2, $4}')"
expect_match "ps -eLf: a thread shows its process's command line" 'root +100 +1 +101 +0 +2 .* server' "$out"
expect_match "ps -eLf: the uid 33 process" 'www-data +110 +100 +110 ' "$out"
expect_match "ps -eLf: a zombie has no command line" 'root +103 +102 +103 +0 +1 .* \[member\] <defunct>' "$out"
expect_match "ps -eLf: a thread in the nested namespace" 'root +205 +200 +206 +0 +2 .* inner' "$out"

out=$(session ps -eo pid,ppid,pgid,sid,uid,stat,nlwp,comm)
expect_eq "ps -eo pid,ppid,pgid,sid,uid,nlwp,comm: as stat and status say" "$expected_rows" \
    "$(echo "$out" | awk 'NR > 1 {print $1, $2, $3, $4, $5, $7, $8}')"
expect_eq "ps -eo stat: session leaders s, threads l, the zombie Z" "Ss Sl S Z S Ss Sl" "$(echo "$out" | awk 'NR > 1 {print $6}' | xargs)"

out=$(session ps -ejH)
expect_match "ps -ejH: server under init" $'\n  100     1     1 \\? +00:00:00   server\n' "$out"
expect_match "ps -ejH: the group leader and its zombie under server" \
    $'\n  102   102     1 \\? +00:00:00     child\n  103   102     1 \\? +00:00:00       member\n' "$out"
expect_match "ps -ejH: the nested init's session and its child" $'\n  200   200   200 \\? +00:00:00   nsinit\n  205     1     1 \\? +00:00:00     inner' "$out"

out=$(session ps -p 100 -o pid=,ppid=,user=,nlwp=,etimes=,args=)
read -r p pp u n e a <<< "$out"
expect_eq "ps -p 100 -o ..." "100 1 root 2 server" "$p $pp $u $n $a"
expect_eq "ps -p: elapsed seconds since its fork (the host's clock)" 1 "$(( e >= 0 && e < 60 ))"

out=$(session top -b -n 1)
expect_match "top: the task count" 'Tasks: +7 total, +0 running, +6 sleeping, +0 stopped, +1 zombie' "$out"
expect_match "top: the memory" 'MiB Mem : +8192\.0 total, +8192\.0 free, +0\.0 used' "$out"
expect_match "top: no load" 'load average: 0\.00, 0\.00, 0\.00' "$out"
expect_eq "top: the processes" "$pids" "$(echo "$out" | awk '/^ *PID /{on=1; next} on && NF {print $1}' | sort -n | xargs)"
expect_match "top: the uid 1000 process by its owner" $'\n +102 [a-z0-9_-]+ +20 +0 ' "$out"

expect_eq "pgrep -l er" $'100 server\n103 member\n205 inner' "$(session pgrep -l er)"

out=$(session pstree -p)
echo "$out" | sed 's/^/    pstree: /'
expect_match "pstree: init and the nested init's process with its thread" '^init\(1\)-\+-nsinit\(200\)---inner\(205\)---\{inner\}\(206\)' "$out"
expect_match "pstree: server's thread and children" 'server\(100\)-\+-child\(102\)---member\(103\)' "$out"
expect_match "pstree: the uid 33 child" '\|-www\(110\)' "$out"
expect_match "pstree: server's thread" '`-\{server\}\(101\)' "$out"
groups=$(session pstree -p -g -t -A 1)
expect_match "pstree -g: a child that made its own group, its zombie member" 'child\(102,102\)---member\(103,102\)' "$groups"
expect_match "pstree -g: a thread shows its process's group" '\{worker\}\(101,1\)' "$groups"

out=$(session ipcs -a)
expect_eq "ipcs -a: exactly the tree's objects" \
    $'0x00001234 70000 root 640\n0x00000000 40 root 600 8192\n0x00002345 0 root 600 4' \
    "$(echo "$out" | awk '/^0x/ {print $1, $2, $3, $4, ($5 == "" ? "" : $5)}' | sed 's/ 0$//; s/ $//')"
out=$(session ipcs -q -i 70000)
expect_match "ipcs -q -i: the queue" 'Message Queue msqid=70000' "$out"
expect_match "ipcs -q -i: its owner and mode" 'uid=0	gid=0	cuid=0	cgid=0	mode=0640' "$out"

out=$(session lsipc)
expect_match "lsipc: MSGMNI, one queue" 'MSGMNI +Number of message queues +32000 +1 ' "$out"
expect_match "lsipc: SHMMNI, one segment" 'SHMMNI +Shared memory segments +4096 +1 ' "$out"
expect_match "lsipc: SEMMNI, one set" 'SEMMNI +Number of semaphore identifiers +32000 +1 ' "$out"
# util-linux 2.38.1 counts sets x the first set's nsems: with one set of 4, 4.
expect_match "lsipc: SEMMNS, four semaphores" 'SEMMNS +Total number of semaphores +1024000000 +4 ' "$out"
expect_match "lsipc: SEMOPM" 'SEMOPM +Max number of operations per semop\(2\) +500 ' "$out"
out=$(session lsipc -q -o KEY,ID,PERMS,OWNER)
expect_match "lsipc -q lists the queue" '0x00001234 +70000 +rw-r----- +root' "$out"

out=$(session uptime)
expect_match "uptime: the host's boot, no load" ' up .*load average: 0\.00, 0\.00, 0\.00$' "$out"
out=$(session free)
expect_match "free: 8 GiB, all free" $'\nMem: +8388608 +0 +8388608 +0 +0 +8388608\nSwap: +0 +0 +0' "$out"

# Nothing of the host: its process, its queue, any pid the tree does not have.
all=$(session sh -c 'ps -eLf; top -b -n 1; pgrep -l .; pstree -p; ipcs -a; lsipc -q -o ID')
expect_eq "no host process in any output" "" "$(echo "$all" | grep -e hostcanary -e "\b$canary\b")"
expect_eq "no host IPC object in any output" "" "$(echo "$all" | grep -e "$host_key")"
expect_eq "ps -e in the session lists only the tree's pids" "$pids" "$(session ps -e -o pid= | xargs)"

stop_daemon
finish
