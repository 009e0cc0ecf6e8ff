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
  mv "$bg.opt" "$bg"
else
  echo "note: $opt not found (npm ci installs it); the package is not wasm-opt'ed"
fi
# The OutpaintError class (an inline snippet of wasm/src/convert.rs) exported from every
# entry, so `e instanceof OutpaintError` works. The nodejs output requires the snippet, which
# wasm-bindgen writes as an ES module: it is made CommonJS here (Node 18 cannot require ESM).
for t in web bundler node; do
  snippet=$(cd "bindings/npm/$t" && ls snippets/*/inline0.js)
  grep -q "export class OutpaintError" "bindings/npm/$t/$snippet" || { echo "the OutpaintError snippet moved"; exit 1; }
  if [ "$t" = node ]; then
    sed -i -e 's/^export class /class /' -e 's/^export function /function /' "bindings/npm/$t/$snippet"
    echo 'module.exports = { OutpaintError, outpaintError };' >> "bindings/npm/$t/$snippet"
    printf '\nexports.OutpaintError = require(String.raw`./%s`).OutpaintError;\n' "$snippet" >> "bindings/npm/$t/outpaint_wasm.js"
  else
    printf '\nexport { OutpaintError } from "./%s";\n' "$snippet" >> "bindings/npm/$t/outpaint_wasm.js"
  fi
done
# One .wasm in the package, not three: web/outpaint_wasm_bg.wasm (where the web glue's
# `new URL("outpaint_wasm_bg.wasm", import.meta.url)` finds it, so a bundle with the wasm
# copied beside it works). The Node glue reads it from there; the bundler glue imports it
# from there, and the wasm's own imports ("./outpaint_wasm_bg.js", resolved beside the
# wasm) reach the bundler glue through web/outpaint_wasm_bg.js, a one-line re-export.
node_from='const wasmPath = `${__dirname}/outpaint_wasm_bg.wasm`;'
bundler_from='import * as wasm from "./outpaint_wasm_bg.wasm";'
grep -qF "$node_from" bindings/npm/node/outpaint_wasm.js || { echo "build-wasm.sh: the Node glue's wasm path changed"; exit 1; }
grep -qF "$bundler_from" bindings/npm/bundler/outpaint_wasm.js || { echo "build-wasm.sh: the bundler glue's wasm import changed"; exit 1; }
sed -i 's|^const wasmPath = `${__dirname}/outpaint_wasm_bg.wasm`;|const wasmPath = `${__dirname}/../web/outpaint_wasm_bg.wasm`;|' bindings/npm/node/outpaint_wasm.js
sed -i 's|^import \* as wasm from "./outpaint_wasm_bg.wasm";|import * as wasm from "../web/outpaint_wasm_bg.wasm";|' bindings/npm/bundler/outpaint_wasm.js
rm bindings/npm/node/outpaint_wasm_bg.wasm bindings/npm/bundler/outpaint_wasm_bg.wasm bindings/npm/node/outpaint_wasm_bg.wasm.d.ts bindings/npm/bundler/outpaint_wasm_bg.wasm.d.ts
echo '// The wasm in this folder imports its glue from here: the bundler build'"'"'s.' > bindings/npm/web/outpaint_wasm_bg.js
echo 'export * from "../bundler/outpaint_wasm_bg.js";' >> bindings/npm/web/outpaint_wasm_bg.js
# Test environments that hide Node's globals (Jest's jsdom environment) have no
# TextDecoder/TextEncoder, which the Node glue needs at load: it takes Node's own then.
sed -i '1a // TextDecoder/TextEncoder: the globals, or Node'"'"'s own where a test environment hides them (Jest + jsdom).\nconst { TextDecoder, TextEncoder } = typeof globalThis.TextDecoder === "function" ? globalThis : require("util");' bindings/npm/node/outpaint_wasm.js
# wasm-bindgen's nodejs output is CommonJS, web and bundler are ES modules.
echo '{ "type": "commonjs" }' > bindings/npm/node/package.json
echo '{ "type": "module" }' > bindings/npm/web/package.json
echo '{ "type": "module" }' > bindings/npm/bundler/package.json
# `init` by name on the raw web build too (as on every other entry), beside its default.
echo 'export { __wbg_init as init };' >> bindings/npm/web/outpaint_wasm.js
echo 'export { __wbg_init as init };' >> bindings/npm/web/outpaint_wasm.d.ts
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
# Node's ES module entry: the web build, given the wasm's bytes at import. It names the file
# as `new URL(..., import.meta.url)`, which server bundlers follow (Next.js copies it into
# .next/server and rewrites the URL), where the CommonJS glue's `${__dirname}` path is not
# (Next.js route handlers failed to build with ENOENT). A server render of browser code
# (a Next.js client component) gets the browser's asset URL instead: nothing is loaded at
# import there, and `init()` loads it if that code ever runs on the server.
cat > bindings/npm/node/index.mjs <<'JS'
// The Node entry for `import` (CommonJS `require` has outpaint_wasm.js): the web build,
// initialised at import from the .wasm beside it.
import { readFileSync } from "node:fs";
import { initSync } from "../web/outpaint_wasm.js";

const wasm = new URL("../web/outpaint_wasm_bg.wasm", import.meta.url);
if (wasm.protocol === "file:") initSync({ module: readFileSync(wasm) });

export * from "../web/outpaint_wasm.js";
export { initSync };
/** Resolves once the wasm is instantiated (at import on Node; for code shared with the browser). */
export async function init() {
  if (wasm.protocol !== "file:") initSync({ module: await (await fetch(wasm)).arrayBuffer() });
}
JS
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
# The Node build's declarations name no DOM type (a Node program compiles without
# `lib: ["dom"]`): the two canvas helpers, which need a browser and throw INVALID_OPTION in
# Node, take the shapes they read instead.
d=bindings/npm/node/outpaint_wasm.d.ts
for pat in 'drawToCanvas(canvas: HTMLCanvasElement | OffscreenCanvas,' \
           'readCanvas(source: HTMLCanvasElement | OffscreenCanvas | ImageBitmap | HTMLImageElement): ImageData;'; do
  grep -qF "$pat" "$d" || { echo "build-wasm.sh: the Node declarations changed: $pat"; exit 1; }
done
sed -i -e 's/drawToCanvas(canvas: HTMLCanvasElement | OffscreenCanvas,/drawToCanvas(canvas: CanvasLike,/' \
  -e 's/readCanvas(source: HTMLCanvasElement | OffscreenCanvas | ImageBitmap | HTMLImageElement): ImageData;/readCanvas(source: CanvasSourceLike): RgbaImage;/' "$d"
cat >> "$d" <<'TS'

/** A canvas to draw into, as the Node build declares it (no DOM types here): in a browser an `HTMLCanvasElement` or `OffscreenCanvas`. Node has neither, so `drawToCanvas` throws `INVALID_OPTION` there. */
export interface CanvasLike { width: number; height: number; }
/** A picture to read, as the Node build declares it: in a browser a canvas, an `ImageBitmap` or a loaded `<img>`. Node has none, so `readCanvas` throws `INVALID_OPTION` there. */
export interface CanvasSourceLike { readonly width: number; readonly height: number; }
TS
if grep -nE '\b(HTMLCanvasElement|HTMLImageElement|OffscreenCanvas|ImageBitmap|ImageData|Document|Window)\b' "$d" | grep -v '^\s*[0-9]*:\s*\*\|/\*\*' ; then
  echo "build-wasm.sh: a DOM type is left in the Node declarations"; exit 1
fi
# The classes are disposable (`[Symbol.dispose]()`, for `using`); a program whose `lib`
# predates ES2026 (Vite's templates: ES2020 + DOM) has no `Symbol.dispose` and fails to
# compile the declarations. Declared here, the way @types/node does: with a newer `lib`
# the two declarations merge.
for t in web bundler node; do
  cat >> "bindings/npm/$t/outpaint_wasm.d.ts" <<'TS'

declare global {
  /** `Symbol.dispose` (explicit resource management), for programs whose `lib` predates it. */
  interface SymbolConstructor { readonly dispose: unique symbol; }
}
TS
done
# outpaint-wasm/worker: the functions in a module Worker (wasm/js/worker/ holds its sources).
rm -rf bindings/npm/worker
node wasm/js/worker/build.mjs bindings/npm
# The licences travel with the package (MIT OR Apache-2.0, as Cargo.toml says).
cp LICENSE-MIT LICENSE-APACHE bindings/npm/
raw=$(stat -c %s bindings/npm/web/outpaint_wasm_bg.wasm)
gz=$(gzip -9 -c bindings/npm/web/outpaint_wasm_bg.wasm | wc -c)
echo "outpaint_wasm_bg.wasm: $raw bytes raw, $gz bytes gzip -9"
