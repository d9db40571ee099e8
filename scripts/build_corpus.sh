#!/usr/bin/env bash
# Builds the natural-photograph corpus for the default model from Debian
# packages only: installs the packages it reads, then runs build_corpus.py
# (which says how renders, near-duplicates and small pictures are filtered).
#
#   scripts/build_corpus.sh [OUT_DIR]   (default: data/corpus)
# gives OUT_DIR/train/ and OUT_DIR/heldout/ (links to the package files and
# frames taken from videos) and OUT_DIR/sources.tsv (package and licence of each).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-data/corpus}"

# Only these packages may give training pictures; others are kept for evaluation.
pkgs=(mate-backgrounds python3-skimage opencv-doc lomiri-wallpapers-16.04 lomiri-wallpapers-20.04
      visp-images-data python3-pil python3-opencv)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian's python, which has the packages' PIL and cv2 (not a pyenv or venv one).
exec /usr/bin/python3 scripts/build_corpus.py "$out"
