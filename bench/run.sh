#!/usr/bin/env bash
# Benchmark: uvreactor-server (Release) beside the peer echo servers of the
# shared kit, same workloads, same independent load generator (echoload),
# servers interleaved within each of ROUNDS rounds (default 3), their order
# rotated from round to round. Then the
# deterministic figures (syscalls and instructions per message). Writes to
# bench/results/: raw-STAMP.txt (every line), latest.md and latest.png (medians,
# ratios to raw libuv in the same run, chart), and dated copies of both.
# Then the chat fan-out benchmark (bench/chat.sh, the kit's chat/ folder).
# Usage: bench/run.sh [path/to/peer-kit]   (default ../shared/bench)
# Env: ROUNDS, T (seconds per workload, default 3), W (workloads) and ONLY
#      (peers) as in the kit's anchors.sh; DETERMINISTIC=0 skips strace/callgrind;
#      CHAT=0 skips the chat fan-out benchmark (about 17 minutes);
#      WORKERS=0 skips the workers axis (bench/workers.sh, about 2 minutes);
#      BACKPLANE=0 skips chat through Redis (bench/backplane.sh, about 3 minutes);
#      IRC=0 skips IRC against ngircd and InspIRCd (bench/irc.sh, about 4 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=$(cd "${1:-../shared/bench}" 2>/dev/null && pwd) || {
  echo "bench: peer kit not found at ${1:-../shared/bench}; pass its folder (it holds build.sh, anchors.sh, echoload.c and anchors/)" >&2
  exit 2
}
for f in build.sh anchors.sh echoload.c anchors; do
  [ -e "$KIT/$f" ] || { echo "bench: $KIT/$f is missing; the peer kit is incomplete" >&2; exit 2; }
done
# What the bench itself needs beyond the build (matplotlib from Debian, so
# the system Python, not whichever python3 comes first on PATH).
scripts/install-packages.sh strace valgrind python3-matplotlib
PY=/usr/bin/python3
scripts/setup.sh build-release -DCMAKE_BUILD_TYPE=Release -DUVR_TESTS=OFF >/dev/null
export BIN=${BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/uvreactor-bench}
"$KIT/build.sh" >/dev/null
export ROUNDS=${ROUNDS:-3} T=${T:-3}
SERVER=$PWD/build-release/bin/uvreactor-server
stamp=$(date -u +%Y-%m-%dT%H%MZ)
machine="$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(free -g | awk '/^Mem:/{print $2}') GiB, Linux $(uname -r)"
out=bench/results
mkdir -p "$out"
raw=$out/raw-$stamp.txt
start=$(date +%s)
# The kit's anchors.sh runs its servers in a fixed order with extras last; a
# server's place in the order moved its figures by up to 15% here (the one
# before it leaves the kernel busy with 10,000 closed connections). So each
# round calls anchors.sh once per server, in an order rotated by one place
# per round, and numbers the rounds itself.
ours="uvreactor=$SERVER --listen 127.0.0.1:PORT --max-connections 20000 --log-level error"
peers=(${ONLY:+${ONLY//,/ }})
((${#peers[@]})) || peers=(epoll libuv asio uvloop asyncio socketserver)
order=(uvreactor "${peers[@]}")
: > "$raw"
for round in $(seq "$ROUNDS"); do
  n=${#order[@]}
  for i in $(seq 0 $((n - 1))); do
    name=${order[$(( (i + round - 1) % n ))]}
    if [ "$name" = uvreactor ]; then
      ROUNDS=1 ONLY=none "$KIT/anchors.sh" "$ours"
    else
      ROUNDS=1 ONLY=$name "$KIT/anchors.sh"
    fi | sed "s/round=1\$/round=$round/" | tee -a "$raw"
  done
done
$PY bench/summarize.py "$raw" "$stamp" "$machine" "$out/latest.png" > "$out/latest.md"
if [ "${DETERMINISTIC:-1}" != 0 ]; then
  $PY bench/deterministic.py "$BIN" "$SERVER" >> "$out/latest.md"
fi
sed "s/(latest.png)/(chart-$stamp.png)/" "$out/latest.md" > "$out/results-$stamp.md"
[ -e "$out/latest.png" ] && cp "$out/latest.png" "$out/chart-$stamp.png"
echo "bench: wrote $out/latest.md and $out/latest.png in $(( $(date +%s) - start )) s"
if [ "${WORKERS:-1}" != 0 ]; then
  env -u T bench/workers.sh "$KIT"
fi
if [ "${CHAT:-1}" != 0 ]; then
  # Its own rounds and run length: the echo run's T and W mean other things.
  env -u T -u W -u ONLY bench/chat.sh "$KIT/chat"
fi
if [ "${BACKPLANE:-1}" != 0 ]; then
  env -u T -u W bench/backplane.sh "$KIT/chat"
fi
if [ "${IRC:-1}" != 0 ]; then
  env -u T -u W bench/irc.sh
fi
