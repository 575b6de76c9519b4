#!/usr/bin/env python3
"""Medians over rounds of bench/cref/uring-bench.sh output (stdin): latency per op and placement
for each filesystem, trunc_write_close against procfs's ns_last_pid, the parts of
trunc_write_close, and parwrite throughput per client count with its ratio to the best count of
the same transport."""
import re
import statistics
import sys
from collections import defaultdict

lat = defaultdict(list)    # (placement, fs, op) -> median_ns per round
p10 = defaultdict(list)    # (placement, fs, op) -> p10_ns per round
parts = defaultdict(list)  # (fs, op) -> median_ns per round (pinned)
proc = defaultdict(list)   # placement -> median_ns per round
par = defaultdict(list)    # (fs, clients) -> (writes_per_s, switches, resched) per round
for line in sys.stdin:
    f = dict(re.findall(r"(\w+)=(\S+)", line))
    if line.startswith("latency "):
        lat[(f["placement"], f["fs"], f["op"])].append(int(f["median_ns"]))
        p10[(f["placement"], f["fs"], f["op"])].append(int(f["p10_ns"]))
    elif line.startswith("procfs "):
        proc[f["placement"]].append(int(f["median_ns"]))
    elif line.startswith("parts "):
        parts[(f["fs"], f["op"])].append(int(f["median_ns"]))
    elif line.startswith("parwrite "):
        par[(f["fs"], int(f["clients"]))].append(
            (float(f["writes_per_s"]), float(f["switches_per_write"]), float(f["resched_per_write"])))

med = statistics.median
fss = ["cref", "cref-uring", "cref-no-open", "cref-no-open-uring"]
ops = ["trunc_write_close", "pwrite", "open_read_close", "stat"]
for placement in ("pinned", "free"):
    print(f"## latency, {placement} (median of rounds, us)")
    print("| op | " + " | ".join(fss) + " |")
    print("| --- |" + " ---: |" * len(fss))
    for op in ops:
        cells = [f"{med(lat[(placement, fs, op)]) / 1000:.1f}" if lat[(placement, fs, op)] else "-" for fs in fss]
        print(f"| {op} | " + " | ".join(cells) + " |")
    p = med(proc[placement]) if proc[placement] else float("nan")
    cells = [f"{med(p10[(placement, fs, 'trunc_write_close')]) / 1000:.1f}" for fs in fss if p10[(placement, fs, "trunc_write_close")]]
    print("| trunc_write_close p10 | " + " | ".join(cells) + " |")
    print(f"\nprocfs ns_last_pid {p / 1000:.1f} us; trunc_write_close / procfs: " + ", ".join(
        f"{fs} {med(lat[(placement, fs, 'trunc_write_close')]) / p:.2f}"
        for fs in fss if lat[(placement, fs, "trunc_write_close")]) + "\n")

if parts:
    print("## parts of trunc_write_close, pinned (median of rounds, us)")
    print("| op | cref-no-open | cref-no-open-uring |\n| --- | ---: | ---: |")
    for op in ("open_close", "trunc_close", "pwrite", "write_close", "trunc_write_close"):
        print(f"| {op} | " + " | ".join(f"{med(parts[(fs, op)]) / 1000:.1f}" for fs in ("cref-no-open", "cref-no-open-uring")) + " |")
    print()

if par:
    print("## parwrite on next_id (median of rounds)")
    print("| clients | " + " | ".join(f"{fs} writes/s (rounds) | median | / best | switches | resched" for fs in ("cref-no-open", "cref-no-open-uring")) + " |")
    print("| ---: |" + " ---: | ---: | ---: | ---: | ---: |" * 2)
    best = {fs: max(med([r[0] for r in v]) for (f, c), v in par.items() if f == fs)
            for fs in ("cref-no-open", "cref-no-open-uring")}
    for c in sorted({c for _, c in par}):
        row = [str(c)]
        for fs in ("cref-no-open", "cref-no-open-uring"):
            v = par[(fs, c)]
            m = med([r[0] for r in v])
            row += [" / ".join(f"{r[0]:,.0f}" for r in v), f"{m:,.0f}", f"{m / best[fs]:.2f}",
                    f"{med([r[1] for r in v]):.2f}", f"{med([r[2] for r in v]):.2f}"]
        print("| " + " | ".join(row) + " |")
