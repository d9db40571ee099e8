#!/usr/bin/env python3
"""PyTorch reference for `mae bench`: the official MAE architecture (models_mae.py of
facebookresearch/mae, on timm's Block as the official code uses, or on the same block written out
below where timm is not installed, as with Debian's python3-torch), trained on synthetic images.
CUDA: bf16 autocast, fused AdamW. CPU: float32, torch.optim.AdamW as the official recipe.
Prints one JSON line per run.

    python3 bench/pytorch_reference.py --arch base --mode train --batch 256
    python3 bench/pytorch_reference.py --arch large --mode infer --batch 1
    python3 bench/pytorch_reference.py --device cpu --threads 2 \
        --model-config configs/models/mae_vit_micro_patch4_28.json --batch 128
"""
import argparse
import contextlib
import functools
import json
import time

import torch
import torch.nn as nn

try:
    from timm.models.vision_transformer import Block
except ImportError:  # timm's Block (pre-norm, qkv bias, exact GELU), written out

    class Attention(nn.Module):
        def __init__(self, dim, heads):
            super().__init__()
            self.heads, self.scale = heads, (dim // heads) ** -0.5
            self.qkv = nn.Linear(dim, dim * 3)
            self.proj = nn.Linear(dim, dim)

        def forward(self, x):
            B, N, C = x.shape
            qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
            q, k, v = qkv.unbind(0)
            attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
            return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))

    class Block(nn.Module):
        def __init__(self, dim, heads, mlp_ratio, qkv_bias=True, norm_layer=nn.LayerNorm):
            super().__init__()
            assert qkv_bias
            self.norm1, self.attn = norm_layer(dim), Attention(dim, heads)
            self.norm2 = norm_layer(dim)
            hidden = int(dim * mlp_ratio)
            self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

        def forward(self, x):
            x = x + self.attn(self.norm1(x))
            return x + self.mlp(self.norm2(x))

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
                 norm_pix=True, chans=3, mlp=4.0, eps=1e-6):
        super().__init__()
        self.patch, self.grid, self.norm_pix, self.chans = patch, img // patch, norm_pix, chans
        L = self.grid**2
        norm = functools.partial(nn.LayerNorm, eps=eps)
        self.patch_embed = nn.Conv2d(chans, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(sincos_2d(dim, self.grid), requires_grad=False)
        self.blocks = nn.ModuleList([Block(dim, heads, mlp, qkv_bias=True, norm_layer=norm) for _ in range(depth)])
        self.norm = norm(dim)
        self.decoder_embed = nn.Linear(dim, ddim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, ddim))
        self.decoder_pos_embed = nn.Parameter(sincos_2d(ddim, self.grid), requires_grad=False)
        self.decoder_blocks = nn.ModuleList([Block(ddim, dheads, mlp, qkv_bias=True, norm_layer=norm)
                                             for _ in range(ddepth)])
        self.decoder_norm = norm(ddim)
        self.decoder_pred = nn.Linear(ddim, patch * patch * chans)
        assert L == self.pos_embed.shape[1] - 1

    def patchify(self, imgs):
        p, h = self.patch, self.grid
        x = imgs.reshape(imgs.shape[0], self.chans, h, p, h, p)
        return torch.einsum("nchpwq->nhwpqc", x).reshape(imgs.shape[0], h * h, p * p * self.chans)

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


def forward_flops(dim, depth, L, keep, ddim=512, ddepth=8, patch=16, chans=3):
    def blocks(n, d, k):
        return k * (24 * n * d * d + 4 * n * n * d)
    return (2 * L * patch * patch * chans * dim + blocks(1 + keep, dim, depth) + 2 * (1 + keep) * dim * ddim
            + blocks(1 + L, ddim, ddepth) + 2 * (1 + L) * ddim * patch * patch * chans)


def model_args(args):
    """Constructor arguments from --arch or from a configs/models/ file (the official names)."""
    if not args.model_config:
        dim, depth, heads, patch = ARCHS[args.arch]
        return dict(patch=patch, dim=dim, depth=depth, heads=heads), args.arch
    with open(args.model_config) as f:
        c = json.load(f)
    return dict(img=c["img_size"], patch=c["patch_size"], chans=c["in_chans"], dim=c["embed_dim"],
                depth=c["depth"], heads=c["num_heads"], ddim=c["decoder_embed_dim"], ddepth=c["decoder_depth"],
                dheads=c["decoder_num_heads"], mlp=c["mlp_ratio"], norm_pix=c["norm_pix_loss"],
                eps=c["layer_norm_eps"]), args.model_config.rsplit("/", 1)[-1].removesuffix(".json")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="base", choices=ARCHS)
    ap.add_argument("--model-config", help="architecture file (configs/models/*.json) instead of --arch")
    ap.add_argument("--mode", default="train", choices=["train", "infer"])
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--threads", type=int, help="CPU threads (torch.set_num_threads)")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--peak-tflops", type=float, default=790.0)
    ap.add_argument("--profile", help="write a Chrome trace of the timed steps (slows them)")
    args = ap.parse_args()

    cuda = args.device == "cuda"
    if args.threads:
        torch.set_num_threads(args.threads)
    kw, arch = model_args(args)
    model = MAE(**kw).to(args.device)
    step_model = torch.compile(model) if args.compile else model
    img, chans, patch = kw.get("img", 224), kw.get("chans", 3), kw["patch"]
    imgs = torch.randn(args.batch, chans, img, img, device=args.device)
    L = (img // patch) ** 2
    flops = forward_flops(kw["dim"], kw["depth"], L, int(L * 0.25), ddim=kw.get("ddim", 512),
                          ddepth=kw.get("ddepth", 8), patch=patch, chans=chans)
    # bf16 autocast on the card; float32 on the CPU, as `mae bench --device cpu` runs.
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext()
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    if args.mode == "train":
        decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
        no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                                lr=1.5e-4, betas=(0.9, 0.95), **({"fused": True} if cuda else {}))

        def step():
            with autocast:
                loss = step_model(imgs)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            return loss
    else:
        model.eval()

        @torch.no_grad()
        def step():
            with autocast:
                return step_model(imgs)

    for _ in range(args.warmup):
        step()
    sync()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    profiler = None
    if args.profile:
        acts = [torch.profiler.ProfilerActivity.CPU] + ([torch.profiler.ProfilerActivity.CUDA] if cuda else [])
        profiler = torch.profiler.profile(activities=acts)
        profiler.__enter__()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    sync()
    dt = (time.perf_counter() - t0) / args.steps
    if profiler:
        profiler.__exit__(None, None, None)
        profiler.export_chrome_trace(args.profile)
    img_s = args.batch / dt
    tflops = img_s * flops * (3 if args.mode == "train" else 1) / 1e12
    print(json.dumps({
        "impl": "pytorch" + ("-compile" if args.compile else "-eager"), "arch": arch, "mode": args.mode,
        "batch": args.batch, "img_per_s": round(img_s, 1), "step_ms": round(dt * 1e3, 3),
        "peak_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
        "tflops": round(tflops, 3), "pct_peak": round(100 * tflops / args.peak_tflops, 1), "loss": float(loss),
        "threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name() if cuda else "cpu"}), flush=True)


if __name__ == "__main__":
    main()
