#!/usr/bin/env bash
# The widening-cost rows of docs/benchmarks.md ("7B-class checkpoint (issue 11)"): the same
# checkpoint held as float32 against BF16 widened one layer per block (pages kept / released),
# `stats` on 512 tokens in one window, interleaved, twice; then checks that the BF16 outputs
# equal the float32 one.
#
#   /usr/bin/python3 tools/bench/make_big_checkpoint.py /tmp/ds-7bw-4l --layers 4
#   build/app/depthscope-cli convert /tmp/ds-7bw-4l /tmp/ds-7bw-4l-f32 --to hf --dtype f32
#   tools/bench/widening_baseline.sh /tmp/ds-7bw-4l /tmp/ds-7bw-4l-f32
set -u
BF16=${1:?BF16 checkpoint}
F32=${2:?its float32 conversion}
CLI=${3:-build/app/depthscope-cli}
for rep in 1 2; do
  for v in f32 bf16-keep bf16-release; do
    case $v in
      f32) M=$F32; E=never ;;
      bf16-keep) M=$BF16; E=never ;;
      bf16-release) M=$BF16; E=always ;;
    esac
    l=$(cut -d' ' -f1 /proc/loadavg)
    DEPTHSCOPE_RELEASE_WEIGHT_PAGES=$E /usr/bin/time -v -o /tmp/ds-bl.time "$CLI" stats "$M" \
      --text /usr/share/games/fortunes/fortunes --max-tokens 512 --ctx 512 --json > "/tmp/ds-bl-$v.json" 2>/dev/null
    w=$(awk -F': ' '/Elapsed/{print $2}' /tmp/ds-bl.time)
    r=$(awk -F': ' '/Maximum resident/{print $2}' /tmp/ds-bl.time)
    echo "rep $rep $v: wall $w, peak RSS $(awk -v r="$r" 'BEGIN{printf "%.2f", r*1024/1e9}') GB, load before $l"
  done
done
for v in bf16-keep bf16-release; do
  /usr/bin/python3 - "$v" <<'PY'
import json, sys
v = sys.argv[1]
a = json.load(open("/tmp/ds-bl-f32.json")); b = json.load(open(f"/tmp/ds-bl-{v}.json"))
a.pop("memory_estimate_bytes"); b.pop("memory_estimate_bytes")
print(v, "identical to f32" if a == b else "DIFFERS from f32")
PY
done
