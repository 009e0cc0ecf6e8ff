#!/usr/bin/env bash
# Installs liboutpaint for C hosts: PREFIX/lib/liboutpaint.{so,a}, PREFIX/include/outpaint.h
# and PREFIX/lib/pkgconfig/outpaint.pc.
#   scripts/install-c.sh /usr/local            # release build
#   PROFILE=debug scripts/install-c.sh /tmp/p  # what the tests use (faster to build)
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:?usage: scripts/install-c.sh PREFIX}
profile=${PROFILE:-release}
if [ "$profile" = release ]; then
  cargo build -q --release -p outpaint-ffi
else
  cargo build -q -p outpaint-ffi
fi
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
install -m 644 "target/$profile/liboutpaint.a" "$prefix/lib/"
install -m 755 "target/$profile/liboutpaint.so" "$prefix/lib/"
install -m 644 bindings/c/outpaint.h "$prefix/include/"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" bindings/c/outpaint.pc.in \
  > "$prefix/lib/pkgconfig/outpaint.pc"
echo "installed liboutpaint $version into $prefix"
