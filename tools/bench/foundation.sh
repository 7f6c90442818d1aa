#!/usr/bin/env bash
# Measures the foundation figures of docs/benchmarks.md: clean build time, test time, and the
# default model's forward time with 1 thread vs all threads. Run from the project root on an
# otherwise idle machine:  tools/bench/foundation.sh [BUILD_DIR]
set -euo pipefail
build=${1:-/tmp/ds-bench-build}
rm -rf "$build"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
export CCACHE_DISABLE=1   # a clean build means no compiler cache
start=$(date +%s.%N)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
echo "clean build (configure + build, -j$(nproc)): $(echo "$(date +%s.%N) - $start" | bc) s"
start=$(date +%s.%N)
(cd "$build" && ctest -j "$(nproc)" --timeout 900 >/tmp/ds-bench-ctest.log 2>&1) || true
echo "ctest -j$(nproc): $(echo "$(date +%s.%N) - $start" | bc) s; $(grep -E 'tests passed|tests failed' /tmp/ds-bench-ctest.log)"
# The "Depth at a glance" default model: 48 layers, d 256, 4 heads, FFN 688, vocab 1000, 4 x 64 tokens.
for t in 1 "$(nproc)"; do
  "$build/app/depthscope-cli" --threads "$t" bench-forward --mode forward --layers 48 --hidden 256 \
    --ffn 688 --heads 4 --vocab 1000 --ctx 64 --batch 4 --iters 7 --warmup 2 |
    python3 -c "import json,sys; j=json.load(sys.stdin); print(f\"default model forward, {j['threads']} thread(s): {j['seconds']*1000:.1f} ms ({j['tokens_per_s']:.0f} tokens/s)\")"
done
