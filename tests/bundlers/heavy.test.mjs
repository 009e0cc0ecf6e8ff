// Parcel and Next.js (and the test runners Jest and Vitest), too large for the root lockfile: installed from
// tests/bundlers/heavy/package-lock.json with `npm ci` into target/bundlers/heavy (again
// only when that lockfile changes), and the packed package installed into scratch apps
// there. Parcel builds the README's import for production with no configuration (it reads
// `exports` only when asked, so it takes the `browser` field: before the package had one,
// it could not resolve the package at all). Next.js needs none either: a client component runs the same checks in
// `useEffect` (built with `next build`, served by `next start`, and by `next dev`), and a
// route handler imports the package on the server (it used to fail the build with ENOENT
// on the Node glue's `__dirname` path). The dev servers: `next dev`, `webpack serve` (none)
// and `parcel serve` (the web build and `init()`: Parcel's dev builds have no top-level
// await).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAIN, check, checkFiles, install, launch, page, read, readBuild, root, work } from "./harness.mjs";

const heavy = join(work, "heavy");
const bin = (name) => join(heavy, "node_modules/.bin", name);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
let browser;

/** npm ci of the heavy lockfile into target/bundlers/heavy, skipped when it is unchanged. */
function installHeavy() {
  const lock = join(root, "tests/bundlers/heavy/package-lock.json");
  const marker = join(heavy, "node_modules/.outpaint-lock");
  if (existsSync(marker) && readFileSync(marker, "utf8") === readFileSync(lock, "utf8")) return;
  mkdirSync(heavy, { recursive: true });
  for (const f of ["package.json", "package-lock.json"]) copyFileSync(join(root, "tests/bundlers/heavy", f), join(heavy, f));
  execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel", "error"], { cwd: heavy, stdio: "inherit" });
  copyFileSync(lock, marker);
}

/** A scratch app inside target/bundlers/heavy (so it finds the bundlers' node_modules). */
function scratch(name, pkg) {
  const app = join(heavy, name);
  rmSync(app, { recursive: true, force: true });
  mkdirSync(join(app, "public"), { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name, private: true, ...pkg }, null, 2));
  install(app, join(work, `pack-${name}`));
  cpSync(join(root, "examples/images/lake.jpg"), join(app, "public/lake.jpg"));
  return app;
}

