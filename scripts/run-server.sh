#!/usr/bin/env bash
# Installs what is missing, builds, and runs the echo server in the
# foreground (Ctrl-C stops it). Extra arguments go to uvreactor-server, e.g.
#   scripts/run-server.sh --protocol chat --listen 127.0.0.1:9007
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
exec build/bin/uvreactor-server "$@"
