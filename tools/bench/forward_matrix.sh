#!/usr/bin/env bash
# The forward matrix of docs/benchmarks.md (issue 11): DepthScope against eager PyTorch
# (Debian python3-torch 1.13 running tools/bench/forward_matrix.py), the two taking turns one
# forward each per repetition in one run, fastest of REPS each, on the same OpenBLAS kernels
# (the peer is started with OPENBLAS_CORETYPE set to the kernels DepthScope runs).
#   tools/bench/forward_matrix.sh [BUILD_DIR] [THREADS] [REPS]
# Prints the machine, the load average before and after, and a Markdown table.
set -euo pipefail
build=${1:-build}
threads=${2:-2}
reps=${3:-9}
cli="$build/app/depthscope-cli"
out=$(mktemp)
echo "machine: $(nproc) vCPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u '+%F %H:%M UTC'), commit $(git rev-parse --short HEAD)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "environment: OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset} OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "command: $cli --threads $threads bench-forward --matrix --reps $reps --warmup 1"
"$cli" --threads "$threads" bench-forward --matrix --reps "$reps" --warmup 1 >"$out" 2>/dev/null
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$out" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
print(f"threads {j['threads']}, {j['blas']}, OpenBLAS kernels {j['openblas_kernels']} (both), LibTorch {j['libtorch']}, "
      f"fastest of {j['reps']} after {j['warmup']} warm-up")
print()
print("| shape (layers × d, heads, batch × tokens) | DepthScope tok/s | PyTorch eager tok/s | ratio (wall) | ratio (CPU time) |")
print("|---|---|---|---|---|")
for r in j["rows"]:
    heads = f"{r['heads']} heads" + (f" ({r['kv_heads']} kv)" if r["kv_heads"] != r["heads"] else "")
    n = r["batch"] * r["ctx"]
    print(f"| {r['layers']} × {r['hidden']}, {heads}, {r['batch']} × {r['ctx']} | {n / r['depthscope_s']:,.0f} | "
          f"{n / r['pytorch_s']:,.0f} | **{r['ratio']:.2f}×** | {r['pytorch_cpu_s'] / r['depthscope_cpu_s']:.2f}× |")
EOF
rm -f "$out"
