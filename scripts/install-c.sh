#!/usr/bin/env bash
# Installs liboutpaint for C hosts, laid out as a distribution would:
#   $DESTDIR$PREFIX/$LIBDIR/liboutpaint.so.X.Y.Z (SONAME liboutpaint.so.X), the .so.X and
#     .so links, liboutpaint.a
#   $DESTDIR$PREFIX/include/outpaint.h
#   $DESTDIR$PREFIX/$LIBDIR/pkgconfig/outpaint.pc (shared; Libs.private for --static) and
#     outpaint-static.pc (the archive)
#   $DESTDIR$PREFIX/$LIBDIR/cmake/outpaint/ (find_package(outpaint): outpaint::outpaint,
#     outpaint::outpaint_static)
# Usage:
#   scripts/install-c.sh /usr/local                      # PREFIX as the argument
#   PREFIX=/usr LIBDIR=lib/x86_64-linux-gnu DESTDIR=pkg/ scripts/install-c.sh
#   PROFILE=debug scripts/install-c.sh /tmp/p            # what the tests use
# CARGO_TARGET_DIR is honoured (the library is found where cargo put it).
set -euo pipefail
trap 'echo "install-c.sh:$LINENO failed: $BASH_COMMAND"' ERR
cd "$(dirname "$0")/.."
prefix=${1:-${PREFIX:?usage: scripts/install-c.sh PREFIX (or PREFIX=... in the environment)}}
libdir_rel=${LIBDIR:-lib}
destdir=${DESTDIR:-}
profile=${PROFILE:-release}
target_dir=${CARGO_TARGET_DIR:-target}
if [ "$profile" = release ]; then
  cargo build -q --release -p outpaint-ffi
  out="$target_dir/release"
else
  cargo build -q -p outpaint-ffi
  out="$target_dir/debug"
fi
version=$(sed -n 's/^version = "\(.*\)"/\1/p;T;q' Cargo.toml)
major=${version%%.*}
minor=$(cut -d. -f2 <<<"$version")
# The system libraries the static archive needs: what `cargo rustc -p outpaint-ffi --lib
# --crate-type staticlib -- --print native-static-libs` reports on Linux, minus the C
# library itself, which every link has.
native=${NATIVE_LIBS:-"-lgcc_s -lutil -lrt -lpthread -lm -ldl"}
lib="$destdir$prefix/$libdir_rel"
mkdir -p "$lib/pkgconfig" "$lib/cmake/outpaint" "$destdir$prefix/include"
install -m 644 "$out/liboutpaint.a" "$lib/"
install -m 755 "$out/liboutpaint.so" "$lib/liboutpaint.so.$version"
ln -sf "liboutpaint.so.$version" "$lib/liboutpaint.so.$major"
ln -sf "liboutpaint.so.$major" "$lib/liboutpaint.so"
install -m 644 bindings/c/outpaint.h "$destdir$prefix/include/"
fill() {
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@LIBDIR@|$prefix/$libdir_rel|g" -e "s|@LIBDIR_REL@|$libdir_rel|g" \
    -e "s|@VERSION@|$version|g" -e "s|@MAJOR@|$major|g" -e "s|@MINOR@|$minor|g" \
    -e "s|@NATIVE_LIBS@|$native|g" -e "s|@NATIVE_LIBS_CMAKE@|$(sed 's/-l//g; s/ /;/g' <<<"$native")|g" \
    -e "s|@PREFIX_FROM_CMAKEDIR@|$(sed 's|[^/][^/]*|..|g' <<<"$libdir_rel/cmake/outpaint")|g" "$1"
}
fill bindings/c/outpaint.pc.in > "$lib/pkgconfig/outpaint.pc"
fill bindings/c/outpaint-static.pc.in > "$lib/pkgconfig/outpaint-static.pc"
fill bindings/c/cmake/outpaintConfig.cmake.in > "$lib/cmake/outpaint/outpaintConfig.cmake"
fill bindings/c/cmake/outpaintConfigVersion.cmake.in > "$lib/cmake/outpaint/outpaintConfigVersion.cmake"
echo "installed liboutpaint $version into $destdir$prefix ($libdir_rel)"
