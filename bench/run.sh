#!/usr/bin/env bash
# Overhead benchmark: each workload natively and under liblockscope.so, interleaved in the same
# run, RUNS times each; prints medians and the slowdown ratio. Timings live here, never in tests.
#
# Usage: bench/run.sh [BUILD_DIR] [RUNS] [ITERATIONS]
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-5}
ITERS=${3:-20000000}
BIN="$BUILD/bench/lock_loop"
RT="$BUILD/lib/liblockscope.so"
[ -x "$BIN" ] || { echo "bench: $BIN not built (cmake --build $BUILD)"; exit 2; }
[ -f "$RT" ] || { echo "bench: $RT not built"; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

printf "%-10s %12s %12s %8s %12s\n" workload native_ns lockscope_ns ratio trace_bytes
for w in mutex1 mutex2 rwread1 nested1; do
  : > "$TMP/native"; : > "$TMP/ls"
  for i in $(seq "$RUNS"); do
    "$BIN" "$w" "$ITERS" | awk '{print $2}' >> "$TMP/native"
    rm -f "$TMP"/t.*
    LD_PRELOAD="$RT" LOCKSCOPE_TRACE="$TMP/t.%p" "$BIN" "$w" "$ITERS" | awk '{print $2}' >> "$TMP/ls"
  done
  n=$(median < "$TMP/native"); l=$(median < "$TMP/ls")
  bytes=$(du -cb "$TMP"/t.* 2>/dev/null | tail -1 | awk '{print $1}')
  ratio=$(awk -v a="$l" -v b="$n" 'BEGIN { printf "%.2f", a / b }')
  printf "%-10s %12.2f %12.2f %7sx %12s\n" "$w" "$n" "$l" "$ratio" "$bytes"
done
