#!/usr/bin/env bash
# The package phase of `make test`: the Debian package installed into a fresh Debian root.
#   1. `make deb` (scripts/make-deb.sh: build, package, lintian with no error);
#   2. a minimal Debian root of this machine's release, made with debootstrap from the Debian
#      archive apt uses, with systemd in it (a VM has it); kept in $SMP_PACKAGE_CACHE
#      (default /var/cache/simplexmq-cpp) and copied for each run, so only the first run
#      downloads it;
#   3. in a copy of it: the cloud recipe's setup script (deploy/cloud-init.yaml) installs the
#      package with apt (its Depends come from the archive) and runs `smp-server init` as the
#      simplex user; `systemd-analyze verify` checks both units as installed;
#   4. `smp-server start` from the installed files, as simplex, answers the installed
#      `smp ping` at the address init printed; a message sent before a SIGTERM stop is
#      received after the next start;
#   5. `apt-get remove` keeps the configuration, state and conffile; `apt-get purge
#      --autoremove` then leaves the root exactly as it was before the installation.
# Needs root (debootstrap, chroot). Every step has a time limit; whatever is mounted in the
# root is unmounted and the copy deleted on any exit.
# Usage: scripts/test-package.sh [build-dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath -m "${1:-build}")
if [[ $(id -u) -ne 0 ]]; then
  echo "test-package: needs root (debootstrap and chroot)" >&2
  exit 1
fi
./scripts/install-deps.sh package

cache_dir=${SMP_PACKAGE_CACHE:-/var/cache/simplexmq-cpp}
. /etc/os-release
suite=$VERSION_CODENAME
arch=$(dpkg --print-architecture)
# Bump when the way the cached root is made changes: an older cache is then made again.
cache_format=1
cached_root="$cache_dir/debootstrap-$suite-$arch"

step_start=0
step() {
  step_start=$(date +%s)
  echo "-- $*"
}
took() { echo "   ($(( $(date +%s) - step_start )) s)"; }
fail() {
  echo "test-package: FAILED: $*" >&2
  exit 1
}
limit() {  # seconds command...: the command, killed when it takes longer
  local seconds=$1
  shift
  timeout --kill-after=10 "$seconds" "$@"
}

# The Debian archive apt uses for this release: its repositories of this suite and of the
# suite's -updates and -security, component main.
archive_lines() {
  # shellcheck disable=SC2016  # apt's own $(FIELD) syntax
  apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 'Component: main' |
    awk -v s="$suite" '$2 == s || index($2, s "-") == 1' | LC_ALL=C sort -u
}

# Everything a package could leave behind, one line per file: type, mode, owner, size, path,
# link target, and the content hash under /etc. Left out: what apt and dpkg keep about
# packages (their lists, caches, database, logs), mount points, and the backups of the user
# database that useradd and userdel write (/etc/passwd- and the like).
snapshot() {
  local root=$1
  (cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \
      -o -path ./tmp -o -path ./var/tmp -o -path ./var/cache/apt -o -path ./var/lib/apt \
      -o -path ./var/lib/dpkg -o -path ./var/log -o -path ./var/cache/debconf \
      -o -path ./var/cache/ldconfig -o -name '*-' \) -prune -o \
      -printf '%y %m %U %G %s %p %l\n' | LC_ALL=C sort)
  (cd "$root" && find ./etc -xdev -type f ! -name '*-' ! -name ld.so.cache -print0 |
    LC_ALL=C sort -z | xargs -0 md5sum)
}

unmount_below() {  # folder: unmounts every mount point below it, innermost first
  { grep -F " $1/" /proc/mounts || true; } | awk '{print $2}' | sort -r |
    xargs -r -n1 umount -l || true
}

free_port() {  # a TCP port nothing on this machine listens on or uses
  local port hex
  for _ in $(seq 1 100); do
    port=$(( 20000 + RANDOM % 30000 ))
    hex=$(printf ':%04X ' "$port")
    if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '{print $2, $3}' |
        grep -q -- "$hex"; then
      echo "$port"
      return
    fi
  done
  fail "no free port found"
}

total_start=$(date +%s)

step "make deb"
limit 3600 ./scripts/make-deb.sh "$build_dir"
deb=$(ls "$build_dir"/deb/simplexmq-cpp_*.deb)
took

