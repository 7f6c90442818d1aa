#!/usr/bin/env bash
# Measures the compute figures of docs/benchmarks.md, each beside its baseline in the same run.
#   tools/bench/compute.sh [BUILD_DIR]     (run on an otherwise idle machine)
set -euo pipefail
build=${1:-build}
cli="$build/app/depthscope-cli"
py=/usr/bin/python3
# Prints the named fields of a JSON object on stdin; "a.b" reaches into nested objects.
field() {
  python3 -c '
import json, sys
from functools import reduce
j = json.load(sys.stdin)
out = []
for k in sys.argv[1:]:
    v = reduce(lambda o, p: o[p], k.split("."), j)
    out.append(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
print(" ".join(out))' "$@"
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
echo "blas: $($cli info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["blas"])')"

echo "== default model (Depth at a glance: 48 layers, d 256, FFN 688, 4 heads, vocab 1000, 4 x 64 tokens)"
for t in 1 "$(nproc)"; do
  $cli --threads "$t" bench-forward --mode forward --layers 48 --hidden 256 --ffn 688 --heads 4 \
    --vocab 1000 --ctx 64 --batch 4 --iters 7 --warmup 2 | field threads seconds tokens_per_s
done

echo "== forward tokens/s: DepthScope vs eager PyTorch (6 layers, d 256, FFN 688, vocab 8192, 4 x 128 tokens)"
for t in 1 "$(nproc)"; do
  echo "threads $t"
  echo -n "  depthscope-cli:                    "; $cli --threads "$t" bench-forward --mode forward --iters 9 --warmup 2 | field seconds tokens_per_s
  echo -n "  python3-torch (OpenBLAS default):  "; $py tools/bench/forward_baseline.py --threads "$t" --iters 9 --warmup 2 | field seconds tokens_per_s
  echo -n "  python3-torch (SkylakeX kernels):  "; OPENBLAS_CORETYPE=SkylakeX $py tools/bench/forward_baseline.py --threads "$t" --iters 9 --warmup 2 | field seconds tokens_per_s
done

echo "== statistics-collecting forward vs plain forward (1 thread)"
$cli --threads 1 bench-forward --mode stats --iters 15 --warmup 3 | field plain_blocks.wall_s stats_probe_only.wall_s stats_probe_angular.wall_s overhead_probe_only_vs_blocks.wall overhead_probe_only_vs_blocks.cpu overhead_probe_angular_vs_blocks.wall overhead_probe_angular_vs_blocks.cpu plain_forward.wall_s stats_full.wall_s overhead_full_vs_forward.wall

echo "== cached vs naive layer-removal sweep (24 layers, 1 thread)"
$cli --threads 1 bench-forward --mode sweep --layers 24 --hidden 128 --ffn 344 --heads 4 --vocab 2048 \
  --ctx 128 --batch 4 --iters 3 --warmup 1 | field cached.wall_s naive.wall_s cached_over_naive.wall cached_over_naive.cpu cached_layer_passes naive_layer_passes

echo "== loading a 1 GiB F32 safetensors checkpoint vs reading it once from page cache"
ck=$(mktemp -d /tmp/ds-bench-ckpt.XXXX)
$py tools/bench/make_checkpoint.py "$ck" >/dev/null
for i in 1 2 3; do
  $cli bench-load "$ck" | field file_bytes page_cache_read_s open_s open_and_touch_s open_and_touch_over_read peak_rss_increase_after_open_bytes peak_rss_increase_after_touch_bytes
done
rm -rf "$ck"
