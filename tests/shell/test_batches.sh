#!/usr/bin/env bash
# Many ctl lines per write, as a restore sends them, under the README's rule (a line runs only
# when it is known to be whole): bash's printf of half a megabyte (stdio and the kernel cut it
# into pieces that end inside lines), one 2 MB write(2), a writev of 300 segments, a failing line
# in a batch and the writer's retry, a writer killed between blocks, writers sharing an fd after
# fork, a last line without a newline, a line too long. The daemon sees no open and no close
# (docs/interface.md §4.2): a line cut by the kernel or stdio ends a request at a page multiple of
# the file offset and waits for the same thread's next request at that offset.
. "$(dirname "$0")/lib.sh"
start_daemon --pid-max 4194304
C=$MNT/1/task/1/ctl

batch=
for i in $(seq 1 20000); do batch+="next_id LONG $((100000 + i * 3))"$'\n'fork$'\n'; done
expect_put "20000 next_id+fork pairs in one printf (500 KB)" "$C" "$batch" OK
expect_eq "last result" 160000 "$(cat "$C")"
expect_eq "every forced pid" 20000 "$(ls "$MNT" | grep -c '^1[0-9]\{5\}$')"
expect_eq "children in order" "$(seq -s ' ' 100003 3 160000) " "$(cat "$MNT/1/task/1/children")"

batch=
for i in $(seq 1 20000); do batch+=fork$'\n'; done
expect_put "a bad last line after 20000 forks" "$C" "${batch}bogus"$'\n' EINVAL
expect_eq "the forks before it ran" 40001 "$(ls "$MNT" | grep -c '^[0-9]*$')"
expect_eq "read-back names the failure" '-22 EINVAL' "$(cat "$C")"

n=$(python3 -c "import os; fd = os.open('$C', os.O_WRONLY); print(os.write(fd, b'fork\n' * 400000))")
expect_eq "one 2 MB write(2) is taken whole" 2000000 "$n"
expect_eq "400000 more processes" 440001 "$(ls "$MNT" | grep -c '^[0-9]*$')"

