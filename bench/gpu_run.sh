#!/usr/bin/env bash
# One call on a GPU machine (LibTorch from pip, no OpenCV): build the core and
# CLI, check CUDA parity, benchmark `mae train` and inference against the
# PyTorch reference on the same card, measure the input pipeline, compare
# bf16 with fp32 training, and train the default model from the packed photo
# corpus. Everything it prints also goes to $OUT/log.txt; JSON lines to
# $OUT/bench.jsonl; the default model to $OUT/default.safetensors.
#
#   bash bench/gpu_run.sh [TRAIN_SECONDS]
# Needs data/packs/photos (scripts/build_corpus.sh + mae pack) and, where the
# machine lacks zlib's headers, .carry/include/zlib.h + zconf.h.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/mae-gpu-run}
mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
TRAIN_SECONDS=${1:-110}
T0=$SECONDS
say() { echo "[$((SECONDS - T0))s] $*"; }
M=build-gpu/app/mae
J=$OUT/bench.jsonl

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
TP=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
ZL=$(ls /usr/lib/x86_64-linux-gnu/libz.so.1 /lib/x86_64-linux-gnu/libz.so.1 2>/dev/null | head -1)
zlib=()
[ -f /usr/include/zlib.h ] || zlib=(-DZLIB_INCLUDE_DIR="$PWD/.carry/include" -DZLIB_LIBRARY="$ZL")
build() {
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAE_WITH_OPENCV=OFF -DMAE_BUILD_APP=OFF \
    -DMAE_BUILD_TESTS=OFF -DCMAKE_PREFIX_PATH="$TP" "${zlib[@]}" "$@" >"$OUT/cmake.log" 2>&1 &&
    cmake --build build-gpu --target mae -j"$(nproc)" >"$OUT/build.log" 2>&1
}
if build -DMAE_CUDA_FAST_PATH=ON; then
  FAST=1
else
  grep -E "error" "$OUT/build.log" | head -20
  say "fast path failed to build: falling back to the eager path"
  FAST=0
  build -DMAE_CUDA_FAST_PATH=OFF || { tail -40 "$OUT/build.log"; exit 1; }
fi
say "built (fast path $FAST)"

say "== parity on CUDA, float32 with TF32 off (tolerance 1e-3)"
F=tests/data/vitmae/rgb32_p4
for m in "$F/hf" "$F/hf_t5" "$F/official.pth --config $F/mae_config.json"; do
  $M forward --model $m --inputs $F/inputs.safetensors --out "$OUT/p.safetensors" --device cuda >/dev/null &&
    python3 bench/compare_outputs.py "$OUT/p.safetensors" $F/expected.safetensors --tol 1e-3 | tail -1
done

bench() { $M bench --device cuda "$@" | tee -a /dev/stderr | tail -1 >>"$J"; }
ref() { python3 bench/pytorch_reference.py "$@" | tee -a "$J"; }

say "== default model: training speed from the packed photos, then training"
CFG=configs/train/photos_default.json
bench --arch mae_vit_tiny_patch16_dec256d3 --data shards:data/packs/photos --batch 256 --steps 30 --warmup 10
RATE=$(tail -1 "$J" | python3 -c 'import json,sys; print(json.load(sys.stdin)["img_per_s"])' 2>/dev/null)
if [ -z "$RATE" ]; then
  say "the CUDA-graph step failed: training the default model eagerly"
  python3 -c "import json; c=json.load(open('$CFG')); c['cuda_graph']=False; json.dump(c, open('$OUT/eager.json','w'))"
  CFG=$OUT/eager.json
  RATE=2000
fi
STEPS=$(python3 -c "print(max(300, int($RATE * $TRAIN_SECONDS / 256)))")
say "training $STEPS steps (~${TRAIN_SECONDS}s at $RATE img/s)"
$M train --config "$CFG" --steps "$STEPS" --device cuda --out "$OUT/default_run" --quiet | grep -vE "^step "
cp "$OUT/default_run/metrics.jsonl" "$OUT/default_metrics.jsonl"
$M convert "$OUT/default_run/model.safetensors" --dtype f16 --out "$OUT/default.safetensors"

say "== input pipeline alone (packed photos, batch 256)"
bench --mode data --arch mae_vit_base_patch16 --data shards:data/packs/photos --batch 256 --steps 50 --warmup 5

say "== ViT-B/16 training, batch 256, bf16: ours (graph, eager), PyTorch eager"
bench --arch mae_vit_base_patch16 --batch 256 --steps 30 --warmup 10
bench --arch mae_vit_base_patch16 --batch 256 --steps 15 --warmup 5 --no-graph
ref --arch base --mode train --batch 256 --steps 30 --warmup 10

say "== ViT-L/16 training, batch 256"
bench --arch mae_vit_large_patch16 --batch 256 --steps 15 --warmup 6
ref --arch large --mode train --batch 256 --steps 15 --warmup 6

say "== ViT-L/16 inference latency, batch 1"
bench --mode infer --arch mae_vit_large_patch16 --batch 1 --steps 50 --warmup 10
ref --arch large --mode infer --batch 1 --steps 50 --warmup 10

say "== bf16 vs fp32: 100 steps of the default model's recipe, same seed"
for p in bf16 fp32; do
  python3 -c "import json; c=json.load(open('configs/train/photos_default.json')); c['bf16']=('$p'=='bf16'); c['log_every']=25; json.dump(c, open('$OUT/$p.json','w'))"
  $M train --config "$OUT/$p.json" --steps 100 --device cuda --out "$OUT/run_$p" --quiet | grep -E "^loss"
done

say "== table"
python3 - "$J" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for r in rows:
    print(f"{r['impl']:22s} {r['arch']:32s} {r['mode']:5s} b{r['batch']:<4d} {r['img_per_s']:9.1f} img/s "
          f"{r['step_ms']:8.2f} ms {r['peak_mem_gib']:6.2f} GiB {r['tflops']:6.1f} TF/s {r['pct_peak']:5.1f}%  {r['device']}")
def pick(impl, arch, mode):
    for r in rows:
        if r["impl"] == impl and arch in r["arch"] and r["mode"] == mode:
            return r
for arch, a in (("base", "mae_vit_base"), ("large", "mae_vit_large")):
    ours, ref = pick("mae-studio", a, "train"), pick("pytorch-eager", arch, "train")
    if ours and ref:
        print(f"ViT-{arch[0].upper()} train: mae-studio / pytorch eager = {ours['img_per_s'] / ref['img_per_s']:.2f}x")
ours, ref = pick("mae-studio", "mae_vit_large", "infer"), pick("pytorch-eager", "large", "infer")
if ours and ref:
    print(f"ViT-L infer latency: mae-studio {ours['step_ms']:.2f} ms, pytorch {ref['step_ms']:.2f} ms "
          f"({ours['step_ms'] / ref['step_ms']:.2f}x)")
PY
say "done"
