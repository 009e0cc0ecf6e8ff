// outpaint-wasm/worker through real bundlers: a scratch app whose entry imports the worker
// entry as the README shows it, built for production by Vite and webpack (both follow
// `new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`), served on
// 127.0.0.1 and opened in headless Chromium. It checks that calls made before the worker is
// ready are answered, results and errors (OutpaintError with its code), transferred
// buffers, and terminate(); then it measures what a 4096x4096 -> 16:9 runLocal costs the
// page: the longest main-thread task (PerformanceObserver "longtask") with the worker, and
// with the same call made on the page. The assertion is a ratio, not a time.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serve } from "../../examples/web/serve.mjs";
import { builds, install, launch, root, work } from "./harness.mjs";

const bin = (name) => join(root, "node_modules/.bin", name);
const app = join(work, "worker-app");
const SIDE = Number(process.env.OUTPAINT_WORKER_SIDE ?? 4096);
let browser;

/** The worker snippets of the two READMEs, as written (their import lines checked against
 * MAIN's, which has them all, and dropped: the rest runs inside a function). */
function readmeSnippets() {
  const take = (file, after) => {
    const text = readFileSync(join(root, file), "utf8");
    const code = text.slice(text.indexOf(after)).split("```js\n")[1].split("```")[0];
    const lines = code.trim().split("\n");
    const imports = lines.filter((l) => l.startsWith("import "));
    assert.equal(imports.length, 1, `${file}: one import line`);
    for (const name of imports[0].match(/\{([^}]*)\}/)[1].split(",").map((s) => s.trim())) {
      assert.ok(new RegExp(`\\b${name}\\b`).test(MAIN.split("\n")[0]), `${file}: MAIN imports ${name}`);
    }
    assert.match(imports[0], /from "outpaint-wasm\/worker";$/);
    return lines.filter((l) => !l.startsWith("import ")).join("\n");
  };
  return [take("bindings/npm/README.md", "## Off the main thread"), take("README.md", "Off the main thread, `outpaint-wasm/worker`")];
}

/** The app: the README's worker lines, then the checks and the measurement. */
const MAIN = `import { prepare, runLocal, expand, version, transfer, terminate, createWorker, memoryBytes, OutpaintError } from "outpaint-wasm/worker";
import { runLocal as runLocalHere } from "outpaint-wasm";
const out = {};
const tasks = [];
new PerformanceObserver((list) => tasks.push(...list.getEntries().map((e) => [e.startTime, e.duration]))).observe({ type: "longtask" });
const longest = (from, to) => Math.max(0, ...tasks.filter(([s, d]) => s + d >= from && s <= to).map(([, d]) => d));
const picture = (side) => {
  const data = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
    const i = (y * side + x) * 4;
    data[i] = x & 255; data[i + 1] = y & 255; data[i + 2] = (x * 7 + y * 3) & 255; data[i + 3] = 255;
  }
  return { width: side, height: side, data };
};
try {
  // Made before the worker has loaded: queued, then answered in order.
  const early = [expand(1024, 1024, "16:9"), version(), expand(10, 10, "1:1")];
  out.early = await Promise.all(early);
  const bytes = new Uint8Array(await (await fetch("./lake.jpg")).arrayBuffer());
  const copy = bytes.slice();
  const p = await prepare(transfer(copy), "16:9", { fill: "blur", profile: "openai" });
  out.moved = copy.byteLength; // transferred: detached here
  out.plain = [transfer(5), transfer("16:9"), transfer(null)];
  out.prepared = [p.canvas.width, p.canvas.height, p.canvas.data.length, p.mask.data.length, p.plan.size.width];
  out.kinds = [p.canvas.data.constructor.name, p.mask.data.constructor.name];
  try { await expand(0, 5, "16:9"); } catch (e) { out.error = [e instanceof OutpaintError, e instanceof Error, e.name, e.code]; }
  // The READMEs' snippets as written, with their inputs.
@SNIPPETS@
  out.readme = true;
  // Its own worker, terminated: calls in flight and after reject.
  const own = createWorker();
  const inFlight = own.runLocal(bytes, "16:9");
  own.terminate();
  try { await inFlight; } catch (e) { out.terminated = e.code; }
  try { await own.expand(4, 4, "1:1"); } catch (e) { out.afterTerminate = e.code; }
  // The page stays responsive: the longest main-thread task during a large runLocal.
  const big = picture(${SIDE});
  await new Promise((r) => setTimeout(r, 200));
  let t0 = performance.now();
  const r = await runLocal(transfer(big), "16:9");
  let t1 = performance.now();
  await new Promise((r) => setTimeout(r, 200));
  out.worker = { ms: Math.round(t1 - t0), longestTask: longest(t0, t1), size: [r.width, r.height], memory: await memoryBytes() };
  terminate(); // gives the worker's wasm memory back
  const again = picture(${SIDE});
  t0 = performance.now();
  const h = runLocalHere(again, "16:9");
  t1 = performance.now();
  await new Promise((r) => setTimeout(r, 200));
  out.page = { ms: Math.round(t1 - t0), longestTask: longest(t0, t1), size: [h.width, h.height] };
  out.afterShared = await expand(2, 1, "1:1"); // a fresh shared worker after terminate()
} catch (e) {
  out.threw = String(e && e.stack || e);
}
window.__result = out;
`;

