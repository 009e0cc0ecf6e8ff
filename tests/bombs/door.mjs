// The npm door of the bombs test: `node door.mjs FILE OP TARGET` runs `runLocal` (OP
// "run") or `preparePng` (OP "prepare") on FILE's bytes to TARGET with the blur fill, prints the
// outcome's code ("OK" or the error's `code`) and then proves the same instance still
// works: a small `runLocal` must succeed after whatever happened.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");
const [file, what, target] = process.argv.slice(2);
const bytes = new Uint8Array(readFileSync(file));
const opts = { fill: "blur", feather: 32 };
let code = "OK";
try {
  if (what === "run") op.runLocal(bytes, target, opts);
  else op.preparePng(bytes, target, opts);
} catch (e) {
  code = e.code ?? `UNTYPED(${e})`;
}
const small = { width: 8, height: 6, data: new Uint8Array(8 * 6 * 4).fill(200) };
const after = op.runLocal(small, "16:9", opts);
if (after.width !== 11 || after.height !== 6) throw new Error("the instance is broken after the call");
console.log(code);
