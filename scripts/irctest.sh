#!/usr/bin/env bash
# Runs the IRC server test suite (irctest) against uvreactor-server
# --protocol irc: the core subset of the IRC issue (registration, PING,
# JOIN, PART, messages, NAMES, TOPIC, QUIT, ISUPPORT, LIST, regressions,
# WHO), plus KICK. Skips with a message when the suite is absent. Prints pytest's
# summary; exits non-zero if any test fails.
# Usage: scripts/irctest.sh [path-to-irctest] [SERVER_BINARY]
#        (defaults ../shared/irctest and build/bin/uvreactor-server)
# Env: JOBS (pytest -n, default 2), IRCTEST_ARGS (extra pytest arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
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
cd "$SUITE"
PYTHONPATH="$OLDPWD/scripts/irctest${PYTHONPATH:+:$PYTHONPATH}" UVR_SERVER=$SERVER \
  /usr/bin/python3 -m pytest -p no:cacheprovider --controller irctest_uvreactor \
  -m 'not Ergo and not Sable and not deprecated and not strict and not services' \
  -n "${JOBS:-2}" -q -rs ${IRCTEST_ARGS:-} "${tests[@]}"
