#!/usr/bin/env bash
# Training throughput, DepthScope vs eager PyTorch (docs/benchmarks.md, "Training throughput"):
# `depthscope-cli bench-train` against `/usr/bin/python3 tools/bench/train_baseline.py`, the same
# model, batch, sequence, threads and OpenBLAS kernels, run interleaved (A B A B ...) so that
# drift in the speed of the shared virtual CPUs hits both alike.
#   tools/bench/train.sh [BUILD_DIR] [ROUNDS] [STEPS]      (defaults: build 3 10; THREADS=2)
# Shapes: (a) 12 layers x 256, FFN 688, 4 heads, vocab 256 (bytes); (b) the `small` preset as
# `depthscope-cli presets` lists it (12 x 256, FFN 688, 4 heads, vocab 32000); both 4 x 256 tokens.
# A third run per round gives Python the allocation policy DepthScope's training step sets for
# itself (glibc: no mmap for large blocks, no heap trimming), to show how much of the
# difference that is.
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
# to the same set, and every run reports the set it used (checked by train_table.py).
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
export OPENBLAS_CORETYPE=${kernels:-${OPENBLAS_CORETYPE:-}}
malloc_policy=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4611686018427387904
for r in $(seq 1 "$rounds"); do
  for s in a b; do
    # shellcheck disable=SC2086
    $cli --threads "$threads" bench-train ${ds_args[$s]} $common --json > "$out/$s-ds-$r.json"
    # shellcheck disable=SC2086
    $py "$here/train_baseline.py" --threads "$threads" ${py_args[$s]} $common > "$out/$s-py-$r.json"
    # shellcheck disable=SC2086
    GLIBC_TUNABLES=$malloc_policy $py "$here/train_baseline.py" --threads "$threads" ${py_args[$s]} $common \
      > "$out/$s-pym-$r.json"
    echo "round $r shape $s done (load $(cut -d' ' -f1 /proc/loadavg))"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$here/train_table.py" "$out" "$rounds"
