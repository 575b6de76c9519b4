#!/usr/bin/env bash
# A file handle belongs to the task it was opened on: once that task has ended, every read and
# write through the handle is ESRCH and changes nothing, also after the pid went to a new task
# (of another user); a lookup of the pid finds the new task.
. "$(dirname "$0")/lib.sh"
need_test_user
start_daemon -o allow_other
cd "$MNT" || exit 1

# The reproduction: a kept ctl fd of task 2 after 2 exited and root's new task took pid 2.
echo fork > 1/task/1/ctl
exec 3<>2/task/2/ctl
echo exit >&3
echo 'LONG 2' > 1/task/1/next_id
echo fork > 1/task/1/ctl
expect_eq "the pid is reused" 2 "$(cat 1/task/1/ctl)"
expect_eq "comm HIJACKED through the old fd" ESRCH "$(errno_of_message "$( { echo 'comm HIJACKED' >&3; } 2>&1 )")"
expect_eq "the new task 2 keeps its name" init "$(cat 2/comm)"
exec 3>&-

# Every file of a task, kept open while the task ends and the pid is reused.
echo fork > 1/task/1/ctl                                   # 3
files=(status stat comm cmdline sys/kernel/ns_last_pid sys/kernel/pid_max sys/kernel/msg_next_id
       sys/kernel/sem_next_id sys/kernel/shm_next_id sysvipc/msg sysvipc/sem sysvipc/shm
       task/3/status task/3/stat task/3/comm task/3/children task/3/ctl task/3/next_id)
fds=()
for f in "${files[@]}"; do exec {fd}<>"3/$f"; fds+=("$fd"); done
read -r -u "${fds[0]}" _                                   # (status: the next read is at an offset > 0)
echo exit > 3/task/3/ctl
echo 'LONG 3' > 1/task/1/next_id
echo fork > 1/task/1/ctl
expect_eq "pid 3 is root's new task" 3 "$(cat 1/task/1/ctl)"
before=$(cat 1/sys/kernel/pid_max 1/sys/kernel/ns_last_pid sysvipc/msg; ls)
for i in "${!files[@]}"; do
    expect_eq "read ${files[$i]} through the old fd" ESRCH "$(errno_of_message "$( { read -r -u "${fds[$i]}" _; } 2>&1 )")"
done
for i in "${!files[@]}"; do
    case ${files[$i]} in
        */ctl) line=fork ;; */next_id) line='LONG 7777' ;; sys/kernel/*) line=400 ;; *) continue ;;
    esac
    expect_eq "write ${files[$i]} through the old fd" ESRCH "$(errno_of_message "$( { echo "$line" >&"${fds[$i]}"; } 2>&1 )")"
done
expect_eq "nothing changed" "$before" "$(cat 1/sys/kernel/pid_max 1/sys/kernel/ns_last_pid sysvipc/msg; ls)"
for fd in "${fds[@]}"; do exec {fd}>&-; done
expect_eq "a lookup finds the new task" "3 0 init" "$(status_field 3 Pid) $(status_field 3 Uid | cut -f1 -d' ') $(cat 3/comm)"
expect_match "the path's ns link is the new task's" '^pid:\[[0-9]+\]$' "$(readlink 3/ns/pid)"

# An unprivileged user keeps fds of her own task; root's new task takes the pid.
echo fork > 1/task/1/ctl                                   # 4, handed to the user
printf 'setgid %s\nsetuid %s\n' "$(id -g "$TEST_USER")" "$(id -u "$TEST_USER")" > 4/task/4/ctl
echo 'msgget 0x43 IPC_CREAT|0600' > 1/task/1/ctl
queue=$(cat 1/task/1/ctl)
fifo=$(mktemp -u /tmp/nextidfs-handles.XXXXXX)
mkfifo -m 666 "$fifo"
runuser -u "$TEST_USER" -- bash -c '
    cd "$1" || exit 1
    exec 3>4/task/4/ctl 4>4/sys/kernel/pid_max 5>4/sys/kernel/ns_last_pid 6>4/sys/kernel/msg_next_id 7>4/task/4/next_id
    echo exit >&3
    read -r _ < "$2"
    for w in "3 next_id LONG 7777" "3 fork" "3 msgrm $3" "3 setuid 0" "4 5000" "5 100" "6 65536" "7 LONG 7777"; do
        printf "%s: %s\n" "$w" "$( { echo "${w#* }" >&"${w%% *}"; } 2>&1 | sed "s/.*: //")"
    done' _ "$MNT" "$fifo" "$queue" > "$fifo.out" 2>&1 &
user=$!
for _ in $(seq 100); do [ -d 4 ] || break; sleep 0.05; done
expect_eq "the user's task exited" gone "$([ -d 4 ] && echo present || echo gone)"
echo 'LONG 4' > 1/task/1/next_id
echo fork > 1/task/1/ctl                                   # 4 again, root's
before=$(cat 1/sys/kernel/pid_max 1/sys/kernel/ns_last_pid 1/sys/kernel/msg_next_id sysvipc/msg 4/task/4/next_id; ls)
echo go > "$fifo"
wait "$user"
expect_eq "every write through the user's old fds" "$(printf '%s: No such process\n' "3 next_id LONG 7777" "3 fork" "3 msgrm $queue" "3 setuid 0" "4 5000" "5 100" "6 65536" "7 LONG 7777")" "$(cat "$fifo.out")"
expect_eq "root's world is unchanged" "$before" "$(cat 1/sys/kernel/pid_max 1/sys/kernel/ns_last_pid 1/sys/kernel/msg_next_id sysvipc/msg 4/task/4/next_id; ls)"
expect_eq "no pid 7777" absent "$([ -d 7777 ] && echo present || echo absent)"
rm -f "$fifo" "$fifo.out"

cd / && stop_daemon
finish
