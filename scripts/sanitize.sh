#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and UBSan, in its own build
# folder (default build-asan; SANITIZE_BUILD_DIR to change it). Not part of
# the default CI: on 2 cores the instrumented build takes about half an hour
# and the suite another ~8 minutes; CI runs the parsers' sanitized fuzz
# targets (fuzz_smoke) instead. Extra arguments go to ctest (e.g. -R Hostile).
#
# LibTorch, OpenCV and OpenBLAS are not instrumented; leak reports are off
# because they would be theirs. UBSan errors stop the test that hits them.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${SANITIZE_BUILD_DIR:-build-asan}"
scripts/setup.sh
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAE_SANITIZE=ON
fi
cmake --build "$build" --parallel "$(nproc)"
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
ctest --test-dir "$build" --output-on-failure --timeout 1800 -j "$(nproc)" -E fuzz_smoke "$@"
