# Helpers for the shell-level tests: a daemon per test on a private mount point, and checks
# that talk to the mount with the shell's own builtins (echo, printf, read, redirections).
set -u

NEXTIDFS_BIN=${NEXTIDFS_BIN:?set NEXTIDFS_BIN to the nextidfs binary}
FAILURES=0
CHECKS=0
TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}

fail() { FAILURES=$((FAILURES + 1)); echo "FAIL [$TEST_NAME] $*" >&2; }
pass() { CHECKS=$((CHECKS + 1)); }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
    if [ "$2" == "$3" ]; then pass; else fail "$1: expected [$2], got [$3]"; fi
}

# expect_match WHAT REGEX ACTUAL
expect_match() {
    if [[ "$3" =~ $2 ]]; then pass; else fail "$1: [$3] does not match /$2/"; fi
}

. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"     # errno_of_message

# put FILE TEXT: writes TEXT (printf %s, so no newline unless given) with a shell redirection;
# prints OK or the errno name.
put() {
    local err
    err=$( { printf '%s' "$2" > "$1"; } 2>&1 )
    errno_of_message "$err"
}

# expect_put WHAT FILE TEXT ERRNO
expect_put() {
    local got
    got=$(put "$2" "$3")
    local shown=${3:0:60}
    [ ${#3} -le 60 ] || shown+="... (${#3} bytes)"
    expect_eq "$1 (write '${shown//$'\n'/\\n}' to ${2#$MNT/})" "$4" "$got"
}

# get FILE: the file's content (with a trailing newline kept visible as \n).
get() {
    local content
    content=$(cat "$1"; printf x)
    content=${content%x}
    printf '%s' "${content//$'\n'/\\n}"
}

# ctl PID TID LINE: runs a ctl line; prints the read-back (value or -errno NAME).
ctl() {
    put "$MNT/$1/task/$2/ctl" "$3"$'\n' > /dev/null
    cat "$MNT/$1/task/$2/ctl"
}

# stat_field PID N: field N (1-based) of PID's stat, counted after the name in parentheses.
stat_field() {
    local line
    line=$(cat "$MNT/$1/stat")
    line=${line##*) }
    local -a f
    read -r -a f <<< "$line"
    echo "${f[$(($2 - 3))]}"
}

# status_field PID FIELD
status_field() {
    local line
    while IFS= read -r line; do
        case "$line" in "$2:"*) line=${line#"$2:"}; line=${line//$'\t'/ }; echo "${line# }"; return ;; esac
    done < "$MNT/$1/status"
}

# need_test_user: the unprivileged user the tests act as, in TEST_USER (a system user, created
# when missing and left for the next test).
TEST_USER=nextidfs-test
need_test_user() {
    id "$TEST_USER" > /dev/null 2>&1 && return 0
    useradd --system --no-create-home --shell /bin/bash "$TEST_USER" || { fail "cannot create $TEST_USER"; exit 1; }
}

# start_daemon [OPTIONS...]: mounts a fresh nextidfs on $MNT (foreground daemon in the
# background, pid in DAEMON_PID).
start_daemon() {
    MNT=$(mktemp -d /tmp/nextidfs-test.XXXXXX)
    "$NEXTIDFS_BIN" -f "$@" "$MNT" > "$MNT.log" 2>&1 &
    DAEMON_PID=$!
    # Whatever happens to the test, no daemon and no mount stay behind.
    trap cleanup_daemon EXIT
    local i
    for i in $(seq 100); do
        grep -q " $MNT fuse.nextidfs " /proc/mounts && return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || break
        sleep 0.05
    done
    fail "daemon did not mount on $MNT: $(cat "$MNT.log")"
    exit 1
}

cleanup_daemon() {
    local leaked=
    if [ -n "${DAEMON_PID:-}" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        echo "FAIL [$TEST_NAME] test ended with the daemon still running" >&2
        kill -TERM "$DAEMON_PID"
        wait "$DAEMON_PID" 2>/dev/null
        leaked=1
    fi
    if [ -n "${MNT:-}" ] && grep -q " $MNT " /proc/mounts; then
        fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
    fi
    [ -z "$leaked" ] || exit 1      # (the EXIT trap: the test's status)
}

# stop_daemon: SIGTERM, wait, check exit status 0 and that the mount is gone.
stop_daemon() {
    kill -TERM "$DAEMON_PID"
    local status=0
    wait "$DAEMON_PID" || status=$?
    expect_eq "daemon exit status after SIGTERM" 0 "$status"
    if grep -q " $MNT " /proc/mounts; then
        fail "mount $MNT still present after SIGTERM"
        fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
    fi
    rmdir "$MNT" 2>/dev/null
    rm -f "$MNT.log"
    DAEMON_PID=
}

# finish: summary line and exit status for the runner. A test that checked nothing fails.
finish() {
    [ "$CHECKS" -gt 0 ] || [ "$FAILURES" -gt 0 ] || fail "no check ran"
    echo "[$TEST_NAME] $CHECKS checks passed, $FAILURES failed"
    [ "$FAILURES" -eq 0 ]
}

# --- Mounts made by mount(8) (test_mount.sh, test_install.sh) ---

# in_private_mount_namespace "$@": runs this test again in a private mount namespace, where it
# may bind a directory over one of sh's default PATH directories (mount.fuse3 runs the daemon
# through /bin/sh without PATH) and where nothing it mounts is seen by the host. Call it first.
in_private_mount_namespace() {
    [ -n "${NEXTIDFS_TEST_PRIVATE_MOUNTS:-}" ] && return 0
    NEXTIDFS_TEST_PRIVATE_MOUNTS=1 exec unshare --mount --propagation private bash "$0" "$@"
}

# helper_daemon DIR: the pid of the daemon serving DIR, as mount.fuse3 runs it (`nextidfs SOURCE
# DIR -o OPTIONS`, found by its command line: it went to the background).
helper_daemon() {
    pgrep -f "^([^ ]*/)?nextidfs [^ ]+ $1( |\$)"
}

# expect_umount_stops WHAT DIR PID: umount(8) succeeds, then the daemon exits, and neither the
# mount nor auto_unmount's fusermount3 is left.
expect_umount_stops() {
    local what=$1 dir=$2 pid=$3 state
    expect_match "$what: the daemon was found" '^[0-9]+$' "$pid"
    expect_eq "$what: umount" "" "$(umount "$dir" 2>&1)"
    for _ in $(seq 100); do
        state=$(ps -o stat= -p "${pid:-0}" 2> /dev/null)
        [ -z "$state" ] || [ "${state:0:1}" = Z ] && break
        sleep 0.05
    done
    expect_match "$what: the daemon exits after umount (state: $state)" '^(Z.*)?$' "$state"
    expect_eq "$what: no mount left" "" "$(grep " $dir " /proc/mounts)"
    # auto_unmount's fusermount3 ends once it sees the device closed: give it the time a
    # loaded machine takes to schedule it.
    for _ in $(seq 100); do
        pgrep -f "^fusermount3 .* -- $dir\$" > /dev/null || break
        sleep 0.05
    done
    expect_eq "$what: no fusermount3 left" "" "$(pgrep -f "^fusermount3 .* -- $dir\$")"
}

# cleanup_helper_mounts DIR...: for the EXIT trap: what a failed test left on DIR (daemons by
# their command line, then the mount).
cleanup_helper_mounts() {
    local dir pid
    for dir in "$@"; do
        for pid in $(helper_daemon "$dir"); do kill -TERM "$pid"; done
        if grep -q " $dir " /proc/mounts; then umount "$dir" 2>/dev/null || umount -l "$dir"; fi
        rmdir "$dir" 2>/dev/null
    done
    return 0
}
