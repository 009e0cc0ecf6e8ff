// OutpaintError is a real class on every entry: what outpaint throws or rejects with is
// `instanceof OutpaintError` (and `Error`), with `name` "OutpaintError" and the SPEC code,
// from CommonJS, from ESM (named export through Node's CJS interop), and from the web build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { MemoryStore } from "./store.mjs";

const require = createRequire(import.meta.url);
const cjs = require("../../bindings/npm/node/outpaint_wasm.js");

function caught(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("did not throw");
}

test("thrown errors are OutpaintError instances with their code (CommonJS)", () => {
  const e = caught(() => cjs.expand(0, 5, "16:9"));
  assert.ok(e instanceof cjs.OutpaintError);
  assert.ok(e instanceof Error);
  assert.equal(e.name, "OutpaintError");
  assert.equal(e.code, "INVALID_DIMENSIONS");
  assert.equal(e.constructor, cjs.OutpaintError);
  assert.match(String(e), /^OutpaintError: width must be/);
  assert.match(e.stack, /OutpaintError: width must be/);
  for (const [f, code] of [
    [() => cjs.expand(10, 10, "sideways"), "INVALID_TARGET"],
    [() => cjs.decode(new Uint8Array([1, 2, 3])), "UNSUPPORTED_FORMAT"],
    [() => cjs.prepare(new Uint8Array(8), "16:9", { fill: "plaid" }), "INVALID_OPTION"],
    [() => cjs.ContextWindow.parse(new Uint8Array(0), "not-a-uuid", "flux"), "INVALID_SESSION_ID"],
  ]) {
    const err = caught(f);
    assert.ok(err instanceof cjs.OutpaintError, `${code}: ${err}`);
    assert.equal(err.code, code);
  }
});

test("rejected promises carry OutpaintError too", async () => {
  const store = new MemoryStore();
  const host = { storage: store, provider: (job) => cjs.localProvider(job), now: () => 0, sleep: async () => {} };
  await assert.rejects(cjs.run({ op: "status", sessionId: "not-a-uuid" }, host), (e) => {
    assert.ok(e instanceof cjs.OutpaintError);
    assert.equal(e.code, "INVALID_SESSION_ID");
    return true;
  });
});

test("the ESM entry and the web build export the class too", async () => {
  const esm = await import("../../bindings/npm/node/outpaint_wasm.js");
  assert.equal(esm.OutpaintError, cjs.OutpaintError);
  const web = await import("../../bindings/npm/web/outpaint_wasm.js");
  web.initSync({ module: readFileSync(new URL("../../bindings/npm/web/outpaint_wasm_bg.wasm", import.meta.url)) });
  const e = caught(() => web.expand(0, 5, "16:9"));
  assert.ok(e instanceof web.OutpaintError);
  assert.equal(e.code, "INVALID_DIMENSIONS");
  // Hosts may make their own (a provider wrapper that refuses early, say).
  const mine = new cjs.OutpaintError("CONFLICT", "someone else wrote first");
  assert.ok(mine instanceof Error);
  assert.deepEqual([mine.name, mine.code, mine.message], ["OutpaintError", "CONFLICT", "someone else wrote first"]);
});

test("the canvas helpers need a browser: in Node they are INVALID_OPTION, not a crash", () => {
  const read = caught(() => cjs.readCanvas({ width: 4, height: 4 }));
  assert.ok(read instanceof cjs.OutpaintError);
  assert.equal(read.code, "INVALID_OPTION");
  const draw = caught(() => cjs.drawToCanvas({ width: 1, height: 1 }, { width: 1, height: 1, data: new Uint8Array(4) }));
  assert.equal(draw.code, "INVALID_OPTION");
});
