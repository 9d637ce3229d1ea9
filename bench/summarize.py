"""Medians over rounds and ratios to raw libuv, from anchors.sh output lines."""
import re
import statistics
import sys
from collections import defaultdict

raw, stamp = sys.argv[1], sys.argv[2]
data = defaultdict(lambda: defaultdict(list))  # (server, workload) -> field -> values
for line in open(raw):
    parts = line.split()
    if len(parts) < 3:
        continue
    server, workload = parts[0], parts[1]
    for key, value in re.findall(r"(\S+?)=(\S+)", line):
        try:
            data[(server, workload)][key].append(float(value))
        except ValueError:
            pass

def med(server, workload, key):
    values = data.get((server, workload), {}).get(key)
    return statistics.median(values) if values else None

servers = sorted({s for s, _ in data}, key=lambda s: (s != "uvreactor", s))
workloads = []
for _, w in data:
    if w not in workloads:
        workloads.append(w)
print(f"# Echo benchmark, {stamp}\n")
print("Medians over rounds; ratios are to raw libuv in the same run "
      "(msgs/s: higher is better; CPU/msg and RSS: lower is better).\n")
for w in workloads:
    print(f"## {w}\n")
    if w.startswith("idle"):
        print("| server | RSS bytes/conn | ratio to libuv |\n|---|---|---|")
        base = med("libuv", w, "rss_bytes_per_conn")
        for s in servers:
            v = med(s, w, "rss_bytes_per_conn")
            if v is None:
                continue
            r = f"{v / base:.2f}" if base else "n/a"
            print(f"| {s} | {v:.0f} | {r} |")
        print()
        continue
    print("| server | msgs/s | MiB/s | p50 us | p99 us | server CPU us/msg | msgs/s vs libuv | CPU/msg vs libuv |")
    print("|---|---|---|---|---|---|---|---|")
    bm, bc = med("libuv", w, "msgs/s"), med("libuv", w, "server_cpu_us/msg")
    for s in servers:
        m = med(s, w, "msgs/s")
        if m is None:
            continue
        c = med(s, w, "server_cpu_us/msg")
        cells = [med(s, w, k) for k in ("MiB/s", "p50_us", "p99_us")]
        rm = f"{m / bm:.2f}" if bm else "n/a"
        rc = f"{c / bc:.2f}" if (bc and c is not None) else "n/a"
        fmt = lambda v: "n/a" if v is None else f"{v:g}"
        print(f"| {s} | {m:.0f} | {fmt(cells[0])} | {fmt(cells[1])} | {fmt(cells[2])} | {fmt(c)} | {rm} | {rc} |")
    print()
