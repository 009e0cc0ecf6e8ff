// The CLI (`outpaint run --provider ...`) against the mock providers on 127.0.0.1: a full
// outpaint per provider, end to end, with the requests checked by the mock and the
// composited result checked here; then retries, errors and timeouts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { startMock, KEYS } from "../mock/providers.mjs";
import { grainyJpeg } from "../mock/images.mjs";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");
const root = new URL("../../", import.meta.url).pathname;
const bin = join(root, "target/debug/outpaint");
const lake = join(root, "examples/images/lake.jpg");
let mock;

before(async () => {
  assert.ok(existsSync(bin), "build the CLI first (cargo build -p outpaint-cli)");
  mock = await startMock();
});
after(() => mock.close());

/** Runs the CLI without blocking (the mock answers from this same process). `base`
 * false: no --base-url (the registry column's own, or {NAME}_BASE_URL). */
function outpaint(provider, extra = [], env = {}, image = lake, base = true) {
  const out = mkdtempSync(join(tmpdir(), `outpaint-${provider}-`));
  const child = spawn(
    bin,
    ["run", image, "--target", "16:9", "--fill", "blur", "--feather", "32", "--provider", provider,
      ...(base ? ["--base-url", mock.url] : []), "--poll-interval", "5", "--prompt", "more of the lake", "--out", out, ...extra],
    {
      env: {
        PATH: process.env.PATH,
        BFL_API_KEY: KEYS.flux, RECRAFT_API_KEY: KEYS.recraft, GEMINI_API_KEY: KEYS.gemini, OPENAI_API_KEY: KEYS.openai,
        ...env,
      },
    },
  );
  let stdout = "", stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr, out })));
}

