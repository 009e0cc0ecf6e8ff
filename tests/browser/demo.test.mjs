// The browser demo (examples/web) under Playwright in headless Chromium (node --test):
// served from localhost, driven through its controls; canvas sizes and pixels read back
// from the page must equal what the Node build of the same package computes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "../../examples/web/serve.mjs";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");
const lake = readFileSync(new URL("../../examples/images/lake.jpg", import.meta.url));
const shots = new URL("../../target/screenshots/", import.meta.url);

let server, browser, page, url;
const errors = [];

before(async () => {
  server = await serve(0);
  url = `http://127.0.0.1:${server.address().port}/examples/web/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(url);
  await page.waitForSelector("body[data-state=ready]", { timeout: 30000 });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** `{ width, height, data }` of a canvas on the page. */
async function readCanvas(id) {
  // The pixels cross as base64 (an array of numbers through page.evaluate took minutes).
  const { width, height, b64 } = await page.evaluate((id) => {
    const c = document.getElementById(id);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height);
    let bin = "";
    for (let i = 0; i < d.data.length; i += 0x8000) bin += String.fromCharCode.apply(null, d.data.subarray(i, i + 0x8000));
    return { width: d.width, height: d.height, b64: btoa(bin) };
  }, id);
  return { width, height, data: new Uint8ClampedArray(Buffer.from(b64, "base64")) };
}

/** Waits for a re-render after changing a control. */
async function choose(selector, value) {
  await page.evaluate(() => (document.body.dataset.state = "changing"));
  await page.selectOption(selector, value);
  await page.waitForSelector("body[data-state=ready]");
}

function samePixels(actual, expected, what) {
  assert.equal(actual.width, expected.width, `${what} width`);
  assert.equal(actual.height, expected.height, `${what} height`);
  const n = actual.data.length;
  for (let i = 0; i < n; i++) {
    if (actual.data[i] !== expected.data[i]) {
      const p = i >> 2;
      assert.fail(`${what}: pixel (${p % actual.width}, ${Math.floor(p / actual.width)}) channel ${i & 3} is ${actual.data[i]}, expected ${expected.data[i]}`);
    }
  }
}

/** A mask drawn grey: RGBA with r = g = b = mask value. */
function grey(m) {
  const data = new Uint8ClampedArray(m.data.length * 4);
  m.data.forEach((v, i) => data.set([v, v, v, 255], i * 4));
  return { width: m.width, height: m.height, data };
}

test("the sample photo is expanded to 16:9 with a blur fill and feather 32", async () => {
  assert.match(await page.textContent("#info"), /^768x768 -> 1365x768 \(left 298, right 299, top 0, bottom 0\)/);
  const opts = { anchor: "center", fill: "blur", feather: 32 };
  const expected = op.prepare(lake, "16:9", opts);
  samePixels(await readCanvas("canvas"), expected.canvas, "canvas");
  samePixels(await readCanvas("mask"), grey(expected.mask), "mask");
  samePixels(await readCanvas("result"), op.runLocal(lake, "16:9", opts), "result");
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: new URL("web-demo.png", shots).pathname, fullPage: true });
});

test("target, anchor, fill and feather controls change the output", async () => {
  await choose("#target", "1:1");
  await choose("#anchor", "bottom-right");
  await choose("#fill", "edge");
  await page.evaluate(() => (document.body.dataset.state = "changing"));
  await page.fill("#feather", "8");
  await page.waitForSelector("body[data-state=ready]");
  // 768x768 is already 1:1: nothing to add.
  assert.match(await page.textContent("#info"), /^768x768 -> 768x768 \(left 0, right 0, top 0, bottom 0\)/);
  await choose("#target", "9:16");
  const opts = { anchor: "bottom-right", fill: "edge", feather: 8 };
  const expected = op.prepare(lake, "9:16", opts);
  // bottom-right anchor: all new rows on top.
  assert.deepEqual(expected.plan.expansion, { left: 0, right: 0, top: 597, bottom: 0, newWidth: 768, newHeight: 1365 });
  const canvas = await readCanvas("canvas");
  samePixels(canvas, expected.canvas, "canvas");
  // Edge fill: the top row repeats the photo's first row.
  const original = op.decode(lake);
  assert.deepEqual(Array.from(canvas.data.slice(0, 16)), Array.from(original.data.slice(0, 16)));
  const mask = await readCanvas("mask");
  assert.equal(mask.data[0], 255); // generated
  assert.equal(mask.data[(1364 * 768 + 10) * 4], 0); // kept
  samePixels(await readCanvas("result"), op.runLocal(lake, "9:16", opts), "result");
});

test("picking a file loads it; a bad file shows its error code", async () => {
  const dir = join(tmpdir(), `outpaint-demo-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const data = new Uint8ClampedArray(64 * 48 * 4);
  for (let i = 0; i < data.length; i += 4) data.set([i % 251, 90, 200, 255], i);
  const png = op.encodePng({ width: 64, height: 48, data });
  writeFileSync(join(dir, "small.png"), png);
  await choose("#target", "16:9");
  await page.evaluate(() => (document.body.dataset.state = "changing"));
  await page.setInputFiles("#file", join(dir, "small.png"));
  await page.waitForSelector("body[data-state=ready]");
  assert.match(await page.textContent("#info"), /^64x48 -> 85x48 /);
  samePixels(await readCanvas("canvas"), op.prepare(png, "16:9", { anchor: "bottom-right", fill: "edge", feather: 8 }).canvas, "canvas");

  writeFileSync(join(dir, "broken.png"), png.slice(0, 40));
  await page.evaluate(() => (document.body.dataset.state = "changing"));
  await page.setInputFiles("#file", join(dir, "broken.png"));
  await page.waitForSelector("body[data-state=error]");
  assert.match(await page.textContent("#error"), /^CORRUPT_IMAGE: /);
});

test("a session runs with the local provider and shows the outpainted iteration", async () => {
  await page.evaluate(() => (document.body.dataset.state = "changing"));
  await page.setInputFiles("#file", new URL("../../examples/images/lake.jpg", import.meta.url).pathname);
  await page.waitForSelector("body[data-state=ready]");
  await page.click("#session");
  await page.waitForSelector("body[data-session=completed]", { timeout: 60000 });
  const session = JSON.parse(await page.textContent("#sessionJson"));
  assert.equal(session.models.flux.iterations.length, 2);
  assert.equal(session.models.flux.iterations[1].outpaintPreset, "16:9");
  assert.equal(session.models.openai.status, "completed");
  const result = await readCanvas("sessionResult");
  assert.deepEqual([result.width, result.height], [1365, 768]);
  // The original survives unchanged outside the seam: centre pixel of the photo.
  const original = op.decode(lake);
  const at = (img, x, y) => Array.from(img.data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
  assert.deepEqual(at(result, 298 + 384, 384), at(original, 384, 384));
  await page.screenshot({ path: new URL("web-demo-session.png", shots).pathname, fullPage: true });
  assert.deepEqual(errors, []);
});
