#!/usr/bin/env bash
# The whole test suite (the README's `make test`): a Release build with -Werror and every
# unit and integration test, then each fuzz target for a bounded time under ASan + UBSan.
# SMP_FUZZ_SECONDS (default 60) bounds each fuzz target; 0 skips fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
# Compiler cache keyed on paths relative to the checkout, so a fresh clone reuses it.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
./scripts/install-deps.sh
jobs=$(nproc)
start=$(date +%s)

echo "== build (Release, -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMP_WERROR=ON >/dev/null
cmake --build build -j "$jobs"

if [[ "${SMP_FUZZ_SECONDS:-60}" != "0" ]]; then
  echo "== fuzz (clang, ASan + UBSan)"
  ./scripts/fuzz.sh
fi

echo "== tests ($(( $(date +%s) - start ))s so far)"
ctest --test-dir build --output-on-failure -j "$jobs"
