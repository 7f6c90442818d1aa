#!/usr/bin/env python3
"""Simulated data-parallel scaling of the paper's 130M and 1B presets (docs/distributed.md).

Model of one optimiser step on n ranks with a fixed global batch (strong scaling):
  compute   C(n) = FLOPs per step / (n * rank throughput)
  all-reduce A(n) = 2 (n-1)/n * gradient bytes / bandwidth + 2 (n-1) * latency   (ring)
  no overlap      t = C(n) + A(n)
  overlapped      t = C(n) + max(0, A(n) - (2/3) C(n))   (buckets hidden behind backward,
                                                          which is 2/3 of the step's FLOPs)
  efficiency      C(n) / t
FLOPs per step = tokens * (6 (N - V d) + 12 L d T): every weight but the embedding table (a
lookup) and attention, forward + backward; the gradients all-reduced are all N, in float32.

  tools/bench/distributed_projection.py --cpu-flops F --cpu-bw B
F: measured FLOP/s of one 1-thread rank (small preset, counted the same way), B: measured Gloo all-reduce bus
bandwidth (bytes/s) over loopback -- both printed by tools/bench/distributed.sh.
"""
import argparse

PRESETS = {  # depthscope-cli presets: layers, hidden, parameters
    "llama-130m": (12, 768, 134105856),
    "llama-1b": (24, 2048, 1339082752),
}
VOCAB = 32000  # the presets' vocabulary (Llama 2 tokenizer)
SEQ, BATCH = 256, 512  # assumed paper setup: 512 x 256 = 131 072 tokens per step

SCENARIOS = [
    # name, ranks, per-rank FLOP/s, bus bandwidth B/s, latency s
    ("8 GPUs, one node, NVLink (B = 100 GB/s)", 8, "gpu", 100e9, 10e-6),
    ("64 GPUs, 8 nodes, 200 Gb/s NIC per GPU (B = 25 GB/s)", 64, "gpu", 25e9, 20e-6),
    ("64 GPUs, 8 nodes, 25 GbE per node (B = 3.1 GB/s)", 64, "gpu", 3.125e9, 50e-6),
]
GPU_FLOPS = 312e12 * 0.40  # A100 bf16 peak at 40 % model-FLOPs utilisation


def step(n, flops_per_step, grad_bytes, rank_flops, bw, lat):
    c = flops_per_step / (n * rank_flops)
    a = 2 * (n - 1) / n * grad_bytes / bw + 2 * (n - 1) * lat
    t_plain = c + a
    t_overlap = c + max(0.0, a - 2.0 / 3.0 * c)
    return c, a, t_plain, t_overlap


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cpu-flops", type=float, required=True)
    ap.add_argument("--cpu-bw", type=float, required=True)
    o = ap.parse_args()
    scen = SCENARIOS + [
        (f"8 CPU ranks as measured here ({o.cpu_flops / 1e9:.1f} GFLOP/s, B = {o.cpu_bw / 1e9:.2f} GB/s)", 8, "cpu", o.cpu_bw, 50e-6),
        (f"64 CPU ranks as measured here", 64, "cpu", o.cpu_bw, 50e-6),
    ]
    print("| model | ranks and links | compute s/step | all-reduce s | step s, no overlap (eff.) | step s, overlapped (eff.) | tokens/s overlapped |")
    print("|---|---|---|---|---|---|---|")
    for name, (L, d, N) in PRESETS.items():
        tokens = SEQ * BATCH
        flops = tokens * (6 * (N - VOCAB * d) + 12 * L * d * SEQ)
        grad = 4 * N  # float32 gradients
        for label, n, kind, bw, lat in scen:
            rf = GPU_FLOPS if kind == "gpu" else o.cpu_flops
            c, a, tp, to = step(n, flops, grad, rf, bw, lat)
            print(f"| {name} ({grad / 1e9:.2f} GB grads) | {label} | {c:.3g} | {a:.3g} | {tp:.3g} ({c / tp:.0%}) | {to:.3g} ({c / to:.0%}) | {tokens / to:,.0f} |")


if __name__ == "__main__":
    main()
