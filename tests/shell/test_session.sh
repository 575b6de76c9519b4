#!/usr/bin/env bash
# A plain bash session drives the filesystem: next_id, fork, clone newpid with LONG2, clone
# thread, msgget/semget/shmget with forced ids; every result is visible in the tree.
. "$(dirname "$0")/lib.sh"
start_daemon

expect_put "set next_id" "$MNT/1/task/1/next_id" $'LONG 4242\n' OK
expect_eq "next_id reads back canonically" 'LONG 4242\n' "$(get "$MNT/1/task/1/next_id")"
expect_eq "fork gets the forced pid" 4242 "$(ctl 1 1 fork)"
expect_eq "next_id consumed" '' "$(get "$MNT/1/task/1/next_id")"
expect_eq "NSpid" 4242 "$(status_field 4242 NSpid)"
expect_eq "PPid" 1 "$(status_field 4242 PPid)"
expect_eq "children" '4242 ' "$(get "$MNT/1/task/1/children")"
expect_eq "ns_last_pid: a forced pid leaves the cursor" '1\n' "$(get "$MNT/sys/kernel/ns_last_pid")"
expect_match "listing shows the process" '(^| )4242( |$)' "$(echo $(ls "$MNT"))"

# A new pid namespace whose init is 1 inside and 5000 outside.
echo "LONG2 1 5000" > "$MNT/4242/task/4242/next_id"
expect_eq "clone newpid" 5000 "$(ctl 4242 4242 'clone newpid')"
expect_eq "init NSpid" "5000 1" "$(status_field 5000 NSpid)"
expect_eq "init NStgid" "5000 1" "$(status_field 5000 NStgid)"
expect_eq "new namespace pid_max (the kernel's PID_MAX_LIMIT)" '4194304\n' "$(get "$MNT/5000/sys/kernel/pid_max")"
expect_eq "new namespace ns_last_pid (forced init: cursor 0)" '-1\n' "$(get "$MNT/5000/sys/kernel/ns_last_pid")"
[ "$(readlink "$MNT/5000/ns/pid")" != "$(readlink "$MNT/1/ns/pid")" ] && pass || fail "new pid namespace link"
expect_eq "creator's pid_for_children unchanged" "$(readlink "$MNT/1/ns/pid")" "$(readlink "$MNT/4242/ns/pid_for_children")"

echo "LONG 10" > "$MNT/5000/task/5000/next_id"
expect_eq "fork in the namespace returns the inner pid" 10 "$(ctl 5000 5000 fork)"
expect_eq "outer level allocated automatically" '2 ' "$(get "$MNT/5000/task/5000/children")"
expect_eq "child NSpid" "2 10" "$(status_field 2 NSpid)"
expect_eq "child PPid" 5000 "$(status_field 2 PPid)"

expect_eq "clone thread" 2 "$(ctl 5000 5000 'clone thread')"
expect_eq "thread list" "3 5000" "$(echo $(ls "$MNT/5000/task"))"
expect_eq "Threads" 2 "$(status_field 5000 Threads)"
expect_eq "thread status NSpid" "3	2" "$(grep '^NSpid:' "$MNT/5000/task/3/status" | cut -f2-)"
expect_eq "thread status Tgid" "5000" "$(grep '^Tgid:' "$MNT/5000/task/3/status" | cut -f2)"
expect_eq "top task/ link" "../5000/task/3" "$(readlink "$MNT/task/3")"
expect_eq "thread reachable through the link" "$(cat "$MNT/5000/task/3/status")" "$(cat "$MNT/task/3/status")"
expect_eq "a thread is not listed at the top" "" "$(ls "$MNT" | grep -x 3)"

# IPC objects with forced ids: the full id (seq 2, idx 5), exactly.
echo "LONG 65541" > "$MNT/1/task/1/next_id"
expect_eq "msgget with forced id" 65541 "$(ctl 1 1 'msgget 0x1234 IPC_CREAT|0600')"
expect_match "sysvipc/msg row" '^ +4660 +65541 +600 ' "$(sed -n 2p "$MNT/sysvipc/msg")"
echo "LONG 7" > "$MNT/1/task/1/next_id"
expect_eq "semget with forced id" 7 "$(ctl 1 1 'semget IPC_PRIVATE 3 IPC_CREAT|0600')"
expect_match "sysvipc/sem row" '^ +0 +7 +600 +3 +0 +0 +0 +0 ' "$(sed -n 2p "$MNT/sysvipc/sem")"
echo "LONG 32768" > "$MNT/4242/task/4242/next_id"
expect_eq "shmget with forced id" 32768 "$(ctl 4242 4242 'shmget 0x99 4096 IPC_CREAT|0640')"
expect_match "sysvipc/shm row (cpid is the creator)" '^ +153 +32768 +640 +4096 +4242 ' "$(sed -n 2p "$MNT/sysvipc/shm")"
expect_eq "a get that finds its key returns it" 65541 "$(ctl 1 1 'msgget 0x1234 0600')"
expect_eq "automatic msg id" 0 "$(ctl 1 1 'msgget IPC_PRIVATE IPC_CREAT|0600')"
expect_eq "per-process tables show the same namespace" "$(cat "$MNT/sysvipc/msg")" "$(cat "$MNT/4242/sysvipc/msg")"

