// The npm package through real bundlers, as users meet it: `npm pack`, installed into a
// scratch app whose entry is the README's import line, built for production by Vite,
// webpack, esbuild and Rollup, each served on 127.0.0.1 and opened in headless Chromium,
// which checks `expand`'s numbers, a `prepare` drawn to a canvas and read back, `runLocal`
// and an error code. The configuration each needs is what the README states for it:
// Vite and webpack none; esbuild and Rollup copy `outpaint-wasm/wasm` next to the bundle
// (they do not follow `new URL(..., import.meta.url)`), Rollup resolves the `browser`
// condition. Before the browser entry initialised the wasm itself, every one of them
// built and then threw "Cannot read properties of undefined (reading '__wbindgen_malloc')".
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "../../examples/web/serve.mjs";

const root = new URL("../../", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules/.bin", name);
const work = join(root, "target/bundlers");
const app = join(work, "app");
let browser;

/** The app's entry: the README's import line as written there, then the checks. */
const MAIN = `import { expand, prepare, composite, runLocal, run, ContextWindow } from "outpaint-wasm";
import { drawToCanvas, readCanvas, init, OutpaintError } from "outpaint-wasm";
const out = {};
try {
  await init(); // already done at import: code written for the web build runs unchanged
  out.expand = expand(1024, 1024, "16:9");
  const pngBytes = new Uint8Array(await (await fetch("./lake.jpg")).arrayBuffer());
  const { canvas, mask, plan } = prepare(pngBytes, "16:9", { fill: "blur", feather: 32, profile: "openai" });
  const c = document.getElementById("c");
  drawToCanvas(c, canvas);
  const back = readCanvas(c);
  const at = ((back.height >> 1) * back.width + (back.width >> 1)) * 4;
  out.plan = plan.size;
  out.canvas = [c.width, c.height];
  out.middle = Array.from(back.data.slice(at, at + 4));
  out.mask = [mask.width, mask.height];
  out.local = runLocal(pngBytes, "16:9").width;
  out.exports = [typeof composite, typeof run, typeof ContextWindow];
  try { expand(0, 5, "16:9"); } catch (e) { out.error = e.code; out.errorClass = e instanceof OutpaintError && e instanceof Error; }
} catch (e) {
  out.threw = String(e && e.stack || e);
}
window.__result = out;
`;

const page = (script) =>
  `<!doctype html><html><body><canvas id="c"></canvas><script ${script}></script></body></html>`;

/** Each bundler: how it builds `app` into `dist`. */
const BUNDLERS = {
  vite(dist) {
    writeFileSync(join(app, "index.html"), page(`type="module" src="./main.js"`));
    execFileSync(bin("vite"), ["build", "--logLevel", "warn", "--outDir", dist, "--emptyOutDir"], { cwd: app, stdio: "inherit" });
  },
  webpack(dist) {
    execFileSync(bin("webpack"), ["--mode", "production", "--entry", "./main.js", "--output-path", dist, "--no-stats"], { cwd: app, stdio: "inherit" });
    writeFileSync(join(dist, "index.html"), page(`src="./main.js"`));
  },
  esbuild(dist) {
    execFileSync(bin("esbuild"), ["main.js", "--bundle", "--format=esm", `--outdir=${dist}`, "--log-level=warning"], { cwd: app, stdio: "inherit" });
    copyWasm(dist);
    writeFileSync(join(dist, "index.html"), page(`type="module" src="./main.js"`));
  },
  rollup(dist) {
    execFileSync(bin("rollup"), ["main.js", "-f", "es", "-o", join(dist, "main.js"), "--silent",
      "-p", "@rollup/plugin-node-resolve={browser: true, exportConditions: ['browser']}"], { cwd: app, stdio: "inherit" });
    copyWasm(dist);
    writeFileSync(join(dist, "index.html"), page(`type="module" src="./main.js"`));
  },
};

/** The one step esbuild and Rollup need: the wasm beside the bundle. */
function copyWasm(dist) {
  const wasm = createRequire(join(app, "main.js")).resolve("outpaint-wasm/wasm");
  copyFileSync(wasm, join(dist, "outpaint_wasm_bg.wasm"));
}

before(async () => {
  rmSync(app, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: join(root, "bindings/npm"), encoding: "utf8" })
    .trim().split("\n").at(-1);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "bundled-app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--silent", "--no-audit", "--no-fund", join(work, tarball)], { cwd: app });
  writeFileSync(join(app, "main.js"), MAIN);
  cpSync(join(root, "examples/images/lake.jpg"), join(app, "public/lake.jpg"));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});
after(async () => browser?.close());

for (const [name, build] of Object.entries(BUNDLERS)) {
  test(`${name}: the README's import builds for production and runs in Chromium`, async () => {
    const dist = join(work, `dist-${name}`);
    rmSync(dist, { recursive: true, force: true });
    mkdirSync(dist, { recursive: true });
    build(dist);
    copyFileSync(join(app, "public/lake.jpg"), join(dist, "lake.jpg"));
    const files = readdirSync(dist, { recursive: true }).map(String);
    const wasm = files.filter((f) => f.endsWith(".wasm"));
    assert.equal(wasm.length, 1, `${name}: ${files.join(", ")}`);
    const server = await serve(0, dist);
    const errors = [];
    try {
      const tab = await browser.newPage();
      tab.on("pageerror", (e) => errors.push(String(e)));
      await tab.goto(`http://127.0.0.1:${server.address().port}/`);
      await tab.waitForFunction(() => window.__result !== undefined, null, { timeout: 30000 });
      const r = await tab.evaluate(() => window.__result);
      assert.equal(r.threw, undefined, r.threw);
      assert.deepEqual(r.expand, { left: 398, right: 398, top: 0, bottom: 0, newWidth: 1820, newHeight: 1024 });
      // lake.jpg (1024x768) to 16:9 for gpt-image-2: 1365x768 padded to 1376x768.
      assert.deepEqual(r.plan, { width: 1376, height: 768 });
      assert.deepEqual(r.canvas, [1376, 768]);
      assert.equal(r.middle[3], 255, "the original is opaque in the middle of the drawn canvas");
      assert.deepEqual(r.mask, [1376, 768]);
      assert.equal(r.local, 1365);
      assert.deepEqual(r.exports, ["function", "function", "function"]);
      assert.equal(r.error, "INVALID_DIMENSIONS");
      assert.equal(r.errorClass, true, "what outpaint throws is an OutpaintError");
      assert.deepEqual(errors, []);
      const js = files.filter((f) => f.endsWith(".js")).reduce((n, f) => n + statSync(join(dist, f)).size, 0);
      // The S3 storage is an entry of its own: a browser bundle of "outpaint-wasm" has none of it.
      for (const f of files.filter((f) => f.endsWith(".js"))) {
        const text = readFileSync(join(dist, f), "utf8");
        assert.ok(!/AwsClient|aws4fetch|S3StorageError/.test(text), `${name}: ${f} carries the S3 storage`);
      }
      console.log(`${name}: ${wasm[0]} ${statSync(join(dist, wasm[0])).size} B, JS ${js} B`);
    } finally {
      server.close();
    }
  });
}
