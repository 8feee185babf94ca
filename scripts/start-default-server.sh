#!/usr/bin/env bash
# Starts smp-server with the embedded default configuration (the README's `make run`):
# configuration in var/etc and logs in var/log under the repository (or under $SMP_VAR_DIR),
# store log on, listening on 127.0.0.1:5223. The first run initialises it (new identity);
# later runs keep the identity, the queues and the undelivered messages.
# Usage: scripts/start-default-server.sh [build-dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
server="$(realpath "$build_dir")/bin/smp-server"
var_dir=$(realpath -m "${SMP_VAR_DIR:-var}")
export SMP_SERVER_CFG_PATH="$var_dir/etc"
export SMP_SERVER_LOG_PATH="$var_dir/log"

if [[ ! -x "$server" ]]; then
  echo "error: $server not found; build first (make build)" >&2
  exit 1
fi
if [[ ! -f "$SMP_SERVER_CFG_PATH/smp-server.ini" ]]; then
  "$server" init --store-log --no-password --ip 127.0.0.1 --host 127.0.0.1 --port 5223
  echo
fi
# The banner ends with the server address (smp://<fingerprint>@127.0.0.1) to give to clients.
exec "$server" start
