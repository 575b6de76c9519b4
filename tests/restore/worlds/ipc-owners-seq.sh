#!/usr/bin/env bash
# IPC objects with seq > 0 created by non-root users (their ids can only be asked for with the
# *_next_id sysctls), owners changed with *set, pending sysctls, and init leaving the root IPC
# namespace (which keeps its objects with no task in it).
. "$(dirname "$0")/common.sh"
c 1 1 fork                                            # 2
for i in 1 2 3; do c 2 2 'msgget IPC_PRIVATE IPC_CREAT|0600'; c 2 2 "msgrm $REPLY"; done
c 2 2 'setgid 100'; c 2 2 'setuid 1000'
c 2 2 'msgget 0x77 IPC_CREAT|0640'; c 2 2 'semget IPC_PRIVATE 4 IPC_CREAT|0600'
c 2 2 'shmget 0xdeadbeef 8192 IPC_CREAT|0644'
c 1 1 'next_id LONG 98311'; c 1 1 'semget 5 2 IPC_CREAT|0666'; c 1 1 "semset 98311 1000 100 0600"
put sys/kernel/shm_next_id 4242
c 1 1 'unshare ipc'; c 1 1 'msgget IPC_PRIVATE IPC_CREAT|0600'; put 1/sys/kernel/msg_next_id 65540
