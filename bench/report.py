#!/usr/bin/env python3
"""Turns bench/out/results.txt (scripts/bench.sh) into the tables of BENCHMARKS.md and the
plots bench/plots/*.png (gnuplot)."""
import os
import re
import statistics
import subprocess
import sys

results_path, out_dir, md_path = sys.argv[1:4]
plots = os.path.join(os.path.dirname(os.path.abspath(md_path)), "bench", "plots")
os.makedirs(plots, exist_ok=True)


# The targets of the benchmark issue.
LATENCY_RATIO = 1.15        # nextidfs / C reference, per operation
BULK_RATE = 200_000         # processes per second
BYTES_PER_TASK = 1024       # daemon resident bytes per task
RESTORE_RATIO = 0.3         # restore.sh (planning included) / the kernel building the same world
PAIRS_RATIO = 0.9           # pairs per second at 8, 16, 64 clients / the best client count's
PROCFS_WRITE_RATIO = 3.0    # open(O_TRUNC)+write+close of next_id / of procfs ns_last_pid, pinned
CAT_COLD_RATIO = 3.0        # cat of 10,000 status files / the same over real /proc, cold
CAT_WARM_RATIO = 1.5        # the same, the pass right after
DUMP_SECONDS = 2.0          # scripts/dump.sh of the 10,000 + 10,000 world
CHURN_RATIO = 1.2           # resident memory after the last mass-exit cycle / after the second


def fields(text):
    return dict(re.findall(r"(\w+)=(\S+)", text))


header, latency, pairs, bulk, allocator = [], {}, [], None, {}
restore, kernelworld = {}, []
procfs, cats, dumps = {}, {}, []
churn_cycles, churn = [], None
for line in open(results_path):
    line = line.rstrip("\n")
    if line.startswith(("date:", "machine:")):
        header.append(line)
    elif line.startswith("latency "):
        f = fields(line)
        latency.setdefault((f["placement"], f["op"], f["fs"]), []).append(int(f["median_ns"]))
    elif line.startswith("pairs "):
        pairs.append(fields(line))
    elif line.startswith("bulk "):
        bulk = fields(line)
    elif line.startswith("restore "):
        f = fields(line)
        restore.setdefault(f["placement"], []).append(f)
    elif line.startswith("procfs "):
        f = fields(line)
        procfs.setdefault(f["placement"], []).append(int(f["median_ns"]))
    elif line.startswith("cat "):
        f = fields(line)
        cats.setdefault(f["fs"], []).append(f)
    elif line.startswith("dump "):
        dumps.append(float(fields(line)["seconds"]))
    elif line.startswith("kernelworld "):
        kernelworld.append(float(fields(line)["seconds"]))
    elif line.startswith("churn cycle="):
        churn_cycles.append(fields(line))
    elif line.startswith("churn cycles="):
        churn = fields(line)
    elif line.startswith("allocator "):
        f = fields(line)
        allocator[f["name"]] = float(f["p50"])

ops = ["trunc_write_close", "pwrite", "open_read_close", "stat"]
op_names = {"trunc_write_close": "open(O_TRUNC)+write+close next_id", "pwrite": "pwrite on an open fd",
            "open_read_close": "open+read+read+close status", "stat": "stat status"}
lines = []
lines += [f"- {h}" for h in header]
verdicts = []

# 1. latency
lines += ["", "### 1. FUSE operation latency", "",
          "Median of the per-round medians (20,000 operations per round, after 2,000 warm-up), same client, same run.",
          "`pinned`: daemon and client on CPU 1 (the round trip without scheduler luck); `free`: no pinning.", "",
          f"| operation | placement | C reference (us) | nextidfs (us) | ratio | target <= {LATENCY_RATIO} |",
          "| --- | --- | ---: | ---: | ---: | --- |"]
plot_rows = []
for placement in ["pinned", "free"]:
    for op in ops:
        c = latency.get((placement, op, "cref"))
        n = latency.get((placement, op, "nextidfs"))
        if not c or not n:
            continue
        cm, nm = statistics.median(c) / 1000, statistics.median(n) / 1000
        ratio = nm / cm
        ok = ratio <= LATENCY_RATIO
        verdicts.append((f"latency {placement} {op}", ok, f"{ratio:.2f}x"))
        lines.append(f"| {op_names[op]} | {placement} | {cm:.1f} | {nm:.1f} | {ratio:.2f} | {'met' if ok else 'missed'} |")
        plot_rows.append((f"{op} ({placement})", cm, nm))
