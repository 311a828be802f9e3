#!/usr/bin/env bash
# Configures and builds lockscope into ./build (RelWithDebInfo). Extra args go to cmake configure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
JOBS=${LOCKSCOPE_JOBS:-$(nproc)}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build build -j "$JOBS"
