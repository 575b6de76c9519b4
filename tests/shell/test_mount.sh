#!/usr/bin/env bash
# nextidfs as FUSE file systems are mounted (docs/interface.md §9): `mount -t fuse.nextidfs`, an
# fstab line (mount --fstab, so /etc/fstab is not touched), what a systemd .mount unit runs, all
# through mount(8) and mount.fuse3; `umount` stops the daemon. mount.fuse3 finds nextidfs only in
# sh's default PATH: the test binds a directory holding it over /usr/local/sbin, in a private
# mount namespace.
. "$(dirname "$0")/lib.sh"
in_private_mount_namespace "$@"

bindir=$(mktemp -d /tmp/nextidfs-sbin.XXXXXX)
MNT=$(mktemp -d /tmp/nextidfs-test.XXXXXX)
trap 'cleanup_helper_mounts "$MNT"; umount /usr/local/sbin 2>/dev/null; rm -rf "$bindir"' EXIT
ln -s "$NEXTIDFS_BIN" "$bindir/nextidfs"
mount --bind "$bindir" /usr/local/sbin || { fail "cannot bind $bindir over /usr/local/sbin"; exit 1; }

# check_world WHAT SOURCE: the mount is up as SOURCE on $MNT with pid_max 1000 in force and the
# options nextidfs always adds; prints nothing, records checks.
check_world() {
    local what=$1 source=$2 line
    line=$(grep " $MNT " /proc/mounts)
    expect_match "$what: /proc/mounts" "^$source $MNT fuse\.nextidfs rw,.*default_permissions,allow_other " "$line"
    expect_eq "$what: pid_max" 1000 "$(cat "$MNT/sys/kernel/pid_max")"
    # In force, not only shown: after 999 the next automatic pid wraps to RESERVED_PIDS (300).
    expect_put "$what: ns_last_pid" "$MNT/sys/kernel/ns_last_pid" 999 OK
    expect_eq "$what: a fork after 999 gets" 300 "$(ctl 1 1 fork)"
}

# mount -t, as a user types it.
out=$(mount -t fuse.nextidfs nextidfs "$MNT" -o allow_other,pid_max=1000 2>&1); status=$?
expect_eq "mount -t: exit status" 0 "$status"
expect_eq "mount -t: output" "" "$out"
check_world "mount -t" nextidfs
daemon=$(helper_daemon "$MNT")
expect_match "mount -t: the daemon runs in the background" '^[0-9]+$' "$daemon"
expect_match "mount -t: called as mount.fuse3 calls it" \
    "^nextidfs nextidfs $MNT -o rw,allow_other,pid_max=1000,dev,suid\$" "$(ps -o args= -p "$daemon" 2> /dev/null)"
# A second mount on the same directory fails through mount(8) with the daemon's message.
out=$(mount -t fuse.nextidfs nextidfs "$MNT" 2>&1); status=$?
expect_eq "mount -t again: exit status" 1 "$status"
expect_match "mount -t again: says why" "^nextidfs: $MNT is already a mount point" "$out"
expect_eq "mount -t again: the first daemon still serves" 301 "$(ctl 1 1 fork)"
expect_umount_stops "mount -t" "$MNT" "$daemon"

# An fstab line, with the keys only mount(8) and mount.fuse3 act on.
fstab=$bindir/fstab
printf '# nextidfs test\nnextidfs  %s  fuse.nextidfs  allow_other,pid_max=1000,nofail,_netdev,noauto,x-systemd.requires=a.service  0  0\n' \
    "$MNT" > "$fstab"
out=$(mount --fstab "$fstab" "$MNT" 2>&1); status=$?
expect_eq "fstab: exit status" 0 "$status"
expect_eq "fstab: output" "" "$out"
check_world "fstab" nextidfs
daemon=$(helper_daemon "$MNT")
expect_umount_stops "fstab" "$MNT" "$daemon"

