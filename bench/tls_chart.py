"""TLS echo results as a chart, and every round's ratios as a table.

Usage: tls_chart.py RAW_TXT STAMP PNG_OUT >> table.md

RAW_TXT is the TLS kit's raw.txt (one tlsload line per round, workload and
server). For each round, each server's cost is divided by the epoll+OpenSSL
floor's in that round (both ran minutes apart under the same machine
noise); the chart shows the median of those ratios, the table every one,
so the spread between rounds is in plain sight.
"""
import os
import re
import statistics
import sys
from collections import defaultdict

raw, stamp, png = sys.argv[1:4]
WORKLOADS = {
    "pp_1k": "ping-pong 1 KiB",
    "pp_16k": "ping-pong 16 KiB",
    "stream_16k_x16": "stream 16 KiB x16",
    "c100_1k": "100 clients x 1 KiB",
    "c1000_128": "1000 clients x 128 B",
    "hs_full": "full handshake",
    "hs_resume": "resumed handshake",
    "idle": "idle connection",
}
COST = ("server_cpu_us_per_msg", "server_cpu_us_per_hs", "rss_bytes_per_conn")

cost = defaultdict(dict)  # (workload, server) -> round -> value
for line in open(raw):
    f = dict(re.findall(r"(\S+?)=(\S+)", line))
    if f.get("rc") != "0" or "workload" not in f:
        continue
    for key in COST:
        if key in f:
            cost[(f["workload"], f["server"])][f["round"]] = float(f[key])

servers = sorted({s for (_, s) in cost if s != "epoll"}, key=lambda s: (s != "uvreactor", s))
workloads = [w for w in WORKLOADS if (w, "epoll") in cost]


def ratios(w, s):
    floor, mine = cost.get((w, "epoll"), {}), cost.get((w, s), {})
    return [mine[r] / floor[r] for r in sorted(mine) if r in floor and floor[r] > 0]


print("\nEvery round's ratio to the floor (server CPU per message or handshake; RSS per idle connection):\n")
print("| workload | " + " | ".join(servers) + " |")
print("|---|" + "---|" * len(servers))
for w in workloads:
    cells = [" / ".join("%.2f" % r for r in ratios(w, s)) or "-" for s in servers]
    print(f"| {WORKLOADS[w]} | " + " | ".join(cells) + " |")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\n(no chart: python3-matplotlib is missing)")
    sys.exit(0)
fig, ax = plt.subplots(figsize=(10, 4.8))
width = 0.8 / max(len(servers), 1)
for i, s in enumerate(servers):
    values = [statistics.median(ratios(w, s)) if ratios(w, s) else 0 for w in workloads]
    xs = [j + (i - (len(servers) - 1) / 2) * width for j in range(len(workloads))]
    ax.bar(xs, values, width, label=s)
ax.axhline(1.0, color="black", linewidth=0.8)
ax.axhline(1.1, color="red", linewidth=0.8, linestyle="--", label="target 1.10x")
ax.set_xticks(range(len(workloads)))
ax.set_xticklabels([WORKLOADS[w] for w in workloads], fontsize=7, rotation=15)
ax.set_ylabel("cost / epoll+OpenSSL floor (median of rounds)")
ax.set_yscale("log")
ax.set_title(f"TLS echo, lower is better ({stamp})", fontsize=10)
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(png, dpi=100)
print(f"\n![TLS echo]({os.path.basename(png)})")
