#!/usr/bin/python3
"""Eager PyTorch baseline for `depthscope-cli bench-forward --mode forward`.

The same Llama-style model as DepthScope's Transformer::random with the same config:
RMSNorm (eps 1e-5), rotate-halves RoPE (theta 1e4), causal softmax attention, SwiGLU MLP,
no biases, untied head, weights normal(0, 0.02), float32. Prints tokens/s of a full forward
(logits for every position) on [batch, ctx] random ids: the fastest of --iters runs after
--warmup (as depthscope-cli bench-forward; robust on a shared machine).

Run with Debian's interpreter, which has python3-torch 1.13 (same LibTorch and BLAS as the
C++ build):  /usr/bin/python3 tools/bench/forward_baseline.py --threads 2
On a GPU (a CUDA build of torch): --device cuda; each timed run waits for the GPU (as
depthscope-cli bench-forward --device cuda does). --sdpa uses F.scaled_dot_product_attention
(torch >= 2.0) instead of matmul + masked softmax.
"""
import argparse
import json
import math
import time

import torch


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope_tables(T, hd, theta):
    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))  # [hd/2]
    angles = torch.outer(torch.arange(T, dtype=torch.float64), inv_freq)          # [T, hd/2]
    emb = torch.cat([angles, angles], -1)                                          # [T, hd]
    return emb.cos().float(), emb.sin().float()


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
    return x * cos + rotated * sin


class Model:
    def __init__(self, a, gen):
        d, ff, V, L = a.hidden, a.ffn, a.vocab, a.layers
        n = lambda *shape: torch.empty(*shape).normal_(0.0, 0.02, generator=gen)
        self.a = a
        self.emb = n(V, d)
        self.layers = [dict(attn_norm=torch.ones(d), wq=n(d, d), wk=n(d, d), wv=n(d, d), wo=n(d, d),
                            mlp_norm=torch.ones(d), w_gate=n(ff, d), w_up=n(ff, d), w_down=n(d, ff))
                       for _ in range(L)]
        self.final_norm = torch.ones(d)
        self.head = n(V, d)

    def to(self, device):
        """Every weight on `device` (drawn on the CPU first: the same weights on every device)."""
        self.emb, self.final_norm, self.head = (t.to(device) for t in (self.emb, self.final_norm, self.head))
        self.layers = [{k: t.to(device) for k, t in lw.items()} for lw in self.layers]
        return self

    def forward(self, tokens):
        a = self.a
        B, T = tokens.shape
        H, hd = a.heads, a.hidden // a.heads
        x = torch.nn.functional.embedding(tokens, self.emb)                           # [B, T, d]
        cos, sin = (t.to(tokens.device) for t in rope_tables(T, hd, 10000.0))
        future = torch.ones(T, T, dtype=torch.bool, device=tokens.device).triu(1)
        sdpa = getattr(a, "sdpa", False)
        for lw in self.layers:
            h = rms_norm(x, lw["attn_norm"], 1e-5)
            q = torch.nn.functional.linear(h, lw["wq"]).view(B, T, H, hd).transpose(1, 2)  # [B, H, T, hd]
            k = torch.nn.functional.linear(h, lw["wk"]).view(B, T, H, hd).transpose(1, 2)
            v = torch.nn.functional.linear(h, lw["wv"]).view(B, T, H, hd).transpose(1, 2)
            q, k = rotate(q, cos, sin), rotate(k, cos, sin)
            if sdpa:
                o = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)  # [B, H, T, hd]
            else:
                s = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(hd)              # [B, H, T, T]
                s = s.masked_fill(future, float("-inf"))
                o = torch.matmul(torch.softmax(s, -1), v)                              # [B, H, T, hd]
            o = o.transpose(1, 2).reshape(B, T, H * hd)
            x = x + torch.nn.functional.linear(o, lw["wo"])
            m = rms_norm(x, lw["mlp_norm"], 1e-5)
            g = torch.nn.functional.silu(torch.nn.functional.linear(m, lw["w_gate"]))
            x = x + torch.nn.functional.linear(g * torch.nn.functional.linear(m, lw["w_up"]), lw["w_down"])
        return torch.nn.functional.linear(rms_norm(x, self.final_norm, 1e-5), self.head)  # [B, T, V]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--ffn", type=int, default=688)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--vocab", type=int, default=8192)
    p.add_argument("--ctx", type=int, default=128)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--sdpa", action="store_true", help="F.scaled_dot_product_attention (torch >= 2.0)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    gen = torch.Generator().manual_seed(a.seed)
    model = Model(a, gen).to(a.device)
    tokens = torch.randint(0, a.vocab, (a.batch, a.ctx), generator=gen).to(a.device)
    cuda = a.device.startswith("cuda")
    times, cpu = [], []
    with torch.inference_mode():
        for i in range(a.warmup + a.iters):
            start, c0 = time.perf_counter(), time.process_time()
            model.forward(tokens)
            if cuda:
                torch.cuda.synchronize()
            if i >= a.warmup:
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - c0)
    s, c = min(times), min(cpu)
    print(json.dumps({"impl": "python-eager", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "device": a.device, "sdpa": a.sdpa, "layers": a.layers, "hidden": a.hidden, "ffn": a.ffn, "heads": a.heads, "vocab": a.vocab,
                      "ctx": a.ctx, "batch": a.batch, "seconds": s, "cpu_seconds": c,
                      "tokens_per_s": a.batch * a.ctx / s, "tokens_per_cpu_s": a.batch * a.ctx / c}, indent=2))


if __name__ == "__main__":
    main()