/** Starts `command` and resolves to the first http://127.0.0.1:PORT it prints. */
function started(command, args, cwd) {
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const url = new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${seen}`)), 60000);
    const look = (chunk) => {
      seen += chunk;
      const m = seen.replace(/\x1b\[[0-9;]*m/g, "").match(/http:\/\/(?:127\.0\.0\.1|localhost):\d+/);
      if (m) { clearTimeout(timer); resolve(m[0].replace("localhost", "127.0.0.1")); }
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    child.on("exit", (code) => reject(new Error(`${command} exited ${code}: ${seen}`)));
  });
  return { child, url };
}

/** The Next.js app: MAIN's checks in a client component, and a route handler. */
function nextApp() {
  const app = scratch("next-app", {});
  mkdirSync(join(app, "app/api/expand"), { recursive: true });
  writeFileSync(join(app, "app/layout.js"), `export default function RootLayout({ children }) {\n  return <html><body>{children}</body></html>;\n}\n`);
  const lines = MAIN.split("\n");
  const imports = lines.filter((l) => l.startsWith("import ")).join("\n");
  const body = lines.filter((l) => !l.startsWith("import ")).join("\n      ");
  writeFileSync(join(app, "app/page.js"), `"use client";
import { useEffect } from "react";
${imports}

export default function Page() {
  useEffect(() => {
    (async () => {
      ${body}
    })();
  }, []);
  return <canvas id="c" />;
}
`);
  writeFileSync(join(app, "app/api/expand/route.js"), `import { expand, prepare, version, OutpaintError } from "outpaint-wasm";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export async function GET() {
  const bytes = new Uint8Array(await readFile(join(process.cwd(), "public/lake.jpg")));
  const { plan } = prepare(bytes, "16:9", { profile: "openai" });
  let error;
  try { expand(0, 1, "16:9"); } catch (e) { error = [e instanceof OutpaintError, e.code]; }
  return Response.json({ version: version(), expand: expand(1024, 1024, "16:9"), size: plan.size, error });
}
`);
  return app;
}

async function checkNext(name, url) {
  const api = await (await fetch(`${url}/api/expand`)).json();
  assert.deepEqual(api, {
    version: "0.1.0",
    expand: { left: 398, right: 398, top: 0, bottom: 0, newWidth: 1820, newHeight: 1024 },
    size: { width: 1376, height: 768 },
    error: [true, "INVALID_DIMENSIONS"],
  });
  check(name, await read(browser, `${url}/`));
}

before(async () => {
  installHeavy();
  browser = await launch();
});
after(async () => browser?.close());

test("parcel: the README's import builds for production with no configuration and runs in Chromium", async () => {
  const app = scratch("parcel-app", { type: "module" });
  writeFileSync(join(app, "main.js"), MAIN);
  writeFileSync(join(app, "index.html"), page(`type="module" src="./main.js"`));
  const dist = join(app, "dist");
  execFileSync(bin("parcel"), ["build", "index.html", "--dist-dir", dist, "--cache-dir", join(app, ".parcel-cache"), "--log-level", "warn", "--no-source-maps"], { cwd: app, stdio: "inherit" });
  copyFileSync(join(app, "public/lake.jpg"), join(dist, "lake.jpg"));
  const line = checkFiles("parcel", dist);
  check("parcel", await readBuild(browser, dist));
  console.log(line);
});

test("next.js: a client component and a route handler, next build + next start, no configuration", { timeout: 240000 }, async () => {
  const app = nextApp();
  execFileSync(bin("next"), ["build"], { cwd: app, env, stdio: ["ignore", "ignore", "inherit"] });
  const { child, url } = started(bin("next"), ["start", "-p", "0", "-H", "127.0.0.1"], app);
  try {
    await checkNext("next start", await url);
  } finally {
    child.kill();
  }
});

test("next.js dev server: the same app, no configuration", { timeout: 240000 }, async () => {
  const app = join(heavy, "next-app");
  const { child, url } = started(bin("next"), ["dev", "-p", "0", "-H", "127.0.0.1"], app);
  try {
    await checkNext("next dev", await url);
  } finally {
    child.kill();
  }
});

test("jest (node and jsdom environments) and vitest (node and jsdom): the package in unit tests, no configuration", async () => {
  const app = scratch("runners-app", {});
  const lake = join(root, "examples/images/lake.jpg");
  writeFileSync(join(app, "outpaint.test.cjs"), `const { expand, prepare, OutpaintError } = require("outpaint-wasm");
const { readFileSync } = require("node:fs");
test("expand, prepare, errors", () => {
  expect(expand(1024, 1024, "16:9").newWidth).toBe(1820);
  expect(() => expand(0, 1, "16:9")).toThrow(OutpaintError);
  expect(prepare(new Uint8Array(readFileSync(${JSON.stringify(lake)})), "16:9").canvas.width).toBe(1365);
});
`);
  writeFileSync(join(app, "outpaint.test.mjs"), `import { test, expect } from "vitest";
import { expand, prepare, OutpaintError } from "outpaint-wasm";
import { readFileSync } from "node:fs";
test("expand, prepare, errors", () => {
  expect(expand(1024, 1024, "16:9").newWidth).toBe(1820);
  expect(() => expand(0, 1, "16:9")).toThrow(OutpaintError);
  expect(prepare(new Uint8Array(readFileSync(${JSON.stringify(lake)})), "16:9").canvas.width).toBe(1365);
});
`);
  for (const environment of ["node", "jsdom"]) {
    // Jest's jsdom environment hides Node's TextDecoder: the Node glue takes util's then.
    // A failing test makes jest exit non-zero, which throws here.
    execFileSync(bin("jest"), ["--testEnvironment", environment, "--ci", "outpaint.test.cjs"], { cwd: app, env, stdio: ["ignore", "ignore", "pipe"] });
    const vitest = execFileSync(bin("vitest"), ["run", "--environment", environment, "outpaint.test.mjs"], { cwd: app, env: { ...env, NO_COLOR: "1" }, encoding: "utf8" });
    assert.match(vitest, /Tests\s+1 passed/, `vitest ${environment}: ${vitest}`);
  }
});

/** A free TCP port on 127.0.0.1 (for servers that take no port 0). */
async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

test("parcel dev server (parcel serve): the web build and init(), as the README states for it", async () => {
  // Parcel does not support top-level await without scope hoisting, which its dev server
  // never does (parcel-bundler/parcel#4028): the browser entry's own `await init()` and the
  // app's are a SyntaxError there. The README's Parcel line: import `outpaint-wasm/web`
  // (`packageExports` on) and call `await init()` inside a function.
  const app = scratch("parcel-dev-app", { type: "module", "@parcel/resolver-default": { packageExports: true } });
  const lines = MAIN.split("\n");
  const imports = lines.filter((l) => l.startsWith("import ")).map((l) => l.replace(`from "outpaint-wasm"`, `from "outpaint-wasm/web"`));
  const body = lines.filter((l) => !l.startsWith("import "));
  writeFileSync(join(app, "main.js"), [...imports, "(async () => {", ...body, "})();", ""].join("\n"));
  writeFileSync(join(app, "index.html"), page(`type="module" src="./main.js"`));
  const dist = join(app, "dev-dist");
  const port = await freePort();
  const { child, url } = started(bin("parcel"), ["serve", "index.html", "--port", String(port), "--host", "127.0.0.1", "--dist-dir", dist, "--cache-dir", join(app, ".parcel-cache"), "--no-hmr"], app);
  try {
    await url;
    mkdirSync(dist, { recursive: true });
    copyFileSync(join(app, "public/lake.jpg"), join(dist, "lake.jpg"));
    check("parcel serve", await read(browser, `http://127.0.0.1:${port}/`));
  } finally {
    child.kill();
  }
});

test("webpack dev server (webpack serve): the README's import, no configuration", async () => {
  const app = scratch("webpack-dev-app", { type: "module" });
  writeFileSync(join(app, "main.js"), MAIN);
  writeFileSync(join(app, "public/index.html"), page(`src="./main.js"`));
  const port = await freePort();
  const { child, url } = started(bin("webpack"), ["serve", "--mode", "development", "--entry", "./main.js", "--port", String(port), "--host", "127.0.0.1", "--static", "./public", "--no-hot", "--no-live-reload", "--no-client-overlay"], app);
  try {
    await url;
    check("webpack serve", await read(browser, `http://127.0.0.1:${port}/`));
  } finally {
    child.kill();
  }
});
