#!/usr/bin/env bash
# Processes in a group by birth: their parent joined the group of a leader one pid namespace
# below, then made them in another namespace below, where the group's id is 0 (setpgid by the
# child itself could not join it). The restore's parent joins the group before it makes the
# child, once the leader, made after the parent, leads it (ShapeTests
# aGroupMembershipByBirthAcrossPidNamespaces, membershipsByBirthInTwoGroupsOfOneParent; world
# 900,142 through mounts).
. "$(dirname "$0")/common.sh"
# 2 joins the group of init 3 and makes init 4 by clone newpid.
c 1 1 'next_id LONG 2'; c 1 1 fork
c 1 1 'next_id LONG2 1 3'; c 1 1 'clone newpid'; c 3 3 'setpgid 0 0'
c 2 2 'setpgid 0 3'; c 2 2 'next_id LONG2 1 4'; c 2 2 'clone newpid'
# 10 joins the group of init 11, unshares pid, makes 12 (the init); then it leads a group of
# its own and makes 13 in it: 12 and 13 see neither group.
c 1 1 'next_id LONG 10'; c 1 1 fork
c 1 1 'next_id LONG2 1 11'; c 1 1 'clone newpid'; c 11 11 'setpgid 0 0'
c 10 10 'setpgid 0 11'; c 10 10 'unshare pid'; c 10 10 'next_id LONG2 1 12'; c 10 10 fork
c 10 10 'setpgid 0 0'; c 10 10 'next_id LONG2 2 13'; c 10 10 fork
# 20 joins the group of 22, a child of init 21 (as in world 900,142), then makes init 23.
c 1 1 'next_id LONG 20'; c 1 1 fork
c 1 1 'next_id LONG2 1 21'; c 1 1 'clone newpid'; c 21 21 'next_id LONG2 2 22'; c 21 21 fork
c 22 22 'setpgid 0 0'; c 20 20 'setpgid 0 22'; c 20 20 'next_id LONG2 1 23'; c 20 20 'clone newpid'
