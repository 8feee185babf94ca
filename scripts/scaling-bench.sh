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
dir=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
export SMP_SERVER_CFG_PATH=$dir/etc SMP_SERVER_LOG_PATH=$dir/log
"$build/bin/smp-server" init -a ED25519 --disable-store-log --no-password --host 127.0.0.1 \
  --port 0 >/dev/null

# One start of the server with `threads` threads and one bench run against it; prints one
# line (the bench's JSON summary, or its error).
run_once() {
  local threads=$1 round=$2
  shift 2
  sed -i "s/^threads *[:=] .*/threads = $threads/" "$dir/etc/smp-server.ini"
  rm -f "$dir/server.out"  # not the last start's address: the child truncates it too late
  "$build/bin/smp-server" start >"$dir/server.out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    grep -qs "Server address" "$dir/server.out" && break
    sleep 0.1
  done
  local address summary load
  address=$(grep -so "smp://.*" "$dir/server.out" || true)
  load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)
  if summary=$("$build/bin/smp-bench" scaling --server "$address" --server-pid "$pid" --quiet \
                 "$@" 2>&1); then
    echo "threads=$threads round=$round load=$load $(tail -n 1 <<<"$summary")"
  else
    echo "failed: threads=$threads round=$round load=$load $(tr '\n' ' ' <<<"$summary")" >&2
  fi
  kill "$pid"
  wait "$pid" || true
  pid=
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
