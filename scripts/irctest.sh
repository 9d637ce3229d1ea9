#!/usr/bin/env bash
# Runs the IRC server test suite (irctest) against uvreactor-server
# --protocol irc: the core subset of the IRC issue (registration, PING,
# JOIN, PART, messages, NAMES, TOPIC, QUIT, ISUPPORT, LIST, regressions,
# WHO), plus KICK. Skips with a message when the suite is absent. Prints pytest's
# summary; exits non-zero if any test fails.
# --tls: every client connects over TLS (the server has only --tls-listen;
# see scripts/irctest/irctest_uvreactor.py). --both: plaintext, then TLS,
# and fails unless both pass the same number of tests.
# Usage: scripts/irctest.sh [--tls|--both] [path-to-irctest] [SERVER_BINARY]
#        (defaults ../shared/irctest and build/bin/uvreactor-server)
# Env: JOBS (pytest -n, default 2), IRCTEST_ARGS (extra pytest arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=plain
case "${1:-}" in
  --tls) MODE=tls; shift ;;
  --both) MODE=both; shift ;;
esac
SUITE=${1:-../shared/irctest}
SERVER=$(realpath "${2:-build/bin/uvreactor-server}")
if [ ! -d "$SUITE/irctest/server_tests" ]; then
  echo "irctest: SKIPPED: no IRC test suite at $SUITE (pass its folder)"
  exit 0
fi
[ -x "$SERVER" ] || { echo "irctest: no server binary at $SERVER" >&2; exit 2; }
scripts/install-packages.sh python3-pytest python3-pytest-xdist python3-pytest-timeout \
  python3-filelock python3-ecdsa >/dev/null
tests=()
for t in connection_registration pingpong join part messages names topic quit isupport list regressions who kick; do
  tests+=("irctest/server_tests/$t.py")
done
CONTROLLERS="$PWD/scripts/irctest"
cd "$SUITE"
# One run; $1 is 1 for TLS. Prints the number of tests passed last.
run_suite() {
  local log
  log=$(mktemp)
  local status=0
  echo "irctest: every client over $([ "$1" = 1 ] && echo TLS || echo plaintext)"
  PYTHONPATH="$CONTROLLERS${PYTHONPATH:+:$PYTHONPATH}" UVR_SERVER=$SERVER UVR_IRCTEST_TLS=$1 \
    /usr/bin/python3 -m pytest -p no:cacheprovider --controller irctest_uvreactor \
    -m 'not Ergo and not Sable and not deprecated and not strict and not services' \
    -n "${JOBS:-2}" -q -rs ${IRCTEST_ARGS:-} "${tests[@]}" 2>&1 | tee "$log" || status=$?
  passed=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' "$log" | tail -1)
  rm -f "$log"
  return "$status"
}
case "$MODE" in
  plain) run_suite 0 ;;
  tls) run_suite 1 ;;
  both)
    run_suite 0
    plain_passed=$passed
    run_suite 1
    if [ "$passed" != "$plain_passed" ]; then
      echo "irctest: FAILED: $passed passed over TLS, $plain_passed in plaintext" >&2
      exit 1
    fi
    echo "irctest: $passed passed in plaintext and over TLS, none failed"
    ;;
esac
