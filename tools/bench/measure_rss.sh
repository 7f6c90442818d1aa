# Sourced by tools/bench/big_checkpoint.sh and tools/bench/gguf.sh.
# measure_rss PREFIX SUMMARY NAME COMMAND...: runs COMMAND under /usr/bin/time -v (output in
# PREFIX-NAME.{out,err,time}); a sampler reads /proc/PID/status every 0.25 s for the peaks of
# RssAnon (heap) and RssFile (mapped file pages), and stops the command if the machine's
# MemAvailable falls under 1.5 GB (other work shares the machine); one line goes to SUMMARY with
# the exit status, wall time, peak RSS, the sampled peaks and the load average before and after.
measure_rss() {
  local prefix=$1 summary=$2 name=$3; shift 3
  local before; before=$(cut -d" " -f1-3 /proc/loadavg)
  local log=$prefix-$name.time
  /usr/bin/time -v -o "$log" "$@" > "$prefix-$name.out" 2> "$prefix-$name.err" &
  local tpid=$! pid=""
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    pid=$(pgrep -P "$tpid" | head -1)
    [ -n "$pid" ] && break
    sleep 0.05
  done
  local anon=0 file=0
  while kill -0 "$tpid" 2>/dev/null; do
    if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
      local a f
      a=$(awk '/^RssAnon/{print $2}' "/proc/$pid/status" 2>/dev/null); f=$(awk '/^RssFile/{print $2}' "/proc/$pid/status" 2>/dev/null)
      [ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
      [ -n "$f" ] && [ "$f" -gt "$file" ] && file=$f
    fi
    local avail; avail=$(awk '/^MemAvailable/{print $2}' /proc/meminfo)
    if [ "$avail" -lt 1500000 ]; then
      echo "$name: MemAvailable ${avail} kB < 1.5 GB, stopping pid $pid" >&2
      kill "$pid"
    fi
    sleep 0.25
  done
  wait "$tpid"
  local rc=$?
  local wall rss
  wall=$(awk -F': ' '/Elapsed/{print $2}' "$log"); rss=$(awk -F': ' '/Maximum resident/{print $2}' "$log")
  awk -v n="$name" -v rc="$rc" -v w="$wall" -v r="$rss" -v a="$anon" -v f="$file" -v b="$before" -v e="$(cut -d" " -f1-3 /proc/loadavg)" 'BEGIN {
    printf "%s: rc %d, wall %s, peak RSS %.2f GB (%d kB); sampled peaks RssAnon %.2f GB, RssFile %.2f GB; load %s -> %s\n",
           n, rc, w, r * 1024 / 1e9, r, a * 1024 / 1e9, f * 1024 / 1e9, b, e }' | tee -a "$summary"
}
