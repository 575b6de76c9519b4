#!/usr/bin/env bash
# The machine's files (docs/interface.md §6.6) through a mount, against this machine's kernel:
# the IPC limits of a fresh IPC namespace, tty/drivers, the clock (uptime, btime and a new
# task's starttime agree with the host's CLOCK_BOOTTIME), and what free and uptime make of them.
. "$(dirname "$0")/lib.sh"
start_daemon
echo "LONG 100" > "$MNT/1/task/1/next_id"; ctl 1 1 fork > /dev/null
ctl 100 100 'comm server' > /dev/null
echo "LONG 101" > "$MNT/100/task/100/next_id"; ctl 100 100 'clone thread' > /dev/null
put "$MNT/100/task/101/ctl" 'comm worker'$'\n' > /dev/null

# The limits a new IPC namespace starts with are the ones the simulation enforces.
for f in msgmni msgmax msgmnb sem shmmni shmmax shmall osrelease; do
    expect_eq "sys/kernel/$f as a fresh IPC namespace's" "$(unshare -i cat /proc/sys/kernel/$f)" "$(cat "$MNT/sys/kernel/$f")"
    expect_eq "100/sys/kernel/$f" "$(cat "$MNT/sys/kernel/$f")" "$(cat "$MNT/100/sys/kernel/$f")"
done
expect_put "a limit cannot be changed" "$MNT/sys/kernel/msgmni" $'100\n' EINVAL
expect_eq "tty/drivers as the kernel's" "$(cat /proc/tty/drivers)" "$(cat "$MNT/tty/drivers")"
expect_eq "a thread's cmdline is its process's" "$(printf 'server\0' | od -c)" "$(od -c < "$MNT/100/task/101/cmdline")"

# Clocks: uptime is the host's CLOCK_BOOTTIME, btime the host's boot, starttime in 1/100 s.
read -r host_up _ < /proc/uptime
read -r sim_up sim_idle < "$MNT/uptime"
expect_eq "uptime follows the host's boot clock" 1 "$(echo "d = $sim_up - $host_up; d >= 0 && d < 2" | bc)"
expect_eq "idle time: every processor idle" 1 "$(echo "$sim_idle == $sim_up * $(nproc)" | bc)"
host_btime=$(awk '/^btime/ {print $2}' /proc/stat)
sim_btime=$(awk '/^btime/ {print $2}' "$MNT/stat")
expect_eq "btime is the host's boot (within a second)" 1 "$(( sim_btime - host_btime <= 1 && host_btime - sim_btime <= 1 ))"
ctl 1 1 fork > /dev/null
start=$(stat_field 2 22)
read -r host_up _ < /proc/uptime
expect_eq "a new task's starttime is now, in ticks" 1 "$(echo "d = $host_up * 100 - $start; d >= 0 && d < 200" | bc)"
expect_match "stat: cpu line with ten fields, then one per processor" "^cpu  0 0 0 [0-9]+ 0 0 0 0 0 0"$'\n'"cpu0 " "$(cat "$MNT/stat")"
expect_match "stat: tasks created" $'\nprocesses 3\n' "$(cat "$MNT/stat")"
expect_match "loadavg: no load, the tasks, the last pid" '^0\.00 0\.00 0\.00 0/4 2$' "$(cat "$MNT/loadavg")"
expect_eq "cpuinfo: a stanza per processor" "$(nproc)" "$(grep -c '^processor' "$MNT/cpuinfo")"

# free and uptime read only meminfo and uptime/loadavg: bind them over the real ones.
free_out=$(unshare -m sh -c "mount --bind '$MNT/meminfo' /proc/meminfo && free -k")
expect_match "free: all memory free" 'Mem: +8388608 +0 +8388608 +0 +0 +8388608' "$free_out"
uptime_out=$(unshare -m sh -c "mount --bind '$MNT/loadavg' /proc/loadavg && uptime")
expect_match "uptime: no load" 'load average: 0\.00, 0\.00, 0\.00$' "$uptime_out"

stop_daemon
finish
