#!/usr/bin/env python3
"""Random world generator: genworld.py MOUNTPOINT SEED

Drives a live nextidfs mount only through its files (ctl, next_id, sys/kernel/*) with random
simulated system calls, seeded, so that the same seed gives the same world. The shapes it aims
for: 10 to 150 tasks, pid namespaces nested up to 10 deep (a chain of at least 8 in many worlds),
multi-threaded processes, orphans (exits of parents and of namespace inits), several uids and
gids, several IPC namespaces, IPC ids with seq > 0 after create/remove churn, small pid_max with a
wrapped cursor, sessions, process groups (some whose leader is gone), zombies with exit codes,
and pending state left behind: next_id on some threads, *_next_id sysctls, ns_last_pid values.
Prints one line: the seed and what it made.
"""
import errno
import os
import random
import sys

MNT, SEED = sys.argv[1], int(sys.argv[2])
rng = random.Random(SEED)
UIDS = [0, 0, 0, 1000, 1001, 2000]
GIDS = [0, 0, 100, 1000, 2000]
MODES = ["0600", "0640", "0666", "0400", "0660", "0604"]
COMMS = ["worker", "db", "sh", "a b", "restored-worker-process", "x", "kthread", "app.1"]


def ctl(tid, line):
    """Run one ctl line as thread tid; returns (ok, value or errno name)."""
    path = f"{MNT}/task/{tid}/ctl"
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as e:
        return False, errno.errorcode.get(e.errno, str(e.errno))
    try:
        os.write(fd, (line + "\n").encode())
    except OSError as e:
        return False, errno.errorcode.get(e.errno, str(e.errno))
    finally:
        os.close(fd)
    return True, read(path).strip()


def write(path, text):
    try:
        with open(path, "w") as f:
            f.write(text)
        return True
    except OSError:
        return False


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def threads():
    try:
        return sorted(int(t) for t in os.listdir(f"{MNT}/task"))
    except OSError:
        return []


_status_cache = {}


def status(tid):
    if tid in _status_cache:
        return _status_cache[tid]
    out = _status_cache[tid] = {}
    for line in read(f"{MNT}/task/{tid}/status").splitlines():
        k, _, v = line.partition(":")
        out[k] = v.split()
    return out


def tgid_of(tid):
    s = status(tid)
    return int(s["Tgid"][0]) if "Tgid" in s else None


def uid_of(tid):
    s = status(tid)
    return int(s["Uid"][0]) if "Uid" in s else None


def level_of(tid):
    s = status(tid)
    return len(s.get("NSpid", [1])) - 1


def link(tgid, name):
    try:
        return os.readlink(f"{MNT}/{tgid}/ns/{name}")
    except OSError:
        return None


def table(tgid, kind):
    rows = []
    for line in read(f"{MNT}/{tgid}/sysvipc/{kind}").splitlines()[1:]:
        f = line.split()
        if f:
            rows.append(int(f[1]))
    return rows


unshared_ipc = set()
stats = {"ops": 0, "ok": 0}


def root_tasks():
    return [t for t in threads() if uid_of(t) == 0]


def pick(ts):
    return rng.choice(ts) if ts else None


def op_fork(t):
    if uid_of(t) == 0 and rng.random() < 0.2:
        lvl = level_of(t)
        n = rng.randint(1, lvl + 1)
        ids = [rng.randint(2, 600) for _ in range(n)]
        ctl(t, "next_id " + ("LONG " if n == 1 else f"LONG{n} ") + " ".join(map(str, ids)))
    return ctl(t, "fork")


def op_deep_chain(t):
    """A chain of nested pid namespaces, each made by the init of the one before."""
    depth = rng.randint(8, 10) - level_of(t)
    cur = t
    for _ in range(max(depth, 0)):
        ok, v = ctl(cur, "clone newpid")
        if not ok:
            break
        kids = read(f"{MNT}/task/{cur}/children").split()
        if not kids:
            break
        cur = max(int(k) for k in kids if True)
        # the child just made: the newest one with pid 1 inside
        for k in sorted(map(int, kids), reverse=True):
            if status(k).get("NSpid", ["?"])[-1] == "1":
                cur = k
                break
        for _ in range(rng.randint(0, 2)):
            ctl(cur, "fork")
    return True, "chain"


