#!/usr/bin/env bash
# Installs what uvreactor needs from Debian's packages (only what is missing)
# and builds it. Usage: scripts/setup.sh [build-dir] [extra cmake args...]
# Env: CC/CXX pick the compiler; TARGETS (space-separated) builds only those.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(build-essential cmake pkg-config libuv1-dev libcxxopts-dev libgtest-dev libssl-dev openssl
          netcat-openbsd python3 clang clang-format libclang-rt-14-dev redis-server ii
          iproute2 testssl.sh irssi tmux)
scripts/install-packages.sh "${PACKAGES[@]}"
BUILD=${1:-build}
shift || true
# A build directory configured with another compiler cannot be switched in
# place: forget its cache (objects are rebuilt since their flags change).
if [ -f "$BUILD/CMakeCache.txt" ]; then
  cached=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
  wanted=$(command -v "${CXX:-c++}" || true)
  if [ -n "$cached" ] && [ -n "$wanted" ] && [ "$(realpath "$cached")" != "$(realpath "$wanted")" ]; then
    rm -rf "$BUILD/CMakeCache.txt" "$BUILD/CMakeFiles"
  fi
fi
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
read -r -a targets <<< "${TARGETS:-}"
cmake --build "$BUILD" -j"$(nproc)" ${targets[@]+--target "${targets[@]}"}
