#!/usr/bin/env bash
# Processes born in an IPC namespace they later left: an init whose children stay in its birth
# namespace (which has members above it, so no keeper below could have made them), and a process
# that passed through two new IPC namespaces, forking in the first. Their creators are gone.
. "$(dirname "$0")/common.sh"
c 1 1 'next_id LONG 50'; c 1 1 fork
c 50 50 'unshare ipc'; c 50 50 'msgget 0x50 IPC_CREAT|0600'
c 50 50 'next_id LONG 51'; c 50 50 fork                       # 51: in 50's namespace
c 50 50 'next_id LONG2 1 52'; c 50 50 'clone newpid'          # 52: init, same namespace
c 52 52 'next_id LONG2 2 53'; c 52 52 fork; c 52 52 'next_id LONG2 3 54'; c 52 52 fork
c 52 52 'unshare ipc'; c 52 52 'semget IPC_PRIVATE 2 IPC_CREAT|0600'
c 50 50 exit                                                  # 51 and 52 go to 1
c 1 1 'next_id LONG 60'; c 1 1 fork
c 60 60 'unshare ipc'
c 60 60 'next_id LONG 61'; c 60 60 fork; c 60 60 'next_id LONG 62'; c 60 60 fork
c 60 60 'unshare ipc'; c 60 60 'shmget 0x60 4096 IPC_CREAT|0600'
c 60 60 'next_id LONG 63'; c 60 60 fork
