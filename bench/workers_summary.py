#!/usr/bin/env python3
"""Summarises bench/workers.sh's raw lines: medians per configuration and
workload, the ratio of 2 workers to 1, and each worker's share of the CPU."""
import re
import statistics
import sys

raw, stamp, machine = sys.argv[1:4]
runs = {}
for line in open(raw):
    m = re.match(r"workers=(\d+) (\S+)\s+msgs/s=([\d.]+) server_cpu_us/msg=([\d.]+) "
                 r"worker_ticks=([\d,]+) errors=(\d+) round=(\d+)", line)
    if not m:
        continue
    n, workload, rate, cpu, ticks, errors, _ = m.groups()
    r = runs.setdefault((workload, int(n)), {"rate": [], "cpu": [], "shares": [], "errors": 0})
    r["rate"].append(float(rate))
    r["cpu"].append(float(cpu))
    t = [int(x) for x in ticks.split(",")]
    if sum(t) > 0:
        r["shares"].append([x / sum(t) for x in t])
    r["errors"] += int(errors)

print(f"# Workers: uvreactor-server --workers 1 and 2 ({stamp})\n")
print(f"Machine: {machine}. `bench/workers.sh`; medians of "
      f"{max(len(v['rate']) for v in runs.values())} rounds; the load generator runs on the "
      "same cores as the workers.\n")
print("| workload | workers | msgs/s | server CPU µs/msg (all workers) | CPU share per worker | errors |")
print("|---|---|---|---|---|---|")
for (workload, n), r in sorted(runs.items()):
    shares = ""
    if r["shares"]:
        per = [statistics.median(s[i] for s in r["shares"]) for i in range(len(r["shares"][0]))]
        shares = " / ".join(f"{100 * p:.0f}%" for p in per)
    print(f"| {workload} | {n} | {statistics.median(r['rate']):.0f} | "
          f"{statistics.median(r['cpu']):.2f} | {shares} | {r['errors']} |")
print()
for workload in sorted({w for w, _ in runs}):
    one, two = runs.get((workload, 1)), runs.get((workload, 2))
    if not one or not two:
        continue
    rate = statistics.median(two["rate"]) / statistics.median(one["rate"])
    cpu = statistics.median(two["cpu"]) / statistics.median(one["cpu"])
    per_core = 1e6 / statistics.median(two["cpu"])
    print(f"- {workload}: 2 workers give {rate:.2f}x the msgs/s of 1 and cost {cpu:.2f}x the CPU "
          f"per message. A core spent entirely on one worker serves about {per_core:.0f} "
          f"msgs/s at this cost (10^6 / µs per message); with the load elsewhere, N cores "
          f"would serve up to about N times that (an estimate, not a measurement).")
