#!/usr/bin/env bash
# Installs the Debian 12 packages the project builds and tests with.
# Idempotent: runs apt-get only when something is missing, and is quiet otherwise.
# microsocks is the SOCKS5 server the proxy integration tests start.
# `install-deps.sh package` adds what `make deb` and the package test phase need (lintian,
# help2man, debootstrap, systemd-analyze, a YAML reader for the cloud-init file).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libboost1.81-dev libssl-dev openssl libsodium-dev libsqlite3-dev
  libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  clang libclang-rt-14-dev procps
  microsocks
)
for group in "$@"; do
  case "$group" in
    package) packages+=(dpkg-dev lintian help2man debootstrap debian-archive-keyring systemd python3-yaml) ;;
    *) echo "install-deps: unknown group '$group' (package)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