if procfs:
    lines += ["", "The real kernel's procfs: open(O_TRUNC)+write+close of /proc/sys/kernel/ns_last_pid by the init of a "
              "private pid namespace (bench/clients/procref), 20,000 operations per round, against nextidfs's next_id "
              "(the same operation in the table above). The C floor is the C reference with `--no-open`: OPEN and "
              "FLUSH answered ENOSYS as nextidfs does, so the operation is the one WRITE request nextidfs needs, "
              "answered at once: what libfuse's transport costs before any work.", "",
              f"| placement | procfs (us) | nextidfs (us) | C reference (us) | C floor (us) | nextidfs / procfs | C reference / procfs | C floor / procfs | target <= {PROCFS_WRITE_RATIO} (pinned) |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for placement in ["pinned", "free"]:
        p, n = procfs.get(placement), latency.get((placement, "trunc_write_close", "nextidfs"))
        c = latency.get((placement, "trunc_write_close", "cref"))
        f = latency.get((placement, "trunc_write_close", "cref-no-open"))
        if not p or not n or not c or not f:
            continue
        pm, nm, cm, fm = (statistics.median(v) / 1000 for v in (p, n, c, f))
        ok = nm / pm <= PROCFS_WRITE_RATIO
        if placement == "pinned":
            verdicts.append(("next_id write vs procfs ns_last_pid (pinned)", ok, f"{nm / pm:.2f}x (C floor {fm / pm:.2f}x)"))
        lines.append(f"| {placement} | {pm:.1f} | {nm:.1f} | {cm:.1f} | {fm:.1f} | {nm / pm:.2f} | {cm / pm:.2f} | {fm / pm:.2f} | "
                     f"{('met' if ok else 'missed') if placement == 'pinned' else '-'} |")

# 2. pairs: the median of the rounds per client count, against the best count's median.
if pairs:
    rates = {}
    for p in pairs:
        rates.setdefault(int(p["clients"]), []).append(p)
    medians = {c: statistics.median(float(p["pairs_per_s"]) for p in ps) for c, ps in rates.items()}
    best = max(medians.values())
    lines += ["", "### 2. Concurrent next_id + fork pairs", "",
              "Each client drives its own simulated thread: pwrite(next_id, \"LONG X\") + pwrite(ctl, \"fork\") on open fds; "
              "afterwards every child's pid is checked against its client's range (crossed ids). "
              f"Median of {max(len(ps) for ps in rates.values())} interleaved rounds of 3 s.", "",
              "Context switches and rescheduling interrupts (a wakeup that preempts another CPU) are counted over the "
              "whole machine while the clients run, per pair, medians.", "",
              "| clients | pairs per second (rounds) | median | / best | system calls per second | context switches | rescheduling interrupts | errors | crossed ids |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for c in sorted(rates):
        ps, m = rates[c], medians[c]
        errors = sum(int(p["errors"]) for p in ps)
        crossed = sum(int(p.get("crossed", 0)) for p in ps)
        if c in (8, 16, 64):
            verdicts.append((f"pairs at {c} clients", m / best >= PAIRS_RATIO and errors == 0 and crossed == 0, f"{m / best:.2f}x of the best"))
        each = " / ".join(f"{float(p['pairs_per_s']):,.0f}" for p in ps)
        per_pair = [f"{statistics.median(float(p[k]) for p in ps):.2f}" if all(k in p for p in ps) else "-"
                    for k in ("switches_per_pair", "resched_per_pair")]
        lines.append(f"| {c} | {each} | {m:,.0f} | {m / best:.2f} | {2 * m:,.0f} | {per_pair[0]} | {per_pair[1]} | {errors} | {crossed} |")

# 3. bulk
if bulk:
    rate, per_task = float(bulk["tasks_per_s"]), float(bulk["bytes_per_task"])
    verdicts.append(("bulk creation rate", rate >= BULK_RATE, f"{rate:,.0f}/s"))
    verdicts.append(("resident bytes per task", per_task <= BYTES_PER_TASK, f"{per_task:.0f} B"))
    lines += ["", "### 3. Bulk creation", "",
              f"{int(bulk['tasks']):,} forks by init, 20,000 `fork` lines per write(2): {bulk['seconds']} s, "
              f"**{rate:,.0f} processes per second** (target >= {BULK_RATE:,}). Daemon resident memory "
              f"{int(bulk['rss_before_kib']) // 1024} MiB before, {int(bulk['rss_after_kib']) // 1024} MiB after: "
              f"**{per_task:.0f} bytes per task** (target <= {BYTES_PER_TASK})."]

# 4. restore
if dumps:
    seconds = statistics.median(dumps)
    verdicts.append(("scripts/dump.sh of the 10,000 + 10,000 world", seconds <= DUMP_SECONDS, f"{seconds:.2f} s"))
    lines += ["", "### 4a. Dump of the 10,000-process, 10,000-queue world", "",
              f"scripts/dump.sh of the world below from the mount that built it: "
              f"{' / '.join(f'{s:.2f}' for s in dumps)} s, median **{seconds:.2f} s** (target <= {DUMP_SECONDS} s)."]
if restore and kernelworld:
    kernel = statistics.median(kernelworld)
    rows = []
    for placement, what in (("free", "scripts/restore.sh into a fresh mount"),
                            ("pinned", "the same, daemon and restore.sh pinned to one CPU")):
        runs = restore.get(placement, [])
        if not runs:
            continue
        seconds = statistics.median(float(f["seconds"]) for f in runs)
        identical = all(f["identical_image"] == "yes" for f in runs)
        ratio = seconds / kernel
        if placement == "free":
            verdicts.append(("restore vs kernel", ratio <= RESTORE_RATIO and identical, f"{ratio:.2f}x"))
        each = " / ".join(f"{float(f['seconds']):.2f}" for f in runs)
        split = " / ".join(f"{statistics.median(float(f.get(k, 'nan')) for f in runs):.3f}" for k in ("plan", "shell", "fuse"))
        rows.append(f"| {what} (images identical after: {'yes' if identical else 'NO'}) | {each} | {seconds:.2f} | {split} | {ratio:.2f} |")
    lines += ["", "### 4. Restore of a 10,000-process, 10,000-queue world", "",
              "`bench/clients/world.py 10000 10000 1`: 100 processes under init, 9,900 under them, pids spread over "
              "300..399,999, 10,000 message queues with random seq. Built in a mount, dumped, then restored into a "
              "fresh mount (the dump of the result must equal the image); the kernel builds the same world in fresh "
              f"pid and IPC namespaces. {len(kernelworld)} rounds each, interleaved.", "",
              "The restore's time split (medians): planning (`nextidfs-image plan`, wall), shell (bash's CPU running the "
              "program), FUSE (the rest of bash's wall time: waiting for the daemon).", "",
              "| | runs (s) | median (s) | plan / shell / FUSE (s) | / kernel |", "| --- | --- | ---: | ---: | ---: |"]
    lines += rows
    lines.append(f"| the real kernel: clone3 + set_tid per process, msg_next_id + msgget per queue (bench/clients/kernelworld) | "
                 f"{' / '.join(f'{s:.2f}' for s in kernelworld)} | {kernel:.2f} | | 1 |")

# 5. allocator
sizes = []
for name, value in allocator.items():
    m = re.match(r"fork\+exit_at_(\d+)_live_pids", name)
    if m:
        sizes.append((int(m.group(1)), value))
sizes.sort()
if sizes:
    lines += ["", "### 5. The allocator", "",
              "IdAllocators through its facade: one automatic allocation and one free is a fork by init and the child's exit "
              "(ordo-one/benchmark, median wall clock per fork+exit, pid_max 4194304).", "",
              "| live pids | ns per fork+exit |", "| ---: | ---: |"]
    lines += [f"| {n:,} | {v:.0f} |" for n, v in sizes]
    growth = sizes[-1][1] / sizes[0][1]
    verdicts.append(("allocation under 1 us", max(v for _, v in sizes) < 1000, f"max {max(v for _, v in sizes):.0f} ns"))
    verdicts.append(("allocation cost growth < 2x", growth < 2, f"{growth:.2f}x"))
    per_task = allocator.get("memory_at_1000000_tasks")
    if per_task is not None:
        lines.append(f"\nMemory: **{per_task:.0f} bytes per simulated task** at 1,000,000 tasks (resident growth of the process).")

# 6. memory after mass exits
if churn and churn_cycles:
    ratio = float(churn["ratio"])
    verdicts.append(("memory after mass exits (cycle 20 / cycle 2)", ratio <= CHURN_RATIO, f"{ratio:.2f}x"))
    shown = [c for c in churn_cycles if int(c["cycle"]) in (1, 2, 5, 10, 15, int(churn["cycles"]))]
    lines += ["", "### 6. Memory after mass exits", "",
              f"{churn['cycles']} cycles (bench/clients/churn.c): init clones a new pid namespace, its init forks "
              f"{int(churn['forks']):,} processes (20,000 `fork` lines per write(2)) and exits, which ends them all. "
              f"Daemon resident memory right after each cycle's exit returns (target: the last within {CHURN_RATIO}x of the second).", "",
              "| cycle | resident MiB | seconds |", "| ---: | ---: | ---: |"]
    lines += [f"| {c['cycle']} | {int(c['rss_kib']) / 1024:.1f} | {c['seconds']} |" for c in shown]

# 7. cat of 10,000 status files
if cats.get("nextidfs") and cats.get("procfs"):
    lines += ["", "### 7. cat of 10,000 status files", "",
              "`cat DIR/[0-9]*/status > /dev/null` timed as bash runs it (glob included), on a fresh mount with 10,000 "
              "processes under init and on the procfs of 10,000 real processes sleeping in a fresh pid namespace "
              "(bench/clients/procref world, catpasses.sh). Cold: the first pass after the mount; warm: the pass "
              f"right after it. {len(cats['nextidfs'])} rounds each, interleaved; medians.", "",
              "| pass | procfs runs (s) | nextidfs runs (s) | procfs (s) | nextidfs (s) | ratio | target |",
              "| --- | --- | --- | ---: | ---: | ---: | --- |"]
    for key, name, target in (("cold_s", "cold", CAT_COLD_RATIO), ("warm_s", "warm", CAT_WARM_RATIO)):
        p = [float(f[key]) for f in cats["procfs"]]
        n = [float(f[key]) for f in cats["nextidfs"]]
        pm, nm = statistics.median(p), statistics.median(n)
        ok = nm / pm <= target
        verdicts.append((f"cat of 10,000 status files, {name}", ok, f"{nm / pm:.2f}x"))
        lines.append(f"| {name} | {' / '.join(f'{v:.2f}' for v in p)} | {' / '.join(f'{v:.2f}' for v in n)} | "
                     f"{pm:.2f} | {nm:.2f} | {nm / pm:.2f} | <= {target} {'met' if ok else '**missed**'} |")

lines += ["", "### Targets", "", "| target | result | |", "| --- | --- | --- |"]
lines += [f"| {what} | {value} | {'met' if ok else '**missed**'} |" for what, ok, value in verdicts]


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


if sizes:
    data = os.path.join(out_dir, "allocator.dat")
    with open(data, "w") as f:
        f.writelines(f"{n} {v}\n" for n, v in sizes)
    gnuplot(f"""set terminal png size 800,450
set output '{plots}/allocator.png'
set logscale x
set xlabel 'live pids'
set ylabel 'ns per fork+exit (median)'
set yrange [0:*]
set grid
set title 'IdAllocators: allocation + free cost against live pids'
plot '{data}' using 1:2 with linespoints lw 2 pt 7 title 'fork+exit'
""")
if plot_rows:
    data = os.path.join(out_dir, "latency.dat")
    with open(data, "w") as f:
        f.writelines(f'"{label}" {c} {n}\n' for label, c, n in plot_rows)
    gnuplot(f"""set terminal png size 900,450
set output '{plots}/latency.png'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'median latency (us)'
set xtics rotate by -25
set grid ytics
set title 'FUSE operation latency: nextidfs against a minimal C libfuse filesystem'
plot '{data}' using 2:xtic(1) title 'C reference', '' using 3 title 'nextidfs'
""")

text = open(md_path).read() if os.path.exists(md_path) else "# Benchmarks\n\n<!-- results:begin -->\n<!-- results:end -->\n"
begin, end = "<!-- results:begin -->", "<!-- results:end -->"
head, rest = text.split(begin, 1)
tail = rest.split(end, 1)[1]
open(md_path, "w").write(head + begin + "\n" + "\n".join(lines) + "\n" + end + tail)
