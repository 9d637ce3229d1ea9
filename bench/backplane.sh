#!/usr/bin/env bash
# Chat across processes through Redis: the chat kit's load generator
# (chatload: every delivery and its order checked) against
#   local:  uvreactor-server --protocol chat, one process (the baseline);
#   shared: uvreactor-server --protocol chat --workers 2 --backplane redis://...
#           with a redis-server of its own. The kernel spreads the clients
#           over the two workers (SO_REUSEPORT), so about half of every
#           room's members are on the other process and each line reaches
#           them through Redis.
# One chatload, one port: it needs unique nicks and sees every member, which
# two instances on two ports would not. Workloads: a) 100 clients, 1 room,
# closed loop; c) 1000 clients, 50 rooms, closed loop; l) 100 clients, 1 room,
# 2000 lines/s offered (latency at a fixed load). ROUNDS rounds (default 3),
# the two configurations alternating. CPU per delivered line counts every
# process doing the work (workers, supervisor, redis-server) over the whole
# chatload run, setup included. Writes bench/results/backplane-latest.md and
# a dated copy, raw lines beside.
# Usage: bench/backplane.sh [path/to/chat-kit]   Env: ROUNDS, T (seconds, default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=$(cd "${1:-../shared/bench/chat}" 2>/dev/null && pwd) || {
  echo "bench/backplane: chat kit not found at ${1:-../shared/bench/chat}" >&2
  exit 2
}
[ -e "$KIT/chatload.c" ] || { echo "bench/backplane: $KIT/chatload.c is missing" >&2; exit 2; }
scripts/install-packages.sh gcc redis-server
scripts/setup.sh build-release -DCMAKE_BUILD_TYPE=Release -DUVR_TESTS=OFF >/dev/null
BIN=${XDG_CACHE_HOME:-$HOME/.cache}/uvreactor-chatbench
mkdir -p "$BIN"
[ "$BIN/chatload" -nt "$KIT/chatload.c" ] || gcc -O2 -o "$BIN/chatload" "$KIT/chatload.c"
ROUNDS=${ROUNDS:-3}
T=${T:-5}
SERVER=$PWD/build-release/bin/uvreactor-server
HZ=$(getconf CLK_TCK)
ulimit -n 65536 2>/dev/null || true
stamp=$(date -u +%Y-%m-%dT%H%MZ)
out=bench/results
mkdir -p "$out"
raw=$out/backplane-raw-$stamp.txt
: > "$raw"
ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WORKLOADS=("a:-c 100 -r 1 -s 64" "c:-c 1000 -r 50 -s 64" "l:-c 100 -r 1 -s 64 -R 2000")

pid=""
rpid=""
trap 'kill $pid $rpid 2>/dev/null || true' EXIT
run_one() {  # config round
  local config=$1 round=$2 log port procs
  log=$(mktemp)
  for w in "${WORKLOADS[@]}"; do
    local wn=${w%%:*} args=${w#*:} extra=()
    if [ "$config" = shared ]; then
      local rport
      rport=$(free_port)
      redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning >/dev/null 2>&1 &
      rpid=$!
      for _ in $(seq 100); do redis-cli -p "$rport" PING 2>/dev/null | grep -q PONG && break; sleep 0.05; done
      extra=(--workers 2 --backplane "redis://127.0.0.1:$rport/bench")
    fi
    "$SERVER" --protocol chat --listen 127.0.0.1:0 --max-connections 20000 --log-level info \
      "${extra[@]}" >"$log.out" 2>"$log" &
    pid=$!
    for _ in $(seq 100); do grep -q '^listening tcp' "$log.out" && break; sleep 0.05; done
    port=$(sed -n 's/^listening tcp 127.0.0.1://p' "$log.out")
    procs="$pid $rpid $(sed -n 's/.*worker [0-9]* started (pid \([0-9]*\)).*/\1/p' "$log")"
    local before=0 after=0 r p
    for p in $procs; do before=$(( before + $(ticks "$p") )); done
    r=$("$BIN/chatload" -p "$port" -t "$T" $args 2>/dev/null)
    for p in $procs; do after=$(( after + $(ticks "$p") )); done
    local delivered cpu
    delivered=$(echo "$r" | sed -n 's/.* delivered=\([0-9]*\).*/\1/p')
    cpu=$(awk -v t=$(( after - before )) -v hz="$HZ" -v d="${delivered:-0}" \
      'BEGIN{ if (d>0) printf "%.3f", t/hz*1e6/d; else print "nan"}')
    echo "config=$config workload=$wn round=$round cpu_us_per_line=$cpu $r" | tee -a "$raw"
    kill -TERM "$pid"; wait "$pid" || true
    pid=""
    if [ -n "$rpid" ]; then kill -TERM "$rpid"; wait "$rpid" || true; rpid=""; fi
    sleep 0.5
  done
  rm -f "$log" "$log.out"
}

for round in $(seq "$ROUNDS"); do
  if (( round % 2 )); then order=(local shared); else order=(shared local); fi
  for c in "${order[@]}"; do run_one "$c" "$round"; done
done
machine="$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
/usr/bin/python3 - "$raw" "$stamp" "$machine" > "$out/backplane-latest.md" <<'PY'
import collections, re, statistics as st, sys
raw, stamp, machine = sys.argv[1:4]
rows = collections.defaultdict(list)
for line in open(raw):
    d = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    rows[(d["workload"], d["config"])].append(d)
names = {"a": "a) 100 clients, 1 room", "c": "c) 1000 clients, 50 rooms", "l": "l) 100 clients, 1 room, 2000 lines/s offered"}
print(f"# Chat through the Redis backplane: {stamp}\n")
print(f"{machine}; medians of {max(len(v) for v in rows.values())} rounds. local: one process; shared: "
      "--workers 2 --backplane, clients spread by the kernel, so about half of each room's "
      "members are on the other process. CPU: every process of the configuration (workers, "
      "supervisor, redis-server) over the whole chatload run, setup included.\n")
print("| workload | config | delivered lines/s | CPU us / delivered line | p50 us | p99 us | lost | order errors | bad (late setup notices) |")
print("|---|---|---|---|---|---|---|---|---|")
med = lambda v, k: st.median(float(x[k]) for x in v)
for w in ["a", "c", "l"]:
    for c in ["local", "shared"]:
        v = rows.get((w, c))
        if not v:
            continue
        print(f"| {names[w]} | {c} | {med(v, 'delivered_per_s') / 1e6:.2f}M | {med(v, 'cpu_us_per_line'):.3f} | "
              f"{med(v, 'p50_us'):.0f} | {med(v, 'p99_us'):.0f} | {sum(int(x['lost']) for x in v)} | "
              f"{sum(int(x['order_errors']) for x in v)} | {sum(int(x['bad']) for x in v)} |")
PY
cp "$out/backplane-latest.md" "$out/backplane-$stamp.md"
echo "bench/backplane: wrote $out/backplane-latest.md"
