# Sourced by the fixed world scripts: MNT is the mount; c PID TID LINE runs a ctl line and
# stops the script when it fails; put FILE TEXT writes a file.
set -eu
MNT=$1
c() {
    printf '%s\n' "$3" > "$MNT/$1/task/$2/ctl"
    [ "$3" = exit ] && return 0
    read -r REPLY < "$MNT/$1/task/$2/ctl"
    case $REPLY in -*) echo "world: $1/$2 '$3': $REPLY" >&2; exit 1 ;; esac
}
put() { printf '%s\n' "$2" > "$MNT/$1"; }
