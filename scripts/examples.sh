#!/usr/bin/env bash
# Builds uvreactor the three ways an application consumes it and runs each
# example in examples/ against real sockets:
#   find-package      installed to a temporary prefix, found with find_package
#   add-subdirectory  the source tree as a subproject (only the library builds)
#   pkg-config        a plain Makefile using the installed uvreactor.pc
# find-package and pkg-config run twice: against the shared library (a
# Release build of this tree, installed) and against the static one (the
# add-subdirectory build's, installed from there).
# Usage: scripts/examples.sh [extra cmake args for the shared library build...]
# Env: FROM_BUILD=DIR installs from an existing shared build directory of this
#      tree (the test script passes its GCC build) instead of building anew.
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

# start [env VAR=VALUE] PROGRAM: starts an example in the background; sets
# EXAMPLE_PID and EXAMPLE_AT (the address from its "listening HOST:PORT" line).
start() {
  local out=$WORK/$(basename "${@: -1}").out
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

# find_package and pkg-config, each against the installed prefix $1
# (shared or static, said by $2).
consume() {
  local prefix=$1 kind=$2 libdir
  libdir=$(find "$prefix" -name uvreactor.pc -printf '%h')/..
  echo "== examples/find-package (find_package(uvreactor 0.2)), $kind library"
  cmake -S examples/find-package -B "$WORK/find-package-$kind" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$WORK/find-package-$kind" -j"$JOBS" >/dev/null
  start "$WORK/find-package-$kind/uppercase"
  talk tcp "$EXAMPLE_AT" $'hello, world\nsecond\n' $'HELLO, WORLD\nSECOND\n'
  stop "$EXAMPLE_PID"

  echo "== examples/pkg-config (a plain Makefile), $kind library"
  cp -r examples/pkg-config "$WORK/pkg-config-$kind"
  PKG_CONFIG_PATH="$libdir/pkgconfig" make -s -C "$WORK/pkg-config-$kind"
  # A plain Makefile sets no run path: the loader is told where the prefix is.
  start env LD_LIBRARY_PATH="$libdir" "$WORK/pkg-config-$kind/udp_echo"
  for i in $(seq 10); do talk udp "$EXAMPLE_AT" "datagram $i" "datagram $i"; done
  wait "$EXAMPLE_PID"
  grep -qx "received 10 sent 10" "$WORK/udp_echo.out" || {
    echo "examples: udp_echo's counts are wrong:" >&2
    cat "$WORK/udp_echo.out" >&2
    exit 1
  }
}

echo "== examples: install the shared library to a temporary prefix"
LIB=${FROM_BUILD:-$WORK/lib}
if [ -z "${FROM_BUILD:-}" ]; then
  cmake -S . -B "$LIB" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DUVR_TESTS=OFF \
    -DUVR_DEMO=OFF "$@" >/dev/null
fi
cmake --build "$LIB" -j"$JOBS" --target uvreactor uvreactor_testing >/dev/null
grep -Eq '^BUILD_SHARED_LIBS:[A-Z]+=(ON|TRUE|1|YES)$' "$LIB/CMakeCache.txt" || {
  echo "examples: $LIB does not build the shared library (BUILD_SHARED_LIBS=ON)" >&2
  exit 1
}
cmake --install "$LIB" --prefix "$WORK/shared" >/dev/null

# The subproject builds the static library (its default) with the
# application's settings; installed as well (UVR_INSTALL=ON), it is the
# static package the examples below also consume.
echo "== examples/add-subdirectory (the source tree as a subproject)"
cmake -S examples/add-subdirectory -B "$WORK/add-subdirectory" -DUVREACTOR_SOURCE_DIR="$ROOT" \
  -DUVR_INSTALL=ON >/dev/null
cmake --build "$WORK/add-subdirectory" -j"$JOBS" >/dev/null
if [ -e "$WORK/add-subdirectory/uvreactor/tests" ] || [ -e "$WORK/add-subdirectory/uvreactor/demo" ]; then
  echo "examples: as a subproject, uvreactor built its tests or demo programs" >&2
  exit 1
fi
start "$WORK/add-subdirectory/embedded"
talk tcp "$EXAMPLE_AT" $'ping\n' $'ping\n'
stop "$EXAMPLE_PID"
cmake --install "$WORK/add-subdirectory" --prefix "$WORK/static" >/dev/null
[ -n "$(find "$WORK/static" -name libuvreactor.a)" ] || {
  echo "examples: the subproject installed no static libuvreactor.a" >&2
  exit 1
}

consume "$WORK/shared" shared
consume "$WORK/static" static
echo "== examples: all three built, ran and answered (shared and static packages)"
