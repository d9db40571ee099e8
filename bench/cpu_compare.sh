#!/usr/bin/env bash
# MAE Studio against PyTorch eager on this machine's CPU, in one process tree:
# each case runs `mae bench` and bench/pytorch_reference.py in turn (A B A B),
# idle and then beside a competing busy process, and prints one table row per
# case with both medians and their ratio (ours / PyTorch: above 1 is faster
# for img/s, below 1 is faster for latency).
#
#   bash bench/cpu_compare.sh [ROUNDS]     (default 3)
#
# Needs build/app/mae and Debian's python3-torch (the same LibTorch 1.13).
# Writes every raw JSON line to $OUT/cpu_compare.jsonl (default /tmp/mae-cpu-compare).
set -uo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
OUT=${OUT:-/tmp/mae-cpu-compare}
mkdir -p "$OUT"
J=$OUT/cpu_compare.jsonl
: >"$J"
M=build/app/mae
PY=/usr/bin/python3
REF=bench/pytorch_reference.py
MICRO=configs/models/mae_vit_micro_patch4_28.json
DEFAULT=configs/models/mae_vit_tiny_patch16_dec256d3.json
BASE=configs/models/mae_vit_base_patch16.json
CORES=$(nproc)

# "auto": ours on its default (the thread probe picks all cores or one);
# PyTorch on all cores (Debian's python3-torch would start with one).
ours_threads() { [ "$1" = auto ] && return; echo "--threads $1"; }
ref_threads() { [ "$1" = auto ] && echo "--threads $CORES" || echo "--threads $1"; }

# case NAME MODE CONFIG BATCH STEPS THREADS
run_case() {
  local name=$1 mode=$2 config=$3 batch=$4 steps=$5 threads=$6 ours=() ref=()
  local t r
  t=$(ours_threads "$threads")
  r=$(ref_threads "$threads")
  for _ in $(seq "$ROUNDS"); do
    ours+=("$($M bench --device cpu --mode "$mode" --model-config "$config" --batch "$batch" \
      --steps "$steps" --warmup 3 $t 2>/dev/null | tail -1)")
    ref+=("$($PY $REF --device cpu --mode "$mode" --model-config "$config" --batch "$batch" \
      --steps "$steps" --warmup 3 $r)")
  done
  printf '%s\n' "${ours[@]}" "${ref[@]}" | sed "s|^{|{\"case\":\"$name\",\"load\":\"$LOAD\",|" >>"$J"
  $PY - "$name" "$threads" "$LOAD" "$mode" "${ours[@]}" -- "${ref[@]}" <<'EOF'
import json, statistics, sys
name, threads, load, mode = sys.argv[1:5]
rest = sys.argv[5:]
cut = rest.index("--")
def med(lines, key):
    return statistics.median(json.loads(l)[key] for l in lines if l.strip().startswith("{"))
ours, ref = rest[:cut], rest[cut + 1:]
key = "img_per_s" if mode == "train" else "step_ms"
o, r = med(ours, key), med(ref, key)
unit = "img/s" if mode == "train" else "ms"
speed = o / r if mode == "train" else r / o
print(f"| {name} | {threads} | {load} | {o:.1f} {unit} | {r:.1f} {unit} | {speed:.2f}x |", flush=True)
EOF
}

busy() { while :; do :; done; }

table() {
  for t in 1 2 auto; do
    run_case "micro train, batch 128" train "$MICRO" 128 15 "$t"
  done
  run_case "default model train, batch 32" train "$DEFAULT" 32 5 auto
  for t in 1 auto; do
    run_case "default model infer, batch 1" infer "$DEFAULT" 1 20 "$t"
    run_case "ViT-B/16 infer, batch 1" infer "$BASE" 1 5 "$t"
  done
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $CORES cores"
echo "| case | threads | machine | MAE Studio | PyTorch eager | speed ratio |"
echo "| --- | --- | --- | ---: | ---: | ---: |"
LOAD=idle table
busy &
BUSY=$!
trap 'kill $BUSY 2>/dev/null' EXIT
LOAD="1 busy process" table
