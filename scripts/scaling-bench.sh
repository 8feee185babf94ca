#!/usr/bin/env bash
# Server thread scaling as a ratio measured in one run: starts smp-server with
# `[TRANSPORT] threads = 1` and `threads = 2` in turn (ROUNDS times each, alternating), runs
# `smp-bench scaling` against every start, prints each run's summary with the load average,
# then the medians and the ratio of the median throughputs.
#   scripts/scaling-bench.sh [smp-bench scaling options...]    e.g. --alg ed448 --size 16000
# Environment: BUILD_DIR (default build), ROUNDS (default 3), AUTOGROUP_NICE: when set (say
# -20), the script runs in a session of its own whose scheduling autogroup gets this nice
# value, so that server and generator are not held to one autogroup's share of a machine
# busy with other sessions (Linux with sched_autogroup_enabled; a negative value needs root).
set -euo pipefail
if [ -n "${AUTOGROUP_NICE:-}" ]; then
  if [ "$(ps -o sid= -p $$ | tr -d ' ')" != "$$" ]; then exec setsid -w "$0" "$@"; fi
  echo "$AUTOGROUP_NICE" >"/proc/$$/autogroup"
  echo "autogroup: $(cat "/proc/$$/autogroup")"
fi
build=${BUILD_DIR:-build}
rounds=${ROUNDS:-3}
source "$(dirname "$0")/bench-server.sh"
dir=$bench_dir
bench_server_init -a ED25519 --disable-store-log --no-password --host 127.0.0.1 --port 0

# One start of the server with `threads` threads and one bench run against it; prints one
# line (the bench's JSON summary, or its error).
run_once() {
  local threads=$1 round=$2
  shift 2
  sed -i "s/^threads *[:=] .*/threads = $threads/" "$dir/etc/smp-server.ini"
  bench_server_start
  local summary load
  load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)
  if summary=$("$build/bin/smp-bench" scaling --server "$bench_address" --server-pid "$bench_pid" \
                 --quiet "$@" 2>&1); then
    echo "threads=$threads round=$round load=$load $(tail -n 1 <<<"$summary")"
  else
    echo "failed: threads=$threads round=$round load=$load $(tr '\n' ' ' <<<"$summary")" >&2
  fi
  bench_server_stop
}

: >"$dir/runs"
for round in $(seq "$rounds"); do
  for threads in 1 2; do
    run_once "$threads" "$round" "$@" >"$dir/last"
    cat "$dir/last"
    cat "$dir/last" >>"$dir/runs"
  done
done

python3 - "$dir/runs" <<'EOF'
import json, statistics, sys
runs = {1: [], 2: []}
for line in open(sys.argv[1]):
    head, _, body = line.partition(" {")
    runs[int(head.split()[0].split("=")[1])].append(json.loads("{" + body))
def med(t, key):
    values = [r[key] for r in runs[t] if key in r]
    return statistics.median(values) if values else float("nan")
for t in (1, 2):
    print(f"threads {t}: median {med(t, 'msgs_per_s'):.0f} msgs/s, server "
          f"{med(t, 'server_cpu_us_per_msg'):.0f} us/msg ({med(t, 'server_cores_busy'):.2f} cores), "
          f"generator {med(t, 'generator_cpu_us_per_msg'):.0f} us/msg "
          f"({med(t, 'generator_cores_busy'):.2f} cores)")
print(f"2 threads / 1 thread: {med(2, 'msgs_per_s') / med(1, 'msgs_per_s'):.2f}x; "
      f"ceiling on 2 shared cores from the CPU per message: "
      f"{med(2, 'two_core_ratio_ceiling'):.2f}x")
EOF