const page = (script) => `<!doctype html><html><body><script ${script}></script></body></html>`;

const BUNDLERS = {
  vite: (dist) => builds.vite(app, dist, page),
  webpack: (dist) => builds.webpack(app, dist, page),
};

before(async () => {
  rmSync(app, { recursive: true, force: true });
  mkdirSync(join(app, "public"), { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "worker-app", private: true, type: "module" }));
  install(app, join(work, "worker-pack"));
  writeFileSync(join(app, "main.js"), MAIN.replace("@SNIPPETS@", readmeSnippets().map((s) => `  await (async (imageData, pngBytes) => {\n${s}\n  })(picture(256), bytes);`).join("\n")));
  cpSync(join(root, "examples/images/lake.jpg"), join(app, "public/lake.jpg"));
  browser = await launch();
});
after(async () => browser?.close());

for (const [name, build] of Object.entries(BUNDLERS)) {
  test(`${name}: outpaint-wasm/worker runs off the main thread`, { timeout: 180000 }, async () => {
    const dist = join(work, `dist-worker-${name}`);
    rmSync(dist, { recursive: true, force: true });
    mkdirSync(dist, { recursive: true });
    build(dist);
    cpSync(join(app, "public/lake.jpg"), join(dist, "lake.jpg"));
    const files = readdirSync(dist, { recursive: true }).map(String);
    const server = await serve(0, dist);
    const errors = [];
    try {
      const tab = await browser.newPage();
      tab.on("pageerror", (e) => errors.push(String(e)));
      await tab.goto(`http://127.0.0.1:${server.address().port}/`);
      await tab.waitForFunction(() => window.__result !== undefined, null, { timeout: 170000, polling: 500 });
      const r = await tab.evaluate(() => window.__result);
      assert.equal(r.threw, undefined, r.threw);
      assert.deepEqual(r.early, [
        { left: 398, right: 398, top: 0, bottom: 0, newWidth: 1820, newHeight: 1024 },
        "0.1.0",
        { left: 0, right: 0, top: 0, bottom: 0, newWidth: 10, newHeight: 10 },
      ]);
      assert.equal(r.readme, true, "the READMEs' worker snippets ran");
      assert.equal(r.moved, 0, "a transferred argument is detached on the page");
      assert.deepEqual(r.plain, [5, "16:9", null], "transfer() of a value with no buffer gives it back");
      assert.deepEqual(r.prepared, [1376, 768, 1376 * 768 * 4, 1376 * 768, 1376]);
      assert.deepEqual(r.kinds, ["Uint8ClampedArray", "Uint8Array"]);
      assert.deepEqual(r.error, [true, true, "OutpaintError", "INVALID_DIMENSIONS"]);
      assert.equal(r.terminated, "INVALID_OPTION");
      assert.equal(r.afterTerminate, "INVALID_OPTION");
      const wide = Math.round((SIDE * 16) / 9);
      assert.deepEqual(r.worker.size, [wide, SIDE]);
      assert.deepEqual(r.page.size, [wide, SIDE]);
      // Wasm memory never shrinks: the worker's, after its largest call, within twice the canvas.
      assert.ok(r.worker.memory <= 2 * wide * SIDE * 4, JSON.stringify(r.worker));
      assert.deepEqual(r.afterShared, { left: 0, right: 0, top: 0, bottom: 1, newWidth: 2, newHeight: 2 });
      // The page's own call blocks it for the whole run; through the worker the longest
      // task is a small fraction of that.
      assert.ok(r.page.longestTask >= r.page.ms * 0.9, JSON.stringify(r.page));
      assert.ok(r.worker.longestTask * 10 < r.page.longestTask, JSON.stringify(r));
      assert.deepEqual(errors, []);
      console.log(`${name} worker: ${SIDE}x${SIDE} -> ${wide}x${SIDE} runLocal: ${r.worker.ms} ms in the worker, longest main-thread task ${Math.round(r.worker.longestTask)} ms, worker wasm memory ${(r.worker.memory / 1e6).toFixed(1)} MB (${(r.worker.memory / (wide * SIDE * 4)).toFixed(2)}x the canvas); on the page: ${r.page.ms} ms, longest task ${Math.round(r.page.longestTask)} ms; files: ${files.filter((f) => /\.(js|wasm)$/.test(f)).join(", ")}`);
    } finally {
      server.close();
    }
  });
}
