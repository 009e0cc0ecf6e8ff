// The provider adapters from Node: `callProvider` (the npm package) drives each
// provider's exchange through `fetch` against the mock providers (tests/mock), alone and
// as `run`'s provider in a whole session.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { startMock, KEYS } from "../mock/providers.mjs";
import { MemoryStore } from "./store.mjs";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");
let mock;
before(async () => (mock = await startMock()));
after(() => mock.close());

const options = (model, extra = {}) => ({ apiKey: KEYS[model], baseUrl: mock.url, pollIntervalMs: 5, ...extra });


test("a session on the four real providers through fetch", async () => {
  const storage = new MemoryStore();
  const slept = [];
  const host = {
    storage,
    provider: (job) => op.callProvider(job, options(job.model)),
    sleep: async (ms) => slept.push(ms),
    config: { secrets: Object.values(KEYS) },
  };
  const before = mock.requests.length;
  const g = await op.run({ op: "generate", prompt: "a lake at dawn" }, host);
  for (const m of ["flux", "recraft", "gemini", "openai"]) assert.equal(g.session.models[m].status, "completed", m);
  const id = g.session.sessionId;
  const expected = { flux: [1820, 1024], recraft: [1820, 1024], gemini: [1820, 1024], openai: [1820, 1024] };
  for (const model of Object.keys(expected)) {
    const o = await op.run({ op: "outpaint", sessionId: id, model, preset: "16:9", prompt: "more sky" }, host);
    const it = o.session.models[model].iterations[o.iterationIndex];
    assert.equal(it.status, "completed", `${model}: ${it.error}`);
    const img = op.decode(storage.items.get(it.imageKey).bytes);
    assert.deepEqual([img.width, img.height], expected[model], model);
  }
  const it = await op.run({ op: "iterate", sessionId: id, model: "recraft", prompt: "warmer" }, host);
  assert.equal(it.session.models.recraft.iterations.at(-1).status, "completed");
  assert.deepEqual(mock.problems, []);
  const paths = mock.requests.slice(before).map((r) => r.path.split("?")[0]);
  for (const p of ["/v1/flux-2-pro", "/v1/flux-tools/outpainting-v1", "/v1/get_result", "/v1/images/generations", "/v1/images/outpaint",
    "/v1/images/imageToImage", "/v1beta/models/gemini-3.1-flash-image:generateContent", "/v1/images/edits"]) {
    assert.ok(paths.includes(p), `${p} was never called`);
  }
});

