#!/usr/bin/env bash
# Directory offsets come from users (seekdir, lseek on a directory fd): any value lists nothing
# past the end and never stops the daemon, on /, task/ and <pid>/task/, as root and as an
# unprivileged user.
. "$(dirname "$0")/lib.sh"
need_test_user
start_daemon -o allow_other
ctl 1 1 fork > /dev/null
ctl 1 1 'clone thread' > /dev/null

# seekdir OFFSET DIR [USER]: what readdir gives after seekdir; "ok" if the perl ran to the end.
seekdir() {
    local prog='opendir(D, $ARGV[1]) or die; seekdir(D, $ARGV[0]); my @n = readdir(D); print scalar(@n), " ok\n"'
    if [ -n "${3:-}" ]; then runuser -u "$3" -- perl -e "$prog" -- "$1" "$2" 2>&1; else perl -e "$prog" -- "$1" "$2" 2>&1; fi
}
for dir in "$MNT" "$MNT/task" "$MNT/1/task"; do
    for off in 2147483712 2147483647 4294967360 4194368 4194367 9223372036854775807; do
        expect_eq "seekdir $off on ${dir#$MNT} (user)" "0 ok" "$(seekdir "$off" "$dir" "$TEST_USER")"
        expect_eq "seekdir $off on ${dir#$MNT} (root)" "0 ok" "$(seekdir "$off" "$dir")"
    done
    # A negative position is refused by lseek (EINVAL): the listing starts at the beginning.
    all=$(ls -fa "$dir" | wc -l)
    for off in -1 -9223372036854775808; do
        expect_eq "seekdir $off on ${dir#$MNT} (user)" "$all ok" "$(seekdir "$off" "$dir" "$TEST_USER")"
    done
done
expect_eq "the issue's reproduction" "" "$(runuser -u "$TEST_USER" -- perl -e 'opendir(D,"'"$MNT"'");seekdir(D,2**31+64);readdir(D)' 2>&1)"
expect_eq "the daemon still serves" ". .. sys tty stat task uptime cpuinfo loadavg meminfo sysvipc attach pid_namespaces self thread-self 1 2" "$(ls -f "$MNT" | xargs)"
expect_eq "an offset it handed out still resumes" "2" "$(perl -e 'opendir(D, $ARGV[0]); while (defined(my $n = readdir(D))) { last if $n eq "1" } my $p = telldir(D); readdir(D); seekdir(D, $p); print readdir(D) // "none"' "$MNT")"

stop_daemon
finish
