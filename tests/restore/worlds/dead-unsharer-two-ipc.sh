#!/usr/bin/env bash
# Pid namespaces whose unsharer has gone, whose children were born in two IPC namespaces: the
# helper that unshares again visits them in order, founding the second (ShapeTests
# aBlockBornInTwoIpcNamespaces and aBlockThatFoundsTheInitsNamespaceFirst; in-process worlds
# 9,000,384 and 10,000,964).
. "$(dirname "$0")/common.sh"
# 10 and its thread 11 make 20 and 21 in i1 after unshare pid, then 10 founds X and makes 22
# and 23 there: 1's list is 20, 22, 23, 21 (the leader's children first).
c 1 1 'next_id LONG 10'; c 1 1 fork; c 10 10 'next_id LONG 11'; c 10 10 'clone thread'
c 10 10 'unshare pid'
c 10 10 'next_id LONG2 1 20'; c 10 10 fork; c 10 11 'next_id LONG2 2 21'; c 10 11 fork
c 10 10 'unshare ipc'
c 10 10 'next_id LONG2 3 22'; c 10 10 fork; c 10 10 'next_id LONG2 4 23'; c 10 10 fork
c 10 10 exit
# Thread 31 of 30 forks 32 in i1, founds Y, forks 33 there, unshares pid and makes init 40 in
# Y; 30 makes 41 there: 1's list gets 41, 32, 33, 40.
c 1 1 'next_id LONG 30'; c 1 1 fork; c 30 30 'next_id LONG 31'; c 30 30 'clone thread'
c 30 31 'next_id LONG 32'; c 30 31 fork; c 30 31 'unshare ipc'
c 30 31 'next_id LONG 33'; c 30 31 fork
c 30 31 'unshare pid'; c 30 31 'next_id LONG2 1 40'; c 30 31 fork
c 30 30 'next_id LONG2 2 41'; c 30 30 fork
c 30 30 exit
