#!/usr/bin/env bash
# C surface: the committed header is what cbindgen generates; the C tests (strict C11)
# and a C++ translation unit build against liboutpaint and pass.
set -euo pipefail
cd "$(dirname "$0")/.."
trap 'echo "c-tests.sh:$LINENO failed: $BASH_COMMAND"' ERR
# shows PATTERN CMD...: CMD's whole output holds PATTERN. CMD runs to its end first: a
# `CMD | grep -q` under pipefail fails at random when grep exits early and CMD gets SIGPIPE.
shows() { local p=$1; shift; local o; o=$("$@" 2>&1) && grep -q -- "$p" <<<"$o"; }

command -v cbindgen >/dev/null || { echo "cbindgen 0.29.4 is needed (cargo install --locked cbindgen --version 0.29.4)"; exit 1; }
tmp=$(mktemp)
cbindgen --config ffi/cbindgen.toml --crate outpaint-ffi --output "$tmp" ffi
if ! diff -u bindings/c/outpaint.h "$tmp"; then
  echo "bindings/c/outpaint.h is stale: regenerate it with cbindgen (see ffi/cbindgen.toml)"
  exit 1
fi
rm -f "$tmp"

cargo build -q -p outpaint-ffi
out=target/c
mkdir -p "$out"
libs="-lpthread -ldl -lm"
gcc -Wall -Wextra -Werror -std=c11 -Ibindings/c tests/c/test_outpaint.c target/debug/liboutpaint.a $libs -o "$out/test_outpaint"
"$out/test_outpaint"
gcc -Wall -Wextra -Werror -std=c11 -Ibindings/c tests/c/vectors.c target/debug/liboutpaint.a $libs -o "$out/vectors"
"$out/vectors" tests/vectors
for t in engine_test; do
  gcc -Wall -Wextra -Werror -std=c11 -Ibindings/c tests/c/$t.c target/debug/liboutpaint.a $libs -o "$out/$t"
  "$out/$t"
done
# The engine transcripts, the same files the Rust and npm doors replay.
gcc -Wall -Wextra -Werror -std=c11 -Ibindings/c tests/c/transcripts.c target/debug/liboutpaint.a $libs -o "$out/transcripts"
"$out/transcripts" tests/vectors/engine/*.json
# The libcurl provider host (examples/c/live.c), linked statically against liboutpaint:
# tests/js/c-providers.test.mjs runs it against the mock providers.
pkg-config --exists libcurl || { echo "libcurl's headers are needed (apt-get install libcurl4-openssl-dev)"; exit 1; }
gcc -Wall -Wextra -Werror -std=c11 -Ibindings/c examples/c/live.c examples/c/folder_store.c \
  target/debug/liboutpaint.a $(pkg-config --libs libcurl) $libs -o "$out/outpaint-live"
g++ -Wall -Wextra -Werror -std=c++17 -Ibindings/c tests/c/cpp_compat.cpp target/debug/liboutpaint.a $libs -o "$out/cpp_compat"
"$out/cpp_compat"
echo "C++ translation unit compiled and ran"

# The same C tests under AddressSanitizer + UndefinedBehaviorSanitizer (leaks included)
# and under valgrind: zero errors, zero leaks.
gcc -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
  -Wall -Wextra -Werror -std=c11 -Ibindings/c tests/c/test_outpaint.c target/debug/liboutpaint.a $libs \
  -o "$out/test_outpaint_asan"
ASAN_OPTIONS=detect_leaks=1 "$out/test_outpaint_asan"
gcc -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
  -Wall -Wextra -Werror -std=c11 -Ibindings/c tests/c/vectors.c target/debug/liboutpaint.a $libs \
  -o "$out/vectors_asan"
ASAN_OPTIONS=detect_leaks=1 "$out/vectors_asan" tests/vectors
gcc -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
  -Wall -Wextra -Werror -std=c11 -Ibindings/c tests/c/transcripts.c target/debug/liboutpaint.a $libs \
  -o "$out/transcripts_asan"
ASAN_OPTIONS=detect_leaks=1 "$out/transcripts_asan" tests/vectors/engine/*.json
for t in engine_test; do
  gcc -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
    -Wall -Wextra -Werror -std=c11 -Ibindings/c tests/c/$t.c target/debug/liboutpaint.a $libs \
    -o "$out/${t}_asan"
  ASAN_OPTIONS=detect_leaks=1 "$out/${t}_asan"
done
echo "ASan + UBSan: clean"
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)"; exit 1; }
for t in test_outpaint engine_test; do
  valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
    "$out/$t" 2> "$out/valgrind-$t.log"
  echo "valgrind $t:"
  grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|All heap blocks" "$out/valgrind-$t.log" | sed 's/^==[0-9]*== /  /'
done

# Install into a scratch prefix and build the example through pkg-config, then run it.
prefix=$(mktemp -d)
PROFILE=debug ./scripts/install-c.sh "$prefix"
test "$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --modversion outpaint)" = \
  "$(sed -n 's/^version = "\(.*\)"/\1/p;T;q' Cargo.toml)"
make -s -C examples/c clean
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" make -s -C examples/c
rm -rf out-c && mkdir -p out-c
examples/c/outpaint-c examples/images/lake.jpg out-c > out-c/stdout.txt
for f in canvas.png mask.png plan.json result.png; do test -s "out-c/$f"; done
# The session ran through the engine with the C folder store: status, images, context.
grep -q '"outpaintPreset":"16:9"' out-c/stdout.txt
ls out-c/store/sessions/*/status.json out-c/store/sessions/*/images/flux-1.png out-c/store/sessions/*/context/flux.json >/dev/null
# The example linked the shared library from the prefix.
shows "$prefix/lib/liboutpaint.so" ldd examples/c/outpaint-c
shows "$prefix/lib/liboutpaint.so" ldd examples/c/outpaint-live
usage=$(examples/c/outpaint-live 2>&1 || echo "exit $?")
grep -q "^usage: " <<<"$usage" && grep -q "^exit 2$" <<<"$usage"
# The shared library is versioned like a distribution's: liboutpaint.so.0 -> .so.0.1.0.
shows 'Library soname: \[liboutpaint.so.0\]' readelf -d "$prefix/lib/liboutpaint.so.0.1.0"
test "$(readlink "$prefix/lib/liboutpaint.so.0")" = liboutpaint.so.0.1.0
test "$(readlink "$prefix/lib/liboutpaint.so")" = liboutpaint.so.0
shows "liboutpaint.so.0 => $prefix/lib/liboutpaint.so.0" ldd examples/c/outpaint-c
# Static: pkg-config --static adds the system libraries; outpaint-static links the archive.
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" shows "-lpthread" pkg-config --static --libs outpaint
gcc -O1 -std=c11 $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags outpaint-static) \
  examples/c/main.c examples/c/folder_store.c \
  $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --libs outpaint-static) -o "$out/outpaint-c-static"
