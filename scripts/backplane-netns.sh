#!/usr/bin/env bash
# Chat across hosts: Redis and two uvreactor-servers, each in a network
# namespace of its own (made and removed here), joined by veth pairs to the
# Redis "host". A netcat client on each server's host: lines cross both
# ways; then the link between server B's host and Redis is cut (no reset,
# packets just vanish): B's member is told its room is local-only, A's
# member sees B's member leave (its server's heartbeat expired), and a line
# said meanwhile is not replayed later, while on A one member moves to
# another room and a new one arrives; once the link is back, both are told
# the room is shared again, A's member sees B's member back, B's member
# hears of the move and the arrival it missed, and lines cross again.
# Bounded: each wait is at most 20 s.
# Skips with a message where namespaces cannot be created (not root, or a
# container without CAP_SYS_ADMIN) or redis-server is missing.
# Usage: scripts/backplane-netns.sh [SERVER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER=$(realpath "${1:-build/bin/uvreactor-server}")
[ -x "$SERVER" ] || { echo "backplane-netns: no server binary at $SERVER" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "backplane-netns: SKIPPED: redis-server is not installed (scripts/setup.sh)"; exit 0; }
R=uvr-bp-r-$$ A=uvr-bp-a-$$ B=uvr-bp-b-$$
if ! ip netns add "$R" 2>/dev/null; then
  echo "backplane-netns: SKIPPED: cannot create a network namespace here (needs root and CAP_SYS_ADMIN)"
  exit 0
fi
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for ns in "$R" "$A" "$B"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$A"
ip netns add "$B"
# R <-> A on 10.77.1.0/24, R <-> B on 10.77.2.0/24.
i=1
for ns in "$A" "$B"; do
  ip link add "vr$i-$$" netns "$R" type veth peer name "vh$i-$$" netns "$ns"
  ip -n "$R" addr add "10.77.$i.1/24" dev "vr$i-$$"
  ip -n "$ns" addr add "10.77.$i.2/24" dev "vh$i-$$"
  ip -n "$R" link set "vr$i-$$" up
  ip -n "$ns" link set "vh$i-$$" up
  ip -n "$ns" link set lo up
  i=$((i + 1))
done
ip -n "$R" link set lo up

ip netns exec "$R" redis-server --port 6379 --bind 10.77.1.1 10.77.2.1 127.0.0.1 --protected-mode no \
  --save '' --appendonly no --loglevel warning >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
disown
for _ in $(seq 100); do ip netns exec "$R" redis-cli PING 2>/dev/null | grep -q PONG && break; sleep 0.05; done

# start NAME NS REDIS_ADDRESS: a server in NS; sets PORT_NAME.
start() {
  ip netns exec "$2" "$SERVER" --protocol chat --listen 127.0.0.1:0 --backplane "redis://$3:6379/mh" \
    --log-level info >"$WORK/$1.out" 2>"$WORK/$1.err" &
  PIDS+=($!)
  eval "PID_$1=$!"
  for _ in $(seq 100); do grep -q '^listening tcp' "$WORK/$1.out" && break; sleep 0.05; done
  local port
  port=$(sed -n 's/^listening tcp 127.0.0.1://p' "$WORK/$1.out")
  [ -n "$port" ] || { echo "backplane-netns: server $1 did not start" >&2; cat "$WORK/$1.err" >&2; exit 1; }
  eval "PORT_$1=$port"
}
start a "$A" 10.77.1.1
start b "$B" 10.77.2.1

# client NAME NS PORT: an nc client fed from a FIFO held open on fd 5/6.
client() {
  mkfifo "$WORK/$1.in"
  ip netns exec "$2" nc 127.0.0.1 "$3" <"$WORK/$1.in" >"$WORK/$1.log" 2>/dev/null &
  PIDS+=($!)
  disown
}
client alice "$A" "$PORT_a"
exec 5>"$WORK/alice.in"
client bob "$B" "$PORT_b"
exec 6>"$WORK/bob.in"
client carol "$A" "$PORT_a"
exec 7>"$WORK/carol.in"
say() { echo "$2" >&"$1"; }
# expect WHO LINE: waits up to 20 s for an exact line in WHO's transcript.
expect() {
  for _ in $(seq 200); do grep -qxF -- "$2" "$WORK/$1.log" && return 0; sleep 0.1; done
  echo "backplane-netns: FAILED: $1 never got '$2'; it got:" >&2
  cat "$WORK/$1.log" >&2
  echo "server logs:" >&2
  cat "$WORK"/*.err >&2
  exit 1
}
subscribed() {
  for _ in $(seq 200); do
    [ "$(ip netns exec "$R" redis-cli PUBSUB NUMSUB mh:room:lobby | tail -1)" = 2 ] && return 0
    sleep 0.1
  done
  echo "backplane-netns: FAILED: the servers never both subscribed" >&2
  exit 1
}

say 5 "/nick alice"
expect alice "* you are now alice"
say 6 "/nick bob"
expect bob "* you are now bob"
say 7 "/nick carol"
expect carol "* you are now carol"
subscribed
say 5 "hello from host a"
expect bob "alice: hello from host a"
say 6 "hello from host b"
expect alice "bob: hello from host b"
echo "backplane-netns: lines cross between hosts"

start_cut=$(date +%s%N)
ip -n "$R" link set "vr2-$$" down
expect bob "* room lobby is local-only: the link to other servers is down; members elsewhere do not hear it"
expect alice "* bob left (server lost)"
cut_ms=$(( ($(date +%s%N) - start_cut) / 1000000 ))
say 5 "while cut"
say 7 "/join den"
expect carol "* you joined den (1 members)"
client dave "$A" "$PORT_a"
exec 8>"$WORK/dave.in"
say 8 "/nick dave"
expect dave "* you are now dave"
say 6 "/who"
expect bob "* in lobby: bob (this server only: the link to other servers is down)"
echo "backplane-netns: partition seen by both sides within $cut_ms ms"

ip -n "$R" link set "vr2-$$" up
expect bob "* room lobby is shared with other servers again"
expect alice "* bob joined"
expect bob "* carol left"
expect bob "* dave joined"
subscribed
say 6 "after the cut"
expect alice "bob: after the cut"
if grep -qxF "alice: while cut" "$WORK/bob.log"; then
  echo "backplane-netns: FAILED: a line said during the partition was replayed" >&2
  exit 1
fi
for who in alice bob; do
  n=$(grep -c "is local-only" "$WORK/$who.log" || true)
  [ "$n" -le 1 ] || { echo "backplane-netns: FAILED: $who was told $n times that the room is local-only" >&2; exit 1; }
done
echo "backplane-netns: partition healed; what B missed is told; lines cross again; nothing replayed"
# Both servers stop in order: their members leave, they withdraw from Redis.
for name in a b; do
  pid=$(eval echo "\$PID_$name")
  kill -TERM "$pid"
  code=0
  wait "$pid" || code=$?
  [ "$code" = 0 ] || { echo "backplane-netns: FAILED: server $name exited $code" >&2; cat "$WORK/$name.err" >&2; exit 1; }
done
echo "backplane-netns: both servers stopped cleanly"
