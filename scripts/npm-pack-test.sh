#!/usr/bin/env bash
# Packs bindings/npm with `npm pack`, installs the tarball into a scratch project and uses
# it from there: the TypeScript consumer in examples/ts is type-checked with
# `tsc --noEmit --strict` against the installed package's types, compiled and run (with
# examples/ts/s3.ts, the S3 storage entry); then
# CommonJS `require`, ESM `import` and the `web` build (initSync) are used from Node.
# Needs ./scripts/build-wasm.sh first and `npm ci` at the repository root (TypeScript).
set -euo pipefail
trap 'echo "npm-pack-test.sh:$LINENO failed: $BASH_COMMAND"' ERR
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tarball=$(cd bindings/npm && npm pack --silent --pack-destination "$tmp" 2>/dev/null | tail -1)
echo "packed $tarball: $(stat -c %s "$tmp/$tarball") bytes, $(tar tzf "$tmp/$tarball" | wc -l) files"
listing=$(tar tzf "$tmp/$tarball")
for f in package/package.json package/README.md package/node/outpaint_wasm.d.ts \
         package/web/outpaint_wasm_bg.wasm package/bundler/outpaint_wasm.js \
         package/web/index.js package/LICENSE-MIT package/LICENSE-APACHE \
         package/s3/index.js package/s3/index.d.ts; do
  grep -qx "$f" <<<"$listing" || { echo "missing from the tarball: $f"; exit 1; }
done

wasms=$(grep -c '\.wasm$' <<<"$listing")
[ "$wasms" = 1 ] || { echo "the tarball carries $wasms .wasm files, not one"; exit 1; }
app=$tmp/app
mkdir -p "$app"
cp examples/ts/consumer.ts examples/ts/s3.ts examples/ts/browser.ts examples/ts/tsconfig.json examples/ts/tsconfig.browser.json "$app/"
cp examples/images/lake.jpg "$app/"
echo '{ "name": "scratch", "private": true, "type": "module" }' > "$app/package.json"
(cd "$app" && npm install --silent --no-audit --no-fund "$tmp/$tarball" 2>/dev/null)
ln -s "$root/node_modules/@types" "$app/node_modules/@types"
# outpaint-wasm/s3's optional peer dependency, as `npm install aws4fetch` would put it.
ln -s "$root/node_modules/aws4fetch" "$app/node_modules/aws4fetch"

echo "tsc --noEmit --strict examples/ts/consumer.ts (against the installed package)"
"$root/node_modules/.bin/tsc" -p "$app/tsconfig.json"
# The same program under node16 resolution (nodenext above; no DOM library in either: the
# Node build's declarations name no DOM type), and the browser side under bundler resolution.
"$root/node_modules/.bin/tsc" -p "$app/tsconfig.json" --module node16 --moduleResolution node16
echo "tsc --strict examples/ts/browser.ts (moduleResolution bundler, DOM library)"
"$root/node_modules/.bin/tsc" -p "$app/tsconfig.browser.json"
"$root/node_modules/.bin/tsc" -p "$app/tsconfig.json" --noEmit false --outDir "$app/build"
out=$(cd "$app" && node build/consumer.js lake.jpg)
echo "consumer: $out"
expected='{"width":1365,"mask":1056768,"status":"completed","calls":["flux:generate","flux:outpaint"],"prompt":"Previous: a lake. Now: now","code":"INVALID_DIMENSIONS","picturesAgree":true,"seamFeather":32}'
[ "$out" = "$expected" ] || { echo "expected: $expected"; exit 1; }
test -s "$app/result.png"
out=$(cd "$app" && node build/s3.js)
echo "s3: $out"
expected='{"name":"s3://my-bucket/outpaint","badBucket":"TypeError","badKey":"STORAGE_ERROR","handler":"function"}'
[ "$out" = "$expected" ] || { echo "expected: $expected"; exit 1; }

cd "$app"
node -e '
const o = require("outpaint-wasm");
if (typeof o.init !== "function" || typeof o.initSync !== "function") throw new Error("init/initSync missing");
o.initSync();
const e = o.expand(1024, 1024, "16:9");
if (e.newWidth !== 1820) throw new Error("require: " + JSON.stringify(e));
console.log("require(\"outpaint-wasm\"): ok, version " + o.version());
'
node --input-type=module -e '
import { expand, version, init } from "outpaint-wasm";
await init();
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { initSync, expand as webExpand } from "outpaint-wasm/web";
if (expand(4, 3, "1:1").newHeight !== 4) throw new Error("import");
const wasm = createRequire(import.meta.url).resolve("outpaint-wasm/web").replace(/outpaint_wasm\.js$/, "outpaint_wasm_bg.wasm");
initSync({ module: readFileSync(wasm) });
if (webExpand(4, 3, "1:1").newHeight !== 4) throw new Error("web build");
console.log("import from \"outpaint-wasm\" and \"outpaint-wasm/web\": ok, version " + version());
'
