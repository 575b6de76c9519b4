#!/usr/bin/env bash
# self, thread-self and the reader's own entry (docs/interface.md §2.5), read by shells (builtins,
# so the shell itself is the reader).
. "$(dirname "$0")/lib.sh"
start_daemon

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

ctl 1 1 fork > /dev/null
out=$(unshare --pid --fork bash -c 'echo 2 > "$1/attach" && readlink "$1/self" && readlink "$1/thread-self"' sh "$MNT")
expect_eq "a new pid namespace attached to 2" $'2\n2/task/2' "$out"
expect_put "attach only from another pid namespace" "$MNT/attach" $'2\n' EINVAL

stop_daemon
finish
