#!/usr/bin/env bash
# Adversarial soak (scripts/soak.py): well-behaved chat members beside
# flooders, non-readers, slowloris, reset storms, garbage and join bursts.
# Usage: scripts/soak.sh [SECONDS] [SERVER_BINARY] [MAX_RSS_MB]
#   defaults: 60 s, build/bin/uvreactor-server, 200 MiB (pass more for ASan).
#   SOAK_MAX_LATENCY (seconds, default 3): the longest a well-behaved line may take.
# Prints one summary line; exits non-zero on any loss, stall, memory past the
# bound, unclean exit or sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
SERVER=${2:-build/bin/uvreactor-server}
MAX_RSS=${3:-200}
[ -x "$SERVER" ] || { echo "soak: no server binary at $SERVER (run scripts/setup.sh)" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec /usr/bin/python3 scripts/soak.py "$SERVER" "$SECONDS_TO_RUN" "$MAX_RSS"
