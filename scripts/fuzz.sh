#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time
# (FUZZ_SECONDS, default 20) on a copy of the committed seed corpus.
# Any crash or invariant failure exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-20}
CC=clang CXX=clang++ scripts/setup.sh build-fuzz -DUVR_FUZZ=ON -DUVR_TESTS=OFF -DUVR_DEMO=OFF -DUVR_WERROR=ON >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in line:line_codec_fuzz length:length_prefix_codec_fuzz chat:chat_command_fuzz resp:resp_fuzz event:event_codec_fuzz tls:tls_session_fuzz; do
  corpus=${t%%:*}; target=${t#*:}
  cp -r "fuzz/corpus/$corpus" "$work/$corpus"
  echo "fuzz: $target for ${SECONDS_EACH}s"
  status=0
  "build-fuzz/bin/$target" -max_total_time="$SECONDS_EACH" -max_len=4096 -print_final_stats=1 \
    "$work/$corpus" >"$work/$target.log" 2>&1 || status=$?
  grep -E "^stat::number_of_executed_units" "$work/$target.log" || true
  if [ "$status" -ne 0 ]; then
    tail -40 "$work/$target.log"
    echo "fuzz: $target FAILED"
    exit 1
  fi
done
