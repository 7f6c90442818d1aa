#!/usr/bin/env python3
"""Tables of tools/bench/train.sh: tokens/s per run and pooled over the rounds.

  train_table.py DIR ROUNDS     (DIR holds {a,b}-{ds,py,pym}-ROUND.json from the runs)

Checks that every run of a shape used the same OpenBLAS kernels, threads and parameter count.
"""
import json
import statistics
import sys

NAMES = {"a": "12 x 256, FFN 688, vocab 256", "b": "preset small (vocab 32000)"}
IMPLS = ("ds", "py", "pym")  # DepthScope, PyTorch eager, PyTorch eager with DepthScope's malloc policy


def tps(j):
    return f"{j['tokens_per_s_best']:.0f} / {j['tokens_per_s_median']:.0f}"


def ratio(a, b):
    return f"{a['tokens_per_s_best'] / b['tokens_per_s_best']:.2f}x / {a['tokens_per_s_median'] / b['tokens_per_s_median']:.2f}x"


def main():
    out, rounds = sys.argv[1], int(sys.argv[2])
    print()
    print("Per run, tokens/s of the fastest / the median step:")
    print()
    print("| shape | round | DepthScope | PyTorch eager | DepthScope / PyTorch "
          "| PyTorch eager, DepthScope's malloc policy | DepthScope / that |")
    print("|---|---|---|---|---|---|---|")
    pooled, tokens, params = {}, {}, {}
    for s in "ab":
        for r in range(1, rounds + 1):
            j = {i: json.load(open(f"{out}/{s}-{i}-{r}.json")) for i in IMPLS}
            for i in IMPLS:
                assert j[i]["blas_kernels"] == j["ds"]["blas_kernels"], (s, i, j[i]["blas_kernels"])
                assert j[i]["threads"] == j["ds"]["threads"], (s, i, "threads")
                assert j[i]["parameters"] == j["ds"]["parameters"], (s, i, "parameters")
                pooled.setdefault((s, i), []).extend(j[i]["step_seconds"])
            tokens[s], params[s] = j["ds"]["batch"] * j["ds"]["seq"], j["ds"]["parameters"]
            print(f"| {NAMES[s]} | {r} | {tps(j['ds'])} | {tps(j['py'])} | {ratio(j['ds'], j['py'])} "
                  f"| {tps(j['pym'])} | {ratio(j['ds'], j['pym'])} |")
    print()
    print("All rounds pooled, tokens/s of the fastest / the median step:")
    print()
    print("| shape | parameters | DepthScope | PyTorch eager | DepthScope / PyTorch "
          "| PyTorch eager, DepthScope's malloc policy | DepthScope / that |")
    print("|---|---|---|---|---|---|---|")
    for s in "ab":
        best = {i: {"tokens_per_s_best": tokens[s] / min(pooled[(s, i)]),
                    "tokens_per_s_median": tokens[s] / statistics.median(pooled[(s, i)])} for i in IMPLS}
        print(f"| {NAMES[s]} | {params[s]} | {tps(best['ds'])} | {tps(best['py'])} | **{ratio(best['ds'], best['py'])}** "
              f"| {tps(best['pym'])} | {ratio(best['ds'], best['pym'])} |")


if __name__ == "__main__":
    main()
