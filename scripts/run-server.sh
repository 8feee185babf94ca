#!/usr/bin/env bash
# Runs the SMP server with the embedded default configuration (127.0.0.1:5223, store log
# under var/). Until the server lands, runs the smp tool's self-check.
set -euo pipefail
build_dir=${1:-build}
if [[ -x "$build_dir/bin/smp-server" ]]; then
  exec ./scripts/start-default-server.sh "$build_dir"
fi
exec "$build_dir/bin/smp" selfcheck
