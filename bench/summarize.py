"""Medians over rounds and ratios to raw libuv, from anchors.sh output lines.

Usage: summarize.py RAW_LINES STAMP MACHINE PNG_OUT > table.md

A ratio is taken within each round (server and raw libuv measured minutes
apart, under the same machine noise) and the median of those ratios is
reported; medians of the absolute figures are shown beside them.
"""
import re
import statistics
import sys
from collections import defaultdict

raw, stamp, machine, png = sys.argv[1:5]
# (server, workload) -> field -> {round: value}
data = defaultdict(lambda: defaultdict(dict))
for line in open(raw):
    parts = line.split()
    if len(parts) < 3 or "round=" not in line:
        continue
    fields = dict(re.findall(r"(\S+?)=(\S+)", line))
    rnd = fields.pop("round")
    for key, value in fields.items():
        try:
            v = float(value)
        except ValueError:
            continue
        if v == v:  # not NaN
            data[(parts[0], parts[1])][key][rnd] = v

servers = sorted({s for s, _ in data}, key=lambda s: (s != "uvreactor", s != "libuv", s))
workloads = list(dict.fromkeys(w for _, w in data))


def med(server, workload, key):
    values = data.get((server, workload), {}).get(key, {})
    return statistics.median(values.values()) if values else None


def ratio(server, workload, key):
    mine = data.get((server, workload), {}).get(key, {})
    base = data.get(("libuv", workload), {}).get(key, {})
    per_round = [mine[r] / base[r] for r in mine if base.get(r)]
    return statistics.median(per_round) if per_round else None


def fmt(v, spec="g"):
    return "n/a" if v is None else format(v, spec)


rounds = max((len(v) for d in data.values() for v in d.values()), default=0)
print(f"# Echo benchmark, {stamp}\n")
print(f"Machine: {machine}. {rounds} rounds, servers interleaved within each round; "
      "figures are medians over rounds, and each ratio is the median of per-round "
      "ratios to raw libuv (msgs/s: higher is better; CPU/msg and RSS: lower is better).\n")
print(f"![ratios to raw libuv]({png.split('/')[-1]})\n")
for w in workloads:
    print(f"## {w}\n")
    if w.startswith("idle"):
        print("| server | RSS bytes/conn | vs libuv |\n|---|---|---|")
        for s in servers:
            v = med(s, w, "rss_bytes_per_conn")
            if v is not None:
                print(f"| {s} | {v:.0f} | {fmt(ratio(s, w, 'rss_bytes_per_conn'), '.2f')} |")
        print()
        continue
    print("| server | msgs/s | MiB/s | p50 us | p99 us | server CPU us/msg "
          "| msgs/s vs libuv | CPU/msg vs libuv | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    for s in servers:
        m = med(s, w, "msgs/s")
        if m is None:
            continue
        cells = [fmt(med(s, w, k)) for k in ("MiB/s", "p50_us", "p99_us", "server_cpu_us/msg")]
        errors = sum(data[(s, w)].get("errors", {}).values())
        print(f"| {s} | {m:.0f} | " + " | ".join(cells) +
              f" | {fmt(ratio(s, w, 'msgs/s'), '.2f')} | "
              f"{fmt(ratio(s, w, 'server_cpu_us/msg'), '.2f')} | {errors:.0f} |")
    print()

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
except ImportError:
    print(f"summarize: matplotlib missing, no chart written to {png}", file=sys.stderr)
    sys.exit(0)

timed = [w for w in workloads if not w.startswith("idle")]
shown = [s for s in servers if s != "libuv"]
fig, axes = plt.subplots(2, 1, figsize=(11, 7.5), sharex=True)
width = 0.8 / max(len(shown), 1)
for ax, key, title in ((axes[0], "msgs/s", "messages/s vs raw libuv (higher is better)"),
                       (axes[1], "server_cpu_us/msg",
                        "server CPU per message vs raw libuv (lower is better)")):
    for i, s in enumerate(shown):
        ys = [ratio(s, w, key) or 0 for w in timed]
        xs = [j + (i - (len(shown) - 1) / 2) * width for j in range(len(timed))]
        ax.bar(xs, ys, width, label=s)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")  # the Python servers sit an order of magnitude away
    ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%.2g"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%.2g"))
    ax.tick_params(axis="y", which="minor", labelsize=7)
    ax.set_title(title)
    ax.set_ylabel("ratio (median of rounds)")
axes[1].set_xticks(range(len(timed)))
axes[1].set_xticklabels(timed, rotation=15)
axes[0].legend(ncol=len(shown), fontsize=8, loc="lower left")
axes[1].text(0.99, 0.97, "no bar: the server does not serve UDP", transform=axes[1].transAxes,
             ha="right", va="top", fontsize=7)
fig.suptitle(f"uvreactor echo benchmark, {stamp}, {machine}", fontsize=10)
fig.tight_layout()
fig.savefig(png, dpi=90)
