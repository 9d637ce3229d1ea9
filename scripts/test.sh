#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the GoogleTest suite
# against the shared library and again under AddressSanitizer +
# UndefinedBehaviorSanitizer, the adversarial soak, the embedding examples,
# the netcat smoke test, the bounded stress scripts and the fuzzers. Exits
# non-zero on any failure. Budget: about 8 minutes on 2 cores.
#
# Three trees, each built once and shared by the stages after it:
#   build       GCC, Release (-O3), shared library: the tests, every stage
#               that runs a server, and the installed package (examples)
#   build-asan  clang, ASan + UBSan, static library: the tests again, the
#               soak's server and the fuzzers
#   build-tsan  clang, ThreadSanitizer: only the cross-thread Loop tests
# To add a stage: `stage "what it checks"`, then its commands; a failing
# command ends the run, and the summary marks that stage FAIL.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
JOBS=$(nproc)
# Most of a test's time is spent waiting on sockets, timers and child
# processes (CPU is about a third of the wall time), so ctest runs two per core.
TEST_JOBS=$((2 * JOBS))

# stage NAME: ends the stage before (its wall and CPU seconds: user + sys of
# this shell and every command it waited for) and starts NAME. At exit, one
# line per stage: PASS or FAIL, wall seconds, CPU seconds, name.
STAGE_LOG=$(mktemp)
stage_name=""
stage_cpu() {
  times >"$STAGE_LOG.cpu"
  STAGE_CPU=$(awk '{ for (i = 1; i <= NF; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } }
                   END { printf "%.0f", s }' "$STAGE_LOG.cpu")
}
stage_end() {
  [ -n "$stage_name" ] || return 0
  stage_cpu
  printf '%-4s %5d s %5d s cpu  %s\n' "$1" $((SECONDS - stage_start)) \
    $((STAGE_CPU - stage_cpu_start)) "$stage_name" | tee -a "$STAGE_LOG"
  stage_name=""
}
stage() {
  stage_end PASS
  stage_name="$1"
  stage_start=$SECONDS
  stage_cpu
  stage_cpu_start=$STAGE_CPU
  echo "== $1"
}
summary() {
  local status=$?
  stage_end "$([ "$status" -eq 0 ] && echo PASS || echo FAIL)"
  echo "== summary (wall, CPU)"
  cat "$STAGE_LOG"
  if [ "$status" -eq 0 ]; then
    echo "== all tests passed in $SECONDS s"
  else
    echo "== FAILED after $SECONDS s (exit $status)"
  fi
  rm -f "$STAGE_LOG" "$STAGE_LOG.cpu"
}
trap summary EXIT

# Seconds: Linux-only headers and calls stay in the platform units, and the
# units' portable fallbacks (what the BSDs and macOS get where they lack
# Linux's calls) compile, here, with the Linux branches switched off.
stage "portability: platform calls only in the platform units; the fallbacks compile"
scripts/check-portability.py
for unit in reactor/src/Platform.cpp demo/ProcessPlatform.cpp; do
  "${CXX:-c++}" -std=c++20 -fsyntax-only -Wall -Wextra -Werror -DUVR_PORTABLE_FALLBACKS \
    -Ireactor/include -Ireactor/src $(pkg-config --cflags libuv) "$unit"
done

# Every build here turns warnings into errors (UVR_WERROR); a user's plain
# build does not. GCC builds the shared library and the programs at -O3 (it
# warns there about things -O2 does not see, -Wrestrict among them) and the
# tests at -O0 (UVR_TEST_OPTIMIZE); clang builds the sanitized trees, so
# everything also compiles warning-free under Clang 14.
stage "build: shared library (BUILD_SHARED_LIBS=ON), GCC, Release (-O3), -Werror"
scripts/setup.sh build -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DUVR_WERROR=ON \
  -DUVR_TEST_OPTIMIZE=-O0
stage "unit and integration tests against the shared library"
ctest --test-dir build --output-on-failure -j"$TEST_JOBS"

# The fuzzers (UVR_FUZZ) are built here too: they link this tree's library.
stage "build (clang): ASan + UBSan, static library, and the fuzzers"
CC=clang CXX=clang++ scripts/setup.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DUVR_SANITIZE=ON \
  -DUVR_FUZZ=ON -DUVR_WERROR=ON
stage "unit and integration tests under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$TEST_JOBS"

stage "adversarial soak, 30 s, ASan+UBSan server (scripts/soak.sh for longer runs)"
# The same 3 s latency bound as the release build: with the read budget the
# worst well-behaved line took 1.15 s under ASan (3.5 s before it) and
# 0.17 s in a release build (0.36 s before).
ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=64 \
  UBSAN_OPTIONS=print_stacktrace=1 scripts/soak.sh 30 build-asan/bin/uvreactor-server 400

stage "ThreadSanitizer (clang): cross-thread post while serving (Loop.*)"
CC=clang CXX=clang++ TARGETS=loop_tsan_tests \
  scripts/setup.sh build-tsan -DCMAKE_BUILD_TYPE=Debug -DUVR_TSAN=ON -DUVR_WERROR=ON
TSAN_OPTIONS=halt_on_error=1 build-tsan/bin/loop_tsan_tests

stage "embedding: install, find_package, add_subdirectory, pkg-config (examples/)"
scripts/check-readme-samples.py
# Installs the GCC shared build; add_subdirectory builds the static library,
# which is installed too, so both kinds of package are consumed.
FROM_BUILD=build scripts/examples.sh

stage "workers: queued connections of an exiting worker (own network namespace)"
scripts/workers-migrate.sh build/bin/uvreactor-server

stage "chat across hosts: Redis and two servers in network namespaces, a partition"
scripts/backplane-netns.sh build/bin/uvreactor-server

stage "IRC: the irctest suite's core subset, in plaintext and over TLS (skipped where ../shared/irctest is absent)"
scripts/irctest.sh --both ../shared/irctest build/bin/uvreactor-server

stage "IRC over TLS: irssi (in tmux) and a netcat user in one channel"
scripts/irssi-tls.sh build/bin/uvreactor-server

stage "TLS: testssl.sh against the default TLS configuration (nothing MEDIUM or worse)"
scripts/testssl.sh build/bin/uvreactor-server

stage "netcat smoke test"
scripts/smoke-nc.sh build/bin/uvreactor-server
for s in scripts/stress-*.sh; do
  [ -x "$s" ] || continue
  stage "$s"
  "$s"
done
stage "scripts/stress-chat.sh across 3 servers sharing the room through Redis"
SERVERS=3 scripts/stress-chat.sh 100 20

# The fuzzers now run in the sanitized -O0 tree (the library instrumented
# and checked too), a third to a fifteenth as many inputs per second as in
# the unsanitized tree of their own they had, so each gets 15 s, not 8.
stage "fuzzing (bounded), the fuzzers of the ASan tree"
FUZZ_BUILD=build-asan FUZZ_SECONDS=${FUZZ_SECONDS:-15} FUZZ_JOBS=$JOBS scripts/fuzz.sh
