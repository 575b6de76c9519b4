#!/usr/bin/env bash
# Sessions whose leader is gone (issue 13): the restore makes a helper at the leader's pids that
# runs setsid, makes the members whose parent cannot be their maker (reparented to the init)
# and exits in their turn in the init's list; a second run of them, later in the list, by a
# helper it forks. Root namespace: session 30 (its group 30 lives on in 35 and 36), group 32
# whose leader is gone inside it (33 and its zombie 38), 34 did setsid after forking 35 (which
# stays in session 30). Nested namespace (init 50): session 51 and group 53, both leaders gone,
# their members in two runs of 50's list. ShapeTests runs these lines too.
. "$(dirname "$0")/common.sh"
c 1 1 'next_id LONG 30'; c 1 1 fork; c 30 30 setsid; c 30 30 'sigchld ignore'
c 30 30 'next_id LONG 31'; c 30 30 fork
c 30 30 'next_id LONG 32'; c 30 30 fork; c 32 32 'setpgid 0 0'
c 32 32 'next_id LONG 33'; c 32 32 fork
c 30 30 'next_id LONG 34'; c 30 30 fork; c 34 34 'next_id LONG 35'; c 34 34 fork; c 34 34 setsid
c 31 31 'next_id LONG 36'; c 31 31 fork; c 31 31 exit
c 1 1 'next_id LONG 37'; c 1 1 fork
c 33 33 'sigchld default'; c 33 33 'next_id LONG 38'; c 33 33 fork; c 38 38 'exit 5'
c 32 32 exit; c 30 30 exit
c 1 1 'next_id LONG2 1 50'; c 1 1 'clone newpid'
c 50 50 'next_id LONG2 2 51'; c 50 50 fork; c 51 51 setsid; c 51 51 'sigchld ignore'
c 51 51 'next_id LONG2 3 52'; c 51 51 fork
c 51 51 'next_id LONG2 4 53'; c 51 51 fork; c 53 53 'setpgid 0 0'
c 53 53 'next_id LONG2 5 54'; c 53 53 fork; c 53 53 exit
c 50 50 'next_id LONG2 6 55'; c 50 50 fork
c 51 51 exit