def op_ipc_get(t):
    kind = rng.choice(["msg", "sem", "shm"])
    key = "IPC_PRIVATE" if rng.random() < 0.5 else str(rng.choice([1, 2, 3, 77, 0x1234, 0xdeadbeef, 99999]))
    mode = rng.choice(MODES)
    flags = "IPC_CREAT|" + mode if rng.random() < 0.8 else "IPC_CREAT|IPC_EXCL|" + mode
    if uid_of(t) == 0 and rng.random() < 0.3:
        ctl(t, f"next_id LONG {rng.randint(0, 5) * 32768 + rng.randint(0, 80)}")
    elif uid_of(t) == 0 and rng.random() < 0.15:
        write(f"{MNT}/{tgid_of(t)}/sys/kernel/{kind}_next_id", f"{rng.randint(0, 3) * 32768 + rng.randint(0, 100)}\n")
    extra = {"msg": "", "sem": f" {rng.randint(1, 8)}", "shm": f" {rng.choice([1, 4096, 65536, 100])}"}[kind]
    return ctl(t, f"{kind}get {key}{extra} {flags}")


def op_ipc_churn(t):
    kind = rng.choice(["msg", "sem", "shm"])
    extra = {"msg": "", "sem": " 1", "shm": " 4096"}[kind]
    for _ in range(rng.randint(20, 90)):
        ok, v = ctl(t, f"{kind}get IPC_PRIVATE{extra} IPC_CREAT|0600")
        if ok and rng.random() < 0.85:
            ctl(t, f"{kind}rm {v}")
    return True, "churn"


def op_ipc_rm(t):
    kind = rng.choice(["msg", "sem", "shm"])
    ids = table(tgid_of(t), kind)
    return ctl(t, f"{kind}rm {rng.choice(ids)}") if ids else (False, "none")


def op_ipc_set(t):
    kind = rng.choice(["msg", "sem", "shm"])
    ids = table(tgid_of(t), kind)
    if not ids:
        return False, "none"
    return ctl(t, f"{kind}set {rng.choice(ids)} {rng.choice(UIDS)} {rng.choice(GIDS)} {rng.choice(MODES)}")


def op_exit(t):
    g = tgid_of(t)
    if g == 1:
        return False, "root init"
    st = status(g)
    if st.get("NSpid", ["?"])[-1] == "1" and rng.random() < 0.85:
        return False, "spare the init"
    return ctl(t, "exit")


def op_small_pid_max(t):
    """pid_max 301..600 in the task's namespace with the cursor near it, then forks that wrap."""
    g = tgid_of(t)
    if uid_of(t) != 0:
        return False, "not root"
    d = f"{MNT}/{g}/sys/kernel"
    pm = rng.randint(301, 600)
    if not write(f"{d}/pid_max", f"{pm}\n"):
        return False, "pid_max"
    write(f"{d}/ns_last_pid", f"{pm - rng.randint(1, 6)}\n")
    for _ in range(rng.randint(2, 9)):
        ctl(t, "fork")
    return True, "wrap"


def op_root_small_pid_max(t):
    pm = rng.randint(400, 2000)
    write(f"{MNT}/sys/kernel/pid_max", f"{pm}\n")
    write(f"{MNT}/sys/kernel/ns_last_pid", f"{pm - rng.randint(1, 5)}\n")
    for _ in range(rng.randint(2, 6)):
        ctl(1, "fork")
    return True, "root wrap"


def op_unshare_ipc(t):
    g = tgid_of(t)
    if g in unshared_ipc:
        return False, "once"
    ok, v = ctl(t, "unshare ipc")
    if ok:
        unshared_ipc.add(g)
    return ok, v


def op_clone_newpid(t):
    if level_of(t) >= 9:
        return False, "deep enough"
    return ctl(t, "clone newpid")


def op_unshare_pid(t):
    if level_of(t) >= 9:
        return False, "deep enough"
    return ctl(t, "unshare pid")


OPS = [
    (30, op_fork),
    (8, lambda t: ctl(t, "clone thread")),
    (5, op_clone_newpid),
    (4, lambda t: ctl(t, "clone newipc")),
    (3, op_unshare_pid),
    (3, op_unshare_ipc),
    (12, op_exit),
    (4, lambda t: ctl(t, f"setgid {rng.choice(GIDS)}")),
    (4, lambda t: ctl(t, f"setuid {rng.choice(UIDS)}")),
    (3, lambda t: ctl(t, f"comm {rng.choice(COMMS)}")),
    (14, op_ipc_get),
    (5, op_ipc_rm),
    (3, op_ipc_set),
    (1, op_ipc_churn),
    (1, op_small_pid_max),
]
TOTAL = sum(w for w, _ in OPS)


