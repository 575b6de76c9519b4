#!/usr/bin/env bash
# catpasses.sh DIR: times `cat DIR/[0-9]*/status > /dev/null` twice in this shell, the first pass
# on cold caches (the caller's business) and the second right after it (warm), as bash runs it
# (the glob's directory read included). Prints: files=N cold_s=S warm_s=S
TIMEFORMAT=%R
cold=$( { time cat "$1"/[0-9]*/status > /dev/null; } 2>&1 )
warm=$( { time cat "$1"/[0-9]*/status > /dev/null; } 2>&1 )
files=("$1"/[0-9]*/status)
echo "files=${#files[@]} cold_s=$cold warm_s=$warm"
