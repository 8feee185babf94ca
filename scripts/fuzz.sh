#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a bounded time on a
# scratch copy of its seed corpus in fuzz/corpus/<name>. Fails on the first finding; the
# crashing input is left in build-fuzz/findings/ for a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
# Compiler cache keyed on paths relative to the checkout, so a fresh clone reuses it.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
seconds=${SMP_FUZZ_SECONDS:-60}
jobs=$(nproc)

CXX=clang++ CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSMP_FUZZ=ON -DSMP_BUILD_TESTS=OFF -DSMP_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j "$jobs"

mkdir -p build-fuzz/findings
status=0
for target in build-fuzz/bin/fuzz_*; do
  [[ -x "$target" ]] || continue
  name=${target##*/fuzz_}
  work=build-fuzz/work/$name
  rm -rf "$work" && mkdir -p "$work"
  seeds=()
  [[ -d fuzz/corpus/$name ]] && seeds=("fuzz/corpus/$name")
  log=build-fuzz/work/$name.log
  if "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix=build-fuzz/findings/"$name"- "$work" "${seeds[@]}" >"$log" 2>&1; then
    runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz $name: ${seconds}s, $runs inputs, no finding"
  else
    echo "fuzz $name: FINDING (see $log and build-fuzz/findings/)"
    tail -n 40 "$log"
    status=1
  fi
done
exit $status
