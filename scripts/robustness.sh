#!/usr/bin/env bash
# Robustness CI steps (docs/robustness.md), after scripts/test.sh:
#   1. build-asan: the analyzer, viz, CLI and runtime core with ASan+UBSan (LOCKSCOPE_SANITIZE);
#      runs both unit-test binaries and the hostile-trace e2e test with the sanitized CLI. Not the
#      samples nor the preloaded liblockscope.so (an ASan runtime cannot be LD_PRELOADed into a
#      normal program; its core is what lockscope_runtime_tests exercises).
#   2. build-fuzz: the trace-reader libFuzzer target (clang-14), run for LOCKSCOPE_FUZZ_SECONDS
#      (default 60) over the checked-in seed corpus and regressions.
# Deps come from scripts/deps.sh (clang-14, libclang-rt-14-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
JOBS=${LOCKSCOPE_JOBS:-$(nproc)}

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLOCKSCOPE_SANITIZE=address,undefined -DLOCKSCOPE_BUILD_SAMPLES=OFF >/dev/null
cmake --build build-asan -j "$JOBS" --target lockscope lockscope_analyzer_tests \
  lockscope_runtime_tests
(
  cd build-asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  export LSAN_OPTIONS=suppressions=$PWD/../tests/lsan.supp
  # GoogleTest cases only (Suite.Name) of both binaries: not e2e.*.
  ctest --output-on-failure -j "$JOBS" -R '^[A-Z]'
  LOCKSCOPE_TEST_NO_ULIMIT=1 ctest --output-on-failure -R '^e2e\.test_hostile_traces$'
)

CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLOCKSCOPE_BUILD_FUZZERS=ON -DLOCKSCOPE_BUILD_TESTS=OFF -DLOCKSCOPE_BUILD_SAMPLES=OFF \
  -DLOCKSCOPE_FUZZ_SECONDS="${LOCKSCOPE_FUZZ_SECONDS:-60}" >/dev/null
cmake --build build-fuzz -j "$JOBS" --target trace_reader_fuzzer
(cd build-fuzz && ctest --output-on-failure -L fuzz)