def choose_op():
    r = rng.uniform(0, TOTAL)
    for w, f in OPS:
        r -= w
        if r <= 0:
            return f
    return OPS[-1][1]


def processes():
    """Live processes but the inits (root pids)."""
    _status_cache.clear()
    out = []
    for name in sorted(os.listdir(MNT)):
        if not name.isdigit():
            continue
        s = status(int(name))
        if s.get("State", ["Z"])[0] != "Z" and s.get("NSpid", ["1"])[-1] != "1":
            out.append(int(name))
    return out


def childless(g):
    for t in os.listdir(f"{MNT}/{g}/task"):
        if read(f"{MNT}/{g}/task/{t}/children").strip():
            return False
    return True


def all_processes():
    """Every process but the root init (root pids), zombies and dying inits too."""
    return [int(n) for n in sorted(os.listdir(MNT)) if n.isdigit() and n != "1"]


def group_held_from_outside(g):
    """A process outside g's pid namespace is in its group: the group's pid is held in that
    namespace too, where no task shows it."""
    depth = len(status(g)["NSpid"])
    return any(int(status(x)["NSpgid"][0]) == g and len(status(x)["NSpid"]) < depth for x in all_processes())


def forks_in_its_namespace(g):
    """Its children are in its own pid namespace (it never ran unshare pid). Only such a process
    of a session exits with children here: a session helper makes the children of an init in
    the init's namespace, not those of a namespace whose unsharer has gone."""
    return link(g, "pid") == link(g, "pid_for_children")


def sessions():
    """After the world is built: sessions and groups made by processes without children (later
    children inherit them), forks into them, zombies (a parent at SIG_DFL, a child that exits
    with a code), group leaders that exit (the group holds their pid), session leaders that
    exit (their members go to the init; the session holds the pid), members with children that
    leave by setsid or exit, a process that joins the group of a leader in a pid namespace below
    its own, and inits that exit: one whose namespace's pids a group outside it or a zombie of an
    outside parent holds is a dying init. A group leader whose group is held from outside its
    namespace does not exit while its init lives (the tree would not show the pid its group
    holds there). The same as WorldGenerator.sessions but for the child in a new pid namespace
    after a join below (here only by chance: the campaigns' worlds stay as they were)."""
    for _ in range(rng.randint(0, 12)):
        ps = processes()
        if not ps:
            return
        p = rng.choice(ps)
        op = rng.choices(range(11), weights=[5, 3, 4, 4, 3, 2, 5, 2, 2, 2, 2])[0]
        if op == 0 and childless(p):   # a new session, with members most often
            ok, _ = ctl(p, "setsid")
            for _ in range(rng.randint(0, 3) if ok else 0):
                ctl(p, "fork")
        elif op == 1 and childless(p):
            ctl(p, "setpgid 0 0")
        elif op == 2 and childless(p):
            leaders = [x for x in ps if int(status(x)["NSpgid"][0]) == x]   # a leader's group, most often
            q = rng.choice(leaders if leaders and rng.random() < 0.8 else ps)
            me, other = status(p), status(q)
            if len(me["NSpid"]) == len(other["NSpid"]) and other["NSpgid"][-1] != "0":
                ctl(p, f"setpgid 0 {other['NSpgid'][-1]}")
        elif op == 3:
            ctl(p, "fork")
        elif op == 4:
            ctl(p, "sigchld default")
            ok, _ = ctl(p, "fork")
            kids = read(f"{MNT}/{p}/task/{p}/children").split()
            if ok and kids and rng.random() < 0.7:
                ctl(int(kids[-1]), f"exit {rng.randint(0, 255)}")
        elif op == 5:   # a group leader (not a session leader) without children exits
            leaders = [x for x in ps if int(status(x)["NSpgid"][0]) == x and int(status(x)["NSsid"][0]) != x and childless(x)
                       and not group_held_from_outside(x)]
            if leaders:
                ctl(rng.choice(leaders), f"exit {rng.randint(0, 3)}")
        elif op == 6:   # a session leader exits (a zombie if its parent is at SIG_DFL)
            leaders = [x for x in ps if int(status(x)["NSsid"][0]) == x and forks_in_its_namespace(x)]
            members = [x for x in leaders if not childless(x)]
            if leaders:
                ctl(rng.choice(members if members and rng.random() < 0.8 else leaders), f"exit {rng.randint(0, 3)}")
        elif op == 7 and not childless(p):   # leaves for its own session (EPERM: a group leader)
            ctl(p, "setsid")
        elif op == 8:   # a member of a session other than 1 with children exits
            members = [x for x in ps if int(status(x)["NSsid"][0]) not in (x, 1) and not childless(x)
                       and forks_in_its_namespace(x)]
            if members:
                ctl(rng.choice(members), "exit")
        elif op == 9 and childless(p):
            # joins the group of a process of its session one pid namespace below its own, which
            # leads it (deeper, the group would hold pids in namespaces between them that no
            # task shows)
            me = status(p)
            depth = len(me["NSpid"])
            below = [x for x in ps if len(status(x)["NSpid"]) == depth + 1 and status(x)["NSsid"][0] == me["NSsid"][0]
                     and childless(x)]
            if below:
                q = rng.choice(below)
                if int(status(q)["NSpgid"][0]) != q:
                    ctl(q, "setpgid 0 0")
                    _status_cache.pop(q, None)
                other = status(q)
                if int(other["NSpgid"][0]) == q:
                    ok, _ = ctl(p, f"setpgid 0 {other['NSpid'][depth - 1]}")
                    inits = [x for x in all_processes() if status(x)["NSpid"][-1] == "1" and link(x, "pid") == link(q, "pid")]
                    # the leader's init exits: a dying init (one at a time: two side by side,
                    # each held only by a group outside, the image could not tell apart)
                    dying = [x for x in all_processes() if status(x)["State"][0] == "S" and link(x, "ipc") is None]
                    if ok and inits and rng.random() < 0.5 and not dying:
                        ctl(inits[0], f"exit {rng.randint(0, 3)}")
        elif op == 10:   # an init exits (dying while pids of its namespace are held from outside;
            # not one a group outside holds while another is dying: two side by side, each held
            # only by a group outside, the image could not tell apart)
            dying = [x for x in all_processes() if status(x)["State"][0] == "S" and link(x, "ipc") is None]
            inits = [x for x in all_processes() if status(x)["NSpid"][-1] == "1" and status(x)["State"][0] == "S"
                     and link(x, "ipc") is not None and not (dying and held_by_a_group_outside(x))]
            if inits:
                ctl(rng.choice(inits), f"exit {rng.randint(0, 3)}")
        stats["ops"] += 1


