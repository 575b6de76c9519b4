#!/usr/bin/env bash
# Installs nextidfs: scripts/install.sh [PREFIX], default /usr/local. For every user-facing
# executable (the daemon) it installs a release build, linked with the Swift runtime so that it
# needs no toolchain (mount(8) also drops LD_LIBRARY_PATH), as PREFIX/bin/NAME, the man page
# generated from its command-line definition as PREFIX/share/man/manS/NAME.S, and its bash
# completion as PREFIX/share/bash-completion/completions/NAME.
# mount -t fuse.nextidfs finds the daemon only in /usr/local/sbin, /usr/local/bin, /usr/sbin,
# /usr/bin, /sbin or /bin (mount.fuse3 runs it through /bin/sh without PATH).
set -euo pipefail
. "$(dirname "$0")/common.sh"
prefix=$(realpath -m "${1:-/usr/local}")      # (before the cd: a relative PREFIX is the caller's)
cd "$NEXTIDFS_ROOT"

# NAME:SECTION of each user-facing product; another one is another word here. nextidfs-conform
# is not one: it is the test suite's tool (README, "Install").
products=(nextidfs:8)

# generate-manual's page, tidied: it lists ArgumentParser's implicit `help` subcommand (and a
# `subcommand` argument) even for a command without subcommands, a blank line of a discussion is
# an mdoc warning where a paragraph break is meant, and nextidfs's mount point is required
# although ArgumentParser must see it as optional (an optional SOURCE comes first).
tidy_manual() {
    sed -e '/^\.Ar subcommand$/d' -e '/^\.It Em help$/,/^\.El$/d' -e 's/^$/.Pp/' \
        -e 's/^\.Op Ar mountpoint$/.Ar mountpoint/'
}

ensure_packages libfuse3-dev liburing-dev fuse3 pkg-config
# The static runtime needs its own build directory: the usual one keeps its dynamic builds.
scratch=.build-install
swift build --product generate-manual >&2       # swift-argument-parser's tool
generate_manual=$(swift build --show-bin-path)/generate-manual
# The page's date: the last commit's, so that the same source gives the same page.
date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)

for product in "${products[@]}"; do
    name=${product%:*} section=${product#*:}
    swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product "$name" >&2
    install -D -m 755 "$scratch/release/$name" "$prefix/bin/$name"
    mkdir -p "$prefix/share/man/man$section" "$prefix/share/bash-completion/completions"
    "$generate_manual" "$prefix/bin/$name" --section "$section" --date "$date" -o - | tidy_manual \
        > "$prefix/share/man/man$section/$name.$section"
    "$prefix/bin/$name" --generate-completion-script bash > "$prefix/share/bash-completion/completions/$name"
    echo "installed $prefix/bin/$name, $prefix/share/man/man$section/$name.$section," \
         "$prefix/share/bash-completion/completions/$name"
done
