#!/usr/bin/env bash
# The engine benchmark, side by side in one run: a four-model generate whose provider
# answers each call after a delay (1 s by default, as a remote provider takes), on each
# door (the Rust blocking host, npm under Node, C through outpaint_engine_run with a
# thread per call), against the sum of the delays that calls one after another would
# take; plus the bytes allocated by each poll of an outpaint (Rust). Prints a Markdown
# table (also target/bench/engine.md). Never asserts timings.
#
#   bench/engine.sh                 1000 ms per call, a 2048x2048 outpaint
#   bench/engine.sh --smoke         50 ms per call, a 256x256 outpaint (the test command)
set -euo pipefail
trap 'echo "engine.sh:$LINENO failed: $BASH_COMMAND"' ERR
cd "$(dirname "$0")/.."
delay=1000
side=2048
profile=release
if [ "${1:-}" = "--smoke" ]; then
  delay=50
  side=256
  profile=debug
fi
dir=target/bench
mkdir -p "$dir"
if [ "$profile" = release ]; then
  cargo build -q --release -p outpaint-bench -p outpaint-ffi
else
  cargo build -q -p outpaint-bench -p outpaint-ffi
fi
[ -f bindings/npm/node/outpaint_wasm.js ] || ./scripts/build-wasm.sh
gcc -O2 -Wall -Wextra -Werror -std=c11 -Ibindings/c bench/engine.c "target/$profile/liboutpaint.a" \
  -lpthread -ldl -lm -o "$dir/engine-c"

"target/$profile/outpaint-bench-engine" --delay-ms "$delay" --side "$side" > "$dir/engine-rust.json"
node bench/engine.mjs --delay-ms "$delay" > "$dir/engine-npm.json"
"$dir/engine-c" --delay-ms "$delay" > "$dir/engine-c.json"
python3 - "$dir" <<'PY' | tee "$dir/engine.md"
import json, sys
d = sys.argv[1]
rows = [json.load(open(f"{d}/engine-{door}.json")) for door in ("rust", "npm", "c")]
delay = rows[0]["delayMs"]
print(f"Four-model generate, each provider answering after {delay} ms (calls one after another: {4 * delay} ms)\n")
print("| door | wall ms | x one delay | x four delays |")
print("|---|---:|---:|---:|")
for r in rows:
    ms = r["generateMs"]
    print(f"| {r['door']} | {ms:.0f} | {ms / delay:.2f} | {ms / (4 * delay):.2f} |")
r = rows[0]
print(f"\nBytes allocated per poll_effect, outpaint of a {r['side']}x{r['side']} image (Rust):\n")
print("| poll | allocated | payload |")
print("|---|---:|---:|")
for p in r["polls"]:
    payload = p.get("jobBytes", p.get("bodyBytes", ""))
    print(f"| {p['effect']} | {p['allocated']} | {payload} |")
print("\nA four-model generate with that image: the polls that hand out its four calls (the first also runs the step that builds them):\n")
print("| call | allocated | job bytes |")
print("|---|---:|---:|")
for i, p in enumerate(r["generateCalls"]):
    print(f"| {i + 1} | {p['allocated']} | {p['jobBytes']} |")
PY
