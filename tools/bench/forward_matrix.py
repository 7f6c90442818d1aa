#!/usr/bin/python3
"""Eager PyTorch peer of `depthscope-cli bench-forward --matrix` (issue 11).

The same Llama-style model as DepthScope's Transformer::random for each shape of the matrix:
RMSNorm (eps 1e-5), rotate-halves RoPE (theta 1e4), causal softmax attention with grouped
query heads (K/V repeated per query head, as Hugging Face's repeat_kv), SwiGLU MLP, no biases,
untied head, weights normal(0, 0.02), float32, torch.inference_mode(). Logits for every
position of [batch, ctx] random ids.

Two ways to run it:
  --serve   (what depthscope-cli bench-forward --matrix starts) reads one JSON command per
            line on stdin: {"cmd": "build", "layers": .., "hidden": .., "ffn": .., "heads": ..,
            "kv_heads": .., "vocab": .., "ctx": .., "batch": .., "threads": .., "seed": ..}
            builds the model, {"cmd": "run"} runs one forward; each answers one JSON line
            ({"ok": true} / {"seconds": wall, "cpu_seconds": cpu}). DepthScope and this
            process take turns (one forward each per repetition), so both see the same
            machine load.
  otherwise one shape from the command line, fastest of --iters after --warmup.

Run with Debian's interpreter (python3-torch 1.13: the same LibTorch and OpenBLAS as the
C++ build). The matrix command starts it with OPENBLAS_CORETYPE set to the kernels
DepthScope's configure_blas chose, so both run the same GEMM kernels.
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn.functional as F


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope_tables(T, hd, theta):
    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))  # [hd/2]
    angles = torch.outer(torch.arange(T, dtype=torch.float32), inv_freq)          # [T, hd/2]
    emb = torch.cat([angles, angles], -1)                                          # [T, hd]
    return emb.cos(), emb.sin()


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
    return x * cos + rotated * sin


class Model:
    def __init__(self, s, gen):
        d, ff, V, L = s["hidden"], s["ffn"], s["vocab"], s["layers"]
        H, KV = s["heads"], s["kv_heads"]
        hd = d // H
        n = lambda *shape: torch.empty(*shape).normal_(0.0, 0.02, generator=gen)
        self.s = s
        self.emb = n(V, d)
        self.layers = [dict(attn_norm=torch.ones(d), wq=n(H * hd, d), wk=n(KV * hd, d), wv=n(KV * hd, d),
                            wo=n(d, H * hd), mlp_norm=torch.ones(d), w_gate=n(ff, d), w_up=n(ff, d),
                            w_down=n(d, ff))
                       for _ in range(L)]
        self.final_norm = torch.ones(d)
        self.head = n(V, d)

    def forward(self, tokens):
        s = self.s
        B, T = tokens.shape
        H, KV = s["heads"], s["kv_heads"]
        hd = s["hidden"] // H
        x = F.embedding(tokens, self.emb)                                           # [B, T, d]
        cos, sin = rope_tables(T, hd, 10000.0)
        future = torch.ones(T, T, dtype=torch.bool).triu(1)
        for lw in self.layers:
            h = rms_norm(x, lw["attn_norm"], 1e-5)
            q = F.linear(h, lw["wq"]).view(B, T, H, hd).transpose(1, 2)             # [B, H, T, hd]
            k = F.linear(h, lw["wk"]).view(B, T, KV, hd).transpose(1, 2)            # [B, KV, T, hd]
            v = F.linear(h, lw["wv"]).view(B, T, KV, hd).transpose(1, 2)
            q, k = rotate(q, cos, sin), rotate(k, cos, sin)
            if KV != H:
                k = k.repeat_interleave(H // KV, 1)                                  # [B, H, T, hd]
                v = v.repeat_interleave(H // KV, 1)
            sc = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(hd)                # [B, H, T, T]
            sc = sc.masked_fill(future, float("-inf"))
            o = torch.matmul(torch.softmax(sc, -1), v).transpose(1, 2).reshape(B, T, H * hd)
            x = x + F.linear(o, lw["wo"])
            m = rms_norm(x, lw["mlp_norm"], 1e-5)
            x = x + F.linear(F.silu(F.linear(m, lw["w_gate"])) * F.linear(m, lw["w_up"]), lw["w_down"])
        return F.linear(rms_norm(x, self.final_norm, 1e-5), self.head)              # [B, T, V]


class Bench:
    def __init__(self, s):
        torch.set_num_threads(s.get("threads", 2))
        gen = torch.Generator().manual_seed(s.get("seed", 0))
        self.model = Model(s, gen)
        self.tokens = torch.randint(0, s["vocab"], (s["batch"], s["ctx"]), generator=gen)

    def run(self):
        with torch.inference_mode():
            start, c0 = time.perf_counter(), time.process_time()
            self.model.forward(self.tokens)
            return time.perf_counter() - start, time.process_time() - c0


def openblas_kernels():
    """The GEMM kernels OpenBLAS runs in this process ("" when it is not OpenBLAS)."""
    import ctypes
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return ""


def serve():
    bench = None
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "build":
            bench = Bench(cmd)
            reply = {"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                     "openblas_kernels": openblas_kernels()}
        elif cmd["cmd"] == "run":
            wall, cpu = bench.run()
            reply = {"seconds": wall, "cpu_seconds": cpu}
        else:
            reply = {"error": "unknown command " + cmd["cmd"]}
        print(json.dumps(reply), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--serve", action="store_true")
    for name, default in [("layers", 6), ("hidden", 256), ("ffn", 688), ("heads", 4), ("kv-heads", 0),
                          ("vocab", 8192), ("ctx", 128), ("batch", 4), ("iters", 5), ("warmup", 1),
                          ("threads", 2), ("seed", 0)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    if a.serve:
        serve()
        return
    s = dict(layers=a.layers, hidden=a.hidden, ffn=a.ffn, heads=a.heads, kv_heads=a.kv_heads or a.heads,
             vocab=a.vocab, ctx=a.ctx, batch=a.batch, threads=a.threads, seed=a.seed)
    bench = Bench(s)
    runs = [bench.run() for _ in range(a.warmup + a.iters)][a.warmup:]
    wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    print(json.dumps(dict(s, impl="python-eager", torch=torch.__version__, seconds=wall, cpu_seconds=cpu,
                          tokens_per_s=a.batch * a.ctx / wall), indent=2))


if __name__ == "__main__":
    main()
