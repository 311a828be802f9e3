#!/usr/bin/env bash
# Lock-graph rendering time at growing sizes (default neighbourhood and --full-graph).
# Usage: bench/graph_render.sh BUILD_DIR   (needs the graph_render_bench target built)
set -euo pipefail
bin="${1:-build}/bench/graph_render_bench"
for n in 100 150 590 1000 10000; do
  "$bin" "$n"
  "$bin" "$n" --full-graph
done