! shows liboutpaint ldd "$out/outpaint-c-static"
mkdir -p out-c/static out-c/cmake-shared out-c/cmake-static
"$out/outpaint-c-static" examples/images/lake.jpg out-c/static > /dev/null
test -s out-c/static/result.png
# CMake: find_package(outpaint) with a shared and a static target.
if command -v cmake >/dev/null; then
  cm=$(mktemp -d)
  cmake -S tests/c/cmake -B "$cm" -DCMAKE_PREFIX_PATH="$prefix" -DOUTPAINT_EXAMPLES="$PWD/examples/c" >/dev/null
  cmake --build "$cm" >/dev/null
  shows "$prefix/lib/liboutpaint.so.0" ldd "$cm/outpaint-c-shared"
  ! shows liboutpaint ldd "$cm/outpaint-c-static"
  for t in shared static; do
    "$cm/outpaint-c-$t" examples/images/lake.jpg "out-c/cmake-$t" > /dev/null
    test -s "out-c/cmake-$t/result.png"
  done
  rm -rf "$cm"
  echo "CMake: find_package(outpaint 0.1) linked shared and static, both ran"
else
  echo "cmake not found (scripts/setup.sh installs it): CMake config not tested"; exit 1
fi
# A packager's install: DESTDIR staging, PREFIX=/usr, a multiarch libdir.
stage=$(mktemp -d)
DESTDIR="$stage" PREFIX=/usr LIBDIR=lib/x86_64-linux-gnu PROFILE=debug ./scripts/install-c.sh >/dev/null
test -L "$stage/usr/lib/x86_64-linux-gnu/liboutpaint.so.0"
test -f "$stage/usr/include/outpaint.h"
grep -q '^libdir=/usr/lib/x86_64-linux-gnu$' "$stage/usr/lib/x86_64-linux-gnu/pkgconfig/outpaint.pc"
grep -q '"${CMAKE_CURRENT_LIST_DIR}/../../../.."' "$stage/usr/lib/x86_64-linux-gnu/cmake/outpaint/outpaintConfig.cmake"
rm -rf "$stage"
make -s -C examples/c clean
rm -rf "$prefix" out-c
echo "C example: installed, linked via pkg-config (shared and static) and CMake, ran"