test("failures reject with codes and retry hints; run retries after retry-after", async () => {
  const job = { model: "openai", kind: "generate", prompt: "a lake" };
  mock.script("429");
  await assert.rejects(op.callProvider(job, options("openai")), (e) =>
    e.code === "PROVIDER_ERROR" && e.retryable === true && e.retryAfterMs === 3000 && /rate limiting \(HTTP 429\)/.test(e.message));
  await assert.rejects(op.callProvider(job, options("openai", { apiKey: "sk-wrong-key-0123456789abcdef" })), (e) =>
    e.code === "PROVIDER_AUTH" && e.kind === "auth" && e.retryable === false && e.message === "openai refused the API key (HTTP 401): Incorrect API key provided: [REDACTED].");
  // Every documented refusal, with its code and kind, never retryable.
  for (const [model, fault, code, kind] of [
    ["flux", "402", "QUOTA_EXCEEDED", "quota"],
    ["flux", "bfl-moderated", "CONTENT_POLICY", "content_policy"],
    ["gemini", "gemini-blocked", "CONTENT_POLICY", "content_policy"],
    ["gemini", "gemini-safety", "CONTENT_POLICY", "content_policy"],
    ["gemini", "gemini-daily-quota", "QUOTA_EXCEEDED", "quota"],
    ["gemini", "gemini-bad-key", "PROVIDER_AUTH", "auth"],
    ["openai", "openai-moderation", "CONTENT_POLICY", "content_policy"],
    ["openai", "openai-quota", "QUOTA_EXCEEDED", "quota"],
    ["openai", "openai-verify", "PROVIDER_AUTH", "auth"],
  ]) {
    mock.script(fault);
    await assert.rejects(op.callProvider({ model, kind: "generate", prompt: "a lake" }, options(model)), (e) =>
      e.code === code && e.kind === kind && e.retryable === false && !Object.values(KEYS).some((k) => e.message.includes(k)) || assert.fail(`${fault}: ${e.code} ${e.kind} ${e.message}`));
  }
  // Gemini's RetryInfo is the retry hint.
  mock.script("gemini-quota");
  await assert.rejects(op.callProvider({ model: "gemini", kind: "generate", prompt: "a lake" }, options("gemini")), (e) =>
    e.code === "PROVIDER_ERROR" && e.retryable === true && e.retryAfterMs === 3000);
  // A keyed request is not followed across a redirect (fetch would forward x-goog-api-key).
  mock.script("redirect");
  await assert.rejects(op.callProvider({ model: "gemini", kind: "generate", prompt: "a lake" }, options("gemini")), (e) =>
    e.code === "PROVIDER_ERROR" && e.retryable === true);
  mock.script("malformed");
  await assert.rejects(op.callProvider(job, options("openai")), { code: "PROVIDER_ERROR", retryable: true });
  mock.script("hang");
  await assert.rejects(op.callProvider(job, options("openai", { timeoutMs: 200 })), { code: "PROVIDER_TIMEOUT", timeout: true });
  await assert.rejects(op.callProvider(job, { baseUrl: mock.url }), { code: "INVALID_OPTION" });
  await assert.rejects(op.callProvider(job, { apiKey: "k", baseUrl: "http://127.0.0.1:9" }), { code: "PROVIDER_ERROR", retryable: true });

  // Through run: the 429's retry-after (3 s) is waited instead of 2 s, then it succeeds.
  const storage = new MemoryStore();
  const slept = [];
  const host = { storage, provider: (j) => op.callProvider(j, options(j.model)), sleep: async (ms) => slept.push(ms) };
  mock.script("429");
  const g = await op.run({ op: "generate", prompt: "a lake", models: ["openai"] }, host);
  assert.equal(g.session.models.openai.status, "completed");
  assert.equal(g.stats.providerRetries, 1);
  // The retry waits until 3 s after the 429 (the host sleeps what is left of it).
  assert.ok(slept.some((ms) => ms > 2900 && ms <= 3000), JSON.stringify(slept));
  // A custom fetch sees every request.
  const urls = [];
  const bytes = await op.callProvider({ model: "gemini", kind: "generate", prompt: "x" }, options("gemini", { fetch: (u, init) => (urls.push([init.method, u]), fetch(u, init)) }));
  assert.equal(op.decode(bytes).width, 1024);
  assert.deepEqual(urls, [["POST", `${mock.url}/v1beta/models/gemini-3.1-flash-image:generateContent`]]);
});

