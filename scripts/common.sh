# Shared by the scripts: installing what is missing and building what is stale.
# Source it; it defines functions only.

NEXTIDFS_ROOT=$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)   # (sourced as DIR/common.sh)

# ensure_packages PKG... : installs the Debian packages that are missing (as root), else says
# which command would.
ensure_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "nextidfs needs: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
        return 1
    fi
    echo "installing ${missing[*]} ..." >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# newer_sources BINARY : true when BINARY is missing or any source of the package is newer.
newer_sources() {
    local bin=$1
    [ -x "$bin" ] || return 0
    [ -n "$(find "$NEXTIDFS_ROOT/Package.swift" "$NEXTIDFS_ROOT/Sources" -newer "$bin" -print -quit)" ]
}

# build_release : the release daemon, rebuilt when stale. Prints its path.
build_release() {
    local bin="$NEXTIDFS_ROOT/.build/release/nextidfs"
    if newer_sources "$bin"; then
        echo "building nextidfs (release) ..." >&2
        (cd "$NEXTIDFS_ROOT" && swift build -c release --product nextidfs >&2) || return 1
    fi
    echo "$bin"
}

# errno_of_message MESSAGE : prints the errno name behind a shell's error message (the strerror
# text of a failed redirection or write), OK for no message. Used by restore.sh and the tests.
errno_of_message() {
    case "$1" in
        "") echo OK ;;
        *"Invalid argument"*) echo EINVAL ;;
        *"Operation not permitted"*) echo EPERM ;;
        *"Permission denied"*) echo EACCES ;;
        *"File exists"*) echo EEXIST ;;
        *"No such process"*) echo ESRCH ;;
        *"No child processes"*) echo ECHILD ;;
        *"No such file or directory"*) echo ENOENT ;;
        *"Device or resource busy"*) echo EBUSY ;;
        *"No space left on device"*) echo ENOSPC ;;
        *"Cannot allocate memory"*) echo ENOMEM ;;
        *"Resource temporarily unavailable"*) echo EAGAIN ;;
        *"Stale file handle"*) echo ESTALE ;;
        *) echo "error ($1)" ;;
    esac
}

# image_tool : nextidfs-image (dump.sh and restore.sh): NEXTIDFS_IMAGE, else the release build,
# rebuilt when stale. Prints its path.
image_tool() {
    if [ -n "${NEXTIDFS_IMAGE:-}" ]; then echo "$NEXTIDFS_IMAGE"; return 0; fi
    local bin="$NEXTIDFS_ROOT/.build/release/nextidfs-image"
    if newer_sources "$bin"; then
        echo "building nextidfs-image (release) ..." >&2
        (cd "$NEXTIDFS_ROOT" && swift build -c release --product nextidfs-image >&2) || return 1
    fi
    echo "$bin"
}
