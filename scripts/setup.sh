#!/usr/bin/env bash
# Installs what the test command needs and this machine lacks, idempotently: the wasm
# target and rustfmt/clippy, Debian's valgrind, pkg-config, libcurl headers, Chromium and
# its driver, the pinned wasm-bindgen CLI, cbindgen and cargo-fuzz, and the JS tools from the
# committed lockfile. Each step is skipped when what it installs is already there.
set -euo pipefail
trap 'echo "setup.sh:$LINENO failed: $BASH_COMMAND"' ERR
cd "$(dirname "$0")/.."

installed() { grep -qx -- "$1" <<<"$(rustup target list --installed 2>/dev/null)"; }
installed wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
for c in rustfmt clippy; do
  grep -q "^$c" <<<"$(rustup component list --installed 2>/dev/null)" || rustup component add "$c"
done

# Debian packages: valgrind for the C tests; cmake for the C library's CMake package;
# libcurl's headers for the C provider example (examples/c/live.c); Chromium and its driver for the browser tests (wasm-bindgen-test,
# the demo page under Playwright).
need=()
command -v valgrind >/dev/null || need+=(valgrind)
command -v pkg-config >/dev/null || need+=(pkg-config)
pkg-config --exists libcurl 2>/dev/null || need+=(libcurl4-openssl-dev)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v cmake >/dev/null || need+=(cmake)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${need[@]}"
fi

# wasm-bindgen CLI pinned to the wasm-bindgen crate's version (no --locked: its lockfile
# pins crates this toolchain cannot build).
wbg=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' wasm/Cargo.toml)
if ! grep -q " $wbg$" <<<"$(wasm-bindgen --version 2>/dev/null)"; then
  echo "setup: installing wasm-bindgen-cli $wbg"
  cargo install wasm-bindgen-cli --version "=$wbg"
fi
# Pinned cbindgen: the committed C header must be exactly what it generates.
if ! grep -q "0.29.4" <<<"$(cbindgen --version 2>/dev/null)"; then
  echo "setup: installing cbindgen 0.29.4"
  cargo install --locked cbindgen --version 0.29.4
fi

# Pinned cargo-fuzz for the fuzz targets (libFuzzer; `--sanitizer none` runs on stable).
if ! grep -q "0.13.2" <<<"$(cargo fuzz --version 2>/dev/null)"; then
  echo "setup: installing cargo-fuzz 0.13.2"
  cargo install --locked cargo-fuzz --version 0.13.2
fi

# JS test tools (TypeScript, playwright-core, binaryen) from the committed lockfile,
# again whenever the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.outpaint-lock; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.outpaint-lock
fi
