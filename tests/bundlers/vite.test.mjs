// The npm package through a real bundler, as a user meets it: `npm pack`, installed into
// a scratch app whose entry is the README's import line, built with Vite for production
// (no config file), served on 127.0.0.1 and opened in headless Chromium, which checks
// `expand`'s numbers and a `prepare` drawn to a canvas. This failed before the browser
// entry initialised the wasm itself (TypeError: reading '__wbindgen_malloc').
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";
import { serve } from "../../examples/web/serve.mjs";

const root = new URL("../../", import.meta.url).pathname;
const work = join(root, "target/bundlers");
const app = join(work, "vite-app");
let browser;

before(async () => {
  rmSync(app, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: join(root, "bindings/npm"), encoding: "utf8" })
    .trim().split("\n").at(-1);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "vite-app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--silent", "--no-audit", "--no-fund", join(work, tarball)], { cwd: app });
  cpSync(join(root, "examples/images/lake.jpg"), join(app, "public/lake.jpg"), { recursive: true });
  writeFileSync(join(app, "index.html"), `<!doctype html><html><body><canvas id="c"></canvas><script type="module" src="/main.js"></script></body></html>`);
  // The README's import line, as written there.
  writeFileSync(join(app, "main.js"), `import { expand, prepare, composite, runLocal, run, ContextWindow } from "outpaint-wasm";
import { drawToCanvas, readCanvas } from "outpaint-wasm";
const out = {};
try {
  out.expand = expand(1024, 1024, "16:9");
  const pngBytes = new Uint8Array(await (await fetch("/lake.jpg")).arrayBuffer());
  const { canvas, mask, plan } = prepare(pngBytes, "16:9", { fill: "blur", feather: 32, profile: "openai" });
  const c = document.getElementById("c");
  drawToCanvas(c, canvas);
  const back = readCanvas(c);
  out.plan = plan.size;
  out.canvas = [c.width, c.height];
  out.middle = Array.from(back.data.slice(((back.height >> 1) * back.width + (back.width >> 1)) * 4, ((back.height >> 1) * back.width + (back.width >> 1)) * 4 + 4));
  out.mask = [mask.width, mask.height];
  out.local = [runLocal(pngBytes, "16:9").width];
  out.exports = [typeof composite, typeof run, typeof ContextWindow];
  try { expand(0, 5, "16:9"); } catch (e) { out.error = e.code; }
} catch (e) {
  out.threw = String(e);
}
window.__result = out;
`);
  execFileSync(join(root, "node_modules/.bin/vite"), ["build", "--logLevel", "warn"], { cwd: app, stdio: "inherit" });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});
after(async () => browser?.close());

test("Vite: the README's import builds for production and runs in Chromium", async () => {
  const dist = join(app, "dist");
  // One .wasm emitted as an asset (the entry's `new URL(..., import.meta.url)`).
  const assets = readdirSync(join(dist, "assets"));
  const wasm = assets.filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, assets.join(", "));
  const server = await serve(0, dist);
  const errors = [];
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30000 });
    const r = await page.evaluate(() => window.__result);
    assert.equal(r.threw, undefined, r.threw);
    assert.deepEqual(r.expand, { left: 398, right: 398, top: 0, bottom: 0, newWidth: 1820, newHeight: 1024 });
    // lake.jpg (1024x768) to 16:9 for gpt-image-2: 1365x768 padded to 1376x768.
    assert.deepEqual(r.plan, { width: 1376, height: 768 });
    assert.deepEqual(r.canvas, [1376, 768]);
    assert.equal(r.middle[3], 255, "the original is opaque in the middle of the drawn canvas");
    assert.deepEqual(r.mask, [1376, 768]);
    assert.deepEqual(r.local, [1365]);
    assert.deepEqual(r.exports, ["function", "function", "function"]);
    assert.equal(r.error, "INVALID_DIMENSIONS");
    assert.deepEqual(errors, []);
    const bytes = statSync(join(dist, "assets", wasm[0])).size;
    console.log(`vite build: ${wasm[0]} ${bytes} bytes (${gzipSync(readFileSync(join(dist, "assets", wasm[0])), { level: 9 }).length} gzip)`);
  } finally {
    server.close();
  }
});
