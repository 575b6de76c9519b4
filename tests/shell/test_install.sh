#!/usr/bin/env bash
# scripts/install.sh PREFIX: the release daemon (needing no Swift toolchain), its man page
# nextidfs(8) and its bash completion; then, with PREFIX/bin bound over /usr/local/bin in a private
# mount namespace (what an install into /usr/local gives), `mount -t fuse.nextidfs` finds it.
. "$(dirname "$0")/lib.sh"
in_private_mount_namespace "$@"

prefix=$(mktemp -d /tmp/nextidfs-install.XXXXXX)
MNT=$(mktemp -d /tmp/nextidfs-test.XXXXXX)
trap 'cleanup_helper_mounts "$MNT"; umount /usr/local/bin 2>/dev/null; rm -rf "$prefix"' EXIT

out=$("$(dirname "$0")/../../scripts/install.sh" "$prefix" 2>&1); status=$?
expect_eq "install.sh: exit status" 0 "$status"
[ "$status" -eq 0 ] || { echo "$out" | tail -20 >&2; finish; exit 1; }
expect_match "install.sh: says what it installed" "installed $prefix/bin/nextidfs, $prefix/share/man/man8/nextidfs.8" "$out"

help=$("$prefix/bin/nextidfs" --help); status=$?
expect_eq "--help: exit status" 0 "$status"
expect_match "--help: usage" "USAGE: nextidfs \[-f\] \[-d\] \[-s\] \[-o <options>\] \[--pid-max <n>\] \[--transport <transport>\] \[<source>\] <mountpoint>" "$help"
expect_match "--help: the fstab line" "nextidfs  /mnt/x  fuse\.nextidfs  allow_other,pid_max=1000,nofail  0  0" "$help"
expect_eq "the installed daemon needs no Swift runtime library" "" "$(ldd "$prefix/bin/nextidfs" | grep -o 'libswift[A-Za-z_]*\.so' | head -1)"

# The man page: renders without a warning, has the usual sections and the text of --help, and
# none of generate-manual's artefacts (an implicit `help` subcommand).
page=$prefix/share/man/man8/nextidfs.8
text=$(MANWIDTH=100 man -l "$page" 2> "$prefix/man.err"); status=$?
expect_eq "man -l: exit status" 0 "$status"
expect_eq "man -l: no warnings" "" "$(cat "$prefix/man.err")"
for section in NAME SYNOPSIS DESCRIPTION "EXIT STATUS"; do
    expect_match "man page: section $section" $'(^|\n)'"$section"$'\n' "$text"
done
expect_match "man page: the name line" "nextidfs . Serve a simulated machine's /proc-style tree" "$text"
expect_match "man page: synopsis" "nextidfs \[-f\] \[-d\] \[-s\] \[-o options\.\.\.\] \[--pid-max n\] \[--transport transport\] \[source\][[:space:]]+mountpoint" "$text"
for word in "mount -t fuse.nextidfs nextidfs /mnt/x -o allow_other,pid_max=1000" "Type=fuse.nextidfs" \
            "drop_privileges" "umount MOUNTPOINT" "--pid-max n" "user_allow_other" "mount.fuse3(8)"; do
    expect_match "man page mentions $word" "$(printf '%s' "$word" | sed 's/[].[*^$()+?{|\\]/\\&/g')" "$text"
done
expect_eq "man page: no subcommand" "" "$(grep -io 'subcommand' <<< "$text" | head -1)"
expect_eq "man finds the page under PREFIX/share/man" "$page" "$(MANPATH=$prefix/share/man man -w nextidfs 2>&1)"

# The bash completion: sourced into a shell, its function completes options, -o keys and
# directories (not files) for the positionals.
completion=$prefix/share/bash-completion/completions/nextidfs
mkdir -p "$prefix/c/dir-a"; touch "$prefix/c/file-a"
complete_line() {
    bash -c '
        . "$1"
        COMP_LINE=$2 COMP_POINT=${#2}
        read -ra COMP_WORDS <<< "$COMP_LINE"
        [ "${COMP_LINE: -1}" = " " ] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _nextidfs nextidfs "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        echo "${COMPREPLY[*]}"' _ "$completion" "$1"
}
expect_eq "completion: registered" "complete -o filenames -F _nextidfs nextidfs" "$(bash -c '. "$1"; complete -p nextidfs' _ "$completion")"
expect_eq "completion of --p" "--pid-max" "$(complete_line "nextidfs --p")"
expect_eq "completion of -o a" "allow_other" "$(complete_line "nextidfs -o a")"
expect_eq "completion of -o p" "pid_max=" "$(complete_line "nextidfs -f -o p")"
expect_eq "completion of a mount point" "$prefix/c/dir-a" "$(complete_line "nextidfs -f $prefix/c/")"
expect_eq "completion after SOURCE" "$prefix/c/dir-a" "$(complete_line "nextidfs -o ro nextidfs $prefix/c/")"

# Installed into /usr/local, mount(8) finds it.
mount --bind "$prefix/bin" /usr/local/bin || { fail "cannot bind $prefix/bin over /usr/local/bin"; exit 1; }
out=$(mount -t fuse.nextidfs nextidfs "$MNT" -o pid_max=4096 2>&1); status=$?
expect_eq "mount -t with the installed daemon: exit status" 0 "$status"
expect_eq "mount -t with the installed daemon: output" "" "$out"
expect_eq "mount -t with the installed daemon: pid_max" 4096 "$(cat "$MNT/sys/kernel/pid_max")"
expect_umount_stops "installed daemon" "$MNT" "$(helper_daemon "$MNT")"
finish
