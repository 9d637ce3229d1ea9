#!/usr/bin/env bash
# Starts the echo server on a free loopback port, talks to it with netcat over
# TCP and UDP, checks the answers, and stops it with SIGTERM (expects exit 0).
set -uo pipefail
cd "$(dirname "$0")/.."
SERVER=${1:-build/bin/uvreactor-server}
out=$(mktemp); err=$(mktemp)
trap 'kill $pid 2>/dev/null; rm -f "$out" "$err"' EXIT
"$SERVER" --listen 127.0.0.1:0 >"$out" 2>"$err" &
pid=$!
for _ in $(seq 100); do grep -q "listening udp" "$out" && break; sleep 0.05; done
port=$(sed -n 's/^listening tcp 127.0.0.1:\([0-9]*\)$/\1/p' "$out")
[ -n "$port" ] || { echo "FAIL: server did not announce its port"; cat "$err"; exit 1; }
fail=0
got=$(printf 'hello\nworld\n' | timeout 5 nc -N 127.0.0.1 "$port")
[ "$got" = $'hello\nworld' ] && echo "ok: tcp echo" || { echo "FAIL: tcp echo got '$got'"; fail=1; }
got=$(printf 'ping over udp\n' | timeout 5 nc -u -w1 127.0.0.1 "$port")
[ "$got" = "ping over udp" ] && echo "ok: udp echo" || { echo "FAIL: udp echo got '$got'"; fail=1; }
got=$(printf 'a\nb\n' | timeout 5 build/bin/uvreactor-client 127.0.0.1 "$port")
[ "$got" = $'a\nb' ] && echo "ok: uvreactor-client" || { echo "FAIL: client got '$got'"; fail=1; }
kill -TERM $pid
wait $pid; code=$?
[ $code -eq 0 ] && echo "ok: SIGTERM exit 0" || { echo "FAIL: exit code $code after SIGTERM"; fail=1; }
exit $fail
