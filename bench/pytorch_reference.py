#!/usr/bin/env python3
"""PyTorch reference for `mae bench`: the official MAE architecture (models_mae.py of
facebookresearch/mae, rewritten here on timm's Block as the official code uses), trained on
synthetic images already on the GPU, bf16 autocast, fused AdamW. Prints one JSON line per run.

    python3 bench/pytorch_reference.py --arch base --mode train --batch 256
    python3 bench/pytorch_reference.py --arch large --mode infer --batch 1
"""
import argparse
import json
import time

import torch
import torch.nn as nn
from timm.models.vision_transformer import Block

ARCHS = {  # embed_dim, depth, num_heads, patch
    "base": (768, 12, 12, 16),
    "large": (1024, 24, 16, 16),
    "huge": (1280, 32, 16, 14),
}


def sincos_2d(dim, grid):
    def one_d(d, pos):
        omega = torch.arange(d // 2, dtype=torch.float64) / (d / 2.0)
        omega = 1.0 / 10000**omega
        out = pos.reshape(-1)[:, None] * omega[None]
        return torch.cat([out.sin(), out.cos()], 1)

    ys, xs = torch.meshgrid(torch.arange(grid, dtype=torch.float64), torch.arange(grid, dtype=torch.float64),
                            indexing="ij")
    emb = torch.cat([one_d(dim // 2, xs), one_d(dim // 2, ys)], 1)
    return torch.cat([torch.zeros(1, dim, dtype=torch.float64), emb]).float()[None]


class MAE(nn.Module):
    def __init__(self, img=224, patch=16, dim=768, depth=12, heads=12, ddim=512, ddepth=8, dheads=16,
                 norm_pix=True):
        super().__init__()
        self.patch, self.grid, self.norm_pix = patch, img // patch, norm_pix
        L = self.grid**2
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(sincos_2d(dim, self.grid), requires_grad=False)
        self.blocks = nn.ModuleList([Block(dim, heads, 4.0, qkv_bias=True, norm_layer=nn.LayerNorm)
                                     for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.decoder_embed = nn.Linear(dim, ddim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, ddim))
        self.decoder_pos_embed = nn.Parameter(sincos_2d(ddim, self.grid), requires_grad=False)
        self.decoder_blocks = nn.ModuleList([Block(ddim, dheads, 4.0, qkv_bias=True, norm_layer=nn.LayerNorm)
                                             for _ in range(ddepth)])
        self.decoder_norm = nn.LayerNorm(ddim)
        self.decoder_pred = nn.Linear(ddim, patch * patch * 3)
        assert L == self.pos_embed.shape[1] - 1

    def patchify(self, imgs):
        p, h = self.patch, self.grid
        x = imgs.reshape(imgs.shape[0], 3, h, p, h, p)
        return torch.einsum("nchpwq->nhwpqc", x).reshape(imgs.shape[0], h * h, p * p * 3)

    def forward(self, imgs, mask_ratio=0.75):
        x = self.patch_embed(imgs).flatten(2).transpose(1, 2) + self.pos_embed[:, 1:]
        N, L, D = x.shape
        keep = int(L * (1 - mask_ratio))
        noise = torch.rand(N, L, device=x.device)
        ids_shuffle = torch.argsort(noise, dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        x = torch.gather(x, 1, ids_shuffle[:, :keep, None].expand(-1, -1, D))
        mask = torch.ones(N, L, device=x.device)
        mask[:, :keep] = 0
        mask = torch.gather(mask, 1, ids_restore)
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(N, -1, -1)
        x = torch.cat([cls, x], 1)
        for b in self.blocks:
            x = b(x)
        latent = self.norm(x)
        x = self.decoder_embed(latent)
        tokens = self.mask_token.repeat(N, L + 1 - x.shape[1], 1)
        x_ = torch.cat([x[:, 1:], tokens], 1)
        x_ = torch.gather(x_, 1, ids_restore[:, :, None].expand(-1, -1, x.shape[2]))
        x = torch.cat([x[:, :1], x_], 1) + self.decoder_pos_embed
        for b in self.decoder_blocks:
            x = b(x)
        pred = self.decoder_pred(self.decoder_norm(x))[:, 1:]
        target = self.patchify(imgs)
        if self.norm_pix:
            mean, var = target.mean(-1, keepdim=True), target.var(-1, keepdim=True)
            target = (target - mean) / (var + 1e-6) ** 0.5
        loss = ((pred - target) ** 2).mean(-1)
        return (loss * mask).sum() / mask.sum()


def forward_flops(dim, depth, L, keep, ddim=512, ddepth=8, patch=16):
    def blocks(n, d, k):
        return k * (24 * n * d * d + 4 * n * n * d)
    return (2 * L * patch * patch * 3 * dim + blocks(1 + keep, dim, depth) + 2 * (1 + keep) * dim * ddim
            + blocks(1 + L, ddim, ddepth) + 2 * (1 + L) * ddim * patch * patch * 3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="base", choices=ARCHS)
    ap.add_argument("--mode", default="train", choices=["train", "infer"])
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--peak-tflops", type=float, default=790.0)
    ap.add_argument("--profile", help="write a Chrome trace of the timed steps (slows them)")
    args = ap.parse_args()

    dim, depth, heads, patch = ARCHS[args.arch]
    model = MAE(patch=patch, dim=dim, depth=depth, heads=heads).cuda()
    step_model = torch.compile(model) if args.compile else model
    imgs = torch.randn(args.batch, 3, 224, 224, device="cuda")
    L = (224 // patch) ** 2
    flops = forward_flops(dim, depth, L, int(L * 0.25), patch=patch)

    if args.mode == "train":
        decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
        no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                                lr=1.5e-4, betas=(0.9, 0.95), fused=True)

        def step():
            with torch.autocast("cuda", dtype=torch.bfloat16):
                loss = step_model(imgs)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            return loss
    else:
        model.eval()

        @torch.no_grad()
        def step():
            with torch.autocast("cuda", dtype=torch.bfloat16):
                return step_model(imgs)

    for _ in range(args.warmup):
        step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    profiler = None
    if args.profile:
        acts = [torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
        profiler = torch.profiler.profile(activities=acts)
        profiler.__enter__()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    torch.cuda.synchronize()
    dt = (time.perf_counter() - t0) / args.steps
    if profiler:
        profiler.__exit__(None, None, None)
        profiler.export_chrome_trace(args.profile)
    img_s = args.batch / dt
    tflops = img_s * flops * (3 if args.mode == "train" else 1) / 1e12
    print(json.dumps({
        "impl": "pytorch" + ("-compile" if args.compile else "-eager"), "arch": args.arch, "mode": args.mode,
        "batch": args.batch, "img_per_s": round(img_s, 1), "step_ms": round(dt * 1e3, 3),
        "peak_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2), "tflops": round(tflops, 1),
        "pct_peak": round(100 * tflops / args.peak_tflops, 1), "loss": float(loss),
        "device": torch.cuda.get_device_name()}), flush=True)


if __name__ == "__main__":
    main()
