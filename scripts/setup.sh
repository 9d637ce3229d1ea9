#!/usr/bin/env bash
# Installs what uvreactor needs from Debian's packages (only what is missing)
# and builds it. Usage: scripts/setup.sh [build-dir] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(build-essential cmake pkg-config libuv1-dev libcxxopts-dev libgtest-dev
          netcat-openbsd python3 clang clang-format libclang-rt-14-dev redis-server ii)
scripts/install-packages.sh "${PACKAGES[@]}"
BUILD=${1:-build}
shift || true
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