test("no key leaves its origin: redirects elsewhere and a BFL polling URL elsewhere, through callProvider and the engine over fetch", async () => {
  const job = (model) => ({ model, kind: "generate", prompt: "a lake" });
  for (const model of ["flux", "recraft", "gemini", "openai"]) {
    mock.script("redirect");
    await assert.rejects(op.callProvider(job(model), options(model)), (e) => e.code === "PROVIDER_ERROR", model);
    mock.unscript();
    // The engine's own HTTP effects over the global fetch (host.fetch unset).
    mock.script("redirect", "redirect");
    const host = { storage: new MemoryStore(), sleep: async () => {}, config: { providers: { [model]: options(model) } } };
    const g = await op.run({ op: "generate", prompt: "a lake", models: [model] }, host);
    mock.unscript();
    const it = g.session.models[model].iterations[0];
    assert.equal(it.status, "error", `${model}: ${JSON.stringify(it)}`);
    assert.ok(it.error.startsWith("PROVIDER_ERROR: "), `${model}: ${it.error}`);
  }
  const polledElsewhere = /^flux: the provider asked to be polled at "http:\/\/127\.0\.0\.1:\d+", .*the key is not sent there/;
  mock.script("bfl-poll-elsewhere");
  await assert.rejects(op.callProvider(job("flux"), options("flux")), (e) => e.code === "PROVIDER_ERROR" && polledElsewhere.test(e.message));
  mock.script("bfl-poll-elsewhere");
  const g = await op.run({ op: "generate", prompt: "a lake", models: ["flux"] }, { storage: new MemoryStore(), config: { providers: { flux: options("flux") } } });
  assert.match(g.session.models.flux.iterations[0].error, new RegExp(`^PROVIDER_ERROR: ${polledElsewhere.source.slice(1)}`));
  assert.deepEqual(mock.leaked(), [], "a key reached another origin");
  assert.deepEqual(mock.elsewhere.map((q) => q.path).filter((p) => !p.startsWith("/steal")), [], "polled another origin");
  // A host's own client is told: every keyed request says redirect "error", downloads do not.
  const inits = [];
  const recording = (url, init) => {
    inits.push([new URL(url).pathname, init.redirect, Object.keys(init.headers).some((h) => ["authorization", "x-key", "x-goog-api-key"].includes(h))]);
    return fetch(url, init);
  };
  await op.callProvider(job("flux"), options("flux", { fetch: recording }));
  assert.ok(inits.length >= 3, JSON.stringify(inits));
  for (const [path, redirect, keyed] of inits) assert.equal(redirect, keyed ? "error" : undefined, `${path}: redirect ${redirect}, keyed ${keyed}`);
  assert.ok(inits.some(([, , keyed]) => !keyed), "the download carries no key");
});

test("the engine calls the providers itself over host.fetch, all four at once", async () => {
  const storage = new MemoryStore();
  const events = [];
  const seen = [];
  let inFlight = 0, most = 0;
  const host = {
    storage,
    // No provider function: every model is in config.providers.
    config: { providers: Object.fromEntries(["flux", "recraft", "gemini", "openai"].map((m) => [m, options(m)])) },
    fetch: async (url, init) => {
      seen.push(`${init.method} ${new URL(url).pathname}`);
      most = Math.max(most, ++inFlight);
      try {
        return await fetch(url, init);
      } finally {
        inFlight--;
      }
    },
    onEvent: (e) => events.push(e),
  };
  const before = mock.requests.length;
  const g = await op.run({ op: "generate", prompt: "a lake at dawn" }, host);
  for (const m of ["flux", "recraft", "gemini", "openai"]) assert.equal(g.session.models[m].status, "completed", m);
  assert.deepEqual(mock.problems, []);
  // The four submits went out before any answer came back.
  assert.deepEqual(seen.slice(0, 4).sort(), [
    "POST /v1/flux-2-pro", "POST /v1/images/generations", "POST /v1/images/generations",
    "POST /v1beta/models/gemini-3.1-flash-image:generateContent",
  ]);
  assert.equal(most, 4);
  assert.equal(mock.requests.length - before, seen.length);
  // Flux is asynchronous: its polls are reported.
  assert.ok(events.some((e) => e.kind === "polling" && e.model === "flux" && e.polls === 1 && e.ms === 5), JSON.stringify(events));
  // The keys never reach the stored session.
  const doc = new TextDecoder().decode(storage.items.get(`sessions/${g.session.sessionId}/status.json`).bytes);
  for (const k of Object.values(KEYS)) assert.ok(!doc.includes(k));
  // A provider config that cannot work is refused before anything runs.
  await assert.rejects(op.run({ op: "gallery" }, { storage, config: { providers: { flux: { apiKey: "k", timeoutMs: 0 } } } }),
    { code: "INVALID_OPTION", message: "providers.flux: timeoutMs is 0: every request would time out at once" });
});

