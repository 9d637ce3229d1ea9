#!/usr/bin/env bash
# Benchmark: uvreactor-server (Release) beside the peer echo servers of the
# shared kit, same workloads, same independent load generator (echoload),
# interleaved, ROUNDS rounds (default 3). Writes the raw lines and a Markdown
# table of medians with ratios to raw libuv (taken in the same run) to
# bench/results/. Usage: bench/run.sh [path/to/peer-kit]   (default ../shared/bench)
# Env: ROUNDS, T (seconds per workload), W (workloads), ONLY (peers) as in anchors.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=$(cd "${1:-../shared/bench}" 2>/dev/null && pwd) || {
  echo "bench: peer kit not found at ${1:-../shared/bench}; pass its folder (it holds build.sh, anchors.sh, echoload.c)" >&2
  exit 2
}
for f in build.sh anchors.sh echoload.c; do
  [ -e "$KIT/$f" ] || { echo "bench: $KIT/$f is missing" >&2; exit 2; }
done
scripts/setup.sh build-release -DCMAKE_BUILD_TYPE=Release -DUVR_TESTS=OFF >/dev/null
"$KIT/build.sh" >/dev/null
export ROUNDS=${ROUNDS:-3}
stamp=$(date -u +%Y-%m-%dT%H%MZ)
raw=bench/results/raw-$stamp.txt
# Limits high enough for the idle10k workload.
"$KIT/anchors.sh" "uvreactor=$PWD/build-release/bin/uvreactor-server --listen 127.0.0.1:PORT --max-connections 20000 --log-level error" | tee "$raw"
python3 bench/summarize.py "$raw" "$stamp" > bench/results/latest.md
cp bench/results/latest.md "bench/results/results-$stamp.md"
echo "bench: wrote bench/results/latest.md"
