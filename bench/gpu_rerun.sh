#!/usr/bin/env bash
# Benchmarks only, on a machine where bench/gpu_run.sh already built build-gpu.
set -uo pipefail
cd "$(dirname "$0")/.."
TP=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
ZL=$(ls /usr/lib/x86_64-linux-gnu/libz.so.1 /lib/x86_64-linux-gnu/libz.so.1 2>/dev/null | head -1)
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAE_WITH_OPENCV=OFF -DMAE_BUILD_APP=OFF -DMAE_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH="$TP" -DZLIB_INCLUDE_DIR="$PWD/.carry/include" -DZLIB_LIBRARY="$ZL" > "$OUT/cmake2.log" 2>&1
cmake --build build-gpu --target mae -j"$(nproc)" > "$OUT/build2.log" 2>&1 || { tail -30 "$OUT/build2.log"; exit 1; }
M=build-gpu/app/mae; J=$OUT/bench.jsonl
b() { $M bench --device cuda "$@" | tail -2 | tee -a "$J"; }
b --arch mae_vit_tiny_patch16_dec256d3 --data shards:data/packs/photos --batch 256 --steps 30 --warmup 10
b --arch mae_vit_tiny_patch16_dec256d3 --data shards:data/packs/photos --batch 256 --steps 20 --warmup 5 --no-graph
b --mode data --arch mae_vit_base_patch16 --data shards:data/packs/photos --batch 256 --steps 50 --warmup 5
b --arch mae_vit_base_patch16 --batch 256 --steps 30 --warmup 10
b --arch mae_vit_base_patch16 --batch 256 --steps 15 --warmup 5 --no-graph
b --arch mae_vit_large_patch16 --batch 256 --steps 15 --warmup 6
b --mode infer --arch mae_vit_large_patch16 --batch 1 --steps 50 --warmup 10
