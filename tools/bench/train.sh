#!/usr/bin/env bash
# Training throughput, DepthScope vs eager PyTorch (docs/benchmarks.md, "Training throughput"):
# `depthscope-cli bench-train` against `/usr/bin/python3 tools/bench/train_baseline.py`, the same
# model, batch, sequence, threads and OpenBLAS kernels, run interleaved (A B A B ...) so that
# drift in the speed of the shared virtual CPUs hits both alike.
#   tools/bench/train.sh [BUILD_DIR] [ROUNDS] [STEPS]      (defaults: build 3 10)
# Shapes: (a) 12 layers x 256, FFN 688, 4 heads, vocab 256 (bytes); (b) the `small` preset as
# `depthscope-cli presets` lists it (12 x 256, FFN 688, 4 heads, vocab 32000); both 4 x 256 tokens.
set -euo pipefail
build=${1:-build}
rounds=${2:-3}
steps=${3:-10}
threads=${THREADS:-2}
cli="$build/app/depthscope-cli"
py=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d /tmp/ds-bench-train.XXXX)
trap 'rm -rf "$out"' EXIT

# DepthScope picks its OpenBLAS kernels at start-up (configure_blas); the Python side is forced
# to the same set, and every run reports the set it used (checked in the summary).
kernels=$($cli --threads 1 bench-train --layers 1 --hidden 32 --heads 1 --ffn 32 --batch 1 --seq 4 \
  --steps 1 --warmup-steps 0 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["blas_kernels"])')
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u '+%F %H:%M UTC')"
echo "OpenBLAS kernels: ${kernels:-(not OpenBLAS)}; threads $threads; $rounds rounds x $steps timed steps (+2 warm-up) per run"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A ds_args=([a]="--layers 12 --hidden 256 --heads 4 --ffn 688 --vocab 256"
                    [b]="--preset small")
declare -A py_args=([a]="--layers 12 --hidden 256 --heads 4 --ffn 688 --vocab 256"
                    [b]="--layers 12 --hidden 256 --heads 4 --ffn 688 --vocab 32000")
common="--batch 4 --seq 256 --steps $steps --warmup-steps 2"
for r in $(seq 1 "$rounds"); do
  for s in a b; do
    # shellcheck disable=SC2086
    $cli --threads "$threads" bench-train ${ds_args[$s]} $common --json > "$out/$s-ds-$r.json"
    # shellcheck disable=SC2086
    OPENBLAS_CORETYPE=${kernels:-${OPENBLAS_CORETYPE:-}} $py "$here/train_baseline.py" --threads "$threads" \
      ${py_args[$s]} $common > "$out/$s-py-$r.json"
    echo "round $r shape $s done (load $(cut -d' ' -f1 /proc/loadavg))"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$out" "$rounds" <<'EOF'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
names = {"a": "12 x 256, FFN 688, vocab 256", "b": "preset small (vocab 32000)"}
print()
print("| shape | round | DepthScope tokens/s (best / median step) | PyTorch eager tokens/s (best / median step) | ratio (best / median) |")
print("|---|---|---|---|---|")
summary = []
for s in "ab":
    ds_all, py_all = [], []
    for r in range(1, rounds + 1):
        ds = json.load(open(f"{out}/{s}-ds-{r}.json"))
        py = json.load(open(f"{out}/{s}-py-{r}.json"))
        assert ds["blas_kernels"] == py["blas_kernels"], (ds["blas_kernels"], py["blas_kernels"])
        assert ds["threads"] == py["threads"] and ds["parameters"] == py["parameters"], "different set-up"
        ds_all += ds["step_seconds"]; py_all += py["step_seconds"]
        tok = ds["batch"] * ds["seq"]
        print(f"| {names[s]} | {r} | {ds['tokens_per_s_best']:.0f} / {ds['tokens_per_s_median']:.0f} "
              f"| {py['tokens_per_s_best']:.0f} / {py['tokens_per_s_median']:.0f} "
              f"| {ds['tokens_per_s_best'] / py['tokens_per_s_best']:.2f}x / "
              f"{ds['tokens_per_s_median'] / py['tokens_per_s_median']:.2f}x |")
    summary.append((s, tok / min(ds_all), tok / statistics.median(ds_all),
                    tok / min(py_all), tok / statistics.median(py_all), ds["parameters"]))
print()
print("All rounds pooled (fastest step, median step):")
print()
print("| shape | parameters | DepthScope tokens/s | PyTorch eager tokens/s | DepthScope / PyTorch |")
print("|---|---|---|---|---|")
for s, db, dm, pb, pm, n in summary:
    print(f"| {names[s]} | {n} | {db:.0f} / {dm:.0f} | {pb:.0f} / {pm:.0f} | **{db / pb:.2f}x** / **{dm / pm:.2f}x** |")
EOF