# A systemd mount unit: named after its mount point, checked by systemd-analyze, then mounted as
# systemd mounts it (mount WHAT WHERE -t TYPE -o OPTIONS; pid 1 is not systemd here).
unit=$bindir/$(systemd-escape -p --suffix=mount "$MNT")
printf '[Unit]\nDescription=nextidfs\n\n[Mount]\nWhat=world\nWhere=%s\nType=fuse.nextidfs\nOptions=allow_other,pid_max=1000\n\n[Install]\nWantedBy=multi-user.target\n' \
    "$MNT" > "$unit"
expect_eq "systemd unit: systemd-analyze verify" "" "$(systemd-analyze verify "$unit" 2>&1)"
setting() { sed -n "s/^$1=//p" "$unit"; }
out=$(mount "$(setting What)" "$(setting Where)" -t "$(setting Type)" -o "$(setting Options)" 2>&1); status=$?
expect_eq "systemd unit: exit status" 0 "$status"
check_world "systemd unit" world
daemon=$(helper_daemon "$MNT")
expect_umount_stops "systemd unit" "$MNT" "$daemon"

# Called directly with an fstab line's options: mount(8)'s keys are ignored, SOURCE is shown.
out=$("$NEXTIDFS_BIN" world2 "$MNT" -o nofail,_netdev,noauto,x-systemd.automount,allow_other,pid_max=1000 2>&1); status=$?
expect_eq "direct: exit status" 0 "$status"
check_world "direct" world2
daemon=$(helper_daemon "$MNT")
expect_match "direct: the daemon runs in the background" '^[0-9]+$' "$daemon"
# SIGTERM still unmounts a daemon started this way.
[ -n "$daemon" ] && kill -TERM "$daemon"
for _ in $(seq 100); do [ -z "$(helper_daemon "$MNT")" ] && break; sleep 0.05; done
expect_eq "direct: SIGTERM ends the daemon" "" "$(helper_daemon "$MNT")"
expect_eq "direct: and unmounts" "" "$(grep " $MNT " /proc/mounts)"

# umount ends the daemon as fusermount3 -u does: exit status 0, nothing on stderr (seen with -f).
"$NEXTIDFS_BIN" -f "$MNT" 2> "$bindir/stderr" &
pid=$!
for _ in $(seq 100); do grep -q " $MNT fuse.nextidfs " /proc/mounts && break; sleep 0.05; done
out=$(umount "$MNT" 2>&1) || kill -TERM "$pid"     # (no wait for ever when umount failed)
expect_eq "umount of a -f daemon" "" "$out"
status=0; wait "$pid" || status=$?
expect_eq "umount of a -f daemon: its exit status" 0 "$status"
expect_eq "umount of a -f daemon: its stderr" "" "$(cat "$bindir/stderr")"

# Failures reach mount(8)'s exit status and stderr, and leave nothing behind.
# mount_fails WHAT MESSAGE_REGEX OPTIONS
mount_fails() {
    local out status=0
    out=$(mount -t fuse.nextidfs nextidfs "$MNT" -o "$3" 2>&1) || status=$?
    expect_eq "$1: exit status" 1 "$status"
    expect_match "$1: message" "$2" "$out"
    expect_eq "$1: no daemon" "" "$(helper_daemon "$MNT")"
}
mount_fails "bad pid_max" "^nextidfs: -o pid_max '300': pid_max must be a decimal number within 301\.\.\.4194304\$" pid_max=300
expect_eq "bad pid_max: no mount" "" "$(grep " $MNT " /proc/mounts)"
mount_fails "unknown key" "^nextidfs: cannot start a FUSE session: unknown option\(s\): .-o bogus'\$" allow_other,bogus
expect_eq "unknown key: no mount" "" "$(grep " $MNT " /proc/mounts)"
# drop_privileges: mount.fuse3 mounts before it runs nextidfs, which refuses the /dev/fd/N it
# gets; the mount without a server is the user's to umount, as the message says.
mount_fails "drop_privileges" "^nextidfs: /dev/fd/[0-9]+ as mount point \(mount.fuse3's drop_privileges\) is not supported: .*umount the mount point" \
    drop_privileges
expect_eq "drop_privileges: umount" "" "$(umount "$MNT" 2>&1)"
expect_eq "drop_privileges: no mount left" "" "$(grep " $MNT " /proc/mounts)"
finish
