#!/usr/bin/env bash
# Restore a simulated world: scripts/restore.sh IMAGE MOUNTPOINT
#
# Rebuilds the world described by IMAGE (written by scripts/dump.sh) in a freshly mounted
# nextidfs, with identical ids, using only bash builtins (echo, printf, read, redirections) and
# cat on the tree. See docs/restore.md for the image format and the plan.
# Exit status: 0 restored; 1 refused (mount not pristine, bad image, unsupported shape) or a step
# failed (the message names the object, the command and the errno); 2 usage.
set -u
shopt -s nullglob
# Bytes, not characters: the image is ASCII (comm is \xHH-escaped), and bash's multibyte
# string handling costs more than everything else in a large restore.
export LC_ALL=C

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"     # errno_of_message
die() { printf 'restore: %s\n' "$*" >&2; exit 1; }
if [ $# -ne 2 ]; then
    echo "usage: $0 IMAGE MOUNTPOINT" >&2
    exit 2
fi
IMAGE=$1
MNT=${2%/}
[ -r "$IMAGE" ] || die "cannot read image $IMAGE"
[ -e "$MNT/1/task/1/ctl" ] || die "$MNT is not a nextidfs mount (no 1/task/1/ctl)"

PID_LIMIT=4194304      # PID_MAX_LIMIT: pid_max during the restore (helpers take pids below it)

# ---------------------------------------------------------------------------------------------
# The image, read at once (mapfile) and split with `set --` (set -f: no globbing), one command
# per record: the checks are made afterwards on whole arrays, and per process only where it
# differs from its parent.
# L: the image's lines; IPC objects stay there (IPC_OBJS[X]: their line indexes) until used.
# T_COMM: as in the image (\xHH escapes; compared as such, decoded when written).
# NL[T]: the `next_id LONG<n>...` line that makes thread T with all its pids, for a thread with
# more than one (with one pid it is `next_id LONG PID`); DEEP[T]: more than 32.
# INNER[T]: the innermost pid of thread T (INNER[G] is the one of process G's leader).
declare -A PNS_PARENT=() PNS_LEVEL=() PNS_MAX=() PNS_LAST=() PNS_EMPTY=() PNS_DEAD=() PNS_INIT=() PNS_TOP=()
declare -A IPC_NEXT=() IPC_MEMBER=()
declare -A P_PARENT=() P_NS=() P_PFC=() P_IPC=() P_UID=() P_GID=() P_THREADS=() INNER=()
declare -A T_TGID=() T_NSPID=() T_NEXT=() T_COMM=() T_CHILDREN=() NL=() DEEP=()
declare -A IPC_OBJS=() USED=()
PROCS=() PIDNSES=() IPCNSES=() ROOT_IPC= L=() PEND=() NTHREADS=0
O_KIND=() O_NS=() O_ID=() O_KEY=() O_MODE=() O_UID=() O_GID=() O_CUID=() O_CGID=() O_EXTRA=()

# next_id_line "r0 r1 ... rL": sets REPLY to the next_id line (innermost first, at most 32 ids)
next_id_line() {
    local -a p=($1)
    local n=${#p[@]} i out=
    local k=$((n > 32 ? 32 : n))
    for ((i = n - 1; i >= n - k; i--)); do out+=" ${p[$i]}"; done
    if [ "$k" -eq 1 ]; then REPLY="next_id LONG$out"; else REPLY="next_id LONG$k$out"; fi
}
line_of() {         # line_of PREFIX [NTH]: sets REPLY to the line number of the NTH line starting so
    local i k=0
    for i in "${!L[@]}"; do
        [[ ${L[i]} == "$1"* ]] && k=$((k + 1)) && [ "$k" -ge "${2:-1}" ] && { REPLY=$((i + 1)); return 0; }
    done
    REPLY='?'
}
read_image() {
    local i n
    mapfile -t L < "$IMAGE"
    n=${#L[@]}
    [ "$n" -gt 0 ] || die "empty image"
    [ "${L[0]}" = "nextidfs-image 1" ] || die "$IMAGE: not a version 1 nextidfs image (header '${L[0]}')"
    set -f
    for ((i = 1; i < n; i++)); do
        set -- ${L[i]}
        case ${1-} in
            thread)
                T_TGID[$2]=$3 T_NSPID[$2]=$4 T_NEXT[$2]=$5 T_COMM[$2]=${6-} \
                    P_THREADS[$3]+="$2 " INNER[$2]=${4##*,} NTHREADS=$((NTHREADS + 1)) ;;
            proc)
                PROCS+=("$2") P_PARENT[$2]=$3 P_NS[$2]=$4 P_PFC[$2]=$5 P_IPC[$2]=$6 P_UID[$2]=${7-} P_GID[$2]=${8-} \
                    IPC_MEMBER[$6]=${IPC_MEMBER[$6]:-$2} T_CHILDREN[$3]+="$2 " ;;
            msg|sem|shm)
                IPC_OBJS[$2]+="$i " ;;
            pidns)
                PIDNSES+=("$2"); PNS_PARENT[$2]=$3; PNS_LEVEL[$2]=$4; PNS_MAX[$2]=$5; PNS_LAST[$2]=$6
                [ "$3" = - ] && PNS_TOP[$2]=1
                case ${2:0:1} in
                    e) PNS_EMPTY[$2]=1 ;;
                    d) PNS_EMPTY[$2]=1 PNS_DEAD[$2]=1 ;;
                    *) PNS_INIT[$2]=${2#p} ;;
                esac ;;
            ipcns)
                IPCNSES+=("$2"); IPC_NEXT[$2]="$3 $4 $5"
                [ "$6" = 1 ] && ROOT_IPC=$2 ;;
            end) set +f; unset 'T_CHILDREN[0]'; return 0 ;;
            *) die "$IMAGE line $((i + 1)): unknown record '${1-}'" ;;
        esac
    done
    die "$IMAGE: truncated (no 'end' line)"
}
load_obj() {        # load_obj INDEX: the fields of the object on line INDEX of the image
    local - i=$1
    set -f; set -- ${L[i]}
    O_KIND[i]=$1 O_NS[i]=$2 O_ID[i]=$3 O_KEY[i]=$4 O_MODE[i]=$5 O_UID[i]=$6 O_GID[i]=$7 O_CUID[i]=$8 O_CGID[i]=$9 O_EXTRA[i]=${10}
}
read_image
# a process or a thread twice
if [ ${#P_NS[@]} -ne ${#PROCS[@]} ]; then
    declare -A seen=()
    for g in "${PROCS[@]}"; do
        [ -z "${seen[$g]:-}" ] || { line_of "proc $g " 2; die "$IMAGE line $REPLY: process $g twice"; }
        seen[$g]=1
    done
fi
if [ ${#T_TGID[@]} -ne "$NTHREADS" ]; then
    declare -A seen=()
    for l in "${L[@]}"; do
        [[ $l == "thread "* ]] || continue
        set -f; set -- $l; set +f
        [ -z "${seen[$2]:-}" ] || { line_of "thread $2 " 2; die "$IMAGE line $REPLY: thread $2 twice"; }
        seen[$2]=1
    done
fi
[ "${P_NS[1]:-}" = p1 ] || die "$IMAGE: no process 1 in the root pid namespace"

# The chain of pid namespaces from the root to N.
declare -A NS_CHAIN=()
chain_of() {
    local n=$1 c=$1
    while [ "${PNS_PARENT[$n]:--}" != - ]; do n=${PNS_PARENT[$n]}; c="$n $c"; done
    NS_CHAIN[$1]=$c
}
for n in "${PIDNSES[@]}"; do chain_of "$n"; done
# As many pids as levels: when no thread has several pids and every process is in a root pid
# namespace, nothing to check; otherwise every thread (and the nested ones get their next_id
# line).
nested=
[[ " ${T_NSPID[*]} " == *,* ]] && nested=1
for g in "${PROCS[@]}"; do [ -n "${PNS_TOP[${P_NS[$g]}]:-}" ] || { nested=1; break; }; done
if [ -n "$nested" ]; then
    for t in "${!T_TGID[@]}"; do
        [ -n "${P_NS[${T_TGID[$t]}]:-}" ] || continue     # (see below)
        pids=(${T_NSPID[$t]//,/ }) chain=(${NS_CHAIN[${P_NS[${T_TGID[$t]}]}]:-})
        [ ${#pids[@]} -eq ${#chain[@]} ] || die "$IMAGE: thread $t has ${#pids[@]} pids for a namespace of level $((${#chain[@]} - 1))"
        if [ ${#pids[@]} -gt 1 ]; then
            next_id_line "${pids[*]}"; NL[$t]=$REPLY
            [ ${#pids[@]} -gt 32 ] && DEEP[$t]=1
        fi
    done
fi
# The processes with something to set at the end (uid, gid, a pending next_id), in image order.
nexts=" ${T_NEXT[*]} " ids=" ${P_UID[*]} ${P_GID[*]} "
if [[ $nexts == *[!-\ ]* || $ids == *[!0\ ]* ]]; then
    for g in "${PROCS[@]}"; do
        [ "${P_UID[$g]}${P_GID[$g]}" != 00 ] && { PEND+=("$g"); continue; }
        for t in ${P_THREADS[$g]:-}; do [ "${T_NEXT[$t]}" = - ] || { PEND+=("$g"); break; }; done
    done
fi
# The pids in use at every level (for helpers, which are rare: built the first time one is needed).
USED_BUILT=
build_used() {
    local t i pids chain
    for t in "${!T_TGID[@]}"; do
        pids=(${T_NSPID[$t]//,/ }) chain=(${NS_CHAIN[${P_NS[${T_TGID[$t]}]}]})
        for i in "${!pids[@]}"; do USED[${chain[$i]}:${pids[$i]}]=1; done
    done
    USED_BUILT=1
}

# Every process: checked, and classified. A process in the pid and ipc namespace of its parent,
# with pid_for_children its own pid namespace, its leader first among its threads ("plain", most
# of a large world) needs no more checks (its parent's namespaces are checked) and none of the
# planning passes below.
# XP: processes in another pid namespace than their parent; XI[R]: R has a child in another ipc
# namespace; MINLEVEL[X]: the shallowest pid namespace level of X's members (a plain process has
# its parent's).
declare -A XI=() MINLEVEL=()
XP=()
check_proc() {      # check_proc G
    local g=$1 r=${T_TGID[${P_PARENT[$1]}]:-} l
    [ "${T_TGID[$g]:-}" = "$g" ] || die "$IMAGE: process $g has no thread line for its leader"
    if [[ ${P_THREADS[$g]} != "$g "* ]]; then    # (the leader first)
        local t out="$g "
        for t in ${P_THREADS[$g]}; do [ "$t" = "$g" ] || out+="$t "; done
        P_THREADS[$g]=$out
    fi
    [ -n "${PNS_LEVEL[${P_NS[$g]}]:-}" ] && [ -n "${PNS_LEVEL[${P_PFC[$g]}]:-}" ] && [ -n "${IPC_NEXT[${P_IPC[$g]}]:-}" ] \
        || die "$IMAGE: process $g names a namespace with no pidns/ipcns line"
    [ "$g" = 1 ] || [ -n "$r" ] || die "$IMAGE: the parent thread ${P_PARENT[$g]} of process $g is not in the image"
    l=${PNS_LEVEL[${P_NS[$g]}]}
    [ "${MINLEVEL[${P_IPC[$g]}]:-99}" -gt "$l" ] && MINLEVEL[${P_IPC[$g]}]=$l
    [ "$g" = 1 ] && return 0
    [ "${P_NS[$g]}" != "${P_NS[$r]}" ] && XP+=("$g")
    [ "${P_IPC[$g]}" != "${P_IPC[$r]}" ] && XI[$r]=1
    return 0
}
for g in "${PROCS[@]}"; do
    [[ ${T_TGID[$g]:-} == "$g" && ${P_THREADS[$g]} == "$g "* && ${P_NS[$g]}/${P_PFC[$g]}/${P_IPC[$g]} \
        == "${P_NS[${T_TGID[${P_PARENT[$g]}]:-.}]:-}/${P_NS[$g]}/${P_IPC[${T_TGID[${P_PARENT[$g]}]:-.}]:-}" ]] \
        || check_proc "$g"
done
# a thread of a process with no proc line
if [ ${#P_THREADS[@]} -ne ${#PROCS[@]} ]; then
    for t in "${!T_TGID[@]}"; do
        [ -n "${P_NS[${T_TGID[$t]}]:-}" ] && continue
        line_of "thread $t "; die "$IMAGE line $REPLY: thread $t of process ${T_TGID[$t]}, which has no proc line"
    done
fi
# The ipc namespace process 1 is born in: the root one (an ipc namespace of the image, or "root"
# when no task is left in it).
ROOT_BIRTH=${ROOT_IPC:-.root}
# ---------------------------------------------------------------------------------------------
# The mount must be pristine: one task (1), comm init, uid 0, nothing pending, no IPC object.
check_pristine() {
    local entries=() e line
    for e in "$MNT"/[0-9]*; do entries+=("${e##*/}"); done
    [ "${entries[*]}" = 1 ] || die "refusing to restore into $MNT: not a pristine mount (processes: ${entries[*]})"
    entries=()
    for e in "$MNT"/1/task/[0-9]*; do entries+=("${e##*/}"); done
    [ "${entries[*]}" = 1 ] || die "refusing to restore into $MNT: not a pristine mount (threads of 1: ${entries[*]})"
    read -r line < "$MNT/1/task/1/next_id"
    [ -z "$line" ] || die "refusing to restore into $MNT: not a pristine mount (1 has a pending next_id: $line)"
    read -r line < "$MNT/1/task/1/children"
    [ -z "$line" ] || die "refusing to restore into $MNT: not a pristine mount (1 has children)"
    for e in msg sem shm; do
        { read -r line; read -r line; } < "$MNT/sysvipc/$e"
        [ -z "$line" ] || die "refusing to restore into $MNT: not a pristine mount (sysvipc/$e is not empty)"
        read -r line < "$MNT/sys/kernel/${e}_next_id"
        [ "$line" = -1 ] || die "refusing to restore into $MNT: not a pristine mount (${e}_next_id is $line)"
    done
    while read -r e line; do
        case $e in
            Uid:|Gid:) [ "${line%%[[:space:]]*}" = 0 ] || die "refusing to restore into $MNT: not a pristine mount (1 is not uid/gid 0)" ;;
        esac
    done < "$MNT/1/status"
    read -r line < "$MNT/1/comm"
    [ "$line" = init ] || die "refusing to restore into $MNT: not a pristine mount (comm of 1 is '$line')"
    read -r line < "$MNT/sys/kernel/ns_last_pid"
    [ "$line" = 1 ] || die "refusing to restore into $MNT: not a pristine mount (ns_last_pid is $line)"
}
check_pristine
# Every process made from here on reaps its children at once (the disposition is inherited), so
# that the helpers that exit leave no zombies behind: the image has no zombies (dump.sh refuses
# them) and does not record SIGCHLD dispositions.
printf 'sigchld ignore\n' > "$MNT/1/task/1/ctl" || die "cannot set SIGCHLD of init"

# ---------------------------------------------------------------------------------------------
# Talking to the tree. One ctl fd per live thread we act through, several lines per write.
declare -A FD=()
fd_of() {   # fd_of TID: sets REPLY to an open write fd on the thread's ctl
    if [ -z "${FD[$1]:-}" ]; then
        local fd path=$MNT/${T_TGID[$1]:-$1}/task/$1/ctl
        exec {fd}>"$path" || fail_step "thread $1" "open $path" "cannot open"
        FD[$1]=$fd
    fi
    REPLY=${FD[$1]}
}
close_fd() {
    if [ -n "${FD[$1]:-}" ]; then exec {FD[$1]}>&-; unset "FD[$1]"; fi
}
fail_step() {   # fail_step OBJECT COMMAND ERRNO
    local cmd=${2%$'\n'}
    printf 'restore: failed: %s: command "%s": %s\n' "$1" "${cmd//$'\n'/; }" "$3" >&2
    exit 1
}
last_errno() {  # the errno of TID's last ctl command, from its read-back
    local line=
    read -r line < "$MNT/task/$1/ctl" 2>/dev/null
    case $line in -*" "*) REPLY=${line#* } ;; *) REPLY="unknown error (ctl reads '$line')" ;; esac
}

# A batch: the lines of one thread, written with one printf (the daemon takes a write of many
# lines, and joins a line that a large write happens to cut); B_ENT: its entries, "OBJECT<tab>
# CHECK<tab>LINES" (CHECK: something that exists once the entry succeeded), to name the failing
# one.
B_TID= B_DATA= B_ENT=()
batch_add() {   # batch_add TID OBJECT LINES [CHECKPATH]
    [[ $1 == "$B_TID" ]] || batch_flush
    B_TID=$1 B_DATA+=$3 B_ENT+=("$2"$'\t'"${4:-}"$'\t'"$3")
}
batch_flush() {
    if [ ${#B_ENT[@]} -gt 0 ]; then
        fd_of "$B_TID"
        printf '%s' "$B_DATA" >&"$REPLY" 2>/dev/null || batch_failed
    fi
    B_TID= B_DATA= B_ENT=()
}
batch_failed() {
    local e obj rest err
    last_errno "$B_TID"; err=$REPLY
    for e in "${B_ENT[@]}"; do
        # (=C: process C, forked; @I: the IPC object on line I of the image, made by its *get)
        [[ $e == =* ]] && e="process ${e#=}"$'\t'"$MNT/task/${T_NSPID[${e#=}]%%,*}"$'\t'"${NL[${e#=}]:-next_id LONG ${T_NSPID[${e#=}]}}"$'\n'fork$'\n'
        if [[ $e == @* ]]; then
            load_obj "${e#@}"; get_line "${e#@}"
            e="${O_KIND[${e#@}]} ${O_ID[${e#@}]} of ${O_NS[${e#@}]}"$'\t'"ipc:$MNT/${T_TGID[$B_TID]:-$B_TID}:${O_KIND[${e#@}]}:${O_ID[${e#@}]}:${O_KEY[${e#@}]}"$'\t'"next_id LONG ${O_ID[${e#@}]}"$'\n'"$REPLY"$'\n'
        fi
        obj=${e%%$'\t'*} rest=${e#*$'\t'}
        if [ -z "${rest%%$'\t'*}" ] || ! entry_done "${rest%%$'\t'*}"; then
            fail_step "$obj (by thread $B_TID)" "${rest#*$'\t'}" "$err"
        fi
    done
    fail_step "process ..$obj (by thread $B_TID)" "$B_DATA" "$err"
}
entry_done() {  # entry_done CHECK: a path that exists, or ipc:DIR:KIND:ID:KEY (a row of the table)
    case $1 in
        ipc:*)
            local dir kind id key k i rest
            IFS=: read -r _ dir kind id key <<< "$1"
            while read -r k i rest; do
                [ "$k" = "$key" ] && [ "$i" = "$id" ] && return 0
            done < "$dir/sysvipc/$kind"
            return 1 ;;
        *) [ -e "$1" ] ;;
    esac
}
ctl() {         # ctl TID OBJECT LINES: one write, now
    batch_add "$1" "$2" "$3"; batch_flush
}
sysctl_write() { # sysctl_write FILE VALUE OBJECT
    printf '%s\n' "$2" 2>/dev/null > "$1" && return 0
    local msg
    msg=$( { printf '%s\n' "$2" > "$1"; } 2>&1 )   # only on failure: again, to name the errno
    fail_step "$3" "echo $2 > ${1#$MNT/}" "$(errno_of_message "$msg")"
}

# ---------------------------------------------------------------------------------------------
# Creating tasks with every pid forced. NEWPIDS: the pids from the root namespace inward.
# new_task CREATOR_TID OBJECT "r0 .. rL" VERB: adds the creation to the batch (or, for a task more
# than 32 levels deep, sets the root namespace's ns_last_pid and writes it alone).
new_task() {
    local -a p=($3)
    next_id_line "$3"
    if [ ${#p[@]} -gt 32 ]; then
        batch_flush
        sysctl_write "$MNT/sys/kernel/ns_last_pid" "$((p[0] - 1))" "$2"
        ctl "$1" "$2" "$REPLY"$'\n'"$4"$'\n'
        [ -e "$MNT/task/${p[0]}" ] || fail_step "$2" "$4" "got another root pid than ${p[0]}"
    else
        batch_add "$1" "$2" "$REPLY"$'\n'"$4"$'\n' "$MNT/task/${p[0]}"
    fi
}
pids_of() { REPLY=${T_NSPID[$1]//,/ }; }

# Helpers: temporary processes at pids that no task of the image uses (counting down from
# PID_LIMIT-1 in every namespace); they exit before the pending state is written.
declare -A HNEXT=() H_NS=() CUR_IPC=() CUR_PFC=() CURCOMM=() FOUNDED=() KEEPER=() KEEPER_ANY=()
declare -A NEED=() NEED_ANY=() CREATED=() UHELPER=()
HELPERS=()
helper_pids() {     # helper_pids NS: sets REPLY to "r0 .. rL", fresh pids
    local n out= p
    [ -n "$USED_BUILT" ] || build_used
    for n in ${NS_CHAIN[$1]}; do
        p=${HNEXT[$n]:-$((PID_LIMIT - 1))}
        while [ -n "${USED[$n:$p]:-}" ]; do p=$((p - 1)); done
        [ "$p" -ge 2 ] || die "no free pid left for a helper in $n"
        USED[$n:$p]=1; HNEXT[$n]=$((p - 1)); out+="$p "
    done
    REPLY=${out% }
}
# spawn_helper CREATOR_TID NS WHAT: forks a helper into NS (the creator's pid_for_children);
# sets HELPER to its root pid.
spawn_helper() {
    local creator=$1 ns=$2 pids h ctg
    helper_pids "$ns"; pids=$REPLY; h=${pids%% *}
    new_task "$creator" "helper $h ($3)" "$pids" fork
    batch_flush
    ctg=${T_TGID[$creator]:-$creator}
    H_NS[$h]=$ns; CUR_PFC[$h]=$ns; CUR_IPC[$h]=${CUR_IPC[$ctg]}; T_TGID[$h]=$h
    CURCOMM[$h]=${CURCOMM[$creator]:-init}
    HELPERS+=("$h"); HELPER=$h
}
# keepers: a helper that stays in (pid ns N, ipc ns X) until the end, to create the children
# that the image shows reparented to N's init (their creator had ended).
offer_context() {   # offer_context TID: the task is root with pid_for_children N and ipc X
    [ ${#NEED_ANY[@]} -gt 0 ] || return 0    # (no init has children it cannot make)
    local tg=${T_TGID[$1]:-$1}
    local n=${CUR_PFC[$tg]} x=${CUR_IPC[$tg]}
    [ -n "${PNS_EMPTY[$n]:-}" ] && return 0
    if [ -n "${NEED[$n|$x]:-}" ] && [ -z "${KEEPER[$n|$x]:-}" ] || { [ -n "${NEED_ANY[$n]:-}" ] && [ -z "${KEEPER_ANY[$n]:-}" ]; }; then
        spawn_helper "$1" "$n" "keeper of $n $x"
        KEEPER[$n|$x]=$HELPER; KEEPER_ANY[$n]=${KEEPER_ANY[$n]:-$HELPER}
    fi
}

# IPC objects of namespace X, created by TID (root, in X, right after X came to be).
key_arg() {
    if [ "$1" = 0 ]; then REPLY=IPC_PRIVATE
    elif [ "$1" -lt 0 ]; then printf -v REPLY '0x%x' $(($1 & 0xffffffff))
    else REPLY=$1; fi
}
get_line() {        # get_line INDEX: the *get line creating object INDEX
    local i=$1 extra=
    key_arg "${O_KEY[$i]}"
    case ${O_KIND[$i]} in sem|shm) extra=" ${O_EXTRA[$i]}" ;; esac
    local mode
    printf -v mode '%o' $((8#${O_MODE[$i]} & 8#777))
    REPLY="${O_KIND[$i]}get $REPLY$extra IPC_CREAT|IPC_EXCL|0$mode"
}
set_line() {        # set_line INDEX: the *set line for owner and mode (empty when not needed)
    local i=$1
    if [ "${O_UID[$i]}" = "${O_CUID[$i]}" ] && [ "${O_GID[$i]}" = "${O_CGID[$i]}" ] && [ $((8#${O_MODE[$i]})) -eq $((8#${O_MODE[$i]} & 8#777)) ]; then
        REPLY=
    else
        REPLY="${O_KIND[$i]}set ${O_ID[$i]} ${O_UID[$i]} ${O_GID[$i]} 0${O_MODE[$i]}"$'\n'
    fi
}
found_ipc() {       # found_ipc TID X: X now exists and TID is in it; create its objects
    local t=$1 x=$2 tg=${T_TGID[$1]:-$1} i line setl
    FOUNDED[$x]=1
    local -A others=()
    local - dir=$MNT/$tg
    set -f
    [[ $t == "$B_TID" ]] || batch_flush
    B_TID=$t
    for i in ${IPC_OBJS[$x]:-}; do
        set -- ${L[i]}      # KIND NS ID KEY MODE UID GID CUID CGID EXTRA
        # (made by root, owned by root, a key > 0, no mode bits above 0777: no key_arg, no *set)
        case $1$6$7$8$9 in
            msg0000)
                if [[ ${#5} -lt 4 && $4 == [1-9]* ]]; then
                    B_DATA+="next_id LONG $3"$'\n'"msgget $4 IPC_CREAT|IPC_EXCL|0$5"$'\n' B_ENT+=("@$i")
                    continue
                fi ;;
            sem0000|shm0000)
                if [[ ${#5} -lt 4 && $4 == [1-9]* ]]; then
                    B_DATA+="next_id LONG $3"$'\n'"${1}get $4 ${10} IPC_CREAT|IPC_EXCL|0$5"$'\n' B_ENT+=("@$i")
                    continue
                fi ;;
        esac
        load_obj "$i"
        if [ "${O_CUID[$i]}" = 0 ] && [ "${O_CGID[$i]}" = 0 ]; then
            get_line "$i"; line=$REPLY; set_line "$i"
            batch_add "$t" "${O_KIND[$i]} ${O_ID[$i]} of $x" "next_id LONG ${O_ID[$i]}"$'\n'"$line"$'\n'"$REPLY" \
                "ipc:$dir:${O_KIND[$i]}:${O_ID[$i]}:${O_KEY[$i]}"
        else
            others["${O_CUID[$i]} ${O_CGID[$i]}"]+="$i "
        fi
    done
    set +f
    batch_flush
    local owner h fd res uidg
    for owner in "${!others[@]}"; do
        # created by a helper with the creator's uid and gid, at the id the namespace's
        # *_next_id sysctl asks for (forced ids need uid 0), then checked
        spawn_helper "$t" "${CUR_PFC[$tg]}" "creator uid/gid $owner in $x"; h=$HELPER
        read -r uidg res <<< "$owner"
        line=
        [ "$res" != 0 ] && line+="setgid $res"$'\n'
        [ "$uidg" != 0 ] && line+="setuid $uidg"$'\n'
        [ -n "$line" ] && ctl "$h" "helper $h" "$line"
        for i in ${others[$owner]}; do
            sysctl_write "$MNT/$tg/sys/kernel/${O_KIND[$i]}_next_id" "${O_ID[$i]}" "${O_KIND[$i]} ${O_ID[$i]} of $x"
            get_line "$i"
            ctl "$h" "${O_KIND[$i]} ${O_ID[$i]} of $x (creator uid/gid $owner)" "$REPLY"$'\n'
            read -r res < "$MNT/task/$h/ctl"
            [ "$res" = "${O_ID[$i]}" ] || fail_step "${O_KIND[$i]} ${O_ID[$i]} of $x" "$REPLY" "got id $res"
            set_line "$i"
            [ -n "$REPLY" ] && batch_add "$t" "${O_KIND[$i]} ${O_ID[$i]} of $x" "$REPLY"
        done
        batch_flush
        ctl "$h" "helper $h" $'exit\n'
        close_fd "$h"
    done
}

# ---------------------------------------------------------------------------------------------
# The plan of one process, right after it was created (born in CUR_IPC, pid_for_children = its
# pid namespace): comm, threads, then its children in an order that its two possible switches
# (unshare ipc to its final IPC namespace, unshare pid to its pid_for_children) allow.
STACK=() ADOPTEES=() DEFERRED=()
declare -A FORCE_PLAN=() DEFER_DONE=()
fork_child() {      # fork_child CREATOR_TID CHILD VERB
    local c=$2 ctg=${T_TGID[$1]:-$1}
    if [ -n "${DEEP[$c]:-}" ]; then
        pids_of "$c"
        new_task "$1" "process $c" "$REPLY" "$3"
    else    # (batch_add, inline)
        [[ $1 == "$B_TID" ]] || batch_flush
        local nl=${NL[$c]:-next_id LONG ${T_NSPID[$c]}}
        B_TID=$1 B_DATA+="$nl"$'\n'"$3"$'\n' \
            B_ENT+=("process $c"$'\t'"$MNT/task/${T_NSPID[$c]%%,*}"$'\t'"$nl"$'\n'"$3"$'\n')
    fi
    CREATED[$c]=1 CUR_IPC[$c]=${CUR_IPC[$ctg]} CUR_PFC[$c]=${P_NS[$c]} CURCOMM[$c]=${CURCOMM[$1]:-init}
    # a leaf that stays where it was born, with nothing to do (not even a keeper to offer): no plan
    [[ -z ${T_CHILDREN[$c]:-} && ${P_THREADS[$c]} == "$c " && ${P_PFC[$c]} == "${P_NS[$c]}" && -z ${DB[$c]:-} \
        && ${P_IPC[$c]} == "${CUR_IPC[$c]}" && ${T_COMM[$c]} == "${CURCOMM[$c]}" && -z ${NEED_ANY[${P_NS[$c]}]:-} ]] \
        || STACK+=("$c")
}
plan_process() {
    local g=$1 t lead=$1 cm
    local ns=${P_NS[$g]} pfc=${P_PFC[$g]} B=${CUR_IPC[$g]} F=${P_IPC[$g]}
    # an ipc namespace it has to enter by unshare, that another process must found: later
    local w=${DB[$g]:-$F}
    [ "$w" = "$B" ] && w=$F
    if [ "$w" != "$B" ] && [ -z "${FOUNDED[$w]:-}" ] && [ -n "${FORCED[$w]:-}" ] && [ "${FOUNDER[$w]}" != "$g" ] && [ -z "${FORCE_PLAN[$g]:-}" ]; then
        DEFERRED+=("$g"); return 0
    fi
    DEFER_DONE[$g]=1
    # a leaf that stays where it was born: nothing to do but offer its context
    if [ -z "${T_CHILDREN[$g]:-}" ] && [ "$B" = "$F" ] && [ "$pfc" = "$ns" ] && [ -z "${DB[$g]:-}" ] \
        && [ "${P_THREADS[$g]}" = "$g " ] && [ "${T_COMM[$g]}" = "${CURCOMM[$g]}" ]; then
        offer_context "$g"; return 0
    fi
    local sw=0; [ "$pfc" != "$ns" ] && sw=1
    # born in its birth ipc namespace, or it founds it now
    offer_context "$g"
    if [ -n "${DB[$g]:-}" ]; then switch_ipc "$g" "$B" "${DB[$g]}"; B=${DB[$g]}; fi
    # comm and threads
    if [ "${T_COMM[$g]}" != "${CURCOMM[$g]}" ]; then
        printf -v t '%b' "${T_COMM[$g]}"
        batch_add "$g" "process $g" "comm $t"$'\n'; CURCOMM[$g]=${T_COMM[$g]}
    fi
    for t in ${P_THREADS[$g]}; do
        [ "$t" = "$g" ] && continue
        pids_of "$t"
        new_task "$g" "thread $t of $g" "$REPLY" "clone thread"
        CURCOMM[$t]=${CURCOMM[$g]}
    done
    batch_flush
    for t in ${P_THREADS[$g]}; do
        [ "$t" = "$g" ] && continue
        if [ "${T_COMM[$t]}" != "${CURCOMM[$t]}" ]; then
            printf -v cm '%b' "${T_COMM[$t]}"
            ctl "$t" "thread $t" "comm $cm"$'\n'
        fi
        CURCOMM[$t]=${T_COMM[$t]}
    done
    # the children, by class: phase 0 (before unshare pid) or 1; B (in the ipc namespace it was
    # born in), F (its final one), O (a child that founds its own). The first ones to be made are
    # those of class 0B (forks, or clone newpid for an init of a new namespace), and nothing is
    # written before them (offer_context below has nothing to do: the context is the one of the
    # last offer), so they are made at once, in this order. The usual case (in its own pid
    # namespace and the ipc namespace it was born in; a plain fork with its next_id line; a leaf
    # with nothing to plan, which is not stacked: see fork_child) is inline.
    local -a c0B=() c0F=() c0O=() c1B=() c1F=() c1O=() ; local c cns cls; local -A ofound=()
    local comm need=${NEED_ANY[$ns]:-}
    for t in ${P_THREADS[$g]}; do
        [[ $t == "$B_TID" ]] || { batch_flush; B_TID=$t; }
        comm=${CURCOMM[$t]:-init}
        for c in ${T_CHILDREN[$t]:-}; do
            if [[ ${P_NS[$c]} == "$ns" && ${DB[$c]:-${P_IPC[$c]}} == "$B" && -z ${DEEP[$c]:-} ]]; then
                B_DATA+="${NL[$c]:-next_id LONG ${T_NSPID[$c]}}"$'\n'fork$'\n' B_ENT+=("=$c") CREATED[$c]=1
                # (a leaf never acts: its current namespaces and comm are never asked for)
                [[ -z ${T_CHILDREN[$c]:-} && ${P_THREADS[$c]} == "$c " && ${P_PFC[$c]} == "$ns" && -z ${DB[$c]:-} \
                    && ${T_COMM[$c]} == "$comm" && -z $need ]] \
                    || STACK+=("$c") CUR_IPC[$c]=$B CUR_PFC[$c]=$ns CURCOMM[$c]=$comm
                continue
            fi
            cns=${P_NS[$c]}
            local ph=
            if [ "$cns" = "$ns" ]; then ph=0
            elif [ $sw = 1 ] && [ "$cns" = "$pfc" ]; then ph=1
            elif [ "${INNER[$c]}" = 1 ] && [ "${PNS_PARENT[$cns]}" = "$ns" ]; then ph=0
            fi
            local w=${DB[$c]:-${P_IPC[$c]}}
            if [ "$w" = "$B" ]; then cls=B
            elif [ "$w" = "$F" ]; then cls=F
            elif [ -z "${FOUNDED[$w]:-}" ] && [ -z "${ofound[$w]:-}" ] && [ "${FOUNDER[$w]:-$c}" = "$c" ]; then
                cls=O; ofound[$w]=$c    # it founds its own (at once, or after its children that
                if [ -z "${DB[$c]:-}" ] && [ "$B" != "$F" ]; then   # are in one of ours)
                    local ct cc cw needB=
                    for ct in ${P_THREADS[$c]}; do
                        for cc in ${T_CHILDREN[$ct]:-}; do
                            cw=${DB[$cc]:-${P_IPC[$cc]}}
                            [ "$cw" = "$F" ] && cls=F
                            [ "$cw" = "$B" ] && needB=1
                        done
                    done
                    [ $cls = O ] && [ -n "$needB" ] && cls=B
                fi
            else cls=X; fi
            # the init of a namespace that has other members from outside: made by an unsharer
            [ "$ph" = 0 ] && [ "$cns" != "$ns" ] && [ "${OUTSIDE[$cns]}" -gt 1 ] && ph=
            if [ -z "$ph" ] || [ $cls = X ]; then
                if [ "${INNER[$g]}" = 1 ] && [ "$t" = "$g" ]; then ADOPTEES+=("$c"); continue; fi
                die "unsupported shape: process $c (child of thread $t, pid ns $cns, ipc ns ${P_IPC[$c]}) cannot be created by $g (pid ns $ns, pid_for_children $pfc, ipc ns $B then $F)"
            fi
            if [ "$ph$cls" = 0B ]; then
                fork_list "$t:$c"
                [[ $t == "$B_TID" ]] || { batch_flush; B_TID=$t; }
            else
                eval "c$ph$cls+=(\"$t:$c\")"
            fi
        done
    done
    local ipc_first=1
    if [ "$B" != "$F" ] && [ ${#c1B[@]} -gt 0 ]; then
        ipc_first=0
        [ ${#c0F[@]} -eq 0 ] || die "unsupported shape: $g has children in its new pid namespace and old ipc namespace ($B) and children in its old pid namespace and new ipc namespace ($F)"
    fi
    offer_context "$g"
    fork_list "${c0O[@]}"
    if [ $ipc_first = 1 ]; then
        switch_ipc "$g" "$B" "$F"
        fork_list "${c0F[@]}"
        switch_pid "$g" "$ns" "$pfc" "${c1B[@]}" "${c1F[@]}" "${c1O[@]}"
    else
        fork_list "${c0F[@]}"
        switch_pid "$g" "$ns" "$pfc" "${c1B[@]}" "${c1O[@]}"
        switch_ipc "$g" "$B" "$F"
        fork_list "${c1F[@]}"
    fi
    batch_flush
    for t in ${P_THREADS[$g]}; do close_fd "$t"; done
}
fork_list() {       # fork_list TID:CHILD...: inits of new namespaces with clone newpid
    local e t c
    for e in "$@"; do
        t=${e%%:*} c=${e#*:}
        if [[ ${P_NS[$c]} != "${P_NS[${T_TGID[$t]}]}" && ${INNER[$c]} == 1 && ${P_NS[$c]} != "${CUR_PFC[${T_TGID[$t]}]}" ]]; then
            fork_child "$t" "$c" "clone newpid"
        else
            fork_child "$t" "$c" fork
        fi
    done
}
switch_ipc() {      # switch_ipc G B F
    [ "$2" = "$3" ] && return 0
    [ -z "${FOUNDED[$3]:-}" ] || die "unsupported shape: $1 must found ipc namespace $3, which already exists"
    ctl "$1" "process $1" $'unshare ipc\n'
    CUR_IPC[$1]=$3
    found_ipc "$1" "$3"
    offer_context "$1"
}
switch_pid() {      # switch_pid G NS PFC TID:CHILD...: unshare pid, the init first
    local g=$1 ns=$2 pfc=$3; shift 3
    [ "$ns" = "$pfc" ] && return 0
    ctl "$g" "process $g" $'unshare pid\n'
    CUR_PFC[$g]=$pfc
    if [ -n "${PNS_DEAD[$pfc]:-}" ]; then
        # a namespace whose init died: an init at free pids that exits again
        helper_pids "$pfc"
        local -a hp=($REPLY)
        hp[-1]=1
        new_task "$g" "the init of dead pid namespace $pfc" "${hp[*]}" fork
        batch_flush
        ctl "${hp[0]}" "the init of dead pid namespace $pfc (${hp[0]})" $'exit\n'
        close_fd "${hp[0]}"
    fi
    [ -n "${PNS_EMPTY[$pfc]:-}" ] && return 0
    local e first= rest=()
    for e in "$@"; do
        if [ "${INNER[${e#*:}]}" = 1 ]; then first=$e; else rest+=("$e"); fi
    done
    [ -n "$first" ] || die "unsupported shape: the init of $pfc is not a child of $g"
    fork_list "$first"
    batch_flush
    offer_context "$g"
    fork_list "${rest[@]}"
}

# An adoptee: a child of a namespace's init that its parent cannot fork directly (the image
# shows it reparented). Created by a keeper (same pid namespace) or by an unsharer helper (the
# init and the reparented members of a child pid namespace), which exit at the end.
create_adoptee() {
    local c=$1 r=${T_TGID[${P_PARENT[$1]}]} m cn x k u e
    m=${P_NS[$r]} cn=${P_NS[$c]} x=${DB[$c]:-${P_IPC[$c]}}
    if [ "$cn" = "$m" ]; then
        k=${KEEPER[$m|$x]:-}
        if [ -z "$k" ]; then
            [ -z "${FOUNDED[$x]:-}" ] || return 1
            k=${KEEPER_ANY[$m]:-}
            [ -n "$k" ] || return 1
            if [ "${FOUNDER[$x]:-}" = .keeper ]; then
                # a keeper founds x, for all the children of the init in it
                spawn_helper "$k" "$m" "keeper of $m $x"; k=$HELPER
                KEEPER[$m|$x]=$k
                switch_ipc "$k" "${CUR_IPC[$k]}" "$x"
            fi
        fi
        fork_child "$k" "$c" fork; batch_flush
        return 0
    fi
    [ "${PNS_PARENT[$cn]}" = "$m" ] || return 1
    u=${UHELPER[$cn]:-}
    if [ -z "$u" ]; then
        local init=${PNS_INIT[$cn]}
        [ -z "${CREATED[$init]:-}" ] || return 1
        [ "${T_TGID[${P_PARENT[$init]}]}" = "$r" ] || return 1
        # in the ipc namespace of the members that cannot found their own, if one
        x=${DB[$init]:-${P_IPC[$init]}}
        local o ox need=
        for o in "${PROCS[@]}"; do
            [ "${P_NS[$o]}" = "$cn" ] && [ "${P_PARENT[$o]}" = "$r" ] || continue
            ox=${DB[$o]:-${P_IPC[$o]}}
            if [ -n "${FOUNDED[$ox]:-}" ] || [ "${FOUNDER[$ox]:-$o}" != "$o" ]; then need=$ox; fi
        done
        [ -n "$need" ] && x=$need
        k=${KEEPER[$m|$x]:-}
        if [ -z "$k" ]; then
            [ -z "${FOUNDED[$x]:-}" ] || return 1
            k=${KEEPER_ANY[$m]:-}
            [ -n "$k" ] || return 1
            if [ -n "$need" ]; then
                [ "${FOUNDER[$x]:-}" = .keeper ] || return 1    # (its founder comes later)
                spawn_helper "$k" "$m" "keeper of $m $x"; k=$HELPER
                KEEPER[$m|$x]=$k
                switch_ipc "$k" "${CUR_IPC[$k]}" "$x"
            fi
        fi
        spawn_helper "$k" "$m" "unsharer of $cn"; u=$HELPER
        UHELPER[$cn]=$u
        switch_ipc "$u" "${CUR_IPC[$u]}" "$x"
        ctl "$u" "helper $u (unsharer of $cn)" $'unshare pid\n'
        CUR_PFC[$u]=$cn
        fork_child "$u" "$init" fork; batch_flush
        offer_context "$u"
        [ "$c" = "$init" ] && return 0
    fi
    x=${DB[$c]:-${P_IPC[$c]}}
    if [ "${CUR_IPC[$u]}" != "$x" ] && [ -n "${FOUNDED[$x]:-}" ]; then return 1; fi
    fork_child "$u" "$c" fork; batch_flush
    return 0
}

# The ipc namespace a process must be born in (DB), when it has to be a given one: when two or
# more of its children are in an ipc namespace other than its own, it was in that one first and
# unshared later. (Otherwise it is born where its creator is and unshares when it must.)
# The passes below look only at the processes they can concern (the others would leave them
# unchanged): CAND, the processes with a child in another ipc namespace and their ancestors (only
# those can get a DB), and INTEREST, CAND and their children (only those can need a founder).
# (Process 1 is always in INTEREST: it may have left the root ipc namespace.)
declare -A DB=() CAND=()
CANDS=() INTEREST=(1)
if [ ${#XI[@]} -gt 0 ]; then
    for c in "${!XI[@]}"; do
        while [ -n "$c" ] && [ -z "${CAND[$c]:-}" ]; do
            CAND[$c]=1
            [ "$c" = 1 ] && break
            c=${T_TGID[${P_PARENT[$c]}]:-}
        done
    done
    INTEREST=()
    for c in "${PROCS[@]}"; do
        if [ -n "${CAND[$c]:-}" ]; then CANDS+=("$c") INTEREST+=("$c")
        elif [ "$c" = 1 ] || [ -n "${CAND[${T_TGID[${P_PARENT[$c]}]}]:-}" ]; then INTEREST+=("$c"); fi
    done
fi
born_in() {      # (twice: the second time with the children's own DB)
    for c in "${CANDS[@]}"; do
        declare -A cnt=(); best= bestn=1
        # (not when its own namespace is the root one, which it cannot have founded)
        [ "${P_IPC[$c]}" = "$ROOT_BIRTH" ] && continue
        # (an init's children may have been reparented to it: only when it has left its parent's)
        #  and when its own namespace has no member in a shallower pid namespace)
        [ "${INNER[$c]}" = 1 ] && [ "$c" != 1 ] && { [ "${P_IPC[${T_TGID[${P_PARENT[$c]}]}]}" = "${P_IPC[$c]}" ] || [ "${DB[${T_TGID[${P_PARENT[$c]}]}]:-}" = "${P_IPC[$c]}" ] || [ "${MINLEVEL[${P_IPC[$c]}]}" -lt "${PNS_LEVEL[${P_NS[$c]}]}" ]; } && continue
        for t in ${P_THREADS[$c]}; do
            for cc in ${T_CHILDREN[$t]:-}; do
                w=${DB[$cc]:-${P_IPC[$cc]}}
                [ "$w" = "${P_IPC[$c]}" ] && continue
                # (an init prefers one that has members above its pid namespace: its children
                # there cannot have been made by a keeper founding it below)
                # (an init's other ones can be made by keepers founding them below)
                if [ "${INNER[$c]}" = 1 ] && [ "${MINLEVEL[$w]}" -lt "${PNS_LEVEL[${P_NS[$c]}]}" ]; then
                    cnt[$w]=$((${cnt[$w]:-0} + 1000))
                elif [ "${INNER[$c]}" = 1 ] && [ "$t" = "$c" ]; then
                    continue
                else
                    cnt[$w]=$((${cnt[$w]:-0} + 1))
                fi
                [ "${cnt[$w]}" -gt "$bestn" ] && best=$w bestn=${cnt[$w]}
            done
        done
        unset cnt
        [ -n "$best" ] && DB[$c]=$best
    done
}
[ ${#CANDS[@]} -gt 0 ] && { born_in; born_in; }
DB[1]=$ROOT_BIRTH

# Who founds each IPC namespace: a member whose parent is outside it and cannot use a keeper
# (not a namespace's init) has to; otherwise the first member the restore creates does.
# OUTSIDE[N]: how many members of pid namespace N have their parent outside N.
# Among members that a keeper could create, the one in the shallowest pid namespace founds (so
# that the keepers of that namespace can be made in its context).
declare -A FOUNDER=() OUTSIDE=() FORCED=()
declare -A FLEX=()
founder() {     # founder W C FORCED
    [ -n "${FORCED[$1]:-}" ] && return 0
    # one with children in another ipc namespace was born there and founds W itself
    local t cc
    # (not an init's: those may have been reparented to it)
    for t in ${P_THREADS[$2]}; do
        [ "$t" = "$2" ] && [ "${INNER[$2]}" = 1 ] && continue
        for cc in ${T_CHILDREN[$t]:-}; do [ "${P_IPC[$cc]}" != "$1" ] && set -- "$1" "$2" 1; done
    done
    if [ "$3" = 1 ]; then FOUNDER[$1]=$2 FORCED[$1]=1; return 0; fi
    # two children of one init in W: a keeper of the init's namespace founds W
    local r=${T_TGID[${P_PARENT[$2]}]}
    [ -n "${FLEX[$1|$r]:-}" ] && FOUNDER[$1]=.keeper
    FLEX[$1|$r]=1
    [ "${FOUNDER[$1]:-}" = .keeper ] && return 0
    if [ -z "${FOUNDER[$1]:-}" ] || [ "${PNS_LEVEL[${P_NS[$2]}]}" -lt "${PNS_LEVEL[${P_NS[${FOUNDER[$1]}]}]}" ]; then
        FOUNDER[$1]=$2
    fi
}
in_ns() {        # in_ns P W: can process P be in ipc namespace W at some time?
    [ "${P_IPC[$1]}" = "$2" ] || [ "${DB[$1]:-}" = "$2" ] && return 0
    [ -z "${DB[$1]:-}" ] && [ "$1" != 1 ] && [ "${P_IPC[${T_TGID[${P_PARENT[$1]}]}]}" = "$2" ] && return 0
    return 1
}
found_rules() {
    for c in "${INTEREST[@]}"; do
        [ -n "${DB[$c]:-}" ] && [ "${DB[$c]}" != "${P_IPC[$c]}" ] && founder "${P_IPC[$c]}" "$c" 1
        [ "$c" = 1 ] && continue
        r=${T_TGID[${P_PARENT[$c]}]}
        w=${DB[$c]:-${P_IPC[$c]}}
        in_ns "$r" "$w" && continue
        if [ "${INNER[$r]}" != 1 ] || [ "${P_PARENT[$c]}" != "$r" ]; then founder "$w" "$c" 1; else founder "$w" "$c" 0; fi
    done
}
found_rules
# a process with one child in another ipc namespace that someone else must found: it was in there
again=0
for c in "${CANDS[@]}"; do
    [ -n "${DB[$c]:-}" ] && continue
    for t in ${P_THREADS[$c]}; do
        [ "$t" = "$c" ] && [ "${INNER[$c]}" = 1 ] && continue
        for cc in ${T_CHILDREN[$t]:-}; do
            w=${P_IPC[$cc]}
            [ "$w" = "${P_IPC[$c]}" ] && continue
            [ -n "${FORCED[$w]:-}" ] && [ "${FOUNDER[$w]}" != "$cc" ] && DB[$c]=$w again=1
            # a founder below the namespace's shallowest member: its parent was in it instead
            [ "${FOUNDER[$w]:-}" = "$cc" ] && [ "${MINLEVEL[$w]}" -lt "${PNS_LEVEL[${P_NS[$cc]}]}" ] \
                && [ "${P_IPC[$c]}" != "$ROOT_BIRTH" ] && DB[$c]=$w again=1
        done
    done
done
if [ $again = 1 ]; then born_in; FOUNDER=() FORCED=() FLEX=(); found_rules; fi
for c in "${XP[@]}"; do     # (the processes in another pid namespace than their parent)
    OUTSIDE[${P_NS[$c]}]=$((${OUTSIDE[${P_NS[$c]}]:-0} + 1))
done
for n in "${PIDNSES[@]}"; do OUTSIDE[$n]=${OUTSIDE[$n]:-0}; done

# Which contexts may need a keeper: the children of an init that it may not be able to fork
# itself (another ipc namespace, or a child pid namespace it did not make). (Only processes in
# another pid namespace than their parent or in INTEREST can be such children.)
for c in "${XP[@]}" "${INTEREST[@]}"; do
    [ "$c" = 1 ] && continue
    r=${T_TGID[${P_PARENT[$c]}]}
    [ "${INNER[$r]}" = 1 ] && [ "${P_PARENT[$c]}" = "$r" ] || continue
    m=${P_NS[$r]} cn=${P_NS[$c]}
    x=${DB[$c]:-${P_IPC[$c]}}
    [ "$x" != "${P_IPC[$r]}" ] && NEED[$m|$x]=1 && NEED_ANY[$m]=1
    if [ "$cn" = "$m" ]; then
        :
    elif [ "$cn" != "${P_PFC[$r]}" ] && ! { [ "${INNER[$c]}" = 1 ] && [ "${PNS_PARENT[$cn]}" = "$m" ]; }; then
        x=${PNS_INIT[$cn]:-$c}; NEED_ANY[$m]=1; NEED[$m|${DB[$x]:-${P_IPC[$x]}}]=1
        NEED[$m|${DB[$c]:-${P_IPC[$c]}}]=1
    fi
done

# ---------------------------------------------------------------------------------------------
# The restore
sysctl_write "$MNT/sys/kernel/pid_max" "$PID_LIMIT" "root pid namespace (raising pid_max for the restore)"
CURCOMM[1]=init CUR_PFC[1]=p1 CREATED[1]=1
CUR_IPC[1]=$ROOT_BIRTH
FOUNDED[${CUR_IPC[1]}]=1
found_ipc 1 "$ROOT_BIRTH"
STACK=(1)
run_stack() {
    while [ ${#STACK[@]} -gt 0 ]; do
        local g=${STACK[-1]}
        unset 'STACK[-1]'
        plan_process "$g"
    done
}
run_stack
# the adoptees, as long as one can be created
# the adoptees and the deferred plans, as long as one can go on
while [ ${#ADOPTEES[@]} -gt 0 ] || [ ${#DEFERRED[@]} -gt 0 ]; do
    progress=0 cur=("${DEFERRED[@]}")
    DEFERRED=()
    for c in "${cur[@]}"; do
        STACK+=("$c"); run_stack
        [ -n "${DEFER_DONE[$c]:-}" ] && progress=1
    done
    left=() cur=("${ADOPTEES[@]}")
    ADOPTEES=()     # (plans of the new processes may add some)
    for c in "${cur[@]}"; do
        if [ -n "${CREATED[$c]:-}" ]; then continue; fi
        if [ -n "${CREATED[${T_TGID[${P_PARENT[$c]}]}]:-}" ] && create_adoptee "$c"; then
            progress=1; run_stack
        else
            left+=("$c")
        fi
    done
    ADOPTEES=("${left[@]}" "${ADOPTEES[@]}")
    if [ $progress = 0 ]; then
        if [ ${#DEFERRED[@]} -gt 0 ]; then
            FORCE_PLAN[${DEFERRED[0]}]=1    # go on with it (and fail clearly if it cannot)
        elif [ ${#left[@]} -gt 0 ]; then
            c=${left[0]}
            die "unsupported shape: cannot create process $c (parent ${P_PARENT[$c]}, pid ns ${P_NS[$c]}, ipc ns ${P_IPC[$c]}): no task of the restore is in that pid and ipc namespace"
        fi
    fi
done
if [ ${#CREATED[@]} -ne ${#PROCS[@]} ]; then
    for c in "${PROCS[@]}"; do
        [ -n "${CREATED[$c]:-}" ] || die "internal: process $c was not created"
    done
fi

# ---------------------------------------------------------------------------------------------
# The pending state: helpers go, then the namespaces' files, then uid/gid, then next_id.
for h in "${HELPERS[@]}"; do
    [ -e "$MNT/task/$h" ] || continue
    ctl "$h" "helper $h" $'exit\n'
    close_fd "$h"
done
for n in "${PIDNSES[@]}"; do
    [ -n "${PNS_EMPTY[$n]:-}" ] && continue
    if [ "$n" = p1 ]; then dir=$MNT/sys/kernel; else dir=$MNT/${PNS_INIT[$n]}/sys/kernel; fi
    sysctl_write "$dir/pid_max" "${PNS_MAX[$n]}" "pid namespace $n"
    if [ "${PNS_LAST[$n]}" != -1 ]; then
        sysctl_write "$dir/ns_last_pid" "${PNS_LAST[$n]}" "pid namespace $n"
    else
        read -r v < "$dir/ns_last_pid"
        [ "$v" = -1 ] || fail_step "pid namespace $n" "ns_last_pid -1" "a cursor at 0 cannot be written"
    fi
done
for x in "${IPCNSES[@]}"; do
    read -r a b c <<< "${IPC_NEXT[$x]}"
    for kv in "msg $a" "sem $b" "shm $c"; do
        [ "${kv#* }" = -1 ] && continue
        if [ "$x" = "$ROOT_IPC" ]; then
            sysctl_write "$MNT/sys/kernel/${kv% *}_next_id" "${kv#* }" "ipc namespace $x (the root one)"
        fi
        if [ -n "${IPC_MEMBER[$x]:-}" ] && [ "$x" != "$ROOT_BIRTH" ]; then
            sysctl_write "$MNT/${IPC_MEMBER[$x]}/sys/kernel/${kv% *}_next_id" "${kv#* }" "ipc namespace $x"
        fi
    done
done
for g in "${PEND[@]}"; do   # (the processes with something to set)
    line=
    [ "${P_GID[$g]}" != 0 ] && line+="setgid ${P_GID[$g]}"$'\n'
    [ "${P_UID[$g]}" != 0 ] && line+="setuid ${P_UID[$g]}"$'\n'
    [ "${T_NEXT[$g]}" != - ] && line+="next_id ${T_NEXT[$g]//,/ }"$'\n'
    [ -n "$line" ] && ctl "$g" "process $g" "$line" && close_fd "$g"
    for t in ${P_THREADS[$g]}; do
        [ "$t" = "$g" ] || [ "${T_NEXT[$t]}" = - ] && continue
        ctl "$t" "thread $t" "next_id ${T_NEXT[$t]//,/ }"$'\n'
        close_fd "$t"
    done
done
exit 0