test("columns of the host's own: one routed to an adapter over fetch, one the host answers", async () => {
  const storage = new MemoryStore();
  const registry = {
    columns: {
      "openai-proxy": { from: "openai", baseUrl: mock.url, keyDomain: "127.0.0.1" },
      studio: { adapter: "host", outpaint: "openai", generate: "studio-xl" },
    },
  };
  const answered = [];
  const host = {
    storage,
    // Only the host's own provider reaches this function; openai-proxy goes over fetch.
    provider: async (job) => {
      answered.push(`${job.model} ${job.kind}`);
      return { width: 64, height: 48, data: new Uint8Array(64 * 48 * 4).fill(200) };
    },
    config: { registry, providers: { "openai-proxy": { apiKey: KEYS.openai } } },
  };
  assert.deepEqual(Object.keys(op.registry(registry).columns).sort(), ["flux", "gemini", "openai", "openai-proxy", "recraft", "studio"]);
  assert.equal(op.registry(registry).columns.studio.adapter, "host");
  const before = mock.requests.length;
  const g = await op.run({ op: "generate", prompt: "a lake at dawn", models: ["openai-proxy", "studio"] }, host);
  assert.deepEqual(Object.keys(g.session.models), ["flux", "recraft", "gemini", "openai", "openai-proxy", "studio"]);
  assert.equal(g.session.models["openai-proxy"].status, "completed");
  assert.equal(g.session.models.studio.status, "completed", g.session.models.studio.iterations[0].error);
  const id = g.session.sessionId;
  const o = await op.run({ op: "outpaint", sessionId: id, model: "openai-proxy", preset: "16:9", prompt: "more sky" }, host);
  const it = o.session.models["openai-proxy"].iterations[1];
  assert.equal(it.status, "completed", it.error);
  assert.match(it.imageKey, /\/images\/openai-proxy-1\.png$/);
  const img = op.decode(storage.items.get(it.imageKey).bytes);
  assert.deepEqual([img.width, img.height], [1820, 1024]);
  assert.deepEqual(mock.requests.slice(before).map((r) => `${r.method} ${r.path}`), ["POST /v1/images/generations", "POST /v1/images/edits"]);
  assert.equal(mock.requests[before].headers.authorization, `Bearer ${KEYS.openai}`);
  assert.deepEqual(answered, ["studio generate"]);
  assert.deepEqual(mock.problems, []);
  // Wrong names and wrong configs are refused with their codes before anything runs.
  await assert.rejects(op.run({ op: "generate", prompt: "x", models: ["midjourney"] }, host),
    { code: "MODEL_NOT_FOUND", message: 'unknown model "midjourney"; expected flux, recraft, gemini, openai, openai-proxy or studio' });
  await assert.rejects(op.run({ op: "gallery" }, { storage, config: { registry, providers: { studio: { apiKey: "k" } } } }),
    (e) => e.code === "INVALID_OPTION" && /^providers\.studio: the registry's column studio is answered by the host/.test(e.message));
  await assert.rejects(op.run({ op: "gallery" }, { storage, config: { registry: { columns: { "Bad Name": { from: "flux" } } } } }),
    (e) => e.code === "INVALID_OPTION" && /not a model name/.test(e.message));
  // Standalone planning reads the same registry: a host's own profile in fit and prepare.
  const profiles = { profiles: { studio: { send: "canvas", multipleOf: 64, maxPixels: 1048576 } } };
  const plan = op.fit(1000, 1000, "16:9", { profile: "studio", registry: profiles });
  assert.equal(plan.profile, "studio");
  assert.deepEqual([plan.size.width % 64, plan.size.height % 64], [0, 0]);
  const prepared = op.prepare({ width: 100, height: 100, data: new Uint8Array(40000).fill(90) }, "16:9", { profile: "studio", registry: profiles });
  assert.deepEqual([prepared.canvas.width % 64, prepared.plan.profile], [0, "studio"]);
  assert.throws(() => op.fit(1000, 1000, "16:9", { profile: "studio" }), { code: "INVALID_OPTION" });
  assert.throws(() => op.prepare({ width: 8, height: 8, data: new Uint8Array(256) }, "16:9", { profile: "studio", registry: { profiles: { studio: { send: "up" } } } }),
    (e) => e.code === "INVALID_OPTION" && /^not a registry/.test(e.message));
  // callProvider takes a host's column routed to an adapter, with the same registry.
  const bytes = await op.callProvider({ model: "openai-proxy", kind: "generate", prompt: "a lake" }, { apiKey: KEYS.openai, registry });
  assert.deepEqual([op.decode(bytes).width > 0], [true]);
  await assert.rejects(op.callProvider({ model: "studio", kind: "generate", prompt: "a lake" }, { apiKey: "k", registry }),
    (e) => e.code === "PROVIDER_ERROR" && /studio is answered by the host/.test(e.message));
});

test("a 512x512 photograph and a 4000x3000 JPEG to 16:9 on every provider, through the engine over fetch", async () => {
  const { astronaut, grainyJpeg } = await import("../mock/images.mjs");
  const big = grainyJpeg(4000, 3000);
  const uploads = {};
  for (const [picture, size] of [[astronaut, [910, 512]], [big, [5333, 3000]]]) {
    mock.generated = picture;
    const storage = new MemoryStore();
    const host = {
      storage,
      sleep: async () => {},
      config: { providers: Object.fromEntries(["flux", "recraft", "gemini", "openai"].map((m) => [m, options(m)])) },
    };
    const g = await op.run({ op: "generate", prompt: "a photo" }, host);
    for (const m of ["flux", "recraft", "gemini", "openai"]) assert.equal(g.session.models[m].status, "completed", m);
    const id = g.session.sessionId;
    const reg = op.registry();
    for (const model of ["flux", "recraft", "gemini", "openai"]) {
      const o = await op.run({ op: "outpaint", sessionId: id, model, preset: "16:9", iterationIndex: 0 }, host);
      const it = o.session.models[model].iterations[o.iterationIndex];
      assert.equal(it.status, "completed", `${model}: ${it.error}`);
      const img = op.decode(storage.items.get(it.imageKey).bytes);
      assert.deepEqual([img.width, img.height], size, model);
      // Composited back: the original's centre pixel is the original's, byte for byte.
      const original = op.decode(storage.items.get(o.session.models[model].iterations[0].imageKey).bytes);
      const left = op.expand(original.width, original.height, "16:9").left;
      const [cx, cy] = [original.width >> 1, original.height >> 1];
      const px = (im, x, y) => Array.from(im.data.slice((y * im.width + x) * 4, (y * im.width + x) * 4 + 4));
      assert.deepEqual(px(img, left + cx, cy), px(original, cx, cy), model);
      // The session records what was uploaded, each within the model's limits.
      const profile = reg.profiles[reg.columns[model].outpaint];
      const limits = reg.models[profile.model];
      assert.deepEqual(it.sent.map((u) => u.part), { flux: ["input_image"], recraft: ["image"], gemini: ["image"], openai: ["image", "mask"] }[model]);
      for (const u of it.sent) {
        const cap = (u.part === "mask" ? limits.mask : limits.upload).maxBytes;
        assert.ok(u.bytes > 0 && (!cap || u.bytes <= cap) && u.width > 0 && u.height > 0, `${model}: ${JSON.stringify(u)}`);
      }
      if (picture === big) uploads[model] = it.sent.map((u) => `${u.part} ${u.format}${u.quality ? ` q${u.quality}` : ""} ${u.width}x${u.height} ${u.bytes} B`).join(", ");
    }
    // Generate sends no image; its iteration records none.
    assert.equal(g.session.models.flux.iterations[0].sent, undefined);
  }
  mock.generated = null;
  assert.deepEqual(mock.problems, []);
  // Recraft takes under 10 MB: the 4000x3000 photo does not go as PNG.
  assert.doesNotMatch(uploads.recraft, /image png/);
  console.log("engine uploads for a 4000x3000 JPEG to 16:9:", JSON.stringify(uploads, null, 1));
});
