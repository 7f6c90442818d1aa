#!/usr/bin/env bash
# The GGUF benchmarks of docs/benchmarks.md ("GGUF (issue 26)"), run from the repository root:
#   big    a LLaMA-7B-shape Q4_K_M file (tools/bench/make_gguf.py, random blocks, ~3.9 GB in
#          $DIR): `inspect` and `stats` on 512 tokens under /usr/bin/time -v (peak RSS, wall),
#          sampling /proc/PID/status for the peaks of RssAnon and RssFile, the command stopped
#          if MemAvailable falls under 1.5 GB; the file is deleted afterwards
#   peer   DepthScope's forward beside llama.cpp's prompt processing (bench-forward --gguf
#          --peer llama.cpp; node-llama-cpp in $LLAMA_CPP_PEER_DIR, default /tmp/llamacpp) on
#          the LLaMA-130M shape as F32, Q8_0 and Q4_K_M (written to $DIR, deleted afterwards)
#          and the three shared tiny files, 256 tokens, --threads $THREADS; llama.cpp computing
#          the last position's logits (its prompt processing) and every position's
#          (--peer-all-logits, as DepthScope's forward does)
# Each command's load average before and after, and its output, go to $DIR/ds-gguf-*.
#
#   tools/bench/gguf.sh big|peer|all [build/app/depthscope-cli]
set -u
WHAT=${1:-all}
CLI=${2:-build/app/depthscope-cli}
DIR=${DIR:-/tmp}
THREADS=${THREADS:-2}
ITERS=${ITERS:-7}
SHARED=${SHARED:-../shared/data/gguf}
TEXT=/usr/share/games/fortunes/fortunes
SUMMARY=$DIR/ds-gguf-summary.txt

load() { cut -d" " -f1-3 /proc/loadavg; }

echo "$(date -u) $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), commit $(git rev-parse --short HEAD)" | tee -a "$SUMMARY"

# measure NAME COMMAND...: peak RSS and wall time of COMMAND (tools/bench/measure_rss.sh).
source "$(dirname "$0")/measure_rss.sh"
measure() { measure_rss "$DIR/ds-gguf" "$SUMMARY" "$@"; }

if [ "$WHAT" = big ] || [ "$WHAT" = all ]; then
  BIG=$DIR/ds-llama-7b-q4_k_m.gguf
  python3 tools/bench/make_gguf.py "$BIG" | tee -a "$SUMMARY"
  echo "$ $CLI --threads $THREADS inspect $BIG" | tee -a "$SUMMARY"
  measure inspect "$CLI" --threads "$THREADS" inspect "$BIG"
  echo "$ $CLI --threads $THREADS stats $BIG --text $TEXT --max-tokens 512 --ctx 512 --progress --json" | tee -a "$SUMMARY"
  measure stats "$CLI" --threads "$THREADS" stats "$BIG" --text "$TEXT" --max-tokens 512 --ctx 512 --progress --json
  rm -f "$BIG"
fi

if [ "$WHAT" = peer ] || [ "$WHAT" = all ]; then
  files=()
  for t in f32 q8_0 q4_k_m; do
    f=$DIR/ds-llama-130m-$t.gguf
    python3 tools/bench/make_gguf.py "$f" --type "$t" --layers 12 --hidden 768 --ffn 2048 --heads 12 | tee -a "$SUMMARY"
    files+=("$f")
  done
  files+=("$SHARED/llama-f16-bf16.gguf" "$SHARED/llama-q8_0.gguf" "$SHARED/llama-q4_k_m.gguf")
  for f in "${files[@]}"; do
    for extra in "" --peer-all-logits; do
      name=peer-$(basename "$f" .gguf)${extra:+-all-logits}
      before=$(load)
      echo "$ $CLI --threads $THREADS bench-forward --gguf $f --peer llama.cpp $extra --ctx 256 --iters $ITERS --warmup 1" | tee -a "$SUMMARY"
      "$CLI" --threads "$THREADS" bench-forward --gguf "$f" --peer llama.cpp $extra --ctx 256 --iters "$ITERS" --warmup 1 \
        > "$DIR/ds-gguf-$name.json" 2> "$DIR/ds-gguf-$name.err"
      rc=$?
      python3 - "$DIR/ds-gguf-$name.json" "$rc" "$before" "$(load)" <<'EOF' | tee -a "$SUMMARY"
import json, sys
path, rc, before, after = sys.argv[1:]
try:
    j = json.load(open(path))
except Exception as e:
    print(f"{path}: rc {rc}, no JSON ({e})"); sys.exit()
print(f"{j['file']}: {j['types']}, {j['tokens']} tokens, {j['threads']} threads: DepthScope {j['depthscope_tokens_per_s']:.0f} tok/s "
      f"({j['depthscope_s'] * 1e3:.1f} ms), llama.cpp ({j['llama_cpp_logits']} logits) {j['llama_cpp_tokens_per_s']:.0f} tok/s "
      f"({j['llama_cpp_s'] * 1e3:.1f} ms, {j['peer']['llama_cpp_version']}, node-llama-cpp {j['peer']['node_llama_cpp_version']}), "
      f"DepthScope/llama.cpp {j['ratio']:.2f}x; load {before} -> {after}")
EOF
    done
  done
  rm -f "$DIR"/ds-llama-130m-*.gguf
fi
