// The npm door's limits: `limits` in the options object (the core's Limits, camelCase),
// the working-memory budget refusing before any pixel, and the instance usable after.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");

const picture = (w, h) => ({ width: w, height: h, data: new Uint8Array(w * h * 4).fill(120) });

test("a budget under the run's working memory refuses it, naming both figures", () => {
  const img = picture(400, 300);
  assert.throws(
    () => op.runLocal(img, "16:9", { fill: "blur", limits: { maxMemoryBytes: 2_000_000 } }),
    (e) => e.code === "IMAGE_TOO_LARGE" && /needs about \d+ MB of working memory; the budget is 2 MB/.test(e.message),
  );
  // The same call within a budget that holds it, on the same instance.
  const out = op.runLocal(img, "16:9", { fill: "blur", limits: { maxMemoryBytes: 64_000_000 } });
  assert.equal(out.width, 533);
  assert.equal(out.height, 300);
});

test("the audit's strip is refused by the canvas limit, or by the budget once that is raised", () => {
  const strip = picture(1, 14999);
  assert.throws(() => op.runLocal(strip, "16:9"), (e) => e.code === "IMAGE_TOO_LARGE" && /canvas would be 26665x14999/.test(e.message));
  const t = performance.now();
  assert.throws(
    () => op.runLocal(strip, "16:9", { limits: { maxCanvasPixels: 1e9 } }),
    (e) => e.code === "IMAGE_TOO_LARGE" && /working memory; the budget is 1073 MB/.test(e.message),
  );
  assert.ok(performance.now() - t < 1000, "refused before any pixel");
  const before = op.memory?.buffer?.byteLength;
  assert.equal(op.runLocal(picture(8, 6), "16:9").width, 11);
  if (before !== undefined) assert.ok(op.memory.buffer.byteLength < 512 << 20);
});

test("limits of the wrong type are INVALID_OPTION naming the options argument", () => {
  assert.throws(
    () => op.preparePng(picture(8, 6), "16:9", { limits: { maxMemoryBytes: "lots" } }),
    (e) => e.code === "INVALID_OPTION" && /bad options: .*expected u64/.test(e.message),
  );
});

test("encoded bytes are decoded within the call's own limits", () => {
  const png = op.encode(picture(40, 30), "png");
  assert.throws(
    () => op.runLocal(png, "16:9", { limits: { maxPixels: 1000 } }),
    (e) => e.code === "IMAGE_TOO_LARGE" && /image is 40x30 \(1200 px\); the limit is 1000 px/.test(e.message),
  );
  assert.throws(
    () => op.prepare(png, "16:9", { limits: { maxBytes: 10 } }),
    (e) => e.code === "IMAGE_TOO_LARGE" && /the limit is 10 bytes/.test(e.message),
  );
  assert.equal(op.prepare(png, "16:9", { limits: { maxPixels: 1200 } }).plan.size.width, 53);
});
