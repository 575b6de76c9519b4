#!/usr/bin/env python3
"""A world for the restore benchmark.

  world.py NPROCS NQUEUES SEED      prints the world: "P PID PARENT" lines (a two-level tree: 100
                                    processes under init, the rest spread under them; pids spread
                                    over 300..399999) and "Q ID KEY" lines (message queues with
                                    distinct idx and random seq)
  world.py --drive MOUNTPOINT       builds a world read from stdin in a mounted nextidfs with
                                    multi-line ctl writes (next_id + fork, next_id + msgget)
"""
import os
import random
import sys


def generate(nprocs, nqueues, seed):
    r = random.Random(seed)
    pids = r.sample(range(300, 400000), nprocs)
    leaders = pids[:100]
    for p in leaders:
        print(f"P {p} 1")
    for i, p in enumerate(pids[100:]):
        print(f"P {p} {leaders[i % len(leaders)]}")
    for k, idx in enumerate(r.sample(range(32768), nqueues)):
        print(f"Q {(r.randrange(1, 60) << 15) + idx} {0x10000 + k}")


def write_lines(path, lines):
    fd = os.open(path, os.O_WRONLY)
    try:
        chunk = []
        size = 0
        for line in lines + [None]:
            if line is None or size + len(line) > 60000:
                data = "".join(chunk).encode()
                while data:
                    n = os.write(fd, data)
                    data = data[n:]
                chunk, size = [], 0
            if line is not None:
                chunk.append(line)
                size += len(line)
    finally:
        os.close(fd)


def drive(mnt):
    children = {}
    queues = []
    for line in sys.stdin:
        kind, a, b = line.split()
        if kind == "P":
            children.setdefault(int(b), []).append(int(a))
        else:
            queues.append((int(a), int(b)))
    order = [1]
    for parent in order:
        kids = children.get(parent, [])
        if kids:
            write_lines(f"{mnt}/{parent}/task/{parent}/ctl", [f"next_id LONG {c}\nfork\n" for c in kids])
            order.extend(kids)
    write_lines(f"{mnt}/1/task/1/ctl", [f"next_id LONG {i}\nmsgget {k} IPC_CREAT|IPC_EXCL|0600\n" for i, k in queues])


if __name__ == "__main__":
    if sys.argv[1] == "--drive":
        drive(sys.argv[2])
    else:
        generate(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
