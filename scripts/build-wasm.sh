#!/usr/bin/env bash
# Builds the npm package into bindings/npm/{web,bundler,node} with the pinned
# wasm-bindgen CLI (the same version as the wasm-bindgen crate) and prints its size.
set -euo pipefail
trap 'echo "build-wasm.sh:$LINENO failed: $BASH_COMMAND"' ERR
cd "$(dirname "$0")/.."
want=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' wasm/Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [ "$have" != "$want" ]; then
  echo "wasm-bindgen-cli $want is needed (have: ${have:-none}): cargo install wasm-bindgen-cli --version =$want"
  exit 1
fi
cargo build -q -p outpaint-wasm --target wasm32-unknown-unknown --profile wasm-release
wasm=target/wasm32-unknown-unknown/wasm-release/outpaint_wasm.wasm
for t in web bundler nodejs; do
  dir=bindings/npm/${t/nodejs/node}
  rm -rf "$dir"
  wasm-bindgen --target "$t" --out-dir "$dir" "$wasm"
done
# wasm-opt (npm binaryen, from the root lockfile) on the module the three targets share:
# smaller and no slower. Features: what rustc's wasm32 target emits, plus SIMD128
# (.cargo/config.toml).
opt=node_modules/.bin/wasm-opt
if [ -x "$opt" ]; then
  bg=bindings/npm/web/outpaint_wasm_bg.wasm
  "$opt" -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-simd "$bg" -o "$bg.opt"
  for t in web bundler node; do cp "$bg.opt" "bindings/npm/$t/outpaint_wasm_bg.wasm"; done
  rm "$bg.opt"
else
  echo "note: $opt not found (npm ci installs it); the package is not wasm-opt'ed"
fi
# wasm-bindgen's nodejs output is CommonJS, web and bundler are ES modules.
echo '{ "type": "commonjs" }' > bindings/npm/node/package.json
echo '{ "type": "module" }' > bindings/npm/web/package.json
echo '{ "type": "module" }' > bindings/npm/bundler/package.json
# The browser entry of "." (what bundlers pick for `import ... from "outpaint-wasm"`):
# the web build, initialised before the importer runs (top-level await), so the README's
# import works as it does in Node; init/initSync stay exported for hosts that pass their
# own wasm URL or bytes. It is listed in sideEffects, or bundlers would drop it.
cat > bindings/npm/web/index.js <<'JS'
// The browser entry: the web build, initialised at import (top-level await).
import init, { initSync } from "./outpaint_wasm.js";
await init();
export * from "./outpaint_wasm.js";
export { init, initSync };
JS
cat > bindings/npm/web/index.d.ts <<'TS'
// The browser entry: initialised at import; `init`/`initSync` for a wasm of your own.
export * from "./outpaint_wasm.js";
export { default as init, initSync } from "./outpaint_wasm.js";
TS
# `init`/`initSync` on every entry with the same types, so code written for the browser
# (`import { init } from "outpaint-wasm"; await init();`) runs and type-checks on Node and
# in bundlers too: there the wasm is already instantiated and they do nothing.
for t in node bundler; do
  if [ "$t" = node ]; then
    cat >> "bindings/npm/$t/outpaint_wasm.js" <<'JS'

/** Already initialised on Node: resolves at once (for code shared with the browser). */
exports.init = async function init() {};
/** Already initialised on Node: does nothing. */
exports.initSync = function initSync() {};
JS
  else
    cat >> "bindings/npm/$t/outpaint_wasm.js" <<'JS'

/** Already initialised by the bundler: resolves at once (for code shared with the web build). */
export async function init() {}
/** Already initialised by the bundler: does nothing. */
export function initSync() {}
JS
  fi
  cat >> "bindings/npm/$t/outpaint_wasm.d.ts" <<'TS'

/** The wasm is instantiated at import here: resolves at once (the browser entry's `init` loads it). */
export function init(module_or_path?: unknown): Promise<unknown>;
/** The wasm is instantiated at import here: does nothing (the browser entry's `initSync` loads it). */
export function initSync(module?: unknown): unknown;
TS
done
# The licences travel with the package (MIT OR Apache-2.0, as Cargo.toml says).
cp LICENSE-MIT LICENSE-APACHE bindings/npm/
raw=$(stat -c %s bindings/npm/web/outpaint_wasm_bg.wasm)
gz=$(gzip -9 -c bindings/npm/web/outpaint_wasm_bg.wasm | wc -c)
echo "outpaint_wasm_bg.wasm: $raw bytes raw, $gz bytes gzip -9"