mapfile -t archive < <(archive_lines)
((${#archive[@]} > 0)) || fail "apt has no repository of $suite (main)"
mirror=$(printf '%s\n' "${archive[@]}" | awk -v s="$suite" '$2 == s {print $1; exit}')
[[ -n "$mirror" ]] || fail "apt has no repository of $suite itself"
stamp="format=$cache_format suite=$suite arch=$arch mirror=$mirror include=systemd"

mkdir -p "$cache_dir"
exec 9>"$cache_dir/debootstrap.lock"
limit 3600 flock 9 || fail "another run holds $cache_dir/debootstrap.lock"
if [[ ! -d "$cached_root" || "$(cat "$cached_root.stamp" 2>/dev/null)" != "$stamp" ]]; then
  step "debootstrap $suite ($arch, minbase + systemd) from $mirror into $cached_root"
  new_root="$cached_root.new"
  # debootstrap mounts /proc and /sys in the root while it works; an interrupted run may
  # leave them mounted.
  cleanup_new_root() {
    unmount_below "$new_root"
    rm -rf --one-file-system "$new_root"
  }
  cleanup_new_root
  trap cleanup_new_root EXIT
  limit 1800 debootstrap --variant=minbase --include=systemd --components=main \
    "$suite" "$new_root" "$mirror" > "$cache_dir/debootstrap.log" 2>&1 ||
    { tail -20 "$cache_dir/debootstrap.log"; fail "debootstrap"; }
  printf '%s\n' "${archive[@]}" | awk '{print "deb", $1, $2, "main"}' \
    > "$new_root/etc/apt/sources.list"
  rm -rf "$cached_root" "$cached_root.stamp"
  mv "$new_root" "$cached_root"
  echo "$stamp" > "$cached_root.stamp"
  trap - EXIT
  took
fi
flock -u 9

work=$(mktemp -d /var/tmp/smp-package-test.XXXXXX)
root="$work/root"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  unmount_below "$root"
  # --one-file-system: never into a mount (the host's /dev) that could not be unmounted.
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

step "a copy of the cached root"
limit 600 cp -a --reflink=auto "$cached_root" "$root"
# The network settings of this run, and apt's fetch settings (proxy, validity) as the host has them.
cp /etc/resolv.conf "$root/etc/resolv.conf"
apt-config dump Acquire::http Acquire::https Acquire::Check-Valid-Until Acquire::Check-Date \
  Acquire::Retries > "$root/etc/apt/apt.conf.d/00acquire-as-host"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
in_root() {  # seconds command...: the command in the root, with a clean environment
  local seconds=$1
  shift
  limit "$seconds" chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
in_root 900 apt-get update -qq || fail "apt-get update in the root"
mkdir -p "$root/etc/motd.d"  # where the recipe writes its login message (not the package)
before=$(snapshot "$root")
took

step "install with the cloud recipe's setup script (deploy/cloud-init.yaml)"
port=$(free_port)
python3 -c '
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
scripts = [f["content"] for f in config["write_files"] if f["path"] == "/usr/local/sbin/smp-server-setup"]
assert config["runcmd"] == [["/usr/local/sbin/smp-server-setup"]], config["runcmd"]
sys.stdout.write(scripts[0])
' deploy/cloud-init.yaml > "$root/tmp/smp-server-setup" || fail "deploy/cloud-init.yaml"
cp "$deb" "$root/tmp/"
in_root 1200 env SMP_DEB="/tmp/$(basename "$deb")" SMP_PUBLIC_IP=127.0.0.1 SMP_PORT="$port" \
  SMP_FIREWALL=off bash /tmp/smp-server-setup > "$work/setup.log" 2>&1 ||
  { cat "$work/setup.log"; fail "the setup script"; }
address=$(sed -n 's/^SMP server address: //p' "$work/setup.log")
[[ "$address" == smp://*@127.0.0.1:$port ]] || { cat "$work/setup.log"; fail "address '$address'"; }
echo "   server address: $address"
took

step "what the package installed"
for f in /usr/bin/smp-server /usr/bin/smp-agent /usr/bin/smp /etc/default/smp-agent \
         /lib/systemd/system/smp-server.service /lib/systemd/system/smp-agent.service \
         /usr/share/doc/simplexmq-cpp/copyright /usr/share/doc/simplexmq-cpp/README.md; do
  [[ -e "$root$f" ]] || fail "$f is missing"
done
passwd_line=$(in_root 30 getent passwd simplex) || fail "no simplex user"
[[ "$passwd_line" == simplex:x:*:*:*:/var/opt/simplex:/usr/sbin/nologin ]] ||
  fail "simplex user: $passwd_line"
server_uid=$(in_root 30 id -u simplex)
server_gid=$(in_root 30 id -g simplex)
for d in /etc/opt/simplex /var/opt/simplex /etc/opt/simplex-agent /var/opt/simplex-agent; do
  # Numeric: the names are the root's, not this machine's.
  [[ "$(stat -c %u:%g "$root$d")" == "$server_uid:$server_gid" ]] || fail "$d is not simplex's"
done
[[ "$(stat -c %a "$root/etc/opt/simplex/server.key")" == 600 ]] || fail "server.key is not 0600"
[[ -L "$root/etc/systemd/system/multi-user.target.wants/smp-server.service" ]] ||
  fail "smp-server.service is not enabled"
[[ ! -e "$root/etc/systemd/system/multi-user.target.wants/smp-agent.service" ]] ||
  fail "smp-agent.service is enabled"
took

step "systemd-analyze verify (both units, as installed)"
verify_out=$(limit 120 systemd-analyze --root="$root" verify \
  /lib/systemd/system/smp-server.service /lib/systemd/system/smp-agent.service 2>&1) ||
  { echo "$verify_out"; fail "systemd-analyze verify"; }
[[ -z "$verify_out" ]] || { echo "$verify_out"; fail "systemd-analyze verify has warnings"; }
took

start_server() {  # log file: smp-server start as simplex, until it listens
  local log=$1
  chroot --userspec="$server_uid:$server_gid" "$root" /usr/bin/env -i \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/bin/smp-server start > "$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    if grep -q '^Listening on port' "$log"; then return; fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$log"; fail "smp-server start exited"; }
    sleep 0.1
  done
  cat "$log"
  fail "smp-server did not listen within 30 s"
}
stop_server() {  # log file: SIGTERM, and a clean exit (messages saved) within 30 s
  local log=$1 status=0
  kill -TERM "$server_pid"
  for _ in $(seq 1 300); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then fail "smp-server did not stop within 30 s of SIGTERM"; fi
  wait "$server_pid" || status=$?
  server_pid=""
  [[ $status -eq 0 ]] || { cat "$log"; fail "smp-server exited with $status after SIGTERM"; }
  grep -q 'server stopped' "$log" || { cat "$log"; fail "no 'server stopped' line"; }
}
smp() { in_root 60 smp --store /tmp/smp-queues.json "$@"; }

step "smp-server start (installed, as simplex) answers smp ping; a message survives a SIGTERM stop"
start_server "$work/server1.log"
smp ping --server "$address" || fail "smp ping $address"
smp create --server "$address" --name q >/dev/null || fail "smp create"
smp send q 'saved at SIGTERM' >/dev/null || fail "smp send"
stop_server "$work/server1.log"
grep -q 'saved 1 undelivered messages' "$work/server1.log" ||
  { cat "$work/server1.log"; fail "the message was not saved at stop"; }
start_server "$work/server2.log"
received=$(smp receive --queue q --count 1 --timeout 10) || fail "smp receive"
[[ "$received" == *'saved at SIGTERM'* ]] || fail "received '$received'"
stop_server "$work/server2.log"
rm -f "$root/tmp/smp-queues.json"
took

step "apt-get remove keeps configuration, state and conffile"
in_root 300 apt-get remove -y -qq simplexmq-cpp > "$work/remove.log" 2>&1 ||
  { cat "$work/remove.log"; fail "apt-get remove"; }
[[ ! -e "$root/usr/bin/smp-server" ]] || fail "/usr/bin/smp-server is still there"
for f in /etc/opt/simplex/smp-server.ini /etc/opt/simplex/ca.crt \
         /var/opt/simplex/smp-server-store.log /etc/default/smp-agent; do
  [[ -e "$root$f" ]] || fail "remove deleted $f"
done
in_root 30 getent passwd simplex >/dev/null || fail "remove deleted the simplex user"
took

step "apt-get purge --autoremove leaves nothing behind"
in_root 300 apt-get purge -y -qq --autoremove simplexmq-cpp > "$work/purge.log" 2>&1 ||
  { cat "$work/purge.log"; fail "apt-get purge"; }
rm -f "$root/tmp/smp-server-setup" "$root/tmp/$(basename "$deb")" "$root/etc/motd.d/smp-server"
after=$(snapshot "$root")
if [[ "$before" != "$after" ]]; then
  diff <(echo "$before") <(echo "$after") || true
  fail "the root differs from before the installation"
fi
took

echo "test-package: passed in $(( $(date +%s) - total_start )) s"
