#!/usr/bin/env bash
# Builds uvreactor the three ways an application consumes it and runs each
# example in examples/ against real sockets:
#   find-package      installed to a temporary prefix, found with find_package
#   add-subdirectory  the source tree as a subproject (only the library builds)
#   pkg-config        a plain Makefile using the installed uvreactor.pc
# Usage: scripts/examples.sh [extra cmake args for the library build...]
# Env: FROM_BUILD=DIR installs from an existing build directory of this tree
#      (the test script passes its Release build) instead of building anew.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d /tmp/uvreactor-examples.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
JOBS=$(nproc)

# Starts an example in the background; sets EXAMPLE_PID and EXAMPLE_AT (the
# address from its "listening HOST:PORT" line).
start() {
  local out=$WORK/$(basename "$1").out
  "$@" >"$out" 2>&1 &
  EXAMPLE_PID=$!
  PIDS+=("$EXAMPLE_PID")
  for _ in $(seq 100); do
    EXAMPLE_AT=$(sed -n 's/^listening //p' "$out")
    [ -n "$EXAMPLE_AT" ] && return 0
    sleep 0.05
  done
  echo "examples: $1 did not start:" >&2
  cat "$out" >&2
  exit 1
}

# talk tcp|udp HOST:PORT SEND EXPECT: sends SEND and checks the reply.
talk() {
  /usr/bin/python3 - "$@" <<'PY'
import socket, sys
kind, at, send, expect = sys.argv[1:5]
host, port = at.rsplit(":", 1)
host = host.strip("[]")
family = socket.AF_INET6 if ":" in host else socket.AF_INET
if kind == "tcp":
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(send.encode())
    got = b""
    while len(got) < len(expect):
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
else:
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(send.encode(), (host, int(port)))
    got = s.recvfrom(65536)[0]
if got.decode() != expect:
    sys.exit(f"examples: {kind} {at}: sent {send!r}, expected {expect!r}, got {got.decode()!r}")
PY
}

# stop PID: SIGTERM, and the example must exit 0 within 5 s.
stop() {
  kill -TERM "$1"
  for _ in $(seq 100); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
  wait "$1"
}

echo "== examples: install the library to a temporary prefix"
LIB=${FROM_BUILD:-$WORK/lib}
if [ -z "${FROM_BUILD:-}" ]; then
  cmake -S . -B "$LIB" -DCMAKE_BUILD_TYPE=Release -DUVR_TESTS=OFF -DUVR_DEMO=OFF "$@" >/dev/null
fi
cmake --build "$LIB" -j"$JOBS" --target uvreactor uvreactor_testing >/dev/null
cmake --install "$LIB" --prefix "$WORK/prefix" >/dev/null

echo "== examples/find-package (find_package(uvreactor 0.2))"
cmake -S examples/find-package -B "$WORK/find-package" -DCMAKE_PREFIX_PATH="$WORK/prefix" >/dev/null
cmake --build "$WORK/find-package" -j"$JOBS" >/dev/null
start "$WORK/find-package/uppercase"
talk tcp "$EXAMPLE_AT" $'hello, world\nsecond\n' $'HELLO, WORLD\nSECOND\n'
stop "$EXAMPLE_PID"

echo "== examples/add-subdirectory (the source tree as a subproject)"
cmake -S examples/add-subdirectory -B "$WORK/add-subdirectory" -DUVREACTOR_SOURCE_DIR="$ROOT" >/dev/null
cmake --build "$WORK/add-subdirectory" -j"$JOBS" >/dev/null
if [ -e "$WORK/add-subdirectory/uvreactor/tests" ] || [ -e "$WORK/add-subdirectory/uvreactor/demo" ]; then
  echo "examples: as a subproject, uvreactor built its tests or demo programs" >&2
  exit 1
fi
start "$WORK/add-subdirectory/embedded"
talk tcp "$EXAMPLE_AT" $'ping\n' $'ping\n'
stop "$EXAMPLE_PID"

echo "== examples/pkg-config (a plain Makefile)"
cp -r examples/pkg-config "$WORK/pkg-config"
PKG_CONFIG_PATH="$WORK/prefix/lib/pkgconfig:$(find "$WORK/prefix" -name uvreactor.pc -printf '%h')" \
  make -s -C "$WORK/pkg-config"
start "$WORK/pkg-config/udp_echo"
for i in $(seq 10); do talk udp "$EXAMPLE_AT" "datagram $i" "datagram $i"; done
wait "$EXAMPLE_PID"
grep -qx "received 10 sent 10" "$WORK/udp_echo.out" || {
  echo "examples: udp_echo's counts are wrong:" >&2
  cat "$WORK/udp_echo.out" >&2
  exit 1
}
echo "== examples: all three built, ran and answered"
