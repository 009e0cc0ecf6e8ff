#!/usr/bin/env bash
# The one test command: everything a change must pass. Extended by every issue.
set -euo pipefail
trap 'echo "test.sh:$LINENO failed: $BASH_COMMAND"' ERR
cd "$(dirname "$0")/.."

echo "== setup: install what this machine lacks (idempotent)"
./scripts/setup.sh

echo "== core builds for wasm32 (pure: no fs, net, threads, clock)"
cargo build -p outpaint-core --target wasm32-unknown-unknown

echo "== conformance vectors are what the independent Python oracle makes"
python3 tests/vectors/generate.py --check

echo "== Rust tests (unit, property, conformance vectors, CLI), workspace-wide"
cargo test --workspace

echo "== C ABI: header up to date, C11 tests, C++ compatibility"
./scripts/c-tests.sh

echo "== wasm-bindgen-test: unit tests under Node and in headless Chromium"
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver} \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/wasm/webdriver.json" \
  cargo test -p outpaint-wasm --target wasm32-unknown-unknown

echo "== npm package: build (pinned wasm-bindgen, wasm-opt); vectors, sessions, CLI vs mock providers"
./scripts/build-wasm.sh
# tests/js/cli-providers.test.mjs runs the CLI against the mock providers (tests/mock).
cargo build -q -p outpaint-cli
node --test tests/js/

echo "== Python module (bindings/python): pip-installed into a virtualenv over the C library, with Pillow and numpy; its HTTP test runs the mock providers, which load the npm build"
./scripts/python-tests.sh

echo "== sessions on a real S3-compatible server (moto, from PyPI): conditional writes checked, store contract, transcripts, 16 writer processes, kills, a restart"
./scripts/s3-tests.sh

echo "== hostile inputs: the audit's bombs through the CLI, npm and C (each its code, peak RSS within the budget), and every fuzz target for a few seconds from its seeds"
gcc -Wall -Wextra -Werror -std=c11 -Ibindings/c tests/bombs/door.c target/debug/liboutpaint.a -lpthread -ldl -lm -o target/c/bombs_door
python3 tests/bombs/bombs.py target/debug/outpaint target/c/bombs_door
./scripts/fuzz.sh 5

echo "== npm pack: install the tarball in a scratch project; tsc --strict on examples/ts"
./scripts/npm-pack-test.sh

echo "== bundlers: the packed package, the README's import, built by Vite, webpack, esbuild and Rollup, run in Chromium; outpaint-wasm/worker built by Vite and webpack (a 4096 runLocal off the main thread)"
node --test tests/bundlers/

echo "== browser demo (examples/web) under Playwright in headless Chromium"
node --test tests/browser/

echo "== benches compile and run once (smoke, tiny sizes)"
OUTPAINT_BENCH_SMOKE=1 cargo bench -p outpaint-core --bench pixels -- --test
# Side by side (native, wasm, Pillow from PyPI, hand-written JS, Canvas 2D): 64x64, once.
bench/run.sh --smoke

echo "== seam quality bench, smoke: one photo, every baseline and the library side by side (never asserts numbers)"
bench/quality.sh --smoke

echo "== engine bench, smoke: a four-model generate on each door (Rust, npm, C), allocations per poll"
bench/engine.sh --smoke

echo "== the README's main job"
rm -rf out
cargo run -q -p outpaint-cli -- run examples/images/rocket.jpg --target 16:9 --fill blur --feather 32 --out out
test -s out/result.png && test -s out/canvas.png && test -s out/mask.png && test -s out/plan.json
size=$(python3 -c 'import struct; print("%dx%d" % struct.unpack(">II", open("out/result.png", "rb").read()[16:24]))')
[ "$size" = 759x427 ] || { echo "main job: out/result.png is $size, not 759x427"; exit 1; }
echo "main job wrote out/result.png ($size)"
