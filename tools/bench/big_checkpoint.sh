#!/usr/bin/env bash
# The 7B-class benchmark of docs/benchmarks.md ("7B-class checkpoint (issue 11)"): open time
# (inspect), stats on 512 tokens and prune-sweep on 128 tokens of a BF16 Llama-2-7B-shape
# checkpoint made by make_big_checkpoint.py. Each command runs under /usr/bin/time -v; a
# sampler reads /proc/PID/status every 0.5 s for the peak of RssAnon (heap: widened layers,
# activations) and RssFile (the mapped checkpoint pages), and stops the command if the
# machine's MemAvailable falls under 1.5 GB (other work shares the machine). Outputs:
# /tmp/ds-big-NAME.{out,err,time}, one line per command in /tmp/ds-big-summary.txt.
#
#   tools/bench/big_checkpoint.sh /tmp/llama2-7b-shape [build/app/depthscope-cli] [extra prune-sweep args]
set -u
MODEL=${1:?checkpoint folder}
CLI=${2:-build/app/depthscope-cli}
shift $(( $# >= 2 ? 2 : $# ))
SWEEP_EXTRA=("$@")
TEXT=/usr/share/games/fortunes/fortunes

# measure NAME COMMAND...: peak RSS and wall time of COMMAND (tools/bench/measure_rss.sh).
source "$(dirname "$0")/measure_rss.sh"
measure() { measure_rss /tmp/ds-big /tmp/ds-big-summary.txt "$@"; }

date -u | tee -a /tmp/ds-big-summary.txt
measure inspect "$CLI" inspect "$MODEL"
measure stats "$CLI" stats "$MODEL" --text "$TEXT" --max-tokens 512 --ctx 512 --progress --json
measure sweep "$CLI" prune-sweep "$MODEL" --text "$TEXT" --max-tokens 128 --progress --json "${SWEEP_EXTRA[@]}"
