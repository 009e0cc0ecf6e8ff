// The npm package through real bundlers, as users meet it: `npm pack`, installed into a
// scratch app whose entry is the README's import line, built for production by Vite,
// webpack, esbuild and Rollup, each served on 127.0.0.1 and opened in headless Chromium,
// which checks `expand`'s numbers, a `prepare` drawn to a canvas and read back, `runLocal`
// and an error (its code and class). The configuration each needs is what the README states for it:
// Vite and webpack none; esbuild and Rollup copy `outpaint-wasm/wasm` next to the bundle
// (they do not follow `new URL(..., import.meta.url)`), Rollup resolves the `browser`
// condition. Before the browser entry initialised the wasm itself, every one of them
// built and then threw "Cannot read properties of undefined (reading '__wbindgen_malloc')".
// Vite's dev server is opened too. Parcel and Next.js: heavy.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { MAIN, builds, check, checkFiles, install, launch, page, read, readBuild, root, work } from "./harness.mjs";

const bin = (name) => join(root, "node_modules/.bin", name);
const app = join(work, "app");
let browser;

/** Each bundler: how it builds `app` into `dist`. */
const BUNDLERS = {
  vite: (dist) => builds.vite(app, dist, page),
  webpack: (dist) => builds.webpack(app, dist, page),
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
  mkdirSync(join(app, "public"), { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "bundled-app", private: true, type: "module" }));
  install(app, join(work, "pack"));
  writeFileSync(join(app, "main.js"), MAIN);
  cpSync(join(root, "examples/images/lake.jpg"), join(app, "public/lake.jpg"));
  browser = await launch();
});
after(async () => browser?.close());

for (const [name, build] of Object.entries(BUNDLERS)) {
  test(`${name}: the README's import builds for production and runs in Chromium`, async () => {
    const dist = join(work, `dist-${name}`);
    rmSync(dist, { recursive: true, force: true });
    mkdirSync(dist, { recursive: true });
    build(dist);
    copyFileSync(join(app, "public/lake.jpg"), join(dist, "lake.jpg"));
    const line = checkFiles(name, dist);
    check(name, await readBuild(browser, dist));
    console.log(line);
  });
}

test("vite dev server: the README's import runs unbundled, with no configuration", async () => {
  writeFileSync(join(app, "index.html"), page(`type="module" src="./main.js"`));
  const server = spawn(bin("vite"), ["--port", "0", "--host", "127.0.0.1", "--strictPort", "false"], { cwd: app, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const url = await new Promise((resolve, reject) => {
      let seen = "";
      const timer = setTimeout(() => reject(new Error(`vite dev did not start: ${seen}`)), 30000);
      const look = (chunk) => {
        seen += chunk;
        const m = seen.replace(/\x1b\[[0-9;]*m/g, "").match(/http:\/\/127\.0\.0\.1:\d+\//);
        if (m) { clearTimeout(timer); resolve(m[0]); }
      };
      server.stdout.on("data", look);
      server.stderr.on("data", look);
      server.on("exit", (code) => reject(new Error(`vite dev exited ${code}: ${seen}`)));
    });
    check("vite dev", await read(browser, url));
  } finally {
    server.kill();
  }
});
