#!/usr/bin/env bash
# Here, before bench/gpu_run.sh's one call on the GPU machine: builds the photo
# corpus and packs it (data/packs/photos, data/packs/photos_heldout), copies
# zlib's headers to .carry/include (the machine may lack them), and checks that
# what travels stays under the device tool's 64 MiB. Then call
#   run(command="bash bench/gpu_run.sh 150", carry=["data/packs", ".carry"], timeout_s=560)
set -euo pipefail
cd "$(dirname "$0")/.."
M=build/app/mae
[ -x "$M" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
scripts/build_corpus.sh data/corpus | tail -1
rm -rf data/packs/photos data/packs/photos_heldout
# 272 px keeps the training pack at 28 MB; the held-out pictures are only ever
# centre-cropped to 224.
"$M" pack --input data/corpus/train --out data/packs/photos --short-side 272 --channels 3 | tail -1
"$M" pack --input data/corpus/heldout --out data/packs/photos_heldout --short-side 224 --channels 3 |
  tail -1
mkdir -p .carry/include
cp /usr/include/zlib.h /usr/include/zconf.h .carry/include/
tracked=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r du -cb | tail -1 | cut -f1)
carried=$(du -sb data/packs .carry | awk '{s += $1} END {print s}')
total=$((tracked + ${untracked:-0} + carried))
echo "travels: $((total / 1048576)) MiB of 64 (tracked $((tracked / 1048576)), carried $((carried / 1048576)))"
[ "$total" -lt $((64 * 1048576)) ] || { echo "too large for the device tool" >&2; exit 1; }
