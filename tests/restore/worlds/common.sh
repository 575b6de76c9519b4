# Sourced by the fixed world scripts: MNT is the mount; c PID TID LINE runs a ctl line and
# stops the script when it fails; put FILE TEXT writes a file.
set -eu
MNT=$1
c() {
    printf '%s\n' "$3" > "$MNT/$1/task/$2/ctl"
    case $3 in exit | "exit "*) return 0 ;; esac
    read -r REPLY < "$MNT/$1/task/$2/ctl"
    case $REPLY in -*) echo "world: $1/$2 '$3': $REPLY" >&2; exit 1 ;; esac
}
put() { printf '%s\n' "$2" > "$MNT/$1"; }
