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

measure() {  # name, command...
  echo "$1: load average before $(cut -d" " -f1-3 /proc/loadavg)" | tee -a /tmp/ds-big-summary.txt
  local name=$1; shift
  local log=/tmp/ds-big-$name.time
  /usr/bin/time -v -o "$log" "$@" > /tmp/ds-big-$name.out 2> /tmp/ds-big-$name.err &
  local tpid=$!
  local pid=""
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    pid=$(pgrep -P "$tpid" | head -1)
    [ -n "$pid" ] && break
    sleep 0.05
  done
  local anon=0 file=0
  while kill -0 "$tpid" 2>/dev/null; do
    if [ -n "$pid" ] && [ -r /proc/$pid/status ]; then
      local a f
      a=$(awk '/^RssAnon/{print $2}' /proc/$pid/status 2>/dev/null); f=$(awk '/^RssFile/{print $2}' /proc/$pid/status 2>/dev/null)
      [ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
      [ -n "$f" ] && [ "$f" -gt "$file" ] && file=$f
    fi
    local avail; avail=$(awk '/^MemAvailable/{print $2}' /proc/meminfo)
    if [ "$avail" -lt 1500000 ]; then
      echo "$name: MemAvailable ${avail} kB < 1.5 GB, stopping pid $pid" >&2
      kill "$pid"
    fi
    sleep 0.5
  done
  wait "$tpid"
  local rc=$?
  local wall rss
  wall=$(awk -F': ' '/Elapsed/{print $2}' "$log"); rss=$(awk -F': ' '/Maximum resident/{print $2}' "$log")
  awk -v n="$name" -v rc="$rc" -v w="$wall" -v r="$rss" -v a="$anon" -v f="$file" 'BEGIN {
    printf "%s: rc %d, wall %s, peak RSS %.2f GB (%d kB); sampled peaks RssAnon %.2f GB, RssFile %.2f GB\n",
           n, rc, w, r * 1024 / 1e9, r, a * 1024 / 1e9, f * 1024 / 1e9 }' | tee -a /tmp/ds-big-summary.txt
}

date -u | tee -a /tmp/ds-big-summary.txt
measure inspect "$CLI" inspect "$MODEL"
measure stats "$CLI" stats "$MODEL" --text "$TEXT" --max-tokens 512 --ctx 512 --progress --json
measure sweep "$CLI" prune-sweep "$MODEL" --text "$TEXT" --max-tokens 128 --progress --json "${SWEEP_EXTRA[@]}"
