#!/usr/bin/env bash
# A process leaves for a new IPC namespace, forks there, and exits: its children are reparented
# to init but live in an IPC namespace init never was in (a keeper has to make them). Also an
# orphan of a non-leader thread (reparented to the leader).
. "$(dirname "$0")/common.sh"
c 1 1 'next_id LONG 10'; c 1 1 fork                    # 10
c 10 10 'unshare ipc'; c 10 10 'msgget 0x10 IPC_CREAT|0640'
c 10 10 'next_id LONG 11'; c 10 10 fork; c 10 10 'next_id LONG 12'; c 10 10 fork
c 10 10 'next_id LONG2 1 13'; c 10 10 'clone newpid'     # 11 12 13 (init of a new ns)
c 11 11 'setuid 1000'; c 11 11 'msgget IPC_PRIVATE IPC_CREAT|0600'
c 10 10 exit
c 1 1 'next_id LONG 20'; c 1 1 fork; c 20 20 'next_id LONG 21'; c 20 20 'clone thread'
c 20 21 'next_id LONG 22'; c 20 21 fork; c 20 21 exit     # 22: child of thread 21, then of 20