const photo = op.decode(readFileSync(lake));
const at = (img, x, y) => Array.from(img.data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

for (const [provider, paths] of Object.entries({
  flux: ["POST /v1/flux-tools/outpainting-v1", "GET /v1/get_result", "GET /v1/get_result", "GET /v1/get_result", "GET /delivery/"],
  recraft: ["POST /v1/images/outpaint", "GET /delivery/"],
  gemini: ["POST /v1beta/models/gemini-3.1-flash-image:generateContent"],
  openai: ["POST /v1/images/edits"],
})) {
  test(`outpaint with ${provider} end to end`, async () => {
    const before = mock.requests.length;
    const r = await outpaint(provider);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(mock.problems, []);
    const seen = mock.requests.slice(before).map((q) => `${q.method} ${q.path}`);
    assert.equal(seen.length, paths.length, seen.join("\n"));
    seen.forEach((s, i) => assert.ok(s.startsWith(paths[i]), `${s} is not ${paths[i]}`));
    const result = op.decode(readFileSync(join(r.out, "result.png")));
    assert.deepEqual([result.width, result.height], [1365, 768]);
    // The original comes back byte-identical outside the seam band.
    assert.deepEqual(at(result, 298 + 384, 384), at(photo, 384, 384));
    const plan = JSON.parse(readFileSync(join(r.out, "plan.json")));
    assert.equal(plan.provider, provider);
    assert.equal(plan.profile, { flux: "flux-outpaint", recraft: "recraft-outpaint", gemini: "gemini", openai: "openai" }[provider]);
    // What was uploaded, as encoded to fit the model's limits.
    assert.ok(plan.sent.length >= 1 && plan.sent.every((u) => u.bytes > 0 && u.width > 0), JSON.stringify(plan.sent));
    if (provider === "flux") assert.match(r.stderr, /flux: waiting for the result \(poll 1, every 5 ms\)/);
  });
}

function bigJpeg() {
  const file = join(mkdtempSync(join(tmpdir(), "outpaint-big-")), "big.jpg");
  writeFileSync(file, grainyJpeg(4000, 3000));
  return file;
}

test("a 4000x3000 JPEG to 16:9 on every provider: uploads within each model's limits", async () => {
  const big = bigJpeg();
  const report = {};
  for (const provider of ["flux", "recraft", "gemini", "openai"]) {
    const r = await outpaint(provider, [], {}, big);
    assert.equal(r.status, 0, `${provider}: ${r.stderr}`);
    assert.deepEqual(mock.problems, [], provider);
    const result = op.decode(readFileSync(join(r.out, "result.png")));
    assert.deepEqual([result.width, result.height], [5333, 3000], provider);
    const plan = JSON.parse(readFileSync(join(r.out, "plan.json")));
    report[provider] = plan.sent.map((u) => `${u.part} ${u.format} ${u.width}x${u.height} ${u.bytes} B`).join(", ");
  }
  // Recraft takes under 10 MB: the photo goes as WebP or JPEG, not PNG.
  assert.doesNotMatch(report.recraft, /image png/);
  // And the 512x512 photograph, on each.
  const photo = join(root, "examples/images/astronaut.png");
  for (const provider of ["flux", "recraft", "gemini", "openai"]) {
    const r = await outpaint(provider, [], {}, photo);
    assert.equal(r.status, 0, `${provider}: ${r.stderr}`);
    const result = op.decode(readFileSync(join(r.out, "result.png")));
    assert.deepEqual([result.width, result.height], [910, 512], provider);
  }
  assert.deepEqual(mock.problems, []);
  console.log("uploads for a 4000x3000 JPEG to 16:9:", JSON.stringify(report, null, 1));
});

test("an upload over the model's byte limit is prepared smaller, within its profile, and maps back exactly", async () => {
  const img = join(mkdtempSync(join(tmpdir(), "outpaint-grain-")), "grain.jpg");
  writeFileSync(img, grainyJpeg(1600, 1200));
  const patch = join(mkdtempSync(join(tmpdir(), "outpaint-reg-")), "patch.json");
  // A proxy that takes at most 400 kB per image (Recraft itself takes 10 MB).
  writeFileSync(patch, JSON.stringify({ models: { recraftv3: { upload: { maxBytes: 400000 } } } }));
  const r = await outpaint("recraft", ["--registry", patch], {}, img);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(mock.problems, []);
  const plan = JSON.parse(readFileSync(join(r.out, "plan.json")));
  const [sent] = plan.sent;
  assert.equal(sent.part, "image");
  assert.ok(sent.bytes <= 400000, JSON.stringify(sent));
  assert.ok(plan.fit.scale < 1 && sent.width < 1600, JSON.stringify(plan.fit));
  assert.deepEqual([sent.width, sent.height], [plan.fit.image.width, plan.fit.image.height]);
  const result = op.decode(readFileSync(join(r.out, "result.png")));
  assert.deepEqual([result.width, result.height], [2133, 1200]);
  const original = op.decode(readFileSync(img));
  const left = op.expand(1600, 1200, "16:9").left;
  // The original stays byte-identical outside the seam band, whatever was sent.
  assert.deepEqual(at(result, left + 800, 600), at(original, 800, 600));
  // A limit no scale meets is refused before any request.
  writeFileSync(patch, JSON.stringify({ models: { recraftv3: { upload: { maxBytes: 3000 } } } }));
  const before = mock.requests.length;
  const bad = await outpaint("recraft", ["--registry", patch], {}, img);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^error: IMAGE_TOO_LARGE: the image \(\d+x\d+\) does not fit the model's limits \(sides 256\.\.=4096 px, at most 16000000 pixels, at most 3000 bytes, png\/jpg\/webp\)/);
  assert.match(bad.stderr, /no smaller scale the recraft-outpaint profile allows fits either/);
  assert.equal(mock.requests.length, before);
});

test("every documented refusal has its code on the CLI, no key in any output", async () => {
  const cases = [
    ["flux", "402", 1, /^error: QUOTA_EXCEEDED: flux is out of credits \(HTTP 402\)/],
    ["flux", "bfl-moderated", 1, /^error: CONTENT_POLICY: flux: Request Moderated/],
    ["gemini", "gemini-blocked", 1, /^error: CONTENT_POLICY: gemini blocked the prompt: PROHIBITED_CONTENT/],
    ["gemini", "gemini-safety", 1, /^error: CONTENT_POLICY: gemini returned no image \(finishReason IMAGE_SAFETY\): Unable to show/],
    ["gemini", "gemini-daily-quota", 1, /^error: QUOTA_EXCEEDED: gemini says the quota is used up \(HTTP 429\)/],
    ["gemini", "gemini-bad-key", 1, /^error: PROVIDER_AUTH: gemini refused the API key \(HTTP 400\)/],
    ["openai", "openai-moderation", 1, /^error: CONTENT_POLICY: openai refused the content \(HTTP 400\)/],
    ["openai", "openai-quota", 1, /^error: QUOTA_EXCEEDED: openai says the quota is used up \(HTTP 429\)/],
    ["openai", "openai-verify", 1, /^error: PROVIDER_AUTH: openai denied access/],
    ["openai", "redirect", 1, /^error: PROVIDER_ERROR: openai answered unexpectedly \(HTTP 302\)/],
  ];
  for (const [provider, fault, status, says] of cases) {
    mock.script(fault);
    const before = mock.requests.length;
    const r = await outpaint(provider);
    assert.equal(r.status, status, `${fault}: ${r.stderr}`);
    assert.match(r.stderr.trim().split("\n").at(-1), says, fault);
    for (const k of Object.values(KEYS)) assert.ok(!r.stderr.includes(k) && !r.stdout.includes(k), `${fault}: a key in the output`);
    // Final refusals are not retried.
    const calls = mock.requests.slice(before).filter((q) => q.method === "POST").length;
    assert.equal(calls, 1, `${fault} was retried`);
  }
  // A quota 429 that says when to come back is retried after that delay.
  mock.script("gemini-quota");
  const t0 = Date.now();
  const r = await outpaint("gemini");
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - t0 >= 3000);
  assert.match(r.stderr, /gemini is rate limiting \(HTTP 429\): You exceeded your current quota. \(retrying in 3000 ms\)/);
  assert.deepEqual(mock.problems, []);
});

