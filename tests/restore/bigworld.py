#!/usr/bin/env python3
"""Large world for the restore benchmark: bigworld.py MOUNTPOINT PROCESSES IPC_OBJECTS [SEED]

Forks PROCESSES processes (random parents, a few pid namespaces and threads, some uids) and
creates IPC_OBJECTS SysV objects (msg/sem/shm, a tenth of them by non-root users, some removed
first so that ids have seq > 0), driving the mount only through its files.
"""
import os
import random
import sys

mnt, nproc, nipc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)


def ctl(tid, text):
    fd = os.open(f"{mnt}/task/{tid}/ctl", os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    with open(f"{mnt}/task/{tid}/ctl") as f:
        return f.read().strip()


procs = [1]
inits = [1]
while len(procs) < nproc:
    p = rng.choice(procs[-2000:]) if rng.random() < 0.9 else rng.choice(procs)
    r = rng.random()
    if r < 0.005:
        ctl(p, "clone newpid\n")
    elif r < 0.02:
        ctl(p, "clone thread\n")
        continue
    else:
        ctl(p, "fork\n")
    kids = open(f"{mnt}/task/{p}/children").read().split()
    procs.append(max(map(int, kids)) if kids else p)
# a few users
for p in rng.sample(procs[1:], min(len(procs) - 1, nproc // 20)):
    ctl(p, "setgid 100\nsetuid 1000\n")
# IPC objects: root ones in batches from 1, a tenth by a non-root process
made = 0
user = next(p for p in procs[1:] if "1000" in open(f"{mnt}/{p}/status").read().split("Uid:")[1].split("\n")[0])
kinds = [("msg", ""), ("sem", " 2"), ("shm", " 4096")]
while made < nipc:
    kind, extra = rng.choice(kinds)
    n = min(50, nipc - made)
    who = user if rng.random() < 0.1 else 1
    ctl(who, "".join(f"{kind}get IPC_PRIVATE{extra} IPC_CREAT|0600\n" for _ in range(n)))
    if rng.random() < 0.05:
        last = int(ctl(who, f"{kind}get IPC_PRIVATE{extra} IPC_CREAT|0600\n"))
        ctl(who, f"{kind}rm {last}\n")
    made += n
print(f"big world: {len(os.listdir(mnt + '/task'))} tasks, {made} IPC objects")
