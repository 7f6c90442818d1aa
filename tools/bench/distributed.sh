#!/usr/bin/env bash
# Data-parallel step time on one machine (issue 13; docs/benchmarks.md, docs/distributed.md):
# the `small` preset (12 x 256, vocab 32 000 from the Llama 2 tokenizer) on Debian's fortunes,
# seq 256, 1 thread per rank, interleaved rounds of
#   1 rank,  batch 4            (the baseline)
#   2 ranks, batch 8 (4 each)   (weak scaling: the same work per rank)
#   2 ranks, batch 4 (2 each)   (strong scaling: the same global batch)
# Prints per run the median step time (steps 3..N), the median exposed all-reduce wait per
# step, the timed all-reduce of all gradients (rank 0's event) and the scaling efficiency.
#
#   tools/bench/distributed.sh [BUILD_DIR] [ROUNDS] [STEPS]
set -euo pipefail
build=${1:-build}
rounds=${2:-2}
steps=${3:-12}
cli=$(cd "$build" && pwd)/app/depthscope-cli
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/ds-dist-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
tok=$root/../shared/data/tokenizers/llama2/tokenizer.model
[ -f "$tok" ] || { echo "missing $tok" >&2; exit 1; }

"$cli" --threads 1 corpus build --text /usr/share/games/fortunes/fortunes --tokenizer "$tok" --out "$work/corpus" >/dev/null
spec() {  # name batch
  cat >"$work/$1.json" <<JSON
{"name": "$1", "model": {"preset": "small"}, "schemes": ["pre"], "corpus": {"dir": "$work/corpus"},
 "steps": $steps, "batch": $2, "seq": 256, "eval_every": 100000, "eval_tokens": 256, "layer_metrics_every": 100000}
JSON
}
spec one 4
spec weak 8
spec strong 4

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=$work/results.txt
for r in $(seq 1 "$rounds"); do
  for cfg in one weak strong; do
    db=$work/$cfg-$r.sqlite
    if [ "$cfg" = one ]; then
      "$cli" --threads 1 train --spec "$work/$cfg.json" --db "$db" >/dev/null 2>&1
    else
      "$cli" --threads 1 train --spec "$work/$cfg.json" --db "$db" --nproc 2 >/dev/null 2>&1
    fi
    python3 - "$db" "$cfg" "$r" >>"$results" <<'PY'
import re, sqlite3, statistics, sys
db, cfg, rnd = sys.argv[1:]
c = sqlite3.connect(db)
m = lambda k: dict(c.execute("SELECT step, value FROM metrics WHERE run_id = 1 AND key = ?", (k,)).fetchall())
tok, tps = m("train/tokens"), m("train/tokens_per_s")
steps = sorted(tps)
per_step = tok[steps[0]] / steps[0]
step_s = [per_step / tps[s] for s in steps if s >= 3]
wait = [v for s, v in m("train/allreduce_wait_s").items() if s >= 3]
ev = " ".join(x for (x,) in c.execute("SELECT message FROM events WHERE run_id = 1"))
full = re.search(r"([0-9.]+) ms \(median of 5\)", ev)
mb = re.search(r"([0-9.]+) MB of gradients", ev)
print(cfg, rnd, per_step, statistics.median(step_s), statistics.median(wait) if wait else 0.0,
      full.group(1) if full else "-", mb.group(1) if mb else "-", min(step_s), min(wait) if wait else 0.0)
PY
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for cfg, rnd, tokens, step, wait, full, mb, fastest, least_wait in rows:
    by.setdefault(cfg, []).append((float(tokens), float(step), float(wait), full, mb, float(fastest), float(least_wait)))
print("config | tokens/step | step s (median over rounds of the median step) | per round | fastest step s | all-reduce wait s (median / least) | full all-reduce ms per round | grad MB")
for cfg in ("one", "weak", "strong"):
    v = by[cfg]
    step = statistics.median(x[1] for x in v)
    print(cfg, "|", int(v[0][0]), "|", round(step, 3), "|", " ".join(f"{x[1]:.3f}" for x in v), "|",
          round(min(x[5] for x in v), 3), "|", round(statistics.median(x[2] for x in v), 4), "/", round(min(x[6] for x in v), 4),
          "|", " ".join(x[3] for x in v), "|", v[0][4])
one = statistics.median(x[1] for x in by["one"])
weak = statistics.median(x[1] for x in by["weak"])
strong = statistics.median(x[1] for x in by["strong"])
flops = int(by["one"][0][0]) * (6 * (25876736 - 32000 * 256) + 12 * 12 * 256 * 256)  # small preset, see distributed_projection.py
full_ms = statistics.median(float(x[3]) for x in by["weak"] + by["strong"] if x[3] != "-")
grad = float(by["weak"][0][4]) * 1e6
print(f"one 1-thread rank: {flops / one / 1e9:.1f} GFLOP/s (--cpu-flops {flops / one:.3g})")
print(f"Gloo all-reduce of {grad / 1e6:.1f} MB over loopback, 2 ranks: {full_ms:.1f} ms, bus bandwidth 2(n-1)/n x bytes / t = {grad / (full_ms / 1e3) / 1e9:.2f} GB/s (--cpu-bw {grad / (full_ms / 1e3):.3g})")
print(f"weak scaling efficiency (2 ranks, same work per rank): t1 / t2 = {one / weak:.3f} (median steps), "
      f"{min(x[5] for x in by['one']) / min(x[5] for x in by['weak']):.3f} (fastest steps)")
print(f"strong scaling efficiency (2 ranks, same global batch): t1 / (2 t2) = {one / (2 * strong):.3f} (median steps), "
      f"{min(x[5] for x in by['one']) / (2 * min(x[5] for x in by['strong'])):.3f} (fastest steps)")
PY
