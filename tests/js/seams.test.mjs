// The seam corrections and the seam report through the npm package (Node build) and the
// CLI's `composite`: a provider's answer with a colour cast, put back by both doors, must
// give the same bytes and the same report, and lose the cast.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");
const root = new URL("../..", import.meta.url).pathname;
const bin = join(root, "target/debug/outpaint");
const photo = readFileSync(join(root, "examples/images/astronaut.png"));

/** A provider's answer: the prepared canvas with R x 1.12, G x 1.08, B x 1.04. */
function castAnswer(dir) {
  execFileSync(bin, ["prepare", join(root, "examples/images/astronaut.png"), "--target", "16:9",
    "--fill", "edge", "--feather", "32", "--out", dir]);
  const canvas = op.decode(readFileSync(join(dir, "canvas.png")));
  const d = canvas.data;
  for (let i = 0; i < d.length; i += 4) {
    d[i] = Math.min(255, Math.round(d[i] * 1.12));
    d[i + 1] = Math.min(255, Math.round(d[i + 1] * 1.08));
    d[i + 2] = Math.min(255, Math.round(d[i + 2] * 1.04));
  }
  const png = op.encode(canvas, "png");
  writeFileSync(join(dir, "provider.png"), png);
  return { png, plan: JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")) };
}

/** Every number of two reports within a relative 1e-5 (f32 values cross JSON and JS). */
function near(a, b, path = "report") {
  if (typeof a === "number") {
    assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a)), `${path}: ${a} vs ${b}`);
  } else if (a && typeof a === "object") {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), path);
    for (const k of Object.keys(a)) near(a[k], b[k], `${path}.${k}`);
  } else {
    assert.equal(a, b, path);
  }
}

test("the CLI's composite and the npm package's compositeReport agree byte for byte", () => {
  const dir = mkdtempSync(join(tmpdir(), "outpaint-seams-"));
  const { png, plan } = castAnswer(dir);
  for (const colour of ["field", "global", "off"]) {
    const out = join(dir, colour);
    execFileSync(bin, ["composite", join(root, "examples/images/astronaut.png"), join(dir, "provider.png"),
      "--plan", join(dir, "plan.json"), "--colour", colour, "--out", out]);
    const cli = op.decode(readFileSync(join(out, "result.png")));
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    const js = op.compositeReport(photo, png, plan.fit, { feather: 32, colour });
    assert.equal(js.image.width, 910);
    assert.equal(js.image.height, 512);
    assert.ok(Buffer.from(js.image.data).equals(Buffer.from(cli.data)), `${colour}: pixels differ`);
    const { seam, ...cliReport } = report;
    assert.deepEqual(seam, js.seam);
    near(cliReport, js.report);
    assert.equal(js.report.correction.colour, colour);
    assert.deepEqual(js.report.edges.map((e) => e.edge), ["left", "right"]);
  }
});

test("the colour match takes the cast out where the plain blend keeps it", () => {
  const dir = mkdtempSync(join(tmpdir(), "outpaint-seams-"));
  const { png, plan } = castAnswer(dir);
  const off = op.compositeReport(photo, png, plan.fit, { feather: 32, colour: "off" }).report;
  const field = op.compositeReport(photo, png, plan.fit, { feather: 32 }).report;
  // Original minus picture next to the seam: the cast, then almost nothing.
  assert.ok(off.residualCast[0] < -8, JSON.stringify(off.residualCast));
  for (const c of field.residualCast) assert.ok(Math.abs(c) < 1, JSON.stringify(field.residualCast));
  assert.ok(field.colourStep < off.colourStep / 3, `${field.colourStep} vs ${off.colourStep}`);
  assert.ok(field.deltaE < off.deltaE / 2);
  assert.equal(field.correction.fit.strength, 1);
  assert.ok(field.correction.fit.cast[0] < -8);
  assert.equal(off.correction.fit.strength, 0);
  // The detail band: an eighth of the feather.
  assert.equal(field.correction.detailFeather, 4);
  assert.equal(off.correction.detailFeather, 32);
  // The original's middle is byte-identical whatever is on.
  const img = op.compositeReport(photo, png, plan.fit, { feather: 32 }).image;
  const src = op.decode(photo);
  const left = plan.expansion.left;
  for (const y of [0, 100, 511]) {
    for (const x of [40, 256, 471]) {
      const a = ((y * 910) + left + x) * 4;
      const b = (y * 512 + x) * 4;
      assert.deepEqual([...img.data.slice(a, a + 4)], [...src.data.slice(b, b + 4)], `${x},${y}`);
    }
  }
});

test("bad seam options are INVALID_OPTION on both doors", () => {
  const dir = mkdtempSync(join(tmpdir(), "outpaint-seams-"));
  const { png, plan } = castAnswer(dir);
  for (const opts of [{ colour: "sepia" }, { colour: 3 }, { detail: "yes" }, { feather: -1 }]) {
    assert.throws(() => op.compositeReport(photo, png, plan.fit, opts), { code: "INVALID_OPTION" }, JSON.stringify(opts));
  }
  for (const args of [["--colour", "sepia"], ["--detail", "maybe"], ["--feather", "-3"]]) {
    const r = spawnSync(bin, ["composite", join(root, "examples/images/astronaut.png"), join(dir, "provider.png"),
      "--plan", join(dir, "plan.json"), "--out", join(dir, "bad"), ...args], { encoding: "utf8" });
    assert.equal(r.status, 1, args.join(" "));
    assert.match(r.stderr, /^error: INVALID_OPTION: /, args.join(" "));
  }
  // A plan.json without a plan.
  writeFileSync(join(dir, "empty.json"), "{}");
  const r = spawnSync(bin, ["composite", join(root, "examples/images/astronaut.png"), join(dir, "provider.png"),
    "--plan", join(dir, "empty.json"), "--out", join(dir, "bad")], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: INVALID_OPTION: .*fit/);
});
