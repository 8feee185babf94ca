#!/usr/bin/env bash
# Runs the SMP server with the embedded default configuration (127.0.0.1:5223, store log
# under var/); see scripts/start-default-server.sh.
set -euo pipefail
build_dir=${1:-build}
exec ./scripts/start-default-server.sh "$build_dir"
