#!/usr/bin/env bash
# Scans uvreactor-server's default TLS configuration with testssl.sh
# (Debian's package, `testssl`): protocols, cipher categories, forward
# secrecy, the server's preferences and defaults, and every vulnerability
# check (-U: Heartbleed, CCS, ticketbleed, ROBOT, renegotiation, CRIME,
# POODLE, fallback SCSV, SWEET32, BEAST, LUCKY13, FREAK, LOGJAM, DROWN, RC4).
# The server runs --protocol echo on a loopback --tls-listen port with a
# certificate made here by `openssl req` under a CA made here too (given to
# testssl with --add-ca), so nothing is committed and the chain is trusted.
# Fails if any finding is rated MEDIUM, HIGH or CRITICAL (testssl's "NOT
# ok" and "VULNERABLE" ratings) or the scan does not finish; prints every
# finding above INFO and a one-line summary.
# Usage: scripts/testssl.sh [SERVER_BINARY]   (default build/bin/uvreactor-server)
# Env: TESTSSL_TIMEOUT: seconds the scan may take (default 300);
#      TESTSSL_OUT: a folder to keep testssl's log and JSON findings in.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER=$(realpath "${1:-build/bin/uvreactor-server}")
[ -x "$SERVER" ] || { echo "testssl: no server binary at $SERVER" >&2; exit 2; }
scripts/install-packages.sh testssl.sh openssl python3 >/dev/null
TESTSSL=$(command -v testssl || command -v testssl.sh) || { echo "testssl: not installed" >&2; exit 2; }

work=$(mktemp -d /tmp/uvr-testssl.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A CA (P-256) and a server certificate for localhost / 127.0.0.1 with an
# RSA 2048 key, so the RSA checks (ROBOT, DROWN) have something to probe; a
# year's validity and the key usages a web PKI certificate has.
(
  cd "$work"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
    -out ca.pem -days 365 -subj "/CN=uvreactor testssl CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  openssl req -newkey rsa:2048 -nodes -keyout server.key \
    -out server.csr -subj "/CN=localhost"
  printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' 'extendedKeyUsage=serverAuth' \
    'keyUsage=critical,digitalSignature' 'basicConstraints=critical,CA:FALSE' > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
    -sha256 -extfile server.ext -out server.pem
) >"$work/openssl.log" 2>&1 || { cat "$work/openssl.log" >&2; exit 1; }

"$SERVER" --protocol echo --tls-listen 127.0.0.1:0 --tls-cert "$work/server.pem" \
  --tls-key "$work/server.key" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/^listening tls 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/server.out")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || { echo "testssl: the server did not start:" >&2; cat "$work/server.err" >&2; exit 1; }

# No client simulation (-c) nor per-cipher scans (-e/-E): they list what
# connects rather than what is wrong, and take most of a default run.
# Everything a default run rates is in -p -s -f -P -S -U.
start=$SECONDS
status=0
timeout --kill-after=10 "${TESTSSL_TIMEOUT:-300}" "$TESTSSL" --quiet --color 0 --warnings off \
  --nodns none --ip 127.0.0.1 --add-ca "$work/ca.pem" --connect-timeout 5 --openssl-timeout 5 \
  --jsonfile "$work/findings.json" -p -s -f -P -S -U "localhost:$port" \
  >"$work/testssl.log" 2>&1 || status=$?
# testssl's exit status counts some findings; the JSON is what is judged.
if [ "$status" -ge 124 ] || [ ! -s "$work/findings.json" ]; then
  echo "testssl: the scan did not finish (status $status) in $((SECONDS - start)) s:" >&2
  tail -20 "$work/testssl.log" >&2
  exit 1
fi
kill -0 "$server_pid" 2>/dev/null || { echo "testssl: the server died during the scan" >&2; exit 1; }
[ -n "${TESTSSL_OUT:-}" ] && mkdir -p "$TESTSSL_OUT" && cp "$work/testssl.log" "$work/findings.json" "$TESTSSL_OUT/"

python3 - "$work/findings.json" "$((SECONDS - start))" <<'EOF'
import json, sys
findings = json.load(open(sys.argv[1]))
rank = {"DEBUG": -1, "INFO": 0, "OK": 0, "LOW": 1, "WARN": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}
# Findings about the certificate this script makes, not about the server's
# TLS configuration: a throw-away CA publishes no CRL or OCSP responder.
about_the_test_certificate = {"cert_revocation"}
counts = {}
bad = []
for f in findings:
    severity = f.get("severity", "INFO")
    counts[severity] = counts.get(severity, 0) + 1
    ignored = f.get("id") in about_the_test_certificate
    if rank.get(severity, 4) >= 1:
        note = " (the test certificate's, not judged)" if ignored else ""
        print(f"testssl: {severity:8} {f.get('id')}: {f.get('finding')}{note}")
    if rank.get(severity, 4) >= 2 and not ignored:
        bad.append(f)
summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda x: rank.get(x[0], 4)))
print(f"testssl: {len(findings)} findings in {sys.argv[2]} s ({summary})")
if bad:
    print(f"testssl: FAILED: {len(bad)} rated MEDIUM or worse", file=sys.stderr)
    sys.exit(1)
print("testssl: passed: nothing rated MEDIUM, HIGH or CRITICAL")
EOF