def held_by_a_group_outside(init):
    """Whether a group led in `init`'s pid namespace has a member outside that namespace."""
    ns = link(init, "pid")
    for x in all_processes():
        leader = int(status(x).get("NSpgid", [x])[0])
        if leader != x and link(x, "pid") != ns and link(leader, "pid") == ns:
            return True
    return False


def main():
    target = rng.randint(10, 150)
    # Processes reap their children at once (until sessions() sets some to SIG_DFL).
    ctl(1, "sigchld ignore")
    if rng.random() < 0.3:
        op_root_small_pid_max(1)
    if rng.random() < 0.6:
        op_deep_chain(pick(threads()))
    budget = target * 6
    while budget > 0 and len(threads()) < target:
        budget -= 1
        _status_cache.clear()
        ts = threads()
        t = pick(ts)
        f = choose_op()
        stats["ops"] += 1
        ok, _ = f(t)
        stats["ok"] += 1 if ok else 0
    if rng.random() < 0.7:
        sessions()
    # pending state left behind
    _status_cache.clear()
    ts = [t for t in threads() if status(t).get("State", ["Z"])[0] != "Z"]
    for t in rng.sample(ts, min(len(ts), rng.randint(0, 6))):
        n = rng.randint(1, 4)
        ids = [rng.randint(1, 40000) for _ in range(n)]
        write(f"{MNT}/task/{t}/next_id", ("LONG " if n == 1 else f"LONG{n} ") + " ".join(map(str, ids)) + "\n")
    for t in rng.sample(ts, min(len(ts), rng.randint(0, 3))):
        if uid_of(t) == 0:
            kind = rng.choice(["msg", "sem", "shm"])
            write(f"{MNT}/{tgid_of(t)}/sys/kernel/{kind}_next_id", f"{rng.randint(0, 200000)}\n")
    for t in rng.sample(ts, min(len(ts), rng.randint(0, 2))):
        if uid_of(t) == 0:
            write(f"{MNT}/{tgid_of(t)}/sys/kernel/ns_last_pid", f"{rng.randint(0, 300)}\n")
    print(f"seed {SEED}: {len(threads())} tasks, {stats['ops']} ops ({stats['ok']} ok)")


main()
