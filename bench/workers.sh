#!/usr/bin/env bash
# The workers axis: uvreactor-server (Release) with --workers 1 and 2 under
# the kit's load generator (echoload) on 100 x 1 KiB and 1000 x 128 B,
# ROUNDS rounds (default 3) with the order of the two configurations
# alternating. Per run: msgs/s, server CPU per message summed over every
# worker (the supervisor's own CPU included; it is ~0), and each worker's
# share of that CPU (the kernel's split of the connections). Writes
# bench/results/workers-latest.md and a dated copy, raw lines beside.
# Usage: bench/workers.sh [path/to/peer-kit]   Env: ROUNDS, T (seconds, default 5)
# On a 2-core machine the load generator competes with the workers for the
# same cores: the msgs/s of 2 workers there is not what 2 free cores give.
# The per-worker figures are what to extrapolate from (see the summary).
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=$(cd "${1:-../shared/bench}" 2>/dev/null && pwd) || {
  echo "bench/workers: peer kit not found at ${1:-../shared/bench}" >&2
  exit 2
}
[ -e "$KIT/build.sh" ] && [ -e "$KIT/echoload.c" ] || { echo "bench/workers: $KIT is incomplete (build.sh, echoload.c)" >&2; exit 2; }
scripts/setup.sh build-release -DCMAKE_BUILD_TYPE=Release -DUVR_TESTS=OFF >/dev/null
export BIN=${BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/uvreactor-bench}
"$KIT/build.sh" >/dev/null
ROUNDS=${ROUNDS:-3}
T=${T:-5}
SERVER=$PWD/build-release/bin/uvreactor-server
HZ=$(getconf CLK_TCK)
ulimit -n 65536 2>/dev/null || true
stamp=$(date -u +%Y-%m-%dT%H%MZ)
out=bench/results
mkdir -p "$out"
raw=$out/workers-raw-$stamp.txt
: > "$raw"
ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
WORKLOADS=("conns100_1k:-c 100 -d 1 -s 1024" "conns1000_128:-c 1000 -d 1 -s 128")

run_one() {  # workers round
  local n=$1 round=$2 log port pid
  log=$(mktemp)
  "$SERVER" --listen 127.0.0.1:0 --no-udp --workers "$n" --max-connections 20000 \
    --log-level info >"$log.out" 2>"$log" &
  pid=$!
  for _ in $(seq 100); do grep -q '^listening tcp' "$log.out" && break; sleep 0.05; done
  port=$(sed -n 's/^listening tcp 127.0.0.1://p' "$log.out")
  # The processes doing the work: the workers, or the server itself.
  local procs
  if [ "$n" -gt 1 ]; then procs=$(sed -n 's/.*worker [0-9]* started (pid \([0-9]*\)).*/\1/p' "$log"); else procs=$pid; fi
  for w in "${WORKLOADS[@]}"; do
    local wn=${w%%:*} args=${w#*:} before=() after=() r
    for p in $procs $pid; do before+=("$(ticks "$p")"); done
    r=$("$BIN/echoload" -p "$port" -t "$T" $args)
    for p in $procs $pid; do after+=("$(ticks "$p")"); done
    local msgs rate shares="" total=0 i=0
    msgs=$(echo "$r" | sed -n 's/.* msgs=\([0-9]*\).*/\1/p')
    rate=$(echo "$r" | sed -n 's/.* msgs_per_s=\([0-9.]*\).*/\1/p')
    local deltas=()
    for i in "${!before[@]}"; do deltas+=($(( ${after[$i]} - ${before[$i]} ))); done
    if [ "$n" -gt 1 ]; then
      for i in "${!deltas[@]}"; do total=$(( total + ${deltas[$i]} )); done   # workers + supervisor
      for i in $(seq 0 $(( n - 1 ))); do shares+="${deltas[$i]},"; done
    else
      total=${deltas[0]}; shares="${deltas[0]},"
    fi
    local cpu
    cpu=$(awk -v t="$total" -v hz="$HZ" -v m="${msgs:-0}" 'BEGIN{ if (m>0) printf "%.3f", t/hz*1e6/m; else print "nan"}')
    printf "workers=%s %-14s msgs/s=%s server_cpu_us/msg=%s worker_ticks=%s errors=%s round=%s\n" \
      "$n" "$wn" "$rate" "$cpu" "${shares%,}" "$(echo "$r" | sed -n 's/.* errors=\([0-9]*\).*/\1/p')" "$round" | tee -a "$raw"
  done
  kill -TERM "$pid"; wait "$pid" || true
  rm -f "$log" "$log.out"
  sleep 0.5
}

for round in $(seq "$ROUNDS"); do
  if (( round % 2 )); then order=(1 2); else order=(2 1); fi
  for n in "${order[@]}"; do run_one "$n" "$round"; done
done
machine="$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
/usr/bin/python3 bench/workers_summary.py "$raw" "$stamp" "$machine" > "$out/workers-latest.md"
cp "$out/workers-latest.md" "$out/workers-$stamp.md"
echo "bench/workers: wrote $out/workers-latest.md"
