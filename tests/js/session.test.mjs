// The npm driver `run` from JavaScript (node --test): over a JS store and provider, all
// effects at once, retries, concurrency, every bad host; the context window and the
// session helpers. The engine's flows themselves are transcripts (transcripts.test.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { MemoryStore } from "./store.mjs";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");

const T0 = Date.UTC(2026, 0, 1);

/** A compare-and-swap store that answers asynchronously, like a real one. */
/** A host whose clock only moves when the engine reads it or sleeps. */
function host(store, provider = "local", extra = {}) {
  let now = T0;
  const slept = [];
  return {
    provider,
    storage: store,
    now: () => now,
    random: () => 0.25,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    slept,
    ...extra,
  };
}

const generate = (h, models = ["flux", "openai"]) =>
  op.run({ op: "generate", prompt: "  a lake at dawn ", models }, h);

test("generate, iterate, outpaint with the local provider", async () => {
  const store = new MemoryStore({ yieldEach: true });
  const h = host(store);
  const g = await generate(h);
  const s = g.session;
  assert.match(s.sessionId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(s.prompt, "a lake at dawn");
  assert.equal(s.status, "completed");
  assert.equal(s.createdAt, "2026-01-01T00:00:00.000Z");
  assert.equal(s.models.flux.status, "completed");
  assert.equal(s.models.recraft.status, "disabled");
  assert.equal(s.models.gemini.enabled, false);
  assert.deepEqual(g.warnings, []);
  assert.deepEqual(g.stats, { conflicts: 0, providerRetries: 0 });

  const it = await op.run({ op: "iterate", sessionId: s.sessionId, model: "flux", prompt: "add a boat" }, h);
  assert.equal(it.iterationIndex, 1);
  const flux = it.session.models.flux;
  assert.equal(flux.iterationCount, 2);
  assert.deepEqual(
    flux.iterations.map((i) => [i.index, i.status, i.parentIndex]),
    [[0, "completed", undefined], [1, "completed", 0]],
  );

  const out = await op.run(
    { op: "outpaint", sessionId: s.sessionId, model: "flux", preset: "16:9", iterationIndex: 0 },
    h,
  );
  assert.equal(out.iterationIndex, 2);
  const step = out.session.models.flux.iterations[2];
  assert.equal(step.isOutpaint, true);
  assert.equal(step.outpaintPreset, "16:9");
  assert.equal(step.prompt, "continue the scene naturally");
  assert.equal(step.parentIndex, 0);
  // The 256x256 procedural original expanded to 16:9 at full resolution.
  const result = op.decode(store.items.get(step.imageKey).bytes);
  assert.deepEqual([result.width, result.height], [455, 256]);
  const original = op.decode(store.items.get(flux.iterations[0].imageKey).bytes);
  // Outside the feathered band the original survives byte for byte (centre pixel).
  const at = (img, x, y) => Array.from(img.data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
  assert.deepEqual(at(result, 99 + 128, 128), at(original, 128, 128));

  // The stored document is what run answered, and the context window remembers the steps.
  assert.deepEqual(store.json(`sessions/${s.sessionId}/status.json`), out.session);
  const ctx = op.ContextWindow.parse(store.items.get(`sessions/${s.sessionId}/context/flux.json`).bytes, s.sessionId, "flux");
  assert.deepEqual(ctx.entries.map((e) => [e.iteration, e.prompt, e.outpaintPreset]), [
    [0, "a lake at dawn", undefined],
    [1, "add a boat", undefined],
    [2, "continue the scene naturally", "16:9"],
  ]);

  const status = await op.run({ op: "status", sessionId: s.sessionId }, h);
  assert.deepEqual(status.session, out.session);
  const gallery = await op.run({ op: "gallery" }, h);
  assert.deepEqual(gallery.gallery, [
    {
      sessionId: s.sessionId,
      prompt: "a lake at dawn",
      createdAt: "2026-01-01T00:00:00.000Z",
      modelCount: 2,
      totalIterations: 4,
      thumbnail: flux.iterations[0].imageKey,
    },
  ]);
});

test("a JS provider gets the job and may answer bytes, ArrayBuffer, Blob or pixels", async () => {
  const seen = [];
  const answers = [
    (job) => op.localProvider(job), // Uint8Array
    (job) => op.localProvider(job).buffer, // ArrayBuffer
    (job) => new Blob([op.localProvider(job)]),
    (job) => op.decode(op.localProvider(job)), // pixels
  ];
  for (const answer of answers) {
    const store = new MemoryStore({ yieldEach: true });
    const h = host(store, async (job) => {
      seen.push(job);
      return answer(job);
    });
    const g = await generate(h, ["recraft"]);
    const o = await op.run({ op: "outpaint", sessionId: g.session.sessionId, model: "recraft", preset: "2:1", prompt: "more sky" }, h);
    assert.equal(o.session.models.recraft.iterations[1].status, "completed");
  }
  const job = seen[1];
  assert.equal(job.model, "recraft");
  assert.equal(job.kind, "outpaint");
  assert.equal(job.prompt, "Previous: a lake at dawn. Now: more sky");
  assert.equal(job.sourceMime, "image/png");
  assert.equal(job.outpaint.target, "2:1");
  assert.deepEqual(job.outpaint.expansion, { left: 128, right: 128, top: 0, bottom: 0, newWidth: 512, newHeight: 256 });
  assert.equal(job.outpaint.plan.profile, "recraft-outpaint");
  // Recraft gets a binary mask: only 0 and 255.
  const mask = op.decode(job.outpaint.maskPng);
  const values = new Set();
  for (let i = 0; i < mask.data.length; i += 4) values.add(mask.data[i]);
  assert.deepEqual([...values].sort((a, b) => a - b), [0, 255]);
  assert.equal(job.outpaint.direction, "to reach a 2:1 aspect ratio");
  assert.equal(seen[0].kind, "generate");
  assert.equal(seen[0].source, undefined);
});

test("a failing provider is retried once after 2 s; twice is an iteration error", async () => {
  const store = new MemoryStore({ yieldEach: true });
  let calls = 0;
  const flaky = async (job) => {
    calls++;
    if (calls === 2) throw new Error("503 busy");
    return op.localProvider(job);
  };
  const h = host(store, flaky);
  const g = await generate(h, ["gemini"]);
  const id = g.session.sessionId;
  const it = await op.run({ op: "iterate", sessionId: id, model: "gemini", prompt: "warmer" }, h);
  assert.deepEqual(h.slept.filter((ms) => ms === 2000), [2000]);
  assert.equal(it.stats.providerRetries, 1);
  assert.equal(it.session.models.gemini.iterations[1].status, "completed");

  const down = host(store, async () => {
    const e = new Error("key sk-abcdefghijklmnopqrstuvwx rejected");
    e.retryable = false;
    throw e;
  }, { config: { secrets: ["hunter2-secret"] } });
  // A provider failure is recorded, not thrown: the iteration is in error, kept in history.
  const failed = await op.run({ op: "iterate", sessionId: id, model: "gemini", prompt: "cooler" }, down);
  assert.equal(failed.iterationIndex, 2);
  assert.deepEqual(down.slept.filter((ms) => ms === 2000), []);
  const col = store.json(`sessions/${id}/status.json`).models.gemini;
  assert.deepEqual(failed.session.models.gemini, col);
  assert.equal(col.status, "partial");
  assert.equal(col.iterationCount, 2);
  assert.equal(col.iterations[2].status, "error");
  assert.equal(col.iterations[2].error, "PROVIDER_ERROR: key [REDACTED] rejected");

  const slow = host(store, async () => {
    const e = new Error("no answer in 60 s");
    e.name = "TimeoutError";
    throw e;
  });
  const timedOut = await op.run({ op: "iterate", sessionId: id, model: "gemini", prompt: "x" }, slow);
  assert.equal(timedOut.session.models.gemini.iterations[3].error, "PROVIDER_TIMEOUT: no answer in 60 s");
  const junk = host(store, async () => new Uint8Array([1, 2, 3]));
  const unusable = await op.run({ op: "iterate", sessionId: id, model: "gemini", prompt: "x" }, junk);
  assert.match(unusable.session.models.gemini.iterations[4].error, /^PROVIDER_ERROR: .*unusable image/);
  assert.equal(unusable.stats.providerRetries, 1);
});

test("concurrent runs on one session lose no write", async () => {
  const store = new MemoryStore({ yieldEach: true });
  const g = await generate(host(store), ["flux", "recraft", "gemini", "openai"]);
  const id = g.session.sessionId;
  const models = ["flux", "recraft", "gemini", "openai"];
  const steps = models.flatMap((model) => [
    op.run({ op: "iterate", sessionId: id, model, prompt: `refine ${model}` }, host(store, "local", { random: Math.random })),
    op.run({ op: "iterate", sessionId: id, model, prompt: `again ${model}` }, host(store, "local", { random: Math.random })),
  ]);
  const outcomes = await Promise.all(steps);
  const conflicts = outcomes.reduce((n, o) => n + o.stats.conflicts, 0);
  assert.ok(conflicts > 0, "the interleaved runs should have collided");
  assert.equal(conflicts, store.refused);
  const s = store.json(`sessions/${id}/status.json`);
  // generate with 4 models: version 4; each of the 8 steps: begin + complete.
  assert.equal(g.session.version, 4);
  assert.equal(s.version, 4 + 8 * 2);
  for (const m of models) {
    assert.equal(s.models[m].iterationCount, 3);
    assert.deepEqual(s.models[m].iterations.map((i) => i.status), ["completed", "completed", "completed"]);
  }
});

test("storage failures and bad requests reject with their codes", async () => {
  const store = new MemoryStore({ yieldEach: true });
  const g = await generate(host(store), ["flux"]);
  const id = g.session.sessionId;
  const broken = { ...store, get: async () => { throw new Error("disk on fire"); }, put: store.put.bind(store), list: store.list.bind(store) };
  await assert.rejects(op.run({ op: "status", sessionId: id }, host(broken)), (e) => e.code === "STORAGE_ERROR" && /disk on fire/.test(e.message));
  const liar = { get: async () => ({ bytes: "nope" }), put: async () => null, list: async () => [] };
  await assert.rejects(op.run({ op: "status", sessionId: id }, host(liar)), { code: "STORAGE_ERROR" });
  const cases = [
    [{ op: "status", sessionId: "not-a-uuid" }, "INVALID_SESSION_ID"],
    [{ op: "status", sessionId: "8f14e45f-ceea-467f-a0e6-6f9a2b1c3d4e" }, "SESSION_NOT_FOUND"],
    [{ op: "iterate", sessionId: id, model: "dalle", prompt: "x" }, "MODEL_NOT_FOUND"],
    [{ op: "generate", prompt: "x", models: ["flux", "dalle"] }, "MODEL_NOT_FOUND"],
    [{ op: "generate" }, "PROMPT_REQUIRED"],
    [{ op: "iterate", sessionId: id, model: "flux" }, "PROMPT_REQUIRED"],
    [{ op: "status" }, "INVALID_OPTION"],
    [{ op: "generate", prompt: "x", image: "not bytes" }, "INVALID_OPTION"],
    [{ op: "iterate", sessionId: id, model: "openai", prompt: "x" }, "MODEL_DISABLED"],
    [{ op: "iterate", sessionId: id, model: "flux", prompt: "   " }, "PROMPT_REQUIRED"],
    [{ op: "iterate", sessionId: id, model: "flux", prompt: "x".repeat(1001) }, "PROMPT_TOO_LONG"],
    [{ op: "outpaint", sessionId: id, model: "flux", preset: "16:x" }, "INVALID_TARGET"],
    [{ op: "outpaint", sessionId: id, model: "flux", preset: "16:9", iterationIndex: 9 }, "ITERATION_NOT_FOUND"],
    [{ op: "fly" }, "INVALID_OPTION"],
  ];
  for (const [operation, code] of cases) {
    await assert.rejects(op.run(operation, host(store)), { code }, JSON.stringify(operation));
  }
  // Without a provider the built-in offline one answers.
  assert.equal((await op.run({ op: "generate", prompt: "p", models: ["gemini"] }, { storage: store })).session.status, "completed");
  const badHosts = [
    undefined,
    { storage: store, provider: 5 },
    { storage: store, provider: "remote" },
    { provider: "local" },
    { provider: "local", storage: { get() {}, put() {} } },
    { provider: "local", storage: store, now: 5 },
    { provider: "local", storage: store, now: () => -1 },
    { provider: "local", storage: store, random: () => 1 },
    { provider: "local", storage: store, config: { budget: "many" } },
  ];
  for (const h of badHosts) {
    await assert.rejects(op.run({ op: "gallery" }, h), { code: "INVALID_OPTION" }, String(h && Object.keys(h)));
  }
});

test("ContextWindow keeps the last three steps and builds the prompt", () => {
  const id = "8f14e45f-ceea-467f-a0e6-6f9a2b1c3d4e";
  const w = new op.ContextWindow(id, "flux");
  assert.equal(w.key, `sessions/${id}/context/flux.json`);
  assert.equal(w.prompt("a cat"), "a cat");
  for (let i = 0; i < 4; i++) {
    w.push({ iteration: i, prompt: `p${i}`, imageKey: `k${i}`, timestamp: "2026-01-01T00:00:00.000Z", ...(i === 3 ? { outpaintPreset: "16:9" } : {}) });
  }
  assert.deepEqual(w.entries.map((e) => e.iteration), [1, 2, 3]);
  assert.equal(w.prompt("now"), "Previous: p1 | p2 | outpaint 16:9: p3. Now: now");
  assert.equal(w.prompt("now", { template: "{previous} -> {prompt}", separator: "; " }), "p1; p2; outpaint 16:9: p3 -> now");
  assert.equal(
    w.toJson(),
    `{"model":"flux","sessionId":"${id}","window":[` +
      `{"iteration":1,"prompt":"p1","imageKey":"k1","timestamp":"2026-01-01T00:00:00.000Z"},` +
      `{"iteration":2,"prompt":"p2","imageKey":"k2","timestamp":"2026-01-01T00:00:00.000Z"},` +
      `{"iteration":3,"prompt":"p3","imageKey":"k3","timestamp":"2026-01-01T00:00:00.000Z","outpaintPreset":"16:9"}]}`,
  );
  const back = op.ContextWindow.parse(w.toJson(), id, "flux");
  assert.deepEqual(back.entries, w.entries);
  assert.deepEqual(back.warnings, []);
  const damaged = op.ContextWindow.parse("{oops", id, "flux");
  assert.deepEqual(damaged.entries, []);
  assert.match(damaged.warnings[0], /damaged/);
  const partial = op.ContextWindow.parse(JSON.stringify({ window: [{ iteration: "x" }, { iteration: 4, prompt: "ok", imageKey: "k", timestamp: "t" }] }), id, "flux");
  assert.deepEqual(partial.entries.map((e) => e.iteration), [4]);
  assert.equal(partial.warnings.length, 1);
  assert.throws(() => new op.ContextWindow("nope", "flux"), { code: "INVALID_SESSION_ID" });
  // Any column's name (a host's own too); a name no column can have is MODEL_NOT_FOUND.
  const studio = new op.ContextWindow(id, "studio");
  assert.equal(studio.key, `sessions/${id}/context/studio.json`);
  studio.free();
  assert.throws(() => new op.ContextWindow(id, "Dall E"), { code: "MODEL_NOT_FOUND" });
  assert.throws(() => w.push({ iteration: 1 }), { code: "INVALID_OPTION" });
  w.free();
});

test("session helpers", () => {
  const id = op.newSessionId(new Uint8Array(16).fill(0xab));
  assert.equal(id, "abababab-abab-4bab-abab-abababababab");
  assert.throws(() => op.newSessionId(new Uint8Array(15)), { code: "INVALID_OPTION" });
  const s = op.parseSession(JSON.stringify({ sessionId: id, status: "completed", extra: 1, models: { flux: { enabled: true, iterations: [] } } }));
  assert.equal(s.status, "pending");
  assert.equal(s.models.flux.status, "pending");
  assert.equal(s.models.openai.status, "disabled");
  assert.equal("extra" in s, false);
  assert.throws(() => op.parseSession("{"), { code: "STORAGE_ERROR" });
  assert.throws(() => op.localProvider({ model: "flux", kind: "sideways", prompt: "" }), { code: "INVALID_OPTION" });
});

test("hand-made plans and expansions are refused with codes, never a wasm trap", () => {
  const img = { width: 32, height: 32, data: new Uint8ClampedArray(32 * 32 * 4).fill(200) };
  const p = op.prepare(img, "16:9", { fill: "edge" });
  const job = {
    model: "flux", kind: "outpaint", prompt: "x", source: op.encodePng(img),
    outpaint: { target: "16:9", canvasPng: op.encodePng(p.canvas), maskPng: op.encodePng(p.canvas), expansion: p.plan.expansion,
      plan: { ...p.plan, image: { x: 4294967290, y: 0, width: 32, height: 32 } }, direction: "d" },
  };
  assert.throws(() => op.localProvider(job), { name: "OutpaintError", code: "PROVIDER_ERROR", message: /does not lie inside the 57x32 canvas/ });
  assert.throws(() => op.mask({ left: 10, right: 10, top: 0, bottom: 0, newWidth: 5, newHeight: 5 }), { code: "INVALID_DIMENSIONS" });
  assert.throws(() => op.mask({ left: 0, right: 0, top: 0, bottom: 0, newWidth: 1000000, newHeight: 1000000 }), { code: "IMAGE_TOO_LARGE" });
});

test("generate runs every model's provider at once", async () => {
  const store = new MemoryStore({ yieldEach: true });
  let inFlight = 0, most = 0;
  const slow = async (job) => {
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setTimeout(r, 200));
    inFlight--;
    return op.localProvider(job);
  };
  const t0 = Date.now();
  const g = await op.run({ op: "generate", prompt: "a lake" }, { storage: store, provider: slow });
  const took = Date.now() - t0;
  assert.equal(g.session.status, "completed");
  assert.equal(most, 4);
  assert.ok(took < 600, `four 200 ms calls side by side took ${took} ms`);
  assert.equal(g.session.version, 4);
  assert.equal(g.stats.conflicts, 0);
});
