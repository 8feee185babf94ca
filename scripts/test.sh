#!/usr/bin/env bash
# The whole test suite (the README's `make test`, and CI), in phases:
#   release  Release build with -Werror in build/, every unit and integration test
#   fuzz     each fuzz target for a bounded time under ASan + UBSan (scripts/fuzz.sh)
#   asan     unit and integration tests built with ASan + UBSan in build-asan/
#   tsan     the concurrent server and client integration tests built with TSan in build-tsan/
#   package  the Debian package (make deb, lintian) installed, run and purged in a fresh
#            Debian root (scripts/test-package.sh; needs root)
# `scripts/test.sh asan tsan` runs only the phases named. Knobs:
#   SMP_FUZZ_SECONDS  seconds per fuzz target (default 60; 0 skips the fuzz phase)
#   SMP_SOAK_SCALE    multiplies the soak tests' counts (default 1)
# Each phase prints its wall time; the last lines sum them up (see RELIABILITY.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# Compiler cache keyed on paths relative to the checkout, so a fresh clone reuses it.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
./scripts/install-deps.sh
jobs=$(nproc)

phases=("$@")
if ((${#phases[@]} == 0)); then phases=(release package fuzz asan tsan); fi

# Tests left out of the sanitizer runs, chosen here and nowhere else (ctest -E regex):
# - AuthTakesTheSameTime...: compares the time of two code paths to 30%; instrumentation
#   and a loaded machine skew it (it runs in the release phase).
# - SmpToolTest, SmpBenchTest, DefaultServerScript: drive the CLI, bench and run script,
#   which the release phase covers; the server code under them is exercised by the rest.
sanitizer_exclude='AuthTakesTheSameTimeForMissingAndExistingQueues|SmpToolTest|SmpBenchTest|DefaultServerScript'
# TSan runs the integration tests where threads meet: the in-process server with clients on
# other threads, the client library against it, and the process and soak tests against a
# TSan-built smp-server (a race report there changes its exit status and fails the test).
tsan_select='^(Server|Client)'

# ASan: leaks are errors too; UBSan stops at the first finding. Child processes (smp-server)
# inherit these.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp}"

timings=()
phase_start=0
begin() {
  echo "== $1"
  phase_start=$(date +%s)
}
end() {
  local took=$(( $(date +%s) - phase_start ))
  timings+=("$1 ${took}s")
  echo "== $1 done in ${took}s"
}

# Sanitizer builds use clang (it compiles this code about 1.6x faster than GCC with the
# sanitizers on, and the fuzz phase needs it anyway) at -O1: fast enough to test, stacks
# still readable. No -Werror there: the release phase checks warnings.
sanitizer_flags=(-G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug
                 -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DSMP_BUILD_BENCH=OFF)
total_start=$(date +%s)
for phase in "${phases[@]}"; do
  case "$phase" in
    release)
      begin "release build (-Werror)"
      cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMP_WERROR=ON >/dev/null
      cmake --build build -j "$jobs"
      end "release build"
      begin "release tests"
      ctest --test-dir build --output-on-failure -j "$jobs"
      end "release tests"
      ;;
    fuzz)
      if [[ "${SMP_FUZZ_SECONDS:-60}" == "0" ]]; then continue; fi
      begin "fuzz (clang, ASan + UBSan, ${SMP_FUZZ_SECONDS:-60}s per target)"
      ./scripts/fuzz.sh
      end "fuzz"
      ;;
    asan)
      begin "asan build (ASan + UBSan)"
      cmake -S . -B build-asan "${sanitizer_flags[@]}" -DSMP_SANITIZE=ON >/dev/null
      cmake --build build-asan -j "$jobs"
      end "asan build"
      begin "asan tests"
      ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 900 \
        -E "$sanitizer_exclude"
      end "asan tests"
      ;;
    tsan)
      begin "tsan build"
      cmake -S . -B build-tsan "${sanitizer_flags[@]}" -DSMP_TSAN=ON >/dev/null
      cmake --build build-tsan -j "$jobs" --target smp_integration_tests smp-server
      end "tsan build"
      begin "tsan tests"
      ctest --test-dir build-tsan --output-on-failure -j "$jobs" --timeout 900 \
        -R "$tsan_select" -E "$sanitizer_exclude"
      end "tsan tests"
      ;;
    package)
      begin "package (make deb, install, run and purge in a Debian root)"
      if [[ $(id -u) -eq 0 ]]; then ./scripts/test-package.sh build
      else sudo ./scripts/test-package.sh build; fi
      end "package"
      ;;
    *)
      echo "unknown phase '$phase' (release, package, fuzz, asan, tsan)" >&2
      exit 2
      ;;
  esac
done

echo "== timings"
for t in "${timings[@]}"; do echo "   $t"; done
echo "   total $(( $(date +%s) - total_start ))s"
