#!/usr/bin/env bash
# Idle connections and handshake CPU of the two generations as ratios measured in one run:
# `smp-bench connections --offer v1` (TLS 1.2, SMP v1) and `--offer current` (ALPN smp/1,
# TLS 1.3, SMP 18 with block encryption) in turn, ROUNDS times each, a fresh smp-server for
# every run; prints each run's summary with the load average, then the medians and ratios.
#   scripts/generations-bench.sh [smp-bench connections options...]    e.g. --count 2000
# Environment: BUILD_DIR (default build), ROUNDS (default 2), ALG (the server identity,
# ED448 by default as `smp-server init`, or ED25519), COUNT (default 10000). The server is
# started with `ulimit -n` raised to the hard limit, which must exceed COUNT.
set -euo pipefail
build=${BUILD_DIR:-build}
rounds=${ROUNDS:-2}
alg=${ALG:-ED448}
count=${COUNT:-10000}
source "$(dirname "$0")/bench-server.sh"
dir=$bench_dir
bench_server_init -a "$alg" --disable-store-log --no-password --host 127.0.0.1 --port 0

# One start of the server and one bench run with `--offer $offer`; prints one line.
run_once() {
  local offer=$1 round=$2
  shift 2
  bench_server_start
  local summary load
  load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)
  if summary=$("$build/bin/smp-bench" connections --server "$bench_address" --server-pid "$bench_pid" \
                 --count "$count" --offer "$offer" --quiet "$@" 2>&1); then
    echo "offer=$offer round=$round load=$load $(tail -n 1 <<<"$summary")"
  else
    echo "failed: offer=$offer round=$round load=$load $(tr '\n' ' ' <<<"$summary")" >&2
  fi
  bench_server_stop
}

: >"$dir/runs"
for round in $(seq "$rounds"); do
  for offer in v1 current; do
    run_once "$offer" "$round" "$@" >"$dir/last"
    cat "$dir/last"
    cat "$dir/last" >>"$dir/runs"
  done
done

python3 - "$dir/runs" <<'EOF'
import json, statistics, sys
runs = {"v1": [], "current": []}
for line in open(sys.argv[1]):
    head, _, body = line.partition(" {")
    runs[head.split()[0].split("=")[1]].append(json.loads("{" + body))
def med(offer, key):
    values = [r[key] for r in runs[offer] if key in r]
    return statistics.median(values) if values else float("nan")
for offer in ("v1", "current"):
    print(f"{offer}: median {med(offer, 'server_rss_bytes_per_connection'):.0f} B RSS per idle "
          f"connection, {med(offer, 'server_cpu_us_per_msg'):.0f} us server CPU per handshake, "
          f"p50 {med(offer, 'p50_ms'):.2f} ms")
print(f"current / v1: RSS per connection "
      f"{med('current', 'server_rss_bytes_per_connection') / med('v1', 'server_rss_bytes_per_connection'):.2f}x, "
      f"server CPU per handshake "
      f"{med('current', 'server_cpu_us_per_msg') / med('v1', 'server_cpu_us_per_msg'):.2f}x")
EOF
