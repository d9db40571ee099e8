#!/usr/bin/env bash
# Installs the Debian packages MAE Studio builds and runs with (Debian 12 /
# Ubuntu). Safe to run again: apt skips what is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev
  libgloo-dev           # c10d's Gloo headers: data-parallel training (mae train --nproc)
  libprotobuf-dev protobuf-compiler  # TensorBoard event files
  python3-protobuf python3-crc32c    # the tests' independent event-file reader
  libopenblas0-openmp   # without it LibTorch falls back to reference BLAS (~40x slower)
  nlohmann-json3-dev
  libcli11-dev          # command-line parsing (mae, mae-studio)
  libcurl4-openssl-dev  # mae fetch / Model > Get models...: downloads
  libopencv-dev
  libglfw3-dev libimgui-dev libstb-dev libgl-dev
  libgtest-dev
  clang                 # libFuzzer targets (scripts/fuzz.sh, the fuzz_smoke test)
  fonts-dejavu-core     # the app's UI font
  xvfb xauth            # headless GUI tests
  dataset-fashion-mnist # a real labelled dataset for training and probes
)

# libFuzzer for Debian 12's clang 14. Other releases name it otherwise: there
# the fuzz_smoke test is not registered and everything else still runs.
optional=(libclang-rt-14-dev)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
known() { apt-cache show "$1" >/dev/null 2>&1; }

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
extra=()
for p in "${optional[@]}"; do
  installed "$p" || ! known "$p" || extra+=("$p")
done
if [ ${#missing[@]} -eq 0 ] && [ ${#extra[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -q
# Known only now on a machine whose package lists were empty.
for p in "${optional[@]}"; do
  if ! installed "$p" && known "$p" && [[ ! " ${extra[*]} " =~ " $p " ]]; then extra+=("$p"); fi
done
echo "Installing: ${missing[*]} ${extra[*]}"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" "${extra[@]}"
