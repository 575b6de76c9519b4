#!/usr/bin/env bash
# Checkpoint a simulated world: scripts/dump.sh MOUNTPOINT > IMAGE
#
# Reads only the mounted nextidfs tree (status, comm, next_id of every thread, children, the ns
# links, the sys/kernel files and sysvipc tables of every namespace) and prints the line-oriented
# image described in docs/restore.md (format "nextidfs-image 1"). Exit status 1 with a message
# when MOUNTPOINT is not a nextidfs tree or the tree is inconsistent.
set -euo pipefail
export LC_ALL=C

if [ $# -ne 1 ]; then
    echo "usage: $0 MOUNTPOINT > IMAGE" >&2
    exit 2
fi
mnt=${1%/}
if [ ! -e "$mnt/1/task/1/ctl" ] || [ ! -e "$mnt/sysvipc/msg" ]; then
    echo "dump: $mnt is not a nextidfs mount (no 1/task/1/ctl)" >&2
    exit 1
fi

# One line per thread: "T TGID TID"; one line per ns link: "L TGID NAME TARGET".
# Two listings give the threads: the top-level directories are the processes (and their leaders),
# task/ holds every thread; only a thread that is no leader needs its link read for its process.
# The ns links are read by name (no listing per process). Everything else is read by awk with
# getline (no process per file), so a dump of a large world stays fast.
lists() {
    cd "$mnt" || exit 1
    local procs=([0-9]*) t
    local -A leader=()
    for t in "${procs[@]}"; do leader[$t]=1; printf 'T %s %s\n' "$t" "$t"; done
    for t in task/[0-9]*; do
        [ -n "${leader[${t#task/}]:-}" ] && continue
        t=$(readlink "$t") || exit 1        # ../TGID/task/TID
        t=${t#../}; printf 'T %s %s\n' "${t%%/*}" "${t##*/}"
    done
    # ns/pid_for_children has no target (ENOENT) while the namespace has no init yet: an empty
    # target says so
    for t in "${procs[@]}"; do printf '%s/ns/pid\0%s/ns/ipc\0%s/ns/pid_for_children\0' "$t" "$t" "$t"; done \
        | { find -files0-from - -maxdepth 0 -printf 'L %h %f %l\n' 2> /dev/null || true; } | sed 's,/ns , ,'
}

# The root IPC namespace is known by its inode, the same in every mount (PROC_IPC_INIT_INO:
# IdAllocators' Limits.rootIpcNamespaceInode, docs/interface.md §6.4), as its members' ns/ipc show.
image=$(lists | awk -v mnt="$mnt" -v rootipc="ipc:[4026531839]" '
function die(msg) { print "dump: " msg > "/dev/stderr"; failed = 1; exit 1 }
function slurp(path,    line, out, n) {
    out = ""; n = 0
    while ((getline line < path) > 0) { out = out line "\n"; n++ }
    close(path)
    return out
}
function first_line(path,    line) {
    line = ""
    if ((getline line < path) <= 0) line = ""
    close(path)
    return line
}
# next_ids(DIR): "MSG SEM SHM", the *_next_id sysctls under DIR.
function next_ids(d) {
    return first_line(d "/sys/kernel/msg_next_id") " " first_line(d "/sys/kernel/sem_next_id") " " first_line(d "/sys/kernel/shm_next_id")
}
# comm: bytes outside printable ASCII, the space and the backslash become \xHH (printf %b undoes it).
function enc(s,    i, c, out) {
    if (s == "") return "\\x00"
    out = ""
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c in code && (code[c] <= 32 || code[c] >= 127 || c == "\\")) out = out sprintf("\\x%02x", code[c])
        else out = out c
    }
    return out
}
# objects(DIR, NAME, SORTKEY): the image lines of the sysvipc tables under DIR.
function objects(d, name, g,    k, kind, txt, m, q, rl, nf, ff, o, line) {
    for (k = 1; k <= 3; k++) {
        kind = kinds[k]; txt = slurp(d "/sysvipc/" kind)
        m = split(txt, rl, "\n")
        for (q = 2; q <= m; q++) {
            if (rl[q] == "") continue
            nf = split(rl[q], ff, " ")
            # msg: key id perms cbytes qnum lspid lrpid uid gid cuid cgid ...
            # sem: key id perms nsems uid gid cuid cgid ...
            # shm: key id perms size cpid lpid nattch uid gid cuid cgid ...
            if (kind == "msg") { if (ff[4] != 0 || ff[5] != 0) die("message queue " ff[2] " holds messages: not supported"); o = ff[8] " " ff[9] " " ff[10] " " ff[11] " -" }
            else if (kind == "sem") o = ff[5] " " ff[6] " " ff[7] " " ff[8] " " ff[4]
            else { if (ff[7] != 0) die("shm " ff[2] " is attached: not supported"); o = ff[8] " " ff[9] " " ff[10] " " ff[11] " " ff[4] }
            line = sprintf("%s %s %s %s %s %s", kind, name, ff[2], ff[1], ff[3], o)
            out[++no] = sprintf("5 %d %d %d 0|%s", g, k, ff[2], line)
        }
    }
}
$1 == "T" { g = $2; t = $3; tgid_of[t] = g; ntask[g]++; tasks[g, ntask[g]] = t
             if (!(g in seen_proc)) { seen_proc[g] = 1; procs[++np] = g }
             next }
$1 == "L" { ns[$2, $3] = (NF >= 4 ? $4 : ""); next }
END {
    if (failed) exit 1
    split("msg sem shm", kinds, " ")
    for (i = 1; i < 256; i++) code[sprintf("%c", i)] = i

    # Per thread: NSpid, uid/gid, comm, pending next_id; children where a process has several
    # threads (which one is the parent).
    for (i = 1; i <= np; i++) {
        g = procs[i]; uid[g] = ""; gid[g] = ""
        for (j = 1; j <= ntask[g]; j++) {
            t = tasks[g, j]; d = mnt "/" g "/task/" t
            st = slurp(d "/status"); n = split(st, sl, "\n")
            nspid[t] = ""
            for (k = 1; k <= n; k++) {
                split(sl[k], ff, "\t")
                if (ff[1] == "NSpid:") { m = split(sl[k], ff, "\t"); s = ff[2]; for (q = 3; q <= m; q++) s = s "," ff[q]; nspid[t] = s; level[t] = m - 2; inner[t] = ff[m] }
                else if (ff[1] == "Uid:" && t == g) uid[g] = ff[2]
                else if (ff[1] == "Gid:" && t == g) gid[g] = ff[2]
                else if (ff[1] == "PPid:" && t == g) ppid[g] = ff[2]
                # not in the image yet: zombies, sessions and process groups (all 1 by default)
                else if (ff[1] == "State:" && t == g && ff[2] ~ /^Z/) die("process " g " is a zombie: not supported")
                else if ((ff[1] == "NSpgid:" || ff[1] == "NSsid:") && t == g && ff[2] != 1) die("process " g ": " ff[1] " " ff[2] ": process groups and sessions are not supported")
            }
            if (nspid[t] == "") die("no NSpid in " d "/status")
            comm[t] = first_line(d "/comm")
            nx = first_line(d "/next_id"); gsub(/[ \t]+/, ",", nx); nextid[t] = (nx == "" ? "-" : nx)
            # (the parent thread of a child of a one-thread process is its leader: PPid)
            if (ntask[g] > 1) {
                ch = first_line(d "/children"); m = split(ch, cl, " ")
                for (k = 1; k <= m; k++) parent_tid[cl[k]] = t
            }
        }
        if (uid[g] == "" || gid[g] == "") die("no Uid/Gid in " mnt "/" g "/status")
        if (!((g, "pid") in ns) || !((g, "ipc") in ns) || !((g, "pid_for_children") in ns)) die("missing ns links of " g)
    }
    # Pid namespaces: named after the root pid of their init ("p<pid>"); a pid_for_children
    # without tasks is named after the process that points to it: "e<tgid>" before it had an
    # init (no link target), "d<tgid>" after its init died (forks into it give ENOMEM).
    for (i = 1; i <= np; i++) {
        g = procs[i]; target = ns[g, "pid"]
        if (inner[g] == 1) {
            if (target in pidname) die("two inits in " target)
            pidname[target] = "p" g; pidinit[target] = g
        }
    }
    for (i = 1; i <= np; i++) {
        g = procs[i]
        if (!(ns[g, "pid"] in pidname)) die("process " g ": no init found in its pid namespace " ns[g, "pid"])
    }
    for (i = 1; i <= np; i++) {
        g = procs[i]; target = ns[g, "pid_for_children"]
        if (target == ns[g, "pid"]) pfc[g] = pidname[target]
        else if (target in pidname) pfc[g] = pidname[target]
        else {
            kind = (target == "" ? "e" : "d")
            if (target != "" && target in emptyname) die("two processes point to the dead pid namespace " target)
            emptyname[target] = kind g; pfc[g] = kind g
            line = sprintf("pidns %s%d %s %d - -", kind, g, pidname[ns[g, "pid"]], level[g] + 1)
            out[++no] = sprintf("1 %d 1 %d 0|%s", level[g] + 1, g, line)
        }
    }
    for (target in pidinit) {
        g = pidinit[target]
        if (g == 1) parentns = "-"
        else {
            if (!(ppid[g] in ntask)) die("init " g " has no parent process")
            parentns = pidname[ns[ppid[g], "pid"]]
            if (level[ppid[g]] != level[g] - 1) die("init " g ": parent " ppid[g] " is not one level up")
        }
        pm = first_line(mnt "/" g "/sys/kernel/pid_max")
        lp = first_line(mnt "/" g "/sys/kernel/ns_last_pid")
        line = sprintf("pidns p%d %s %d %s %s", g, parentns, level[g], pm, lp)
        out[++no] = sprintf("1 %d 0 %d 0|%s", level[g], g, line)
    }
    # IPC namespaces: named after their smallest member tgid ("i<tgid>").
    for (i = 1; i <= np; i++) {
        g = procs[i]; target = ns[g, "ipc"]
        if (!(target in ipcname) || g + 0 < ipcmin[target]) { ipcname[target] = "i" g; ipcmin[target] = g + 0 }
    }
    for (target in ipcname) {
        g = ipcmin[target]
        objects(mnt "/" g, ipcname[target], g)
        ipcline[target] = sprintf("%s %s", ipcname[target], next_ids(mnt "/" g))
    }
    if (!(rootipc in ipcname)) {
        # the root IPC namespace outlives its last task (as init_ipc_ns does in Linux): it is
        # "root", read from the top-level files
        objects(mnt, "root", 0)
        out[++no] = sprintf("2 0 0 0 0|ipcns root %s 1", next_ids(mnt))
    }
    for (target in ipcname) {
        g = ipcmin[target]
        line = sprintf("ipcns %s %d", ipcline[target], target == rootipc ? 1 : 0)
        # fields: name msg_next_id sem_next_id shm_next_id root
        out[++no] = sprintf("2 %d 0 0 0|%s", g, line)
    }
    for (i = 1; i <= np; i++) {
        g = procs[i]
        pt = (g == 1 ? 0 : (g in parent_tid) ? parent_tid[g] : (ppid[g] in ntask && ntask[ppid[g]] == 1) ? ppid[g] : "")
        if (g != 1 && pt == "") die("process " g ": no thread of its parent " ppid[g] " lists it as a child")
        line = sprintf("proc %d %d %s %s %s %s %s", g, pt, pidname[ns[g, "pid"]], pfc[g], ipcname[ns[g, "ipc"]], uid[g], gid[g])
        out[++no] = sprintf("3 %d 0 0 0|%s", g, line)
        for (j = 1; j <= ntask[g]; j++) {
            t = tasks[g, j]
            line = sprintf("thread %d %d %s %s %s", t, g, nspid[t], nextid[t], enc(comm[t]))
            out[++no] = sprintf("4 %d %d 0 0|%s", g, (t == g ? 0 : t), line)
        }
    }
    for (i = 1; i <= no; i++) print out[i]
}
' | sort -n -k1,1 -k2,2 -k3,3 -k4,4 -k5,5 | cut -d'|' -f2-) || exit 1
printf 'nextidfs-image 1\n%s\nend\n' "$image"