test("no key leaves its origin: a redirect to another origin on every provider, a BFL polling URL elsewhere", async () => {
  for (const provider of ["flux", "recraft", "gemini", "openai"]) {
    mock.script("redirect", "redirect"); // the first try and its retry, if any
    const r = await outpaint(provider);
    mock.unscript();
    assert.equal(r.status, 1, `${provider}: ${r.stderr}`);
    assert.match(r.stderr.trim().split("\n").at(-1), /^error: PROVIDER_ERROR: /, provider);
  }
  mock.script("bfl-poll-elsewhere");
  const r = await outpaint("flux");
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr.trim().split("\n").at(-1), /^error: PROVIDER_ERROR: flux: the provider asked to be polled at "http:\/\/127\.0\.0\.1:\d+", which is neither the configured host nor https under bfl\.ai; the key is not sent there/);
  assert.deepEqual(mock.leaked(), [], "a key reached another origin");
  assert.deepEqual(mock.elsewhere.map((q) => q.path).filter((p) => !p.startsWith("/steal")), [], "polled another origin");
});

test("recraft outpaints on V3 even when V4.1 generates", async () => {
  const before = mock.requests.length;
  const r = await outpaint("recraft", ["--provider-model", "recraftv4_1"]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(mock.problems, []);
  const submit = mock.requests[before];
  assert.equal(submit.path, "/v1/images/outpaint");
  assert.match(submit.body.toString("latin1"), /name="model"\r\n\r\nrecraftv3\r\n/);
});

test("flux-expand profile sends edges", async () => {
  const before = mock.requests.length;
  const r = await outpaint("flux", ["--profile", "flux-expand"]);
  assert.equal(r.status, 0, r.stderr);
  const submit = mock.requests[before];
  assert.equal(submit.path, "/v1/flux-pro-1.0-expand");
  const b = JSON.parse(submit.body);
  assert.deepEqual([b.left, b.right, b.top, b.bottom], [298, 299, 0, 0]);
  assert.deepEqual(mock.problems, []);
});

test("429 with retry-after is retried; two 500s fail with PROVIDER_ERROR", async () => {
  mock.script("429");
  const t0 = Date.now();
  let r = await outpaint("openai");
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - t0 >= 3000, "waited for retry-after: 3 s");
  assert.match(r.stderr, /openai is rate limiting \(HTTP 429\): Rate limit reached, slow down \(retrying in 3000 ms\)/);
  mock.script("500", "500");
  r = await outpaint("gemini");
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split("\n").at(-1), "error: PROVIDER_ERROR: gemini failed on its side (HTTP 500): internal error");
  mock.script("malformed", "malformed");
  r = await outpaint("recraft");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error: PROVIDER_ERROR: recraft: the response is not JSON/);
});

test("a provider that never answers times out with PROVIDER_TIMEOUT", async () => {
  mock.script("hang", "hang");
  const r = await outpaint("openai", ["--timeout", "1"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error: PROVIDER_TIMEOUT: openai: timeout/);
});

test("a missing key or provider is a clear error; keys never reach stderr", async () => {
  let r = await outpaint("flux", [], { BFL_API_KEY: "" });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), "error: INVALID_OPTION: set BFL_API_KEY to use the flux provider");
  r = await outpaint("dalle");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /INVALID_OPTION: unknown provider "dalle"/);
  r = await outpaint("openai", [], { OPENAI_API_KEY: "sk-wrong-key-0123456789abcdef" });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), "error: PROVIDER_AUTH: openai refused the API key (HTTP 401): Incorrect API key provided: [REDACTED].");
  assert.deepEqual(mock.problems, []);
});

