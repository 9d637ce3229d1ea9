#!/usr/bin/env bash
# Chat stress with netcat: N nc clients join one room, each sends M lines,
# and every client must receive exactly the other clients' lines, each
# sender's in order (and none of its own). Loopback only, bounded in time;
# exits non-zero on any loss, duplicate or reordering.
# Cross-server mode (SERVERS=K, K > 1): a redis-server of its own on a free
# loopback port and K servers sharing the room through it (--backplane);
# the clients are spread over the servers, and the same check holds.
# Usage: [SERVERS=K] scripts/stress-chat.sh [N=200] [M=20]
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}; M=${2:-20}
SERVER=${SERVER:-build/bin/uvreactor-server}
SERVERS=${SERVERS:-1}
DEADLINE=${DEADLINE:-120}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
dir=$(mktemp -d)
pids=()
redis_pid=
trap 'kill "${pids[@]}" $redis_pid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
backplane=()
if [ "$SERVERS" -gt 1 ]; then
  command -v redis-server >/dev/null || { echo "stress-chat: SERVERS=$SERVERS needs redis-server (scripts/setup.sh installs it)"; exit 1; }
  rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning >"$dir/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 100); do redis-cli -p "$rport" PING 2>/dev/null | grep -q PONG && break; sleep 0.05; done
  backplane=(--backplane "redis://127.0.0.1:$rport/stress")
fi
ports=()
for s in $(seq "$SERVERS"); do
  "$SERVER" --protocol chat --listen 127.0.0.1:0 --max-connections $((N + 100)) "${backplane[@]}" \
    >"$dir/announce.$s" 2>"$dir/err.$s" &
  pids+=($!)
  for _ in $(seq 100); do grep -q "listening tcp" "$dir/announce.$s" && break; sleep 0.05; done
  port=$(sed -n 's/^listening tcp 127.0.0.1:\([0-9]*\)$/\1/p' "$dir/announce.$s")
  [ -n "$port" ] || { echo "stress-chat: server $s did not start"; cat "$dir/err.$s"; exit 1; }
  ports+=("$port")
done
expected=$(( (N - 1) * M ))
KEEP=${KEEP:-}
start=$(date +%s%N)
# Clients wait on FIFOs instead of polling, so 2000 of them cost no CPU while
# they wait. The coordinator holds both FIFOs open read-write, so a client's
# open never blocks, and releases everyone by writing one line per client.
mkfifo "$dir/go" "$dir/done"
exec 3<>"$dir/go" 4<>"$dir/done"
release() { yes "" | head -n "$N" >&"$1"; }
client() {
  echo "/nick c$1"
  read -r _ <"$dir/go"
  seq -f "m $1 %g" 0 $((M - 1))
  # Stay until the coordinator has seen every line arrive (or gives up).
  read -r _ <"$dir/done"
  echo "/quit"
}
for i in $(seq "$N"); do
  client "$i" | timeout $((DEADLINE + 10)) nc 127.0.0.1 "${ports[$(( i % SERVERS ))]}" \
    >"$dir/out.$i" 2>/dev/null &
done
# Everyone has joined and taken its nick (so every line is attributed and
# everyone sees everyone's lines) before anyone talks.
for _ in $(seq $((DEADLINE * 5))); do
  joined=$(grep -l "^\* you are now c" "$dir"/out.* 2>/dev/null | wc -l)
  [ "$joined" -ge "$N" ] && break
  sleep 0.2
done
# Across servers: every server has subscribed to the room.
if [ -n "$redis_pid" ]; then
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$rport" PUBSUB NUMSUB stress:room:lobby | tail -1)" = "$SERVERS" ] && break
    sleep 0.1
  done
fi
release 3
# Counts chat lines as they arrive, reading each file's new bytes only.
python3 - "$dir" "$N" $((expected * N)) "$DEADLINE" <<'PY'
import os, sys, time
d, n, want, deadline = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), time.time() + float(sys.argv[4])
offsets, total = [0] * (n + 1), 0
while total < want and time.time() < deadline:
    for i in range(1, n + 1):
        with open(f"{d}/out.{i}", "rb") as f:
            f.seek(offsets[i])
            chunk = f.read()
        cut = chunk.rfind(b"\n") + 1  # count whole lines only
        offsets[i] += cut
        total += chunk[:cut].count(b": m ")
    time.sleep(0.2)
PY
release 4
for p in $(jobs -p); do
  case " ${pids[*]} $redis_pid " in *" $p "*) ;; *) wait "$p" ;; esac
done
result=$(python3 - "$dir" "$N" "$M" <<'PY'
import re, sys
d, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
failed = 0
for i in range(1, n + 1):
    seen = {}
    ok = True
    for line in open(f"{d}/out.{i}", errors="replace"):
        g = re.match(r"^c(\d+): m (\d+) (\d+)$", line.rstrip("\n"))
        if not g:
            continue
        nick, sender, j = int(g[1]), int(g[2]), int(g[3])
        if nick != sender or sender == i:
            ok = False
        seen.setdefault(sender, []).append(j)
    others = [s for s in range(1, n + 1) if s != i]
    if sorted(seen) != others or any(seen[s] != list(range(m)) for s in others):
        ok = False
    failed += not ok
print(failed)
PY
)
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
# Peak server memory: broadcasts share one buffer per line, so it stays small.
peak=0
code=0
for pid in "${pids[@]}"; do
  p=$(awk '/^VmHWM/{print $2}' /proc/$pid/status 2>/dev/null)
  [ "${p:-0}" -gt "$peak" ] && peak=$p
  kill -TERM "$pid"; wait "$pid" || code=$?
done
pids=()
echo "stress-chat: servers=$SERVERS clients=$N lines_each=$M expected_per_client=$expected clients_failed=$result server_exit=$code server_peak_rss_kib=$peak elapsed_ms=$elapsed"
[ "$result" = "0" ] && [ $code -eq 0 ]
