#!/usr/bin/python3
"""Eager PyTorch baseline for `depthscope-cli bench-train`.

The same training step as DepthScope's core/train/train_step.cpp, written the way a PyTorch
user writes it: the Llama-style model of forward_baseline.py (RMSNorm, rotate-halves RoPE,
causal softmax attention, SwiGLU, no biases, untied head, weights normal(0, 0.02), float32)
with every weight a leaf that requires grad; per step optimizer.zero_grad(), forward,
cross-entropy over [batch, seq] next-token targets, backward, loss.item(), the global gradient
norm (as the trainer logs it), torch.optim.Adam(lr 1e-3) step. Every step is timed after
--warmup-steps untimed ones; tokens/s = batch * seq / step time (fastest and median step).

Run with Debian's interpreter (python3-torch 1.13, the same LibTorch and OpenBLAS as the C++
build), with the OpenBLAS kernels DepthScope uses (tools/bench/train.sh sets
OPENBLAS_CORETYPE from `depthscope-cli bench-train --json`'s "blas_kernels"):
  OPENBLAS_CORETYPE=Haswell /usr/bin/python3 tools/bench/train_baseline.py --threads 2
On a GPU (a CUDA build of torch): --device cuda [--dtype bf16], as `depthscope-cli bench-train
--device cuda --dtype bf16`: weights, Adam state and batches on the GPU (drawn on the CPU),
bf16 = torch.autocast("cuda", torch.bfloat16) around the forward, the loss of the logits in
float32; a step is timed until the GPU has finished it. --sdpa: F.scaled_dot_product_attention.
"""
import argparse
import contextlib
import ctypes
import json
import statistics
import time

import torch
import torch.nn.functional as F

from forward_baseline import Model


def openblas_kernels():
    """The kernel set of the OpenBLAS that torch loaded ("Haswell", "SkylakeX", ...)."""
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "openblas" in path and ".so" in path:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
    return ""


def parameters(model):
    """Every weight as a leaf that requires grad (model.emb, layer dicts, final norm, head)."""
    ps = [model.emb, model.final_norm, model.head] + [t for lw in model.layers for t in lw.values()]
    for p in ps:
        p.requires_grad_(True)
    return ps


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=12)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--ffn", type=int, default=688)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--vocab", type=int, default=256)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--seq", type=int, default=256)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup-steps", type=int, default=2)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="f32", choices=["f32", "bf16"])
    p.add_argument("--sdpa", action="store_true", help="F.scaled_dot_product_attention (torch >= 2.0)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    gen = torch.Generator().manual_seed(a.seed)
    model = Model(a, gen).to(a.device)
    params = parameters(model)
    opt = torch.optim.Adam(params, lr=a.lr)
    batches = [torch.randint(0, a.vocab, (a.batch, a.seq + 1), generator=gen).to(a.device)  # [B, T+1]
               for _ in range(a.warmup_steps + a.steps)]
    cuda = a.device.startswith("cuda")
    bf16 = a.dtype == "bf16"
    if bf16 and not cuda:
        p.error("--dtype bf16 is the CUDA mixed precision; use --device cuda")

    wall, cpu, losses = [], [], []
    for s, b in enumerate(batches):
        c0, t0 = time.process_time(), time.perf_counter()
        opt.zero_grad()
        with torch.autocast("cuda", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext():
            logits = model.forward(b[:, :-1])                                      # [B, T, V]
        loss = F.cross_entropy(logits.float().reshape(-1, a.vocab), b[:, 1:].reshape(-1))
        loss.backward()
        losses.append(loss.item())
        grad_norm = torch.linalg.vector_norm(                                      # logged, as by the trainer
            torch.stack([torch.linalg.vector_norm(q.grad) for q in params])).item()
        opt.step()
        if cuda:
            torch.cuda.synchronize()
        w = time.perf_counter() - t0
        if s >= a.warmup_steps:
            wall.append(w)
            cpu.append(time.process_time() - c0)
    tokens = a.batch * a.seq
    best, med = min(wall), statistics.median(wall)
    n_params = sum(q.numel() for q in params)
    print(json.dumps({"impl": "python-eager", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "device": a.device, "dtype": a.dtype, "sdpa": a.sdpa,
                      "blas_kernels": openblas_kernels(), "layers": a.layers, "hidden": a.hidden, "heads": a.heads,
                      "ffn": a.ffn, "vocab": a.vocab, "parameters": n_params, "batch": a.batch, "seq": a.seq,
                      "steps": a.steps, "warmup_steps": a.warmup_steps, "step_seconds": wall,
                      "min_step_s": best, "median_step_s": med, "tokens_per_s_best": tokens / best,
                      "tokens_per_s_median": tokens / med, "cpu_seconds": sum(cpu),
                      "cpu_s_per_step": sum(cpu) / a.steps, "first_loss": losses[0], "last_loss": losses[-1],
                      "last_grad_norm": grad_norm}, indent=2))


if __name__ == "__main__":
    main()
