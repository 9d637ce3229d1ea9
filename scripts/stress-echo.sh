#!/usr/bin/env bash
# Echo stress with netcat: N concurrent nc clients each send M numbered lines
# over TCP and check every line came back, in order; then the same over UDP
# with nc -u (U clients, fewer lines: each is a datagram). Loopback only,
# bounded in time; exits non-zero on any loss.
# Usage: scripts/stress-echo.sh [N=200] [M=100] [U=50]
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}; M=${2:-100}; U=${3:-50}
SERVER=${SERVER:-build/bin/uvreactor-server}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
"$SERVER" --listen 127.0.0.1:0 --max-connections $((N * 2 + 100)) >"$dir/announce" 2>"$dir/err" &
pid=$!
for _ in $(seq 100); do grep -q "listening udp" "$dir/announce" && break; sleep 0.05; done
port=$(sed -n 's/^listening tcp 127.0.0.1:\([0-9]*\)$/\1/p' "$dir/announce")
[ -n "$port" ] || { echo "stress-echo: server did not start"; cat "$dir/err"; exit 1; }
start=$(date +%s%N)
for i in $(seq "$N"); do
  seq -f "tcp client $i line %g" "$M" >"$dir/in.$i"
  timeout 60 nc -N 127.0.0.1 "$port" <"$dir/in.$i" >"$dir/out.$i" 2>/dev/null &
done
wait_clients() { for p in $(jobs -p); do [ "$p" = "$pid" ] || wait "$p"; done; }
wait_clients
tcp_fail=0
for i in $(seq "$N"); do cmp -s "$dir/in.$i" "$dir/out.$i" || tcp_fail=$((tcp_fail + 1)); done
UM=$(( M < 20 ? M : 20 ))
for i in $(seq "$U"); do
  # One datagram per line: pace the lines so nc sends them separately.
  ( for j in $(seq "$UM"); do echo "udp client $i line $j"; sleep 0.01; done ) \
    | timeout 30 nc -u -w2 127.0.0.1 "$port" >"$dir/uout.$i" 2>/dev/null &
done
wait_clients
udp_fail=0
for i in $(seq "$U"); do
  seq -f "udp client $i line %g" "$UM" | cmp -s - "$dir/uout.$i" || udp_fail=$((udp_fail + 1))
done
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
kill -TERM $pid; wait $pid; code=$?
echo "stress-echo: tcp_clients=$N lines_each=$M tcp_failed=$tcp_fail udp_clients=$U datagrams_each=$UM udp_failed=$udp_fail server_exit=$code elapsed_ms=$elapsed"
[ $tcp_fail -eq 0 ] && [ $udp_fail -eq 0 ] && [ $code -eq 0 ]