# A new IPC namespace has its own, empty tables.
expect_match "clone newipc" '^[0-9]+$' "$(ctl 1 1 'clone newipc')"
ipcchild=$(cat "$MNT/1/task/1/ctl")
expect_eq "empty table in the new namespace" 1 "$(wc -l < "$MNT/$ipcchild/sysvipc/msg")"
expect_eq "its own id space" 0 "$(ctl "$ipcchild" "$ipcchild" 'msgget IPC_PRIVATE IPC_CREAT|0600')"
[ "$(readlink "$MNT/$ipcchild/ns/ipc")" != "$(readlink "$MNT/1/ns/ipc")" ] && pass || fail "new ipc namespace link"
echo 12345 > "$MNT/$ipcchild/sys/kernel/msg_next_id"
expect_eq "msg_next_id then msgget" 12345 "$(ctl "$ipcchild" "$ipcchild" 'msgget IPC_PRIVATE IPC_CREAT|0600')"
expect_eq "msg_next_id consumed" '-1\n' "$(get "$MNT/$ipcchild/sys/kernel/msg_next_id")"

# Our headers are the running kernel's, and our rows have its column layout.
for t in msg sem shm; do
    expect_eq "sysvipc/$t header" "$(head -1 /proc/sysvipc/$t)" "$(head -1 "$MNT/sysvipc/$t")"
done
# Where each field ends, counted from the end of the key (a random key may be wider than its
# 10 columns): fields are right-aligned in fixed widths, so the ends must agree.
shape() { awk '{ line = $0; out = ""; pos = 0; first = -1; while (match(line, /[^ ]+/)) { pos += RSTART + RLENGTH - 1; if (first < 0) first = pos; else out = out " " pos - first; line = substr(line, RSTART + RLENGTH) } print out }'; }
real=$(unshare --ipc bash -c 'ipcmk -Q -p 0600 >/dev/null; ipcmk -M 4096 -p 0640 >/dev/null; ipcmk -S 3 -p 0600 >/dev/null; sed -n 2p /proc/sysvipc/msg; sed -n 2p /proc/sysvipc/shm; sed -n 2p /proc/sysvipc/sem')
ours=$( { sed -n 2p "$MNT/sysvipc/msg"; sed -n 2p "$MNT/sysvipc/shm"; sed -n 2p "$MNT/sysvipc/sem"; } )
expect_eq "row layout as the kernel prints it" "$(shape <<< "$real")" "$(shape <<< "$ours")"

# stat: 52 fields, procfs layout.
read -r -a fields < "$MNT/2/stat"
expect_eq "stat field count" 52 "${#fields[@]}"
expect_eq "stat pid comm state ppid" "2 (init) S 5000" "${fields[*]:0:4}"
expect_eq "comm" 'init\n' "$(get "$MNT/2/comm")"
ctl 2 2 'comm restored-worker-process' > /dev/null
expect_eq "comm is cut to 15 bytes" 'restored-worker\n' "$(get "$MNT/2/comm")"
expect_eq "ctl read-back of a plain command" 0 "$(cat "$MNT/2/task/2/ctl")"

# exit: the thread goes, then the namespace's init takes everything with it.
expect_put "thread exit" "$MNT/5000/task/3/ctl" $'exit\n' OK
expect_eq "thread gone" "5000" "$(echo $(ls "$MNT/5000/task"))"
[ ! -e "$MNT/task/3" ] && pass || fail "task/3 should be gone"
expect_put "init of the namespace exits" "$MNT/5000/task/5000/ctl" $'exit\n' OK
[ ! -e "$MNT/2" ] && pass || fail "the namespace's task should be gone"
expect_eq "the init is its parent's zombie" "Z (zombie)" "$(status_field 5000 State)"
expect_eq "its parent reaps it" 5000 "$(ctl 4242 4242 wait)"
[ ! -e "$MNT/5000" ] && pass || fail "the reaped init should be gone"
expect_eq "root init cannot exit" '-16 EBUSY' "$(ctl 1 1 exit)"

# docs/interface.md §2.2 and §6.4: modes, exact sizes, link formats; a table larger than a page
# reads whole and fresh.
expect_eq "next_id and ctl are 0600" "600 600" "$(echo $(stat -c %a "$MNT/1/task/1/next_id" "$MNT/1/task/1/ctl"))"
sized=("$MNT/1/status" "$MNT/1/task/1/next_id" "$MNT/1/task/1/ctl" "$MNT/sysvipc/msg" "$MNT/sys/kernel/pid_max")
expect_eq "st_size is the content's length" "$(for f in "${sized[@]}"; do wc -c < "$f"; done | xargs)" \
    "$(stat -c %s "${sized[@]}" | xargs)"
expect_match "ns/pid target" '^pid:\[[0-9]+\]$' "$(readlink "$MNT/1/ns/pid")"
expect_match "ns/pid_for_children target" '^pid:\[[0-9]+\]$' "$(readlink "$MNT/1/ns/pid_for_children")"
rows=$(cat "$MNT/sysvipc/msg" | wc -l)
queues=$(for _ in $(seq 100); do echo 'msgget IPC_PRIVATE IPC_CREAT|0600'; done)
expect_put "100 queues" "$MNT/1/task/1/ctl" "$queues" OK
expect_eq "a 15 KB table reads whole" $((rows + 100)) "$(cat "$MNT/sysvipc/msg" | wc -l)"
expect_eq "and its size follows" "$(wc -c < "$MNT/sysvipc/msg")" "$(stat -c %s "$MNT/sysvipc/msg")"

stop_daemon
finish
