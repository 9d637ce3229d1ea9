#!/usr/bin/env bash
# irssi over TLS beside a netcat user in one IRC channel: uvreactor-server
# --protocol irc serves plaintext IRC on one loopback port (for nc) and IRC
# over TLS on another (--tls-listen, a certificate made here by openssl
# under a CA of its own); irssi (Debian's, in a tmux of its own) connects
# with TLS, verifying the certificate against that CA, and joins #lobby,
# where the netcat user speaks raw IRC. Checks that each hears the other:
# the nc user sees irssi join and speak, irssi shows the nc user's line.
# Usage: scripts/irssi-tls.sh [SERVER_BINARY]   (default build/bin/uvreactor-server)
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER=$(realpath "${1:-build/bin/uvreactor-server}")
[ -x "$SERVER" ] || { echo "irssi-tls: no server binary at $SERVER" >&2; exit 2; }
scripts/install-packages.sh irssi tmux netcat-openbsd openssl >/dev/null

work=$(mktemp -d /tmp/uvr-irssi.XXXXXX)
TMUX_SOCKET="uvr-irssi-$$"
server_pid=""
cleanup() {
  tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null || true
  if [ -n "${NC_PID:-}" ]; then kill "$NC_PID" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "irssi-tls: FAILED: $*" >&2
  echo "--- irssi's screen:" >&2
  tmux -L "$TMUX_SOCKET" capture-pane -p -t irssi 2>/dev/null | sed '/^$/d' >&2 || true
  echo "--- nc saw:" >&2
  cat "$work/nc.log" >&2 || true
  exit 1
}

(
  cd "$work"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
    -out ca.pem -days 2 -subj "/CN=uvreactor irssi CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
    -out server.csr -subj "/CN=localhost"
  printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' 'extendedKeyUsage=serverAuth' > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -sha256 -extfile server.ext -out server.pem
) >"$work/openssl.log" 2>&1 || { cat "$work/openssl.log" >&2; exit 1; }

"$SERVER" --protocol irc --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 \
  --tls-cert "$work/server.pem" --tls-key "$work/server.key" --irc-server-name irc.test \
  >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
plain="" tls=""
for _ in $(seq 100); do
  plain=$(sed -n 's/^listening tcp 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/server.out")
  tls=$(sed -n 's/^listening tls 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/server.out")
  [ -n "$plain" ] && [ -n "$tls" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$tls" ] || { cat "$work/server.err" >&2; fail "the server did not start"; }

# The netcat user: raw IRC on the plaintext port, its input a FIFO held open.
mkfifo "$work/nc.in"
nc 127.0.0.1 "$plain" <"$work/nc.in" >"$work/nc.log" &
NC_PID=$!
exec 3>"$work/nc.in"
say() { printf '%s\r\n' "$1" >&3; }
# Waits up to 10 s for a line matching the pattern in the file.
await() {
  for _ in $(seq 100); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
say "NICK ncuser"
say "USER ncuser 0 * :netcat user"
say "JOIN #lobby"
await "$work/nc.log" " 366 ncuser #lobby " || fail "the netcat user did not join #lobby"

mkdir -p "$work/irssi"
cat >"$work/irssi/config" <<EOF
servers = (
  { address = "localhost"; chatnet = "uvr"; port = "$tls"; family = "inet";
    use_tls = "yes"; tls_verify = "yes"; tls_cafile = "$work/ca.pem"; autoconnect = "yes"; }
);
chatnets = { uvr = { type = "IRC"; }; };
channels = ( { name = "#lobby"; chatnet = "uvr"; autojoin = "yes"; } );
settings = {
  core = { real_name = "irssi user"; user_name = "irssiuser"; nick = "irssiuser"; };
};
EOF
tmux -L "$TMUX_SOCKET" -f /dev/null new-session -d -s irssi -x 160 -y 40 \
  "irssi --home=$work/irssi"
await "$work/nc.log" ":irssiuser!.* JOIN #lobby" || fail "irssi did not join #lobby over TLS"

tmux -L "$TMUX_SOCKET" send-keys -t irssi "/window goto #lobby" Enter
say "PRIVMSG #lobby :hello from netcat"
# Waits up to 10 s for irssi's screen to show the pattern.
on_screen() {
  for _ in $(seq 100); do
    tmux -L "$TMUX_SOCKET" capture-pane -p -t irssi | grep -q -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
on_screen "<[ @+]\?ncuser> hello from netcat" || fail "irssi did not show the netcat user's line"
tmux -L "$TMUX_SOCKET" send-keys -t irssi "hello from irssi over tls" Enter
await "$work/nc.log" ":irssiuser!.* PRIVMSG #lobby :hello from irssi over tls" ||
  fail "the netcat user did not hear irssi"
on_screen "<[ @+]\?irssiuser> hello from irssi over tls" || fail "irssi did not show its own line"
tmux -L "$TMUX_SOCKET" send-keys -t irssi "/quit leaving" Enter
await "$work/nc.log" ":irssiuser!.* QUIT :" || fail "the netcat user did not see irssi quit"
echo "irssi-tls: irssi over TLS (port $tls) and nc (port $plain) talked in #lobby: passed"
