// The C door of the provider adapters: examples/c/live.c (liboutpaint's
// outpaint_exchange with libcurl moving the bytes, built by scripts/c-tests.sh into
// target/c/outpaint-live) runs a session against the mock providers on 127.0.0.1:
// generate, then outpaint to 16:9, on each of the four; then a 429 honoured and a wrong
// key redacted.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { startMock, KEYS } from "../mock/providers.mjs";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");
const root = new URL("../../", import.meta.url).pathname;
const bin = join(root, "target/c/outpaint-live");
let mock;

before(async () => {
  assert.ok(existsSync(bin), "build the C example first (scripts/c-tests.sh builds target/c/outpaint-live)");
  mock = await startMock();
});
after(() => mock.close());

const ENV = {
  PATH: process.env.PATH,
  BFL_API_KEY: KEYS.flux, RECRAFT_API_KEY: KEYS.recraft, GEMINI_API_KEY: KEYS.gemini, OPENAI_API_KEY: KEYS.openai,
};

/** Runs the C program without blocking (the mock answers from this same process). */
function live(model, env = ENV, flags = ["--base-url", mock.url]) {
  const store = mkdtempSync(join(tmpdir(), `outpaint-c-${model}-`));
  const child = spawn(bin, [...flags, "--poll-ms", "5", store, model, 'a "quiet" lake'], { env });
  let stdout = "", stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr, store })));
}

for (const [model, paths] of Object.entries({
  flux: [
    "POST /v1/flux-2-pro", "GET /v1/get_result", "GET /v1/get_result", "GET /v1/get_result", "GET /delivery/",
    "POST /v1/flux-tools/outpainting-v1", "GET /v1/get_result", "GET /v1/get_result", "GET /v1/get_result", "GET /delivery/",
  ],
  recraft: ["POST /v1/images/generations", "GET /delivery/", "POST /v1/images/outpaint", "GET /delivery/"],
  gemini: [
    "POST /v1beta/models/gemini-3.1-flash-image:generateContent",
    "POST /v1beta/models/gemini-3.1-flash-image:generateContent",
  ],
  openai: ["POST /v1/images/generations", "POST /v1/images/edits"],
})) {
  test(`C host over libcurl: a ${model} session`, async () => {
    const before = mock.requests.length;
    const r = await live(model);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(mock.problems, []);
    const seen = mock.requests.slice(before).map((q) => `${q.method} ${q.path}`);
    assert.equal(seen.length, paths.length, seen.join("\n"));
    seen.forEach((s, i) => assert.ok(s.startsWith(paths[i]), `${s} is not ${paths[i]}`));
    // The prompt went out JSON-escaped, quotes intact.
    const first = mock.requests[before];
    if (first.headers["content-type"] === "application/json") assert.match(first.body.toString(), /a \\"quiet\\" lake/);
    const [gen, out] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(gen.session.models[model].status, "completed");
    const its = out.session.models[model].iterations;
    assert.equal(its[1].status, "completed");
    assert.equal(its[1].outpaintPreset, "16:9");
    // What was uploaded is on the iteration.
    assert.ok(its[1].sent.length >= 1 && its[1].sent.every((u) => u.bytes > 0 && u.width > 0), JSON.stringify(its[1].sent));
    const src = op.decode(readFileSync(join(r.store, its[0].imageKey)));
    const img = op.decode(readFileSync(join(r.store, its[1].imageKey)));
    const want = op.expand(src.width, src.height, "16:9");
    assert.deepEqual([img.width, img.height], [want.newWidth, want.newHeight]);
    if (model === "flux") assert.match(r.stderr, /flux: waiting for the result \(poll 1\)/);
  });
}

test("C host: a 429 waits the provider's retry-after, a wrong key is refused and redacted", async () => {
  mock.script("429");
  const t0 = Date.now();
  let r = await live("openai");
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - t0 >= 3000, "the retry waited the provider's 3 s");
  assert.match(r.stderr, /openai is rate limiting \(HTTP 429\)/);

  const wrong = "sk-wrong-key-0123456789abcdef";
  r = await live("openai", { ...ENV, OPENAI_API_KEY: wrong });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /refused the API key \(HTTP 401\)/);
  assert.ok(!r.stderr.includes(wrong) && !r.stdout.includes(wrong), "the key leaked");
  const gen = JSON.parse(r.stdout.trim().split("\n")[0]);
  assert.equal(gen.session.models.openai.status, "error");
  assert.ok(!JSON.stringify(gen).includes(wrong));

  r = await live("openai", { PATH: process.env.PATH });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /set OPENAI_API_KEY/);
});

test("C host: a 512x512 photograph and a 4000x3000 JPEG to 16:9 on every provider", async () => {
  const { astronaut, grainyJpeg } = await import("../mock/images.mjs");
  for (const [picture, size] of [[astronaut, [910, 512]], [grainyJpeg(4000, 3000), [5333, 3000]]]) {
    mock.generated = picture;
    for (const model of ["flux", "recraft", "gemini", "openai"]) {
      const r = await live(model);
      assert.equal(r.status, 0, `${model}: ${r.stderr}`);
      const [, out] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
      const it = out.session.models[model].iterations[1];
      assert.equal(it.status, "completed", `${model}: ${it.error}`);
      const img = op.decode(readFileSync(join(r.store, it.imageKey)));
      assert.deepEqual([img.width, img.height], size, model);
    }
  }
  mock.generated = null;
  assert.deepEqual(mock.problems, []);
});

