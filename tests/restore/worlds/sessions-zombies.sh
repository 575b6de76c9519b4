#!/usr/bin/env bash
# Sessions, process groups and zombies: what makes a restore build helpers (issue 13). A session
# with members, a process in another session than its parent's, a group whose leader is gone
# (its pid stays held), zombies with exit codes whose parents live, and the same inside a
# nested pid namespace. ShapeTests runs these lines too.
. "$(dirname "$0")/common.sh"
c 1 1 'next_id LONG 10'; c 1 1 fork; c 10 10 setsid
c 10 10 'next_id LONG 11'; c 10 10 fork; c 11 11 'setpgid 0 0'
c 10 10 'next_id LONG 12'; c 10 10 fork; c 12 12 'setpgid 0 11'
c 10 10 'next_id LONG 13'; c 10 10 fork; c 13 13 setsid
c 10 10 'sigchld ignore'; c 11 11 exit
c 10 10 'sigchld default'; c 10 10 'next_id LONG 14'; c 10 10 fork; c 14 14 'exit 7'
c 12 12 'next_id LONG 15'; c 12 12 fork
c 1 1 'next_id LONG2 1 20'; c 1 1 'clone newpid'
c 20 20 'next_id LONG2 2 21'; c 20 20 fork; c 21 21 setsid
c 21 21 'next_id LONG2 3 22'; c 21 21 fork; c 22 22 'setpgid 0 0'
c 21 21 'next_id LONG2 4 23'; c 21 21 fork; c 23 23 'setpgid 0 3'
c 21 21 'next_id LONG2 5 24'; c 21 21 fork; c 24 24 'exit 3'; c 22 22 exit; c 21 21 'wait 3'
