#!/usr/bin/env bash
# Builds the Debian package of mae and mae-studio (CPack) into build/package/:
#   scripts/package.sh                 build (scripts/build.sh), then package
#   scripts/package.sh --no-build [BUILD_DIR [OUT_DIR]]   package an existing build
# Install it with: sudo apt install ./build/package/mae-studio_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--no-build" ]; then
  shift
else
  scripts/build.sh
fi
build=$(realpath "${1:-build}")
out=$(realpath -m "${2:-$build/package}")
mkdir -p "$out"
(cd "$build" && cpack -G DEB -B "$out" > "$out/cpack.log") || { cat "$out/cpack.log" >&2; exit 1; }
ls "$out"/*.deb