test("a live session: generate with all four providers, then outpaint FLUX", async () => {
  const store = mkdtempSync(join(tmpdir(), "outpaint-store-"));
  const env = {
    PATH: process.env.PATH,
    BFL_API_KEY: KEYS.flux, RECRAFT_API_KEY: KEYS.recraft, GEMINI_API_KEY: KEYS.gemini, OPENAI_API_KEY: KEYS.openai,
  };
  const cli = (args, provider = "live") => {
    const child = spawn(bin, [...args, "--provider", provider, "--base-url", mock.url, "--poll-interval", "5", "--store", store], { env });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
  };
  let r = await cli(["session", "new", "--prompt", "a lake at dawn"]);
  assert.equal(r.status, 0, r.stderr);
  const g = JSON.parse(r.stdout);
  for (const m of ["flux", "recraft", "gemini", "openai"]) assert.equal(g.session.models[m].status, "completed", m);
  r = await cli(["session", "outpaint", g.session.sessionId, "--model", "flux", "--preset", "16:9"]);
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  const it = o.session.models.flux.iterations[1];
  assert.equal(it.status, "completed");
  const img = op.decode(readFileSync(join(store, it.imageKey)));
  assert.deepEqual([img.width, img.height], [1820, 1024]);
  assert.deepEqual(mock.problems, []);
  r = await cli(["session", "gallery"], "flux");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /sessions take --provider local or live/);
});

test("outpaint registry prints the table; --registry patches it for run", async () => {
  const printed = await new Promise((resolve) => {
    const child = spawn(bin, ["registry"]);
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.on("close", (status) => resolve({ status, stdout }));
  });
  assert.equal(printed.status, 0);
  assert.deepEqual(JSON.parse(printed.stdout), op.registry());
  const patch = join(mkdtempSync(join(tmpdir(), "outpaint-reg-")), "patch.json");
  writeFileSync(patch, JSON.stringify({ profiles: { openai: { model: "gpt-image-2-2026-04-21" } } }));
  const before = mock.requests.length;
  const r = await outpaint("openai", ["--registry", patch]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(mock.requests[before].body.toString("latin1"), /name="model"\r\n\r\ngpt-image-2-2026-04-21\r\n/);
  assert.equal(JSON.parse(readFileSync(join(r.out, "plan.json"))).providerModel, "gpt-image-2-2026-04-21");
  // prepare plans with the patched registry too: a host's own profile.
  writeFileSync(patch, JSON.stringify({ profiles: { studio: { send: "canvas", multipleOf: 64, maxPixels: 1048576 } } }));
  const dir = mkdtempSync(join(tmpdir(), "outpaint-prep-"));
  const prep = spawnSync(bin, ["prepare", lake, "--target", "16:9", "--profile", "studio", "--registry", patch, "--out", dir]);
  assert.equal(prep.status, 0, String(prep.stderr));
  const { fit } = JSON.parse(readFileSync(join(dir, "plan.json")));
  assert.equal(fit.profile, "studio");
  assert.deepEqual([fit.size.width % 64, fit.size.height % 64], [0, 0]);
  assert.ok(fit.size.width * fit.size.height <= 1048576);
  const canvas = op.decode(readFileSync(join(dir, "canvas.png")));
  assert.deepEqual([canvas.width, canvas.height], [fit.size.width, fit.size.height]);
  const unpatched = spawnSync(bin, ["prepare", lake, "--target", "16:9", "--profile", "studio", "--out", dir]);
  assert.equal(unpatched.status, 1);
  assert.match(String(unpatched.stderr), /^error: INVALID_OPTION: unknown profile "studio"/);
  writeFileSync(patch, JSON.stringify({ columns: { openai: { outpaint: "nope" } } }));
  const bad = await outpaint("openai", ["--registry", patch]);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim(), 'error: INVALID_OPTION: column openai: outpaint profile "nope" is not in profiles');
  assert.deepEqual(mock.problems, []);
});

