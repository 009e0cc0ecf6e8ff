// Replays tests/vectors through the npm package's Node build (node --test): the same
// files the Rust and C tests replay, with identical results.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");
const vectors = (name) =>
  JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url))).cases;

test("expansion vectors", () => {
  const cases = vectors("expansion.json");
  assert.ok(cases.length >= 200);
  for (const c of cases) {
    if (c.expect) {
      assert.deepEqual(op.expand(c.width, c.height, c.target, { anchor: c.anchor }), c.expect, JSON.stringify(c));
    } else {
      assert.throws(() => op.expand(c.width, c.height, c.target, { anchor: c.anchor }), { code: c.error }, JSON.stringify(c));
    }
  }
});

test("mask vectors", () => {
  for (const c of vectors("mask.json")) {
    const e = op.expand(c.width, c.height, c.target, { anchor: c.anchor });
    const { mask, seam } = op.mask(e, { feather: c.feather, overlap: c.overlap, curve: c.curve, kind: c.kind });
    assert.equal(mask.width, c.expect.width);
    assert.equal(mask.height, c.expect.height);
    assert.equal(seam.feather, c.expect.feather);
    assert.equal(seam.overlap, c.expect.overlap);
    assert.deepEqual(Array.from(mask.data), c.expect.data);
  }
});

test("canvas vectors", () => {
  for (const c of vectors("canvas.json")) {
    const e = op.expand(c.width, c.height, c.target, { anchor: c.anchor });
    const src = { width: c.width, height: c.height, data: Uint8ClampedArray.from(c.source) };
    const out = op.pad(src, e, c.fill);
    assert.equal(out.width, c.expect.width);
    assert.equal(out.height, c.expect.height);
    assert.ok(out.data instanceof Uint8ClampedArray);
    assert.deepEqual(Array.from(out.data), c.expect.data, `${c.target} ${c.anchor} ${c.fill}`);
  }
});

test("fit vectors", () => {
  for (const c of vectors("fit.json")) {
    const p = op.fit(c.width, c.height, c.target, { anchor: c.anchor, profile: c.profile });
    const x = c.expect;
    if (x.size) assert.deepEqual([p.size.width, p.size.height], x.size);
    if (x.scale !== undefined) assert.equal(p.scale, x.scale);
    if (x.image) assert.deepEqual([p.image.x, p.image.y, p.image.width, p.image.height], x.image);
    if (x.edges) assert.deepEqual([p.edges.left, p.edges.right, p.edges.top, p.edges.bottom], x.edges);
    if (x.padding) assert.deepEqual([p.padding.left, p.padding.right, p.padding.top, p.padding.bottom], x.padding);
    if (x.aspectRatio) assert.equal(p.aspectRatio, x.aspectRatio);
  }
});

test("errors carry stable codes", () => {
  const img = { width: 2, height: 2, data: new Uint8ClampedArray(16) };
  const cases = [
    [() => op.expand(0, 5, "16:9"), "INVALID_DIMENSIONS"],
    [() => op.expand(1.5, 5, "16:9"), "INVALID_DIMENSIONS"],
    [() => op.expand(5, 5, "16:9", { anchor: "middle" }), "INVALID_OPTION"],
    [() => op.decode(new Uint8Array([1, 2, 3])), "UNSUPPORTED_FORMAT"],
    [() => op.decode(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])), "CORRUPT_IMAGE"],
    [() => op.prepare(img, "16:9", { fill: "smear" }), "INVALID_OPTION"],
    [() => op.prepare(img, "16:9", { feather: 10_000_000 }), "INVALID_OPTION"],
    [() => op.prepare({ width: 2, height: 2, data: new Uint8ClampedArray(15) }, "16:9"), "INVALID_DIMENSIONS"],
    [() => op.prepare({ width: 2, height: 2, data: [1, 2] }, "16:9"), "INVALID_DIMENSIONS"],
    [() => op.runLocal(img, "nope"), "INVALID_TARGET"],
  ];
  for (const [f, code] of cases) {
    assert.throws(f, (e) => e instanceof Error && e.code === code && e.message.length > 0, code);
  }
});

test("decode, prepare, composite and encode round trip", () => {
  const w = 48, h = 32;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = (i / 4) % w * 5; data[i + 1] = Math.floor(i / 4 / w) * 7; data[i + 2] = 90; data[i + 3] = 255;
  }
  const img = { width: w, height: h, data };
  const png = op.encodePng(img);
  assert.ok(png instanceof Uint8Array);
  const back = op.decode(png);
  assert.deepEqual([back.width, back.height], [w, h]);
  assert.deepEqual(Array.from(back.data), Array.from(data));
  const { canvas, mask, plan, seam } = op.prepare(png, "16:9", { fill: "edge", feather: 4, profile: "flux-fill" });
  assert.deepEqual([canvas.width, canvas.height], [64, 32]);
  assert.equal(mask.data.length, 64 * 32);
  assert.equal(plan.profile, "flux-fill");
  assert.equal(seam.feather, 4);
  const out = op.composite(img, canvas, plan, { feather: 4 });
  assert.deepEqual([out.width, out.height], [57, 32]);
  // Outside the feather band the original is byte-identical.
  const left = plan.expansion.left;
  for (const [x, y] of [[10, 5], [24, 16], [37, 31]]) {
    const o = (y * w + x) * 4, r = (y * 57 + x + left) * 4;
    assert.deepEqual(Array.from(out.data.slice(r, r + 4)), Array.from(data.slice(o, o + 4)));
  }
  assert.equal(op.version(), "0.1.0");
});
