#!/usr/bin/env bash
# IRC fan-out: uvreactor-server --protocol irc (Release) against ngircd 26.1
# and InspIRCd 3 from Debian, both single-threaded like it, driven by
# bench/irc/ircload.c (our own load generator: every delivery and its order
# checked, one line in flight per client). Flood throttling is off
# everywhere: uvreactor --irc-flood 0; ngircd MaxConnectionsIP = 0,
# MaxPenaltyTime = 0 and its clients OPER and set +F (relaxed flood
# protection, past its 3-commands-per-loop throttle); InspIRCd fakelag="no"
# and a huge commandrate. ngircd and InspIRCd leave Nagle's algorithm on, so
# ircload acknowledges every read at once (TCP_QUICKACK): otherwise a
# delayed ACK holds their second small write to a client for about 40 ms
# and the run measures that timer. Workloads as the chat kit's: a) 100 clients, 1
# room; b) 1000 clients, 1 room; c) 1000 clients, 50 rooms; 64-byte lines.
# ROUNDS rounds (default 3), servers interleaved and rotated; medians.
# Writes bench/results/irc-latest.md and a dated copy, raw lines beside.
# Usage: bench/irc.sh   Env: ROUNDS, T (seconds per run, default 5), W (a,b,c)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh gcc ngircd inspircd
scripts/setup.sh build-release -DCMAKE_BUILD_TYPE=Release -DUVR_TESTS=OFF >/dev/null
BIN=${XDG_CACHE_HOME:-$HOME/.cache}/uvreactor-ircbench
mkdir -p "$BIN"
gcc -O2 -Wall -Wextra -o "$BIN/ircload" bench/irc/ircload.c
ROUNDS=${ROUNDS:-3}
T=${T:-5}
IFS=, read -r -a WL <<< "${W:-a,b,c}"
declare -A ARGS=([a]="-c 100 -r 1" [b]="-c 1000 -r 1" [c]="-c 1000 -r 50")
declare -A NAMES=([a]="a) 100 clients, 1 room" [b]="b) 1000 clients, 1 room" [c]="c) 1000 clients, 50 rooms")
SERVERS=(uvreactor ngircd inspircd)
ulimit -n 65536 2>/dev/null || true
work=$(mktemp -d)
spid=""
trap 'kill $spid 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() {  # server -> sets spid, port, extra
  port=$(free_port)
  extra=""
  case $1 in
    uvreactor)
      build-release/bin/uvreactor-server --protocol irc --listen "127.0.0.1:$port" --irc-flood 0 \
        --max-connections 20000 >"$work/out" 2>&1 & ;;
    ngircd)
      sed "s/@PORT@/$port/" bench/irc/ngircd.conf.in > "$work/ngircd.conf"
      ngircd --nodaemon --config "$work/ngircd.conf" >"$work/out" 2>&1 &
      extra="-O bench:bench" ;;
    inspircd)
      sed "s/@PORT@/$port/; s|@DIR@|$work|g" bench/irc/inspircd.conf.in > "$work/inspircd.conf"
      inspircd --nofork --runasroot --config="$work/inspircd.conf" >"$work/out" 2>&1 & ;;
  esac
  spid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench/irc: $1 did not start:" >&2; cat "$work/out" >&2; exit 1
}
stamp=$(date -u +%Y-%m-%dT%H%MZ)
out=bench/results
mkdir -p "$out"
raw=$out/irc-raw-$stamp.txt
: > "$raw"
n=${#SERVERS[@]}
for round in $(seq "$ROUNDS"); do
  for w in "${WL[@]}"; do
    for i in $(seq 0 $((n - 1))); do
      s=${SERVERS[$(( (i + round - 1) % n ))]}
      start "$s"
      line=$("$BIN/ircload" -p "$port" ${ARGS[$w]} -s 64 -t "$T" -S "$spid" $extra)
      kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""
      echo "round=$round workload=$w server=$s $line" | tee -a "$raw"
      sleep 0.5
    done
  done
done
machine="$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
/usr/bin/python3 - "$raw" "$stamp" "$machine" > "$out/irc-latest.md" <<'PY'
import collections, statistics as st, sys
raw, stamp, machine = sys.argv[1:4]
rows = collections.defaultdict(list)
for line in open(raw):
    d = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    rows[(d["workload"], d["server"])].append(d)
names = {"a": "a) 100 clients, 1 room", "b": "b) 1000 clients, 1 room", "c": "c) 1000 clients, 50 rooms"}
print(f"# IRC fan-out: {stamp}\n")
print(f"{machine}; medians of up to {max(len(v) for v in rows.values())} rounds, servers interleaved "
      "and rotated; bench/irc/ircload.c, one line in flight per client, 64-byte lines.\n")
print("| workload | server | server CPU µs / delivered line | delivered lines/s | p50 µs | p99 µs | lost | order errors |")
print("|---|---|---|---|---|---|---|---|")
med = lambda v, k: st.median(float(x[k]) for x in v)
for w in ["a", "b", "c"]:
    for s in ["uvreactor", "ngircd", "inspircd"]:
        v = rows.get((w, s))
        if not v:
            continue
        print(f"| {names[w]} | {s} | {med(v, 'server_cpu_us_per_line'):.3f} | {med(v, 'delivered_per_s') / 1e6:.2f}M | "
              f"{med(v, 'p50_us'):.0f} | {med(v, 'p99_us'):.0f} | {sum(int(x['lost']) for x in v)} | "
              f"{sum(int(x['order_errors']) for x in v)} |")
PY
cp "$out/irc-latest.md" "$out/irc-$stamp.md"
echo "bench/irc: wrote $out/irc-latest.md"
