#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, ASan and UBSan (the library and
# the protocols they feed carry the coverage counters too) and runs each for
# a bounded time (FUZZ_SECONDS, default 20) on a copy of the committed seed
# corpus. Any crash or invariant failure exits non-zero.
# Env: FUZZ_JOBS=N runs N fuzzers at once (default 1).
# Env: FUZZ_BUILD=DIR uses the fuzzers of a tree configured with
#      -DUVR_SANITIZE=ON -DUVR_FUZZ=ON (the test script's build-asan) instead
#      of configuring build-fuzz, a tree of the library and fuzzers only.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-20}
TARGETS_ALL=(line:line_codec_fuzz length:length_prefix_codec_fuzz chat:chat_command_fuzz resp:resp_fuzz
             event:event_codec_fuzz tls:tls_session_fuzz)
BUILD=${FUZZ_BUILD:-build-fuzz}
if [ -z "${FUZZ_BUILD:-}" ]; then
  CC=clang CXX=clang++ scripts/setup.sh "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DUVR_SANITIZE=ON \
    -DUVR_FUZZ=ON -DUVR_TESTS=OFF -DUVR_DEMO=OFF -DUVR_WERROR=ON >/dev/null
fi
cmake --build "$BUILD" -j"$(nproc)" --target "${TARGETS_ALL[@]#*:}" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# fuzz CORPUS TARGET: one bounded run; its status and stats land in $work.
fuzz() {
  local corpus=$1 target=$2 status=0
  cp -r "fuzz/corpus/$corpus" "$work/$corpus"
  "$BUILD/bin/$target" -max_total_time="$SECONDS_EACH" -max_len=4096 -print_final_stats=1 \
    "$work/$corpus" >"$work/$target.log" 2>&1 || status=$?
  echo "$status" >"$work/$target.status"
}
# FUZZ_JOBS fuzzers at once (each single-threaded, each its full time).
JOBS=${FUZZ_JOBS:-1}
running=0
for t in "${TARGETS_ALL[@]}"; do
  echo "fuzz: ${t#*:} for ${SECONDS_EACH}s"
  fuzz "${t%%:*}" "${t#*:}" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait
failed=0
for t in "${TARGETS_ALL[@]}"; do
  target=${t#*:}
  echo "fuzz: $target: $(grep -E "^stat::number_of_executed_units" "$work/$target.log" || true)"
  if [ "$(cat "$work/$target.status")" -ne 0 ]; then
    tail -40 "$work/$target.log"
    echo "fuzz: $target FAILED"
    failed=1
  fi
done
exit "$failed"
