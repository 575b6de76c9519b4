#!/usr/bin/env bash
# self, thread-self and the reader's own entry (docs/interface.md §2.5), read by shells (builtins,
# so the shell itself is the reader), and scripts/enter.sh --as: two sessions attached to two
# simulated processes at the same time each see their own as /proc/self and act through it.
. "$(dirname "$0")/lib.sh"
ENTER=$(dirname "$0")/../../scripts/enter.sh
start_daemon
echo "LONG 4242" > "$MNT/1/task/1/next_id"; ctl 1 1 fork > /dev/null
echo "LONG 4343" > "$MNT/1/task/1/next_id"; ctl 1 1 fork > /dev/null

# A host shell: self is its own entry, with its own stat, not listed, invisible to others.
out=$(bash -c 'read -r pid comm _ < "$1/self/stat"; echo "$pid $comm $$"' sh "$MNT")
expect_match "self/stat is the reader's own" '^([0-9]+) \(bash\) \1$' "$out"
out=$(bash -c 'read -r pid _ < "$1/thread-self/stat"; echo "$pid $$"' sh "$MNT")
expect_match "thread-self/stat is the reader's thread" '^([0-9]+) \1$' "$out"
out=$(bash -c 'for n in "$1"/*; do [ "${n##*/}" = $$ ] && echo listed; done; echo done' sh "$MNT")
expect_eq "the reader's entry is not listed" "done" "$out"
out=$(bash -c 'cat "$1/$$/stat" > /dev/null 2>&1 && echo seen || echo hidden' sh "$MNT")
expect_eq "another process does not see the reader's entry" "hidden" "$out"
out=$(bash -c 'read -r line < "$1/$$/status"; echo "$line"' sh "$MNT")
expect_eq "status of the reader's own entry" "Name:	bash" "$out"

out=$(unshare --pid --fork bash -c 'echo 4242 > "$1/attach" && readlink "$1/self" && readlink "$1/thread-self"' sh "$MNT")
expect_eq "a new pid namespace attached to 4242" $'4242\n4242/task/4242' "$out"

# In a session: pids of the session's own pid namespace.
out=$("$ENTER" "$MNT" bash -c 'read -r pid _ < /proc/self/stat; echo "$pid $$ $(readlink /proc/self)"')
expect_match "in a session, self is the reader's pid in its namespace" '^([0-9]+) \1 [0-9]+$' "$out"
pid=${out%% *}
expect_eq "the session's pids are above the simulated pid_max" 1 "$((pid > 32768))"

# Two attached sessions at once, each forking through its own self.
session() {
    "$ENTER" "$MNT" --as "$1" bash -c '
        for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(readlink /proc/self)" = "$1" ] || echo "self is $(readlink /proc/self)"; sleep 0.05; done
        echo "LONG $2" > /proc/self/task/$1/next_id; echo fork > /proc/thread-self/ctl
        read -r result < /proc/thread-self/ctl; echo "forked $result; thread-self $(readlink /proc/thread-self)"' sh "$1" "$2"
}
session 4242 5000 > "$MNT.a" 2>&1 &
a=$!
session 4343 6000 > "$MNT.b" 2>&1 &
b=$!
wait $a; wait $b
expect_eq "session attached to 4242" "forked 5000; thread-self 4242/task/4242" "$(cat "$MNT.a")"
expect_eq "session attached to 4343" "forked 6000; thread-self 4343/task/4343" "$(cat "$MNT.b")"
rm -f "$MNT.a" "$MNT.b"
expect_eq "5000 is 4242's child" 4242 "$(status_field 5000 PPid)"
expect_eq "6000 is 4343's child" 4343 "$(status_field 6000 PPid)"
out=$("$ENTER" "$MNT" --as 4242 bash -c 'cat /proc/attach; readlink /proc/self')
expect_eq "attach shows the session's process" $'4242\n4242' "$out"
out=$("$ENTER" "$MNT" readlink /proc/self)
expect_match "a new session without --as is not attached" '^[0-9]+$' "$out"
[ "$out" != 4242 ] && pass || fail "a new session is still attached"
expect_eq "--as a pid no process has" 1 "$("$ENTER" "$MNT" --as 77 true 2> /dev/null; echo $?)"
expect_put "only from another pid namespace" "$MNT/attach" $'4242\n' EINVAL


stop_daemon
finish
