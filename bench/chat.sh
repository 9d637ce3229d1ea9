#!/usr/bin/env bash
# Chat fan-out benchmark: uvreactor-server --protocol chat (Release) beside the
# chat kit's epoll anchor, asyncio and uvloop servers, driven by the kit's
# independent load generator (every delivery and its order checked). The kit
# interleaves the servers within each round and rotates their order; then it
# counts syscalls per delivered line (strace, and perf stat at full speed).
# Writes bench/results/chat-latest.md and chat-latest.png (CPU per delivered
# line, ratios to the epoll anchor and to uvloop in the same run), the kit's
# load lines and syscall counts under bench/results/chat-STAMP/, and dated
# copies. About 11 minutes on 2 cores.
# Usage: bench/chat.sh [path/to/chat-kit]   (default ../shared/bench/chat)
# Env: ROUNDS (3), T (5 s per run), W (workloads a,b,c,d), ONLY (servers),
#      STRACE/PERFSTAT (1) as in the kit's run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=$(cd "${1:-../shared/bench/chat}" 2>/dev/null && pwd) || {
  echo "bench/chat: chat kit not found at ${1:-../shared/bench/chat}; pass its folder (it holds run.sh and chatload.c)" >&2
  exit 2
}
for f in run.sh chatload.c anchor_epoll_chat.c anchor_asyncio_chat.py; do
  [ -e "$KIT/$f" ] || { echo "bench/chat: $KIT/$f is missing; the chat kit is incomplete" >&2; exit 2; }
done
scripts/install-packages.sh gcc strace linux-perf python3-uvloop python3-matplotlib
scripts/setup.sh build-release -DCMAKE_BUILD_TYPE=Release -DUVR_TESTS=OFF >/dev/null
stamp=$(date -u +%Y-%m-%dT%H%MZ)
machine="$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(free -g | awk '/^Mem:/{print $2}') GiB, Linux $(uname -r)"
out=bench/results
kitout=$PWD/$out/chat-$stamp
mkdir -p "$kitout"
start=$(date +%s)
UVR=$PWD/build-release/bin/uvreactor-server OUT=$kitout ROUNDS=${ROUNDS:-3} T=${T:-5} \
  bash "$KIT/run.sh" > "$kitout/run.log" 2>&1 || {
  echo "bench/chat: the kit's run.sh failed; see $kitout/run.log" >&2
  tail -5 "$kitout/run.log" >&2
  exit 1
}
/usr/bin/python3 bench/chat_summary.py "$kitout" "$stamp" "$machine" "$out/chat-latest.png" \
  > "$out/chat-latest.md"
# Keep the figures (every load line, the kit's own summary, the syscall
# counts), not each run's traces and logs.
find "$kitout" -type f ! -name raw.txt ! -name summary.md ! -name '*-summary.txt' -delete
cp "$out/chat-latest.png" "$out/chat-chart-$stamp.png"
sed "s/(chat-latest.png)/(chat-chart-$stamp.png)/" "$out/chat-latest.md" > "$out/chat-results-$stamp.md"
echo "bench/chat: wrote $out/chat-latest.md and $out/chat-latest.png in $(( $(date +%s) - start )) s"