test("a column of the host's own: run through it, and sessions store it beside the four", async () => {
  const dir = mkdtempSync(join(tmpdir(), "outpaint-cols-"));
  const patch = join(dir, "patch.json");
  writeFileSync(patch, JSON.stringify({
    columns: {
      // A second FLUX column on its own host (here the mock), with its own key variable.
      "flux-eu": { from: "flux", baseUrl: mock.url, keyDomain: "127.0.0.1" },
      // A provider only the host knows: answered by its host (the CLI's local provider).
      studio: { adapter: "host", outpaint: "flux-fill", generate: "studio-xl" },
    },
  }));
  let before = mock.requests.length;
  let r = await outpaint("flux-eu", ["--registry", patch], { BFL_API_KEY: "", FLUX_EU_API_KEY: KEYS.flux }, lake, false);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(mock.problems, []);
  assert.equal(`${mock.requests[before].method} ${mock.requests[before].path}`, "POST /v1/flux-tools/outpainting-v1");
  assert.equal(mock.requests[before].headers["x-key"], KEYS.flux);
  const plan = JSON.parse(readFileSync(join(r.out, "plan.json")));
  assert.deepEqual([plan.provider, plan.profile, plan.providerModel], ["flux-eu", "flux-outpaint", "flux-tools/outpainting-v1"]);
  const result = op.decode(readFileSync(join(r.out, "result.png")));
  assert.deepEqual([result.width, result.height], [1365, 768]);
  assert.deepEqual(at(result, 298 + 384, 384), at(photo, 384, 384));
  // Without its key: what to set, its own variable first.
  r = await outpaint("flux-eu", ["--registry", patch], { BFL_API_KEY: "" }, lake, false);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), "error: INVALID_OPTION: set FLUX_EU_API_KEY (or BFL_API_KEY) to use the flux-eu provider");
  // The adapter's key serves when the column has none of its own.
  before = mock.requests.length;
  r = await outpaint("flux-eu", ["--registry", patch], {}, lake, false);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(mock.requests[before].headers["x-key"], KEYS.flux);
  r = await outpaint("studio", ["--registry", patch]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /INVALID_OPTION: the registry's column studio is answered by its host/);
  r = await outpaint("flux-eu");
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), 'error: INVALID_OPTION: unknown provider "flux-eu"; expected local, flux, recraft, gemini, openai');

  // Sessions: every column of the registry by default, the host's ones after the four.
  const store = mkdtempSync(join(tmpdir(), "outpaint-store-"));
  const cli = (args, provider) => {
    const child = spawn(bin, [...args, "--provider", provider, "--registry", patch, "--poll-interval", "5", "--store", store], {
      env: { PATH: process.env.PATH, BFL_API_KEY: KEYS.flux },
    });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
  };
  r = await cli(["session", "new", "--prompt", "a lake at dawn"], "local");
  assert.equal(r.status, 0, r.stderr);
  let s = JSON.parse(r.stdout).session;
  assert.deepEqual(Object.keys(s.models), ["flux", "recraft", "gemini", "openai", "flux-eu", "studio"]);
  assert.ok(Object.values(s.models).every((c) => c.status === "completed"));
  r = await cli(["session", "outpaint", s.sessionId, "--model", "studio", "--preset", "16:9"], "local");
  assert.equal(r.status, 0, r.stderr);
  s = JSON.parse(r.stdout).session;
  const it = s.models.studio.iterations[1];
  assert.equal(it.status, "completed");
  assert.match(it.imageKey, /\/images\/studio-1\.png$/);
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(store, "sessions", s.sessionId, "status.json"))).models),
    ["flux", "recraft", "gemini", "openai", "flux-eu", "studio"]);
  // Live: flux-eu goes to its own host (the mock) with the adapter's key; studio has no
  // provider here, and says so.
  before = mock.requests.length;
  r = await cli(["session", "new", "--prompt", "a lake at dawn", "--models", "flux-eu,studio"], "live");
  assert.equal(r.status, 0, r.stderr);
  s = JSON.parse(r.stdout).session;
  assert.deepEqual(Object.keys(s.models), ["flux", "recraft", "gemini", "openai", "flux-eu", "studio"]);
  assert.equal(s.models["flux-eu"].status, "completed");
  assert.equal(s.models.studio.status, "error");
  assert.match(s.models.studio.iterations[0].error, /answered by its host \(adapter host\): this program answers it only with --provider local/);
  assert.equal(s.models.flux.enabled, false);
  assert.ok(mock.requests.slice(before).some((q) => q.path === "/v1/flux-2-pro"), mock.requests.slice(before).map((q) => q.path).join());
  r = await cli(["session", "new", "--prompt", "x", "--models", "flux,midjourney"], "local");
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), 'error: MODEL_NOT_FOUND: unknown model "midjourney"; expected flux, recraft, gemini, openai, flux-eu or studio');
  assert.deepEqual(mock.problems, []);
});
