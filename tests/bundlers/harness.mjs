// What the bundler tests share: the app's entry (the README's import line, then the
// checks), packing and installing the package, Chromium, serving a build and reading what
// the page found, and the assertions on it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "../../examples/web/serve.mjs";

export const root = new URL("../../", import.meta.url).pathname;
export const work = join(root, "target/bundlers");

/** The app's entry: the README's import line as written there, then the checks. */
export const MAIN = `import { expand, prepare, composite, runLocal, run, ContextWindow } from "outpaint-wasm";
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

/** An HTML page with one canvas and the given script tag attributes. */
export const page = (script) =>
  `<!doctype html><html><body><canvas id="c"></canvas><script ${script}></script></body></html>`;

/** Production builds of `app` into `dist` by the root lockfile's Vite and webpack, with
 * `page` making the HTML around a script tag's attributes. */
export const builds = {
  vite(app, dist, page) {
    writeFileSync(join(app, "index.html"), page(`type="module" src="./main.js"`));
    execFileSync(join(root, "node_modules/.bin/vite"), ["build", "--logLevel", "warn", "--outDir", dist, "--emptyOutDir"], { cwd: app, stdio: "inherit" });
  },
  webpack(app, dist, page) {
    execFileSync(join(root, "node_modules/.bin/webpack"), ["--mode", "production", "--entry", "./main.js", "--output-path", dist, "--no-stats"], { cwd: app, stdio: "inherit" });
    writeFileSync(join(dist, "index.html"), page(`src="./main.js"`));
  },
};

/** Packs bindings/npm into `dir` (a folder of its own: test files run side by side) and
 * installs the tarball into `app`. */
export function install(app, dir) {
  mkdirSync(dir, { recursive: true });
  const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: join(root, "bindings/npm"), encoding: "utf8" })
    .trim().split("\n").at(-1);
  execFileSync("npm", ["install", "--silent", "--no-audit", "--no-fund", join(dir, name)], { cwd: app });
}

/** Headless Chromium with the flags this machine needs. */
export const launch = () =>
  chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });

/** Opens `url` and waits for the page's `window.__result`; resolves to it and the page's
 * uncaught errors. */
export async function read(browser, url) {
  const errors = [];
  const tab = await browser.newPage();
  tab.on("pageerror", (e) => errors.push(String(e)));
  await tab.goto(url);
  await tab.waitForFunction(() => window.__result !== undefined, null, { timeout: 60000 });
  const result = await tab.evaluate(() => window.__result);
  await tab.close();
  return { result: result, errors };
}

/** Serves `dist` on 127.0.0.1 and reads the page there. */
export async function readBuild(browser, dist) {
  const server = await serve(0, dist);
  try {
    return await read(browser, `http://127.0.0.1:${server.address().port}/`);
  } finally {
    server.close();
  }
}

/** What MAIN must have found. */
export function check(name, { result: r, errors }) {
  assert.equal(r.threw, undefined, `${name}: ${r.threw}`);
  assert.deepEqual(r.expand, { left: 398, right: 398, top: 0, bottom: 0, newWidth: 1820, newHeight: 1024 });
  // lake.jpg (768x768) to 16:9 for gpt-image-2: 1365x768 padded to 1376x768.
  assert.deepEqual(r.plan, { width: 1376, height: 768 });
  assert.deepEqual(r.canvas, [1376, 768]);
  assert.equal(r.middle[3], 255, "the original is opaque in the middle of the drawn canvas");
  assert.deepEqual(r.mask, [1376, 768]);
  assert.equal(r.local, 1365);
  assert.deepEqual(r.exports, ["function", "function", "function"]);
  assert.equal(r.error, "INVALID_DIMENSIONS");
  assert.equal(r.errorClass, true, "what outpaint throws is an OutpaintError");
  assert.deepEqual(errors, []);
}

/** The build's files, checked: one .wasm, no S3 storage in a browser bundle; a line for the log. */
export function checkFiles(name, dist) {
  const files = readdirSync(dist, { recursive: true }).map(String);
  const wasm = files.filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, `${name}: ${files.join(", ")}`);
  const js = files.filter((f) => f.endsWith(".js"));
  for (const f of js) {
    const text = readFileSync(join(dist, f), "utf8");
    assert.ok(!/AwsClient|aws4fetch|S3StorageError/.test(text), `${name}: ${f} carries the S3 storage`);
  }
  const bytes = js.reduce((n, f) => n + statSync(join(dist, f)).size, 0);
  return `${name}: ${wasm[0]} ${statSync(join(dist, wasm[0])).size} B, JS ${bytes} B`;
}
