#!/usr/bin/env bash
# Many ctl lines per write, as a restore sends them: bash's printf of half a megabyte (stdio
# and the kernel cut it into pieces that end inside lines), one 2 MB write(2), a failing line
# in a batch, and a last line without a newline.
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
expect_put "a bad last line after 20000 forks" "$C" "${batch}bogus" EINVAL
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

expect_put "a last line without newline counts as whole" "$C" "next_id LONG x" EINVAL
expect_put "and a small one" "$C" "next_id LONG 4000000" OK
expect_eq "pending ids set" 'LONG 4000000\n' "$(get "$MNT/1/task/1/next_id")"
expect_put "fork without newline" "$C" fork OK
expect_eq "forced pid" 4000000 "$(cat "$C")"

stop_daemon
finish
