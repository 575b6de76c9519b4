#!/usr/bin/env bash
# Init leaves the root IPC namespace for a new one with the same (empty) content, while 2 stays
# in the root one; 3 and 4 end in two namespaces of equal content too. Only the namespace inode
# says which is the root (dump.sh once told them apart by content and named init's).
. "$(dirname "$0")/common.sh"
c 1 1 fork                                       # 2: stays in the root IPC namespace
c 1 1 'unshare ipc'                              # 1: a new, empty IPC namespace
c 1 1 fork; c 3 3 'unshare ipc'                  # 3: another empty one
c 1 1 'clone newipc'                             # 4: and another
