#!/usr/bin/env bash
# Quick start #1: install deps, build, and run lockscope on the AB-BA sample: text report on the
# terminal, JSON report and trace under ./lockscope-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
rm -rf lockscope-out
echo
echo "\$ build/bin/lockscope run -o lockscope-out -- build/samples/abba_mutex"
set +e
build/bin/lockscope run -o lockscope-out -- build/samples/abba_mutex
set -e
build/bin/lockscope analyze --format json -o lockscope-out/report.json lockscope-out >/dev/null || true
if build/bin/lockscope help analyze 2>&1 | grep -q -- '--svg'; then
  build/bin/lockscope analyze --svg lockscope-out/lock-graph.svg lockscope-out >/dev/null || true
fi
echo
echo "lockscope: reports in lockscope-out/: $(ls lockscope-out | tr '\n' ' ')"
