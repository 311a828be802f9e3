#!/usr/bin/env bash
# Quick start #2: install deps, build, and run every test (unit + end-to-end) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh "$@"
cd build
ctest --output-on-failure -j "${LOCKSCOPE_JOBS:-$(nproc)}"
