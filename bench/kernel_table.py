#!/usr/bin/env python3
"""Side-by-side GPU kernel time per training step from Chrome traces: `mae bench --profile`
(LibTorch Kineto) and `bench/pytorch_reference.py --profile` (torch.profiler).

    python3 bench/kernel_table.py ours.json:30 ref.json:30 [--top 25]

NAME:STEPS gives each trace's number of recorded steps, so times read as ms per step.
"""
import argparse
import collections
import json
import re

# First matching pattern names the kernel's category.
CATEGORIES = [
    ("attention", r"flash|fmha|attention|mem_eff|sdpa|cudnn::fusion"),
    ("adamw", r"adam"),
    ("layer_norm", r"layer_norm|LayerNorm"),
    ("conv", r"conv|Convolution|nchwToNhwc|nhwcToNchw|cutlass__5x_cudnn"),
    ("matmul", r"gemm|nvjet|cutlass|xmma|cublas|splitKreduce"),
    ("gelu", r"gelu|Gelu"),
    ("softmax", r"softmax"),
    ("grid_sample", r"grid_sampler"),
    ("gather/scatter/index", r"gather|scatter|index|sort"),
    ("cat/stack", r"CatArray|cat_|stack"),
    ("reduce", r"reduce_kernel|Reduce"),
    ("copy/cast", r"copy|Copy"),
    ("fill/memset", r"fill|FillFunctor|Memset|memset"),
    ("elementwise", r"elementwise|Functor|foreach"),
]


def short(name):
    base = re.sub(r"^void ", "", name).replace("(anonymous namespace)::", "")
    head = re.split(r"[<(]", base)[0]
    functor = re.search(r"(\w*Functor\w*|\w+_kernel_cuda|\w*Op\w*)", base[len(head):])
    return head + (f"<{functor.group(1)}>" if functor and "elementwise" in head else "")


def category(name):
    for cat, pattern in CATEGORIES:
        if re.search(pattern, name):
            return cat
    return "other"


def load(spec):
    path, _, steps = spec.rpartition(":")
    if not path:
        path, steps = spec, "1"
    with open(path) as f:
        trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    kernels = [e for e in events if e.get("ph") == "X" and e.get("cat") in ("kernel", "gpu_memset", "gpu_memcpy")]
    if not kernels:
        return None, int(steps)
    span = (max(e["ts"] + e["dur"] for e in kernels) - min(e["ts"] for e in kernels)) / 1e3
    by_cat, by_name, counts = collections.Counter(), collections.Counter(), collections.Counter()
    for e in kernels:
        name = e["name"] if e.get("cat") == "kernel" else e.get("cat")
        by_cat[category(name)] += e["dur"] / 1e3
        by_name[short(name)] += e["dur"] / 1e3
        counts[short(name)] += 1
    return {"span": span, "cat": by_cat, "name": by_name, "count": counts, "launches": len(kernels)}, int(steps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("traces", nargs="+", help="FILE.json:STEPS")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    loaded = [(spec.rpartition(":")[0] or spec, *load(spec)) for spec in args.traces]
    loaded = [(n, t, s) for n, t, s in loaded if t is not None or print(f"{n}: no GPU kernels in the trace")]
    if not loaded:
        return
    names = [n.split("/")[-1] for n, _, _ in loaded]
    print("ms per step".ljust(24) + "".join(f"{n[:18]:>20s}" for n in names))
    cats = sorted({c for _, t, _ in loaded for c in t["cat"]}, key=lambda c: -loaded[0][1]["cat"][c])
    for c in cats:
        print(f"{c:24s}" + "".join(f"{t['cat'][c] / s:20.2f}" for _, t, s in loaded))
    print(f"{'kernel time':24s}" + "".join(f"{sum(t['cat'].values()) / s:20.2f}" for _, t, s in loaded))
    print(f"{'GPU span':24s}" + "".join(f"{t['span'] / s:20.2f}" for _, t, s in loaded))
    print(f"{'kernels per step':24s}" + "".join(f"{t['launches'] / s:20.0f}" for _, t, s in loaded))
    for n, t, s in loaded:
        print(f"\ntop kernels of {n} (ms per step, launches per step)")
        for k, v in t["name"].most_common(args.top):
            print(f"  {v / s:8.3f} {t['count'][k] / s:6.1f}  {k[:110]}")


if __name__ == "__main__":
    main()