test("C host: no key leaves its origin (a redirect elsewhere on every provider, a BFL polling URL elsewhere)", async () => {
  for (const model of ["flux", "recraft", "gemini", "openai"]) {
    mock.script("redirect", "redirect");
    const r = await live(model);
    mock.unscript();
    const it = JSON.parse(r.stdout.trim().split("\n")[0]).session.models[model].iterations[0];
    assert.equal(it.status, "error", `${model}: ${JSON.stringify(it)}`);
    assert.ok(it.error.startsWith("PROVIDER_ERROR: "), `${model}: ${it.error}`);
  }
  mock.script("bfl-poll-elsewhere");
  const r = await live("flux");
  const it = JSON.parse(r.stdout.trim().split("\n")[0]).session.models.flux.iterations[0];
  assert.match(it.error, /^PROVIDER_ERROR: flux: the provider asked to be polled at "http:\/\/127\.0\.0\.1:\d+", .*the key is not sent there/);
  assert.deepEqual(mock.leaked(), [], "a key reached another origin");
  assert.deepEqual(mock.elsewhere.map((q) => q.path).filter((p) => !p.startsWith("/steal")), [], "polled another origin");
});

test("C host: every documented refusal is stored with its code, no key anywhere", async () => {
  for (const [model, fault, code] of [
    ["flux", "402", "QUOTA_EXCEEDED"],
    ["flux", "bfl-moderated", "CONTENT_POLICY"],
    ["gemini", "gemini-blocked", "CONTENT_POLICY"],
    ["gemini", "gemini-daily-quota", "QUOTA_EXCEEDED"],
    ["gemini", "gemini-bad-key", "PROVIDER_AUTH"],
    ["openai", "openai-moderation", "CONTENT_POLICY"],
    ["openai", "openai-quota", "QUOTA_EXCEEDED"],
    ["openai", "openai-verify", "PROVIDER_AUTH"],
    ["openai", "redirect", "PROVIDER_ERROR"],
  ]) {
    mock.script(fault);
    const before = mock.requests.length;
    const r = await live(model);
    const gen = JSON.parse(r.stdout.trim().split("\n")[0]);
    const it = gen.session.models[model].iterations[0];
    assert.equal(it.status, "error", `${fault}: ${JSON.stringify(it)}`);
    assert.ok(it.error.startsWith(`${code}: `), `${fault}: ${it.error}`);
    // Not retried: one submit.
    assert.equal(mock.requests.slice(before).filter((q) => q.method === "POST").length, 1, fault);
    for (const k of Object.values(KEYS)) assert.ok(!r.stdout.includes(k) && !r.stderr.includes(k), `${fault}: a key leaked`);
  }
  assert.deepEqual(mock.problems, []);
});

test("C host: a column of the host's own (a registry patch's flux-eu) runs on its own host and key", async () => {
  const patch = join(mkdtempSync(join(tmpdir(), "outpaint-c-reg-")), "patch.json");
  writeFileSync(patch, JSON.stringify({ columns: { "flux-eu": { from: "flux", baseUrl: mock.url, keyDomain: "127.0.0.1" } } }));
  const before = mock.requests.length;
  const r = await live("flux-eu", { PATH: process.env.PATH, FLUX_EU_API_KEY: KEYS.flux }, ["--registry", patch]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(mock.problems, []);
  const seen = mock.requests.slice(before).map((q) => `${q.method} ${q.path}`);
  assert.ok(seen[0].startsWith("POST /v1/flux-2-pro"), seen.join("\n"));
  assert.ok(seen.some((s) => s.startsWith("POST /v1/flux-tools/outpainting-v1")), seen.join("\n"));
  assert.ok(mock.requests.slice(before).filter((q) => q.method === "POST").every((q) => q.headers["x-key"] === KEYS.flux));
  const [gen, out] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(gen.session.models["flux-eu"].status, "completed");
  assert.deepEqual(Object.keys(out.session.models), ["flux", "recraft", "gemini", "openai", "flux-eu"]);
  const its = out.session.models["flux-eu"].iterations;
  assert.equal(its[1].status, "completed", its[1].error);
  const src = op.decode(readFileSync(join(r.store, its[0].imageKey)));
  const img = op.decode(readFileSync(join(r.store, its[1].imageKey)));
  const want = op.expand(src.width, src.height, "16:9");
  assert.deepEqual([img.width, img.height], [want.newWidth, want.newHeight]);
  // The events name the column (outpaint_engine_event_model), not "custom".
  assert.match(r.stderr, /^flux-eu: waiting for the result \(poll 1\)$/m);
  // Without the patch, the name is no column: MODEL_NOT_FOUND, listing the ones there are.
  const bad = await live("flux-eu", { PATH: process.env.PATH, FLUX_EU_API_KEY: KEYS.flux }, []);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim(), 'outpaint-live: INVALID_OPTION: providers.flux-eu: unknown model "flux-eu"; expected flux, recraft, gemini or openai');
});
