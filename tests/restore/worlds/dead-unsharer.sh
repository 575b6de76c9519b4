#!/usr/bin/env bash
# A process unshares its pid namespace, forks the init and two more members into it, and exits:
# all three are children of 1 now and only a helper that unshares again can make them.
. "$(dirname "$0")/common.sh"
c 1 1 'next_id LONG 30'; c 1 1 fork
c 30 30 'unshare pid'
c 30 30 'next_id LONG2 1 31'; c 30 30 fork
c 30 30 'next_id LONG2 5 32'; c 30 30 fork
c 30 30 'unshare ipc'; c 30 30 'next_id LONG2 6 33'; c 30 30 fork
c 31 31 fork; c 30 30 exit
# and a pid namespace that never had an init: its unsharer's pid_for_children is unused
c 1 1 'next_id LONG 40'; c 1 1 fork; c 40 40 'unshare pid'
# and one whose init exited: its unsharer can fork no more (ENOMEM), before and after a restore
c 1 1 'next_id LONG 50'; c 1 1 fork; c 50 50 'unshare pid'
c 50 50 'next_id LONG2 1 51'; c 50 50 fork; c 51 51 exit; c 50 50 wait    # reaped: no zombie
