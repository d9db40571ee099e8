#!/usr/bin/env bash
# Installs the Debian packages MAE Studio builds and runs with (Debian 12 /
# Ubuntu). Safe to run again: apt skips what is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev
  libopenblas0-openmp   # without it LibTorch falls back to reference BLAS (~40x slower)
  nlohmann-json3-dev
  libopencv-dev
  libglfw3-dev libimgui-dev libstb-dev libgl-dev
  libgtest-dev
  clang libclang-rt-14-dev # libFuzzer targets (scripts/fuzz.sh, the fuzz_smoke test)
  fonts-dejavu-core     # the app's UI font
  xvfb xauth            # headless GUI tests
  dataset-fashion-mnist # a real labelled dataset for training and probes
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "Installing: ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
