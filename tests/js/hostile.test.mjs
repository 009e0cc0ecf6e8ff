// The npm door against hostile callers: every wrong-typed argument is INVALID_OPTION
// naming the argument (a number where a string belongs used to trap inside the
// allocator), and the instance works after every refused call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");

const png = op.encodePng({ width: 4, height: 4, data: new Uint8Array(64).fill(200) });
const img = { width: 4, height: 4, data: new Uint8Array(64).fill(200) };

test("wrong-typed arguments are INVALID_OPTION naming the argument, and nothing traps", () => {
  const e = op.expand(4, 4, "16:9");
  const cases = [
    [() => op.expand(10, 10, 42), "target must be a string, got number"],
    [() => op.expand(10, 10, undefined), "target must be a string, got undefined"],
    [() => op.expand("10", 10, "16:9"), "width must be a number, got string"],
    [() => op.expand(10, null, "16:9"), "height must be a number, got null"],
    [() => op.fit(10, 10, {}), "target must be a string, got object"],
    [() => op.fit(10, 10, ["16:9"]), "target must be a string, got an array"],
    [() => op.prepare(png, 16), "target must be a string, got number"],
    [() => op.preparePng(png, {}), "target must be a string, got object"],
    [() => op.runLocal(png, 9), "target must be a string, got number"],
    [() => op.pad(img, e, 7), "fill must be a string, got number"],
    [() => op.decode("abc"), "bytes must be a Uint8Array or ArrayBuffer, got string"],
    [() => op.decode(42), "bytes must be a Uint8Array or ArrayBuffer, got number"],
    [() => op.encode(img, 1), "format must be a string, got number"],
    [() => op.newSessionId("0123456789abcdef"), "random must be a Uint8Array or ArrayBuffer, got string"],
    [() => new op.ContextWindow(7, "flux"), "sessionId must be a string, got number"],
    [() => new op.ContextWindow("6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b", 3), "model must be a string, got number"],
  ];
  const pic = op.Picture.decode(png);
  cases.push(
    [() => pic.prepare(16), "target must be a string, got number"],
    [() => pic.runLocal({}), "target must be a string, got object"],
    [() => pic.pad(e, 1), "fill must be a string, got number"],
  );
  for (const [call, message] of cases) {
    assert.throws(call, (err) => err.code === "INVALID_OPTION" && err.message === message || assert.fail(`${message}: got ${err.constructor.name} ${err.code} ${err.message}`));
    // The instance still works.
    assert.deepEqual(op.expand(1024, 1024, "16:9").newWidth, 1820);
  }
  assert.equal(pic.prepare("16:9").plan.size.width, 7);
  pic.free();
  // An ArrayBuffer is as good as a Uint8Array.
  assert.equal(op.decode(png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength)).width, 4);
});
