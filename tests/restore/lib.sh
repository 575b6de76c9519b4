# Mount helpers for the restore tests (source it). Every daemon started here is remembered and
# stopped by stop_all_mounts, which the caller must run from an EXIT trap.
NEXTIDFS_BIN=${NEXTIDFS_BIN:-/tmp/nextidfs-dev}
RESTORE_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NEXTIDFS_ROOT=$(cd "$RESTORE_TESTS/../.." && pwd)
# dump.sh and restore.sh use the nextidfs-image built next to the daemon under test.
if [ -z "${NEXTIDFS_IMAGE:-}" ] && [ -x "$(dirname "$NEXTIDFS_BIN")/nextidfs-image" ]; then
    export NEXTIDFS_IMAGE=$(dirname "$NEXTIDFS_BIN")/nextidfs-image
fi
declare -A MOUNT_DAEMON=()

# start_mount VAR [daemon options...]: mounts a fresh nextidfs on a new directory, stores the
# mount point in VAR (under /tmp, named after NEXTIDFS_TEST_TAG when set).
start_mount() {
    local var=$1; shift
    local mnt pid i
    mnt=$(mktemp -d "/tmp/nextidfs-restore${NEXTIDFS_TEST_TAG:+-$NEXTIDFS_TEST_TAG}.XXXXXX")
    "$NEXTIDFS_BIN" -f "$@" "$mnt" > "$mnt.log" 2>&1 &
    pid=$!
    MOUNT_DAEMON[$mnt]=$pid
    for i in $(seq 200); do
        grep -q " $mnt fuse.nextidfs " /proc/mounts && { printf -v "$var" '%s' "$mnt"; return 0; }
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.02
    done
    echo "daemon did not mount on $mnt: $(cat "$mnt.log")" >&2
    stop_mount "$mnt"
    return 1
}

# stop_mount MNT: SIGTERM to its daemon, wait, make sure the mount is gone.
stop_mount() {
    local mnt=$1 pid=${MOUNT_DAEMON[$1]:-} status=0
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null || status=$?
        unset "MOUNT_DAEMON[$mnt]"
    fi
    if grep -q " $mnt " /proc/mounts; then
        echo "mount $mnt still present after SIGTERM" >&2
        fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt"
        status=1
    fi
    rmdir "$mnt" 2>/dev/null
    rm -f "$mnt.log"
    return "$status"
}

stop_all_mounts() {
    local m
    for m in "${!MOUNT_DAEMON[@]}"; do stop_mount "$m"; done
}

# fork_all MNT IMAGE: one automatic fork in every pid namespace of IMAGE, in image order: by the
# first process of a namespace with tasks whose pid_for_children is the namespace itself (skipped
# when there is none), and by the process that points to a namespace without tasks (its first
# init, or ENOMEM when that namespace's init died); prints "NAMESPACE PROCESS RESULT" lines (the
# pid, or -errno NAME). Returns 1 when a result cannot be read (the ctl shows nothing).
fork_all() {
    local mnt=$1 kind a b c d rest res
    local -A by=()
    local -a order=()
    while read -r kind a b c d rest; do
        case $kind in
            pidns) order+=("$a") ;;
            proc) [ "$c" = "$d" ] || [ "${d:0:1}" != p ] && [ -z "${by[$d]:-}" ] && by[$d]=$a ;;
        esac
    done < "$2"
    for a in "${order[@]}"; do
        b=${by[$a]:-}
        [ -n "$b" ] || continue
        { printf 'fork\n' > "$mnt/$b/task/$b/ctl"; } 2>/dev/null
        read -r res < "$mnt/$b/task/$b/ctl" && [ -n "$res" ] || return 1
        printf '%s %s %s\n' "$a" "$b" "$res"
    done
}

# dump_image MNT FILE: the image of MNT in FILE, dump.sh's stderr in FILE.err. A failing dump is
# a failure (why says so), never an image.
dump_image() {
    "$NEXTIDFS_ROOT/scripts/dump.sh" "$1" > "$2" 2> "$2.err" || { why="dump of $1: $(head -1 "$2.err")"; return 1; }
}

# round_trip P: the world in mount A dumped (Pa.img), restored into the fresh mount B and dumped
# again (Pb.img): the images must be identical. Then one fork in every pid namespace of both
# (Pfork-a, Pfork-b) and one automatic object of every IPC type in every IPC namespace (Pipc-a,
# Pipc-b) must give the same results, and the dumps after them (Pa2.img, Pb2.img) must agree. Returns 1 with why set at the first failure.
round_trip() {
    local p=$1
    dump_image "$A" "${p}a.img" || return 1
    "$NEXTIDFS_ROOT/scripts/restore.sh" "${p}a.img" "$B" > "${p}restore.log" 2>&1 \
        || { why="restore: $(tail -1 "${p}restore.log")"; return 1; }
    dump_image "$B" "${p}b.img" || return 1
    compare_files "${p}a.img" "${p}b.img" "images differ" || return 1
    root_ipc_members "$A" > "${p}root-ipc-a" && root_ipc_members "$B" > "${p}root-ipc-b" \
        && compare_files "${p}root-ipc-a" "${p}root-ipc-b" "other processes are in the root IPC namespace" || return 1
    fork_all "$A" "${p}a.img" > "${p}fork-a" && fork_all "$B" "${p}a.img" > "${p}fork-b" \
        || { why="a fork after the restore gave no result"; return 1; }
    [ -s "${p}fork-a" ] || { why="no pid namespace to fork in"; return 1; }
    compare_files "${p}fork-a" "${p}fork-b" "forks after the restore differ" || return 1
    ipc_all "$A" "${p}a.img" > "${p}ipc-a" && ipc_all "$B" "${p}a.img" > "${p}ipc-b" || return 1
    compare_files "${p}ipc-a" "${p}ipc-b" "automatic IPC ids after the restore differ" || return 1
    dump_image "$A" "${p}a2.img" && dump_image "$B" "${p}b2.img" || return 1
    compare_files "${p}a2.img" "${p}b2.img" "images after the forks differ"
}

# root_ipc_members MNT: the processes in the root IPC namespace (its inode is the same in every
# mount: docs/interface.md §6.4), one per line.
root_ipc_members() {
    local d
    for d in "$1"/[0-9]*; do
        [ "$(readlink "$d/ns/ipc")" = "ipc:[4026531839]" ] && echo "${d##*/}"
    done
    return 0
}

compare_files() {   # compare_files A B WHY: the difference on stderr and why set when they differ
    cmp -s "$1" "$2" && return 0
    diff "$1" "$2" | head -20 >&2
    why=$3
    return 1
}

# ipc_all MNT IMAGE: one automatic IPC object of every type in every IPC namespace of IMAGE
# that has a member (its first process makes it); prints "NAMESPACE KIND RESULT" lines.
ipc_all() {
    local mnt=$1 kind name rest g k res
    while read -r kind name rest; do
        [ "$kind" = ipcns ] && [ "${name:0:1}" = i ] || continue
        g=${name#i}
        for k in "msgget IPC_PRIVATE" "semget IPC_PRIVATE 1" "shmget IPC_PRIVATE 1"; do
            { printf '%s IPC_CREAT|0600\n' "$k" > "$mnt/$g/task/$g/ctl"; } 2>/dev/null
            read -r res < "$mnt/$g/task/$g/ctl"
            printf '%s %s %s\n' "$name" "${k%% *}" "$res"
        done
    done < "$2"
}
