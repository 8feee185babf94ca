# Sourced by the *-bench.sh scripts: a scratch configuration for smp-server and one server
# start at a time, stopped (and the scratch folder removed) when the script exits.
#   bench_server_init ARGS...   `smp-server init ARGS...` with its files in $bench_dir
#   bench_server_start          starts smp-server with the open-file limit at the hard limit;
#                               sets $bench_pid and $bench_address (empty if it did not start)
#   bench_server_stop           stops the server started last
# Expects $build (the build folder).
bench_dir=$(mktemp -d)
bench_pid=
bench_address=
bench_server_stop() {
  if [ -n "$bench_pid" ]; then
    kill "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  bench_pid=
}
bench_cleanup() {
  bench_server_stop
  rm -rf "$bench_dir"
}
trap bench_cleanup EXIT
export SMP_SERVER_CFG_PATH=$bench_dir/etc SMP_SERVER_LOG_PATH=$bench_dir/log

bench_server_init() {
  "$build/bin/smp-server" init "$@" >/dev/null
}

bench_server_start() {
  rm -f "$bench_dir/server.out"  # not the last start's address: the child truncates it too late
  (ulimit -n "$(ulimit -Hn)" && exec "$build/bin/smp-server" start) >"$bench_dir/server.out" 2>&1 &
  bench_pid=$!
  for _ in $(seq 100); do
    grep -qs "Server address" "$bench_dir/server.out" && break
    sleep 0.1
  done
  bench_address=$(grep -so "smp://.*" "$bench_dir/server.out" || true)
}
