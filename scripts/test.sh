#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (CTest). GUI tests run under xvfb-run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir build --output-on-failure --timeout 900 -j "$(nproc)"
