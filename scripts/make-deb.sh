#!/usr/bin/env bash
# Builds the Debian package (the README's `make deb`):
#   <build-dir>/deb/simplexmq-cpp_<version>_<arch>.deb
# from the Release build in <build-dir> (default: build, configured as `make test` does, so
# the objects are shared): the executables, units and documentation of `cmake --install`,
# stripped, with manual pages made from their --help (help2man); Depends from the shared libraries they actually link (dpkg-shlibdeps); the
# maintainer scripts, conffile, changelog and copyright from deploy/debian/. Then lintian
# checks it and fails the build on any error.
# Knobs: SMP_DEB_MAINTAINER ("Name <address>"), SMP_DEB_LINTIAN=0 to skip lintian.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath -m "${1:-build}")
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true

package=simplexmq-cpp
maintainer=${SMP_DEB_MAINTAINER:-"simplexmq-cpp maintainers <maintainers@simplexmq-cpp.invalid>"}
debian=deploy/debian

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMP_WERROR=ON \
  -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target smp-server smp-agent smp

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt")
changelog_version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$debian/changelog")
if [[ "$version" != "$changelog_version" ]]; then
  echo "make-deb: the project version ($version) is not the first entry of $debian/changelog" \
       "($changelog_version)" >&2
  exit 1
fi
arch=$(dpkg --print-architecture)
out_dir="$build_dir/deb"
stage="$out_dir/stage"
deb="$out_dir/${package}_${version}_${arch}.deb"
rm -rf "$stage" "$deb"
mkdir -p "$stage/DEBIAN"

DESTDIR="$stage" cmake --install "$build_dir" >/dev/null
doc="$stage/usr/share/doc/$package"
install -m 0644 "$debian/copyright" "$doc/copyright"
gzip -9n -c "$debian/changelog" > "$doc/changelog.gz"
install -D -m 0644 "$debian/smp-agent.default" "$stage/etc/default/smp-agent"
declare -A summaries=(
  [smp-server]="SimpleX Messaging Protocol (SMP) server"
  [smp-agent]="SimpleX agent: duplex end-to-end encrypted connections over SMP servers"
  [smp]="command-line SimpleX Messaging Protocol client"
)
mkdir -p "$stage/usr/share/man/man1"
for bin in "$stage"/usr/bin/*; do
  name=$(basename "$bin")
  # The manual page is the executable's own --help and --version (CLI11), as help2man reads them.
  help2man --no-info --no-discard-stderr --name "${summaries[$name]}" "$bin" |
    gzip -9n > "$stage/usr/share/man/man1/$name.1.gz"
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$bin"
done
# What dpkg-deb packs is what is here: owners come from --root-owner-group, modes from here.
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -exec chmod 0644 {} +
chmod 0755 "$stage"/usr/bin/*

# dpkg-shlibdeps reads a source package's debian/control; a minimal one in a scratch folder.
shlibs_dir=$(mktemp -d)
trap 'rm -rf "$shlibs_dir"' EXIT
mkdir -p "$shlibs_dir/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$package" "$package" \
  > "$shlibs_dir/debian/control"
depends=$(cd "$shlibs_dir" && dpkg-shlibdeps -O "$stage"/usr/bin/* | sed -n 's/^shlibs:Depends=//p')
if [[ -z "$depends" ]]; then
  echo "make-deb: dpkg-shlibdeps found no dependencies" >&2
  exit 1
fi

install -m 0755 "$debian/postinst" "$debian/prerm" "$debian/postrm" "$stage/DEBIAN/"
echo /etc/default/smp-agent > "$stage/DEBIAN/conffiles"
installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: $package
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: $depends, passwd
Section: net
Priority: optional
Description: SimpleX Messaging Protocol server, client and agent
 smp-server is a SimpleX Messaging Protocol (SMP) broker: simplex queues over
 TLS, messages held until acknowledged, queues kept in an append-only store log.
 smp is a command-line SMP client; smp-agent builds duplex end-to-end
 encrypted connections (X3DH and double ratchet) over SMP servers.
 .
 The package runs both as systemd services under the simplex system user,
 with configuration in /etc/opt/simplex and state in /var/opt/simplex.
CONTROL
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z |
   xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "make-deb: $deb"
if [[ "${SMP_DEB_LINTIAN:-1}" != "0" ]]; then
  lintian --fail-on error "$deb"
  echo "make-deb: lintian found no error"
fi
