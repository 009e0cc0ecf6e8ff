// Wasm memory grows and never shrinks, so a call's peak is what the page keeps: a
// 4096x4096 -> 16:9 runLocal (issue: 537 MB, then 673 MB) stays within twice the output
// canvas's bytes. This file runs in its own process, so the instance is fresh.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const op = createRequire(import.meta.url)("../../bindings/npm/node/outpaint_wasm.js");

test("a 4096x4096 runLocal to 16:9 grows wasm memory to at most twice its canvas", () => {
  const side = 4096;
  const data = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = (y * side + x) * 4;
      data[i] = x & 255; data[i + 1] = y & 255; data[i + 2] = (x * 7 + y * 3) & 255; data[i + 3] = 255;
    }
  }
  const before = op.memoryBytes();
  const out = op.runLocal({ width: side, height: side, data }, "16:9", { fill: "blur" });
  assert.deepEqual([out.width, out.height], [7282, 4096]);
  const canvas = out.width * out.height * 4;
  const after = op.memoryBytes();
  console.log(`runLocal ${side}x${side} -> ${out.width}x${out.height}: wasm memory ${(before / 1e6).toFixed(1)} -> ${(after / 1e6).toFixed(1)} MB, ${(after / canvas).toFixed(2)}x the ${(canvas / 1e6).toFixed(1)} MB canvas`);
  assert.ok(after <= 2 * canvas, `${after} > 2 x ${canvas}`);
  // The original survives byte for byte in the middle of the result.
  const at = (img, x, y) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
  assert.deepEqual(at(out, 1593 + 2048, 2048), at({ width: side, data }, 2048, 2048));
  // A second call reuses the memory it has.
  op.runLocal({ width: side, height: side, data }, "16:9", { fill: "blur" });
  assert.equal(op.memoryBytes(), after);
});
