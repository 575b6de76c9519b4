#!/usr/bin/env bash
# dump and restore of a world of more than 2000 processes show a progress line on stderr when
# stderr is a terminal (script(1) gives them one), and nothing otherwise or for a small world.
set -u
cd "$(dirname "$0")"
. ./lib.sh
work=$(mktemp -d /tmp/nextidfs-restore-progress.XXXXXX)
trap 'stop_all_mounts; rm -rf "$work"' EXIT
DUMP=$NEXTIDFS_ROOT/scripts/dump.sh RESTORE=$NEXTIDFS_ROOT/scripts/restore.sh
failures=0 checks=0
expect() {  # expect WHAT REGEX TEXT: TEXT matches REGEX
    checks=$((checks + 1))
    [[ "$3" =~ $2 ]] || { failures=$((failures + 1)); echo "FAIL $1: [$3] does not match /$2/" >&2; }
}
on_tty() { script -qfec "$1" /dev/null | tr -d '\r'; }   # COMMAND's terminal output, CR removed

start_mount A || exit 1
start_mount S || exit 1
printf 'fork\n%.0s' $(seq 2500) > "$A/1/task/1/ctl"
printf 'fork\n' > "$S/1/task/1/ctl"

"$DUMP" "$A" > "$work/a.img" 2> "$work/err"
expect "dump, not a terminal: stderr" '^$' "$(cat "$work/err")"
expect "dump on a terminal" '(^|[^0-9])dump: 2501/2501 processes$' "$(on_tty "$DUMP $A > $work/tty.img")"
expect "dump on a terminal: the same image" '^same$' "$(cmp -s "$work/a.img" "$work/tty.img" && echo same)"
expect "dump of a small world on a terminal" '^$' "$(on_tty "$DUMP $S > $work/s.img")"

start_mount B || exit 1
expect "restore on a terminal" '(^|[^0-9])restore: 2501/2501 processes$' "$(on_tty "$RESTORE $work/a.img $B")"
"$DUMP" "$B" > "$work/b.img"
expect "restore on a terminal: the world" '^same$' "$(cmp -s "$work/a.img" "$work/b.img" && echo same)"
start_mount C || exit 1
"$RESTORE" "$work/a.img" "$C" 2> "$work/err"
expect "restore, not a terminal: stderr" '^$' "$(cat "$work/err")"
start_mount D || exit 1
expect "restore of a small world on a terminal" '^$' "$(on_tty "$RESTORE $work/s.img $D")"
# Below the threshold but slower than the watcher's start: the watcher has ended by the time
# restore.sh stops it, which must not show either.
start_mount M || exit 1
start_mount E || exit 1
printf 'fork\n%.0s' $(seq 1500) > "$M/1/task/1/ctl"
"$DUMP" "$M" > "$work/m.img"
expect "restore of 1501 processes on a terminal" '^$' "$(on_tty "$RESTORE $work/m.img $E")"

echo "restore progress: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
