#!/usr/bin/env bash
# Benchmarks side by side, in one run on this machine: outpaint natively (and the memory
# limit), the npm package's wasm under Node, Pillow (+ numpy), hand-written JavaScript on
# typed arrays, and the Canvas 2D way in headless Chromium. Prints one Markdown table per
# size (also written to target/bench/table.md). Never asserts timings.
#
#   bench/run.sh            1024, 2048 and 4096 square sources -> 16:9, feather 32
#   bench/run.sh --smoke    a 64x64 source, one run each (the test command does this)
set -euo pipefail
trap 'echo "run.sh:$LINENO failed: $BASH_COMMAND"' ERR
cd "$(dirname "$0")/.."
sizes=1024,2048,4096
runs=7
profile=release
if [ "${1:-}" = "--smoke" ]; then
  sizes=64
  runs=1
  profile=debug # already built by the test command's cargo test
fi
dir=target/bench
mkdir -p "$dir"
rm -f "$dir"/*.json

# Pillow and numpy from PyPI, in a virtualenv of their own.
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import PIL, numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "pillow==12.0.0" "numpy==2.3.5"
fi
if [ "$profile" = release ]; then
  cargo build -q --release -p outpaint-bench
  ./scripts/build-wasm.sh
else
  cargo build -q -p outpaint-bench
  [ -f bindings/npm/node/outpaint_wasm.js ] || ./scripts/build-wasm.sh
fi
[ -d node_modules ] || npm ci --no-audit --no-fund

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p;T;q' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB" | tee "$dir/machine.txt"
"target/$profile/outpaint-bench" --out "$dir" --sizes "$sizes" --runs "$runs"
node bench/node.mjs --dir "$dir" --sizes "$sizes" --runs "$runs"
"$venv/bin/python" bench/pillow_ref.py --dir "$dir" --sizes "$sizes" --runs "$runs"
node bench/canvas.mjs --dir "$dir" --sizes "$sizes" --runs "$runs"

# Peak memory of one prepare, each in a fresh process (native measured its heap above).
echo "[" > "$dir/peaks.json"
sep=""
for side in ${sizes//,/ }; do
  for impl in wasm js; do
    printf '%s{"impl":"%s","size":%s,"bytes":%s}\n' "$sep" "$impl" "$side" \
      "$(node bench/node.mjs --peak "$impl" --dir "$dir" --size "$side" | sed 's/.*"bytes":\([0-9]*\).*/\1/')" >> "$dir/peaks.json"
    sep=","
  done
  printf ',{"impl":"pillow","size":%s,"bytes":%s}\n' "$side" \
    "$("$venv/bin/python" bench/pillow_ref.py --peak --dir "$dir" --size "$side" | sed 's/.*"bytes": *\([0-9]*\).*/\1/')" >> "$dir/peaks.json"
done
echo "]" >> "$dir/peaks.json"

python3 bench/table.py "$dir" | tee "$dir/table.md"
