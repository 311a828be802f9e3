#!/usr/bin/env bash
# Installs lockscope's build and test dependencies from Debian 12 packages, only when missing.
# Safe to run repeatedly; needs root (or sudo) only when something is missing.
# `deps.sh --bench` also installs what bench/run.sh compares against (not needed by CI).
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config python3
  libclang-14-dev clang-14 llvm-14-tools   # libclang C API (static pass), FileCheck-14 for e2e tests
  libdw-dev libelf-dev                      # symbolization (elfutils)
  libgraphviz-dev graphviz                  # in-process SVG (libgvc)
  nlohmann-json3-dev libcli11-dev libfmt-dev libxxhash-dev libzstd-dev
  libgtest-dev libgmock-dev
  libclang-rt-14-dev                        # libFuzzer + sanitizer runtimes for clang-14 (tests/fuzz)
  libjemalloc2                              # another allocator alongside the preload (test_host_safety)
  python3-jsonschema                        # SARIF 2.1.0 schema validation (tests/e2e/test_sarif.py)
  chromium                                  # headless browser test of the HTML/SVG report (big)
)
if [ "${1:-}" = "--bench" ]; then
  PKGS+=(pigz zstd valgrind)                # bench/run.sh: compressors, Helgrind column
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "lockscope: installing missing packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
