#!/usr/bin/env bash
# What happens to connections waiting in a worker's accept queue when that
# worker exits, with net.ipv4.tcp_migrate_req at 0 and at 1. Runs
# uvreactor-server --workers 2 inside a network namespace it creates (the
# sysctl is per namespace, so the host is untouched), stops one worker
# (SIGSTOP: it accepts nothing more), opens 40 connections, kills the stopped
# worker and counts how many connections are reset and how many served.
# Expects: resets with 0 (the caveat the server warns about), none with 1.
# Skips with a message where namespaces cannot be created (not root, or a
# container without CAP_SYS_ADMIN).
# Usage: scripts/workers-migrate.sh [SERVER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER=${1:-build/bin/uvreactor-server}
[ -x "$SERVER" ] || { echo "workers-migrate: no server binary at $SERVER" >&2; exit 2; }
NS=uvr-migrate-$$
if ! ip netns add "$NS" 2>/dev/null; then
  echo "workers-migrate: SKIPPED: cannot create a network namespace here (needs root and CAP_SYS_ADMIN)"
  exit 0
fi
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ip -n "$NS" link set lo up

# run MIGRATE: prints "resets served" for 40 connections.
run() {
  ip netns exec "$NS" sysctl -qw net.ipv4.tcp_migrate_req="$1"
  ip netns exec "$NS" "$SERVER" --listen 127.0.0.1:0 --no-udp --workers 2 --log-level info \
    >"$WORK/out" 2>"$WORK/err" &
  SERVER_PID=$!
  for _ in $(seq 100); do grep -q '^listening tcp' "$WORK/out" && break; sleep 0.05; done
  local port victim
  port=$(sed -n 's/^listening tcp 127.0.0.1://p' "$WORK/out")
  victim=$(sed -n 's/.*worker 1 started (pid \([0-9]*\)).*/\1/p' "$WORK/err" | head -1)
  [ -n "$port" ] && [ -n "$victim" ] || { echo "workers-migrate: server did not start" >&2; cat "$WORK/err" >&2; exit 1; }
  kill -STOP "$victim"
  ip netns exec "$NS" /usr/bin/python3 - "$port" "$victim" <<'PY'
import os, signal, socket, sys, time
port, victim = int(sys.argv[1]), int(sys.argv[2])
clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(40)]
time.sleep(0.3)   # the running worker accepts its share; the stopped one's wait in its queue
os.kill(victim, signal.SIGKILL)
time.sleep(0.3)
resets = served = 0
for c in clients:
    try:
        c.sendall(b"ping\n")
        if c.recv(16) == b"ping\n":
            served += 1
        else:
            resets += 1
    except OSError:
        resets += 1
print(resets, served)
PY
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=
}

read -r resets0 served0 < <(run 0)
read -r resets1 served1 < <(run 1)
echo "workers-migrate: tcp_migrate_req=0: $resets0 of 40 reset, $served0 served; tcp_migrate_req=1: $resets1 reset, $served1 served"
[ "$resets1" -eq 0 ] && [ "$served1" -eq 40 ] || { echo "workers-migrate: with tcp_migrate_req=1 no connection may be lost" >&2; exit 1; }
[ "$resets0" -gt 0 ] || { echo "workers-migrate: expected resets with tcp_migrate_req=0 (the documented caveat); none seen" >&2; exit 1; }
