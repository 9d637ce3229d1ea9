#!/usr/bin/env bash
# TLS echo against the floor and the peers: runs the shared TLS kit
# (../shared/bench/tls, its README says what each figure is) with UVR= this
# tree's Release uvreactor-server, and keeps its table in bench/results
# (tls-latest.md and a dated copy, raw lines beside), with every round's
# ratios and a chart (tls-latest.png) from bench/tls_chart.py. Every knob of
# the kit's run.sh passes through (ROUNDS, T, ONLY, W, IDLE_N, STRACE, ...).
# Usage: bench/tls.sh [path/to/tls-kit]   Env: UVR=path/to/uvreactor-server (else built)
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=$(cd "${1:-../shared/bench/tls}" 2>/dev/null && pwd) || {
  echo "bench/tls: TLS kit not found at ${1:-../shared/bench/tls}" >&2
  exit 2
}
[ -x "$KIT/run.sh" ] || { echo "bench/tls: $KIT/run.sh is missing" >&2; exit 2; }
scripts/install-packages.sh gcc g++ libssl-dev libasio-dev openssl stunnel4 python3-uvloop strace iproute2 python3-matplotlib
# UVR=path uses an existing Release build instead of building build-release.
SERVER=${UVR:-}
if [ -z "$SERVER" ]; then
  TARGETS=uvreactor-server scripts/setup.sh build-release -DCMAKE_BUILD_TYPE=Release -DUVR_TESTS=OFF >/dev/null
  SERVER=$PWD/build-release/bin/uvreactor-server
fi
SERVER=$(realpath "$SERVER")
stamp=$(date -u +%Y-%m-%dT%H%MZ)
out=bench/results
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
UVR=$SERVER OUT=$work "$KIT/run.sh" > "$out/tls-$stamp.md"
cp "$work/raw.txt" "$out/tls-raw-$stamp.txt" 2>/dev/null || true
/usr/bin/python3 bench/tls_chart.py "$work/raw.txt" "$stamp" "$out/tls-chart-$stamp.png" >> "$out/tls-$stamp.md"
cp "$out/tls-$stamp.md" "$out/tls-latest.md"
[ -e "$out/tls-chart-$stamp.png" ] && cp "$out/tls-chart-$stamp.png" "$out/tls-latest.png"
sed -i "s/(tls-chart-$stamp.png)/(tls-latest.png)/" "$out/tls-latest.md"
echo "bench/tls: $out/tls-$stamp.md"
