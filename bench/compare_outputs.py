#!/usr/bin/env python3
"""Compares `mae forward` outputs with the parity fixture's expected tensors.

    python3 bench/compare_outputs.py OUT.safetensors EXPECTED.safetensors [--tol 1e-3]

Exits 1 when pred or latent differ by more than --tol, the loss by more than --tol relative, or the
mask / ids_restore differ at all.
"""
import argparse
import sys

from safetensors.torch import load_file


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("expected")
    ap.add_argument("--tol", type=float, default=1e-3)
    args = ap.parse_args()
    out, ref = load_file(args.out), load_file(args.expected)
    ok = True
    for name in ("pred", "latent"):
        err = (out[name].double() - ref[name].double()).abs().max().item()
        ok &= err <= args.tol
        print(f"{name:12s} max abs error {err:.3e}")
    rel = abs(out["loss"].item() - ref["loss"].item()) / abs(ref["loss"].item())
    ok &= rel <= args.tol
    print(f"{'loss':12s} relative error {rel:.3e}")
    for name in ("mask", "ids_restore"):
        same = bool((out[name] == ref[name]).all())
        ok &= same
        print(f"{name:12s} {'identical' if same else 'DIFFERENT'}")
    print("parity:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
