"""Chat fan-out results: medians over rounds, ratios within each round, chart.

Usage: chat_summary.py KIT_OUT_DIR STAMP MACHINE PNG_OUT > table.md

KIT_OUT_DIR is what the chat kit's run.sh wrote: raw.txt (one chatload line
per server, workload and round), strace-summary.txt and perfstat-summary.txt.
A ratio (uvreactor over a peer) is taken within each round, where both ran
minutes apart under the same machine noise, and its median is reported.
"""
import os
import re
import statistics
import sys
from collections import defaultdict

kit, stamp, machine, png = sys.argv[1:5]
SERVERS = ["uvreactor", "epoll", "uvloop", "asyncio"]
WORKLOADS = {
    "a": "a) 100 clients, 1 room",
    "b": "b) 1000 clients, 1 room",
    "c": "c) 1000 clients, 50 rooms",
    "d": "d) as b, 100 lines/s offered",
}


def fields(line):
    return dict(re.findall(r"(\S+?)=(\S+)", line))


# (workload, server) -> round -> fields
runs = defaultdict(dict)
for line in open(os.path.join(kit, "raw.txt")):
    f = fields(line)
    if "server_cpu_us_per_line" in f:
        runs[(f["workload"], f["server"])][f["round"]] = f


def med(workload, server, key):
    values = [float(r[key]) for r in runs.get((workload, server), {}).values() if key in r]
    return statistics.median(values) if values else None


def ratio(workload, server, peer, key="server_cpu_us_per_line"):
    mine, theirs = runs.get((workload, server), {}), runs.get((workload, peer), {})
    values = [
        float(mine[r][key]) / float(theirs[r][key])
        for r in mine
        if r in theirs and float(theirs[r][key]) > 0
    ]
    return statistics.median(values) if values else None


def fmt(v, spec="%.3f"):
    return "-" if v is None else spec % v


def syscalls(name):
    out = {}
    path = os.path.join(kit, name)
    if not os.path.exists(path):
        return out
    for line in open(path):
        f = fields(line)
        per = f.get("per_line", f.get("syscalls_per_line"))
        if "server" in f and per is not None:
            out[(f["workload"], f["server"])] = float(per)
    return out


workloads = [w for w in WORKLOADS if any((w, s) in runs for s in SERVERS)]
rounds = len({r for v in runs.values() for r in v})
print(f"# Chat fan-out: {stamp}\n")
print(f"{machine}; {rounds} rounds, servers interleaved and rotated; medians.\n")
print("Server CPU per delivered line (microseconds) and the ratio of uvreactor's")
print("to each peer's, taken within each round:\n")
print("| workload | uvreactor | epoll anchor | uvloop | asyncio | vs epoll | vs uvloop | vs asyncio |")
print("|---|---|---|---|---|---|---|---|")
for w in workloads:
    cpu = [fmt(med(w, s, "server_cpu_us_per_line")) for s in SERVERS]
    ratios = [fmt(ratio(w, "uvreactor", p), "%.2fx") for p in SERVERS[1:]]
    print(f"| {WORKLOADS[w]} | " + " | ".join(cpu + ratios) + " |")
print("\nDelivered lines per second (millions), p99 latency (microseconds), and")
print("the load generator's checks summed over rounds (lost, order errors):\n")
print("| workload | server | lines/s | p50 us | p99 us | lost | order errors |")
print("|---|---|---|---|---|---|---|")
for w in workloads:
    for s in SERVERS:
        rs = runs.get((w, s))
        if not rs:
            continue
        lost = sum(int(r.get("lost", 0)) for r in rs.values())
        order = sum(int(r.get("order_errors", 0)) for r in rs.values())
        rate = med(w, s, "delivered_per_s")
        print(
            f"| {WORKLOADS[w]} | {s} | {fmt(rate and rate / 1e6, '%.2fM')} | "
            f"{fmt(med(w, s, 'p50_us'), '%.0f')} | {fmt(med(w, s, 'p99_us'), '%.0f')} | "
            f"{lost} | {order} |"
        )
for name, title in (
    ("perfstat-summary.txt", "perf stat, full speed"),
    ("strace-summary.txt", "strace, shorter runs"),
):
    counts = syscalls(name)
    if not counts:
        continue
    print(f"\nSyscalls per delivered line ({title}):\n")
    present = [s for s in SERVERS if any(k[1] == s for k in counts)]
    print("| workload | " + " | ".join(present) + " | uvreactor / epoll |")
    print("|---|" + "---|" * (len(present) + 1))
    for w in workloads:
        row = [fmt(counts.get((w, s)), "%.4f") for s in present]
        u, e = counts.get((w, "uvreactor")), counts.get((w, "epoll"))
        rel = fmt(u / e if u is not None and e else None, "%.2fx")
        print(f"| {WORKLOADS[w]} | " + " | ".join(row) + f" | {rel} |")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\n(no chart: python3-matplotlib is missing)")
    sys.exit(0)
fig, ax = plt.subplots(figsize=(9, 4.5))
width = 0.8 / len(SERVERS)
for i, s in enumerate(SERVERS):
    values = [med(w, s, "server_cpu_us_per_line") or 0 for w in workloads]
    xs = [j + (i - (len(SERVERS) - 1) / 2) * width for j in range(len(workloads))]
    ax.bar(xs, values, width, label=s)
ax.set_xticks(range(len(workloads)))
ax.set_xticklabels([WORKLOADS[w] for w in workloads], fontsize=8)
ax.set_ylabel("server CPU per delivered line (us)")
ax.set_yscale("log")
ax.set_title(f"Chat fan-out, lower is better ({stamp}, {machine.split(',')[0]})", fontsize=10)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(png, dpi=100)
print(f"\n![chat fan-out]({os.path.basename(png)})")
