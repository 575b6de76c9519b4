#!/usr/bin/env bash
# Dying inits (docs/restore.md, "A dying init"): inits that exited while a pid of their
# namespace is held from outside it (the smallest one is ShapeTests.aDyingInitIsRestored; with it
# here, two dying inits side by side would each be held only by a group outside, and the image
# would not say which holds which). ShapeTests runs these lines too.
. "$(dirname "$0")/common.sh"
# a zombie of an outside parent (20 unshared into p30), and one the init's exit killed
c 1 1 'next_id LONG 20'; c 1 1 fork; c 20 20 'sigchld default'; c 20 20 'unshare pid'
c 20 20 'next_id LONG2 1 30'; c 20 20 fork
c 20 20 'next_id LONG2 2 31'; c 20 20 fork; c 31 31 'exit 5'
c 20 20 'next_id LONG2 3 32'; c 20 20 fork
c 30 30 'exit 1'
# nested: init 41 of p41 under init 40; 45, in the root namespace, holds group 42 of p41;
# 40 exits: 41 is killed and dying, 40 dying for 41
c 1 1 'next_id LONG2 1 40'; c 1 1 'clone newpid'
c 40 40 'next_id LONG3 1 2 41'; c 40 40 'clone newpid'
c 41 41 'next_id LONG3 2 3 42'; c 41 41 fork; c 42 42 'setpgid 0 0'
c 1 1 'next_id LONG 45'; c 1 1 fork; c 45 45 'setpgid 0 42'
c 40 40 'exit 2'
