#!/usr/bin/env bash
# Quick start #1: install deps, build, and run lockscope on the AB-BA sample: text report on the
# terminal; SVG lock graph, HTML and JSON reports and the trace under ./lockscope-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
rm -rf lockscope-out
echo
echo "\$ build/bin/lockscope run -o lockscope-out -- build/samples/abba_mutex"
set +e
build/bin/lockscope run -o lockscope-out -- build/samples/abba_mutex
set -e
build/bin/lockscope analyze --format json -o lockscope-out/report.json \
  --svg lockscope-out/lock-graph.svg --html lockscope-out/report.html lockscope-out >/dev/null || true
echo
echo "lockscope: reports in lockscope-out/: $(ls lockscope-out | tr '\n' ' ')"