# One write(2) of more than max_write (1 MiB) reaches the daemon as two requests; the first line of
# the second fails (pid 7 is taken). write(2) returns the first request's bytes and the writer
# sends the rest again: that retry must get the errno and run nothing (not a fork without the
# consumed pending id). Once with the cut at a line boundary, once inside the failing line.
expect_eq "pid 7 is taken" yes "$([ -d "$MNT/7" ] && echo yes)"
split_write() {     # split_write HELD: prints "first-write-count retry-result processes-after"
    python3 - "$C" "$1" "$MNT" <<'PY'
import mmap, os, sys
ctl, held, mnt = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
# 1 MiB exactly: clears, a comm line that pads, and next_id LONG 7 (+ the held start of "fork")
tail = b"next_id LONG 7\n" + held
pad = 1048576 - len(tail) - 6 - 11
first = b"next_id clear\n" * (pad // 14) + b"comm " + b"x" * (11 + pad % 14) + b"\n" + tail
assert len(first) == 1048576, len(first)
data = first + b"fork\n"[len(held):] + b"fork\n" * 9
buf = mmap.mmap(-1, len(data))      # page-aligned, so the kernel cuts at exactly 1 MiB
buf.write(data)
fd = os.open(ctl, os.O_WRONLY)
n = os.write(fd, buf)
try:
    retry = str(os.write(fd, data[n:]))
except OSError as e:
    retry = os.strerror(e.errno)
os.close(fd)
print(n, retry, sum(1 for name in os.listdir(mnt) if name.isdigit()))
PY
}
before=$(ls "$MNT" | grep -c '^[0-9]*$')
expect_eq "cut at a line boundary: first request taken, retry fails, nothing forked" \
    "1048576 File exists $before" "$(split_write '')"
expect_eq "cut inside the failing line: the same" "1048576 File exists $before" "$(split_write fo)"
expect_eq "read-back names the failure" '-17 EEXIST' "$(cat "$C")"

# A last line without a newline runs with its write (nothing waits for a close), which returns
# its errno.
expect_put "a last line without newline" "$C" "next_id LONG x" EINVAL
expect_eq "ran with its write" '-22 EINVAL' "$(cat "$C")"
expect_eq "write(2) returns its errno" "Invalid argument" \
    "$(python3 -c "import os; fd = os.open('$C', os.O_WRONLY)
try: os.write(fd, b'next_id LONG x')
except OSError as e: print(os.strerror(e.errno))
os.close(fd)")"
expect_put "and a good one" "$C" "next_id LONG 4000000" OK
expect_eq "pending ids set" 'LONG 4000000\n' "$(get "$MNT/1/task/1/next_id")"
expect_put "echo -n fork > ctl" "$C" fork OK
expect_eq "forced pid" 4000000 "$(cat "$C")"
exec 3> "$C"
echo -n comm first >&3
echo comm second >&3
exec 3>&-
expect_eq "echo -n on a kept fd: a line of its own" second "$(cat "$MNT/1/task/1/comm")"

# The issue's writev of 300 segments, cut by the kernel after 256 ("setgid 2" | "001").
P=$(ctl 1 1 fork)
expect_eq "writev of 300 segments is taken whole" 1200 \
    "$(python3 -c "import os; fd = os.open('$MNT/$P/task/$P/ctl', 1); print(os.writev(fd, [b'setgid 2', b'00', b'1\\n'] * 100))")"
expect_eq "no line ran cut: Gid" "2001 2001 2001 2001" "$(status_field "$P" Gid)"

# A writer that dies between two blocks: its cut line never runs. Queue 3 and queue 32770 exist;
# the first write(2) of bash's printf (4096 bytes) ends in "msgrm 3", the rest of "msgrm 32770".
echo "LONG 3" > "$MNT/1/task/1/next_id"; ctl 1 1 'msgget 0x3 IPC_CREAT|0600' > /dev/null
echo "LONG 32770" > "$MNT/1/task/1/next_id"; ctl 1 1 'msgget 0x32770 IPC_CREAT|0600' > /dev/null
queues=$(cut -c1-30 "$MNT/sysvipc/msg")
pad=
while [ $(( ${#pad} + 14 )) -le $((4096 - 7 - 16)) ]; do pad+=$'next_id clear\n'; done
pad+="comm $(printf '%*s' $((4096 - 7 - ${#pad} - 6)) '' | tr ' ' x)"$'\n'
batch="${pad}msgrm 32770"$'\n'
expect_eq "the cut falls after 'msgrm 3'" "4101 msgrm 3" "${#batch} ${batch:4089:7}"
( strace -f -o /dev/null -e trace=write -e inject=write:signal=SIGKILL:when=2 \
    bash -c 'printf "%s" "$1" > "$2"' _ "$batch" "$C"; true ) 2> /dev/null
expect_eq "bash printf killed between blocks removed nothing" "$queues" "$(cut -c1-30 "$MNT/sysvipc/msg")"
expect_eq "the block before it ran" "0" "$(cat "$C")"
( python3 -c "import os, signal, sys; fd = os.open(sys.argv[1], os.O_WRONLY); os.write(fd, sys.argv[2].encode()[:4096]); os.kill(os.getpid(), signal.SIGKILL)" "$C" "$batch"; true ) 2> /dev/null
expect_eq "a killed python removed nothing" "$queues" "$(cut -c1-30 "$MNT/sysvipc/msg")"
before=$(ls "$MNT" | grep -c '^[0-9]*$')
python3 -c "import os; fd = os.open('$C', os.O_WRONLY); os.write(fd, b'fork\\nfork'); os._exit(0)"
expect_eq "a writer that exits without closing: its last line ran with the write" $((before + 2)) "$(ls "$MNT" | grep -c '^[0-9]*$')"

# After fork(2) each process (each thread) writes its own lines on the shared fd: the child's
# request at the offset where the parent's line was cut does not continue it.
before=$(ls "$MNT" | grep -c '^[0-9]*$')
expect_eq "writers sharing an fd" "child: Invalid argument" "$(python3 -c "
import os
fd = os.open('$C', os.O_WRONLY)
os.write(fd, b'next_id clear\\n' * 292 + b'comm x' + b'fo')
if os.fork() == 0:
    try: os.pwrite(fd, b'rk\\n', 4096)
    except OSError as e: print('child:', os.strerror(e.errno))
    os._exit(0)
os.wait()
os.pwrite(fd, b'rk\\n', 4096)
os.close(fd)")"
expect_eq "the parent's line ran once" $((before + 0)) "$(ls "$MNT" | grep -c '^[0-9]*$')"
expect_eq "as comm xfork" xfork "$(cat "$MNT/1/task/1/comm")"

# The writer's retry of a failed line answers its errno only when nothing ran in between.
exec 3> "$C"
expect_eq "a short write; bash's retry fails" ENOENT "$(errno_of_message "$( { printf 'next_id clear\nmsgget 0x77 0600\n' >&3; } 2>&1 )")"
exec 3>&-
result=$(python3 -c "
import os
fd = os.open('$C', os.O_WRONLY)
print(os.write(fd, b'next_id clear\\nmsgget 0x77 0600\\n'), end=' ')
other = os.open('$MNT/$P/task/$P/ctl', os.O_WRONLY)
os.write(other, b'msgget 0x77 IPC_CREAT|0600\\n')
print('made', end=' ')
os.write(fd, b'msgget 0x77 0600\\n')
print(open('$C').read().strip())")
expect_eq "a short write, the key made elsewhere, the same line again: it runs" "14 made $(cat "$MNT/$P/task/$P/ctl")" "$result"

long=$(printf '%*s' 5000 '' | tr ' ' x)
expect_put "a line longer than 4096 bytes" "$C" "comm $long"$'\n' EINVAL
expect_put "also cut" "$C" "fork"$'\n'"${long}" EINVAL
expect_eq "the line before it ran" $((before + 1)) "$(ls "$MNT" | grep -c '^[0-9]*$')"

stop_daemon
finish
