// The npm package's S3 storage (outpaint-wasm/s3) on a real S3-compatible server
// (tests/s3/server.mjs; run by scripts/s3-tests.sh): the storage contract, the probe, every
// engine transcript, `run` sessions the CLI reads and writes too, and 16 writer processes
// (8 Node, 8 CLI) on one session. What is stored is read back through boto3.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { join } from "node:path";
import { s3Server, carelessServer, root, BUCKET } from "./server.mjs";
import { Store, replay, transcripts } from "../js/transcripts.mjs";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");
const bin = join(root, "target/debug/outpaint");
let server;
let s3;

before(async () => {
  server = await s3Server();
  Object.assign(process.env, server.env);
  s3 = await import("../../bindings/npm/s3/index.js");
});
after(async () => server?.stop());

const enc = (s) => new TextEncoder().encode(s);
const dec = (b) => new TextDecoder().decode(b);
/** A child process: `{ status, stdout, stderr }`. */
const proc = (cmd, args) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { env: server.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
const ok = (r) => {
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};

test("the storage contract: creates, compare-and-swap, overwrites, listings, refused keys", async () => {
  const st = await s3.openS3Storage({ bucket: BUCKET, prefix: "npm-contract" });
  assert.equal(st.name, `s3://${BUCKET}/npm-contract`);
  const k = "sessions/a/status.json";
  const read = async (key) => {
    const v = await st.get(key);
    return v && [dec(v.bytes), v.tag];
  };
  assert.equal(await st.get(k), null);
  assert.equal(await st.put(k, enc("{}"), { kind: "tag", tag: '"nope"' }), null, "If-Match on an absent key");
  const t1 = await st.put(k, enc('{"v":1}'), { kind: "absent" });
  assert.match(t1, /^".+"$/);
  assert.equal(await st.put(k, enc('{"v":0}'), { kind: "absent" }), null, "a second create");
  assert.deepEqual(await read(k), ['{"v":1}', t1]);
  assert.equal(await st.put(k, enc('{"v":9}'), { kind: "tag", tag: `${t1}x` }), null, "a wrong tag");
  const t2 = await st.put(k, enc('{"v":2}'), { kind: "tag", tag: t1 });
  assert.notEqual(t2, t1);
  assert.equal(await st.put(k, enc('{"v":9}'), { kind: "tag", tag: t1 }), null, "a stale tag");
  const t3 = await st.put(k, enc('{"v":3}'), { kind: "any" });
  assert.deepEqual(await read(k), ['{"v":3}', t3]);
  for (const key of ["sessions/a/images/flux-0.png", "sessions/ab/status.json", "sessions/b/context/flux.json", "other/x.json", "sessions/c/sp ace+&<.json"])
    await st.put(key, enc("x"), { kind: "any" });
  assert.deepEqual(await st.list("sessions/a"), ["sessions/a/images/flux-0.png", "sessions/a/status.json", "sessions/ab/status.json"]);
  assert.deepEqual(await st.list("sessions/c/"), ["sessions/c/sp ace+&<.json"], "keys that need escaping, in the URL and in the listing's XML");
  assert.deepEqual(await st.list("nothing/"), []);
  // What boto3 sees: the same keys under the prefix.
  const seen = JSON.parse(server.objects("list", "npm-contract/")).map((o) => o.key);
  assert.ok(seen.includes("npm-contract/sessions/c/sp ace+&<.json"), seen.join());
  for (const bad of ["../escape.json", "sessions//x.json", "sessions/./x.json", "a\\b"]) {
    await assert.rejects(st.get(bad), { code: "STORAGE_ERROR" }, bad);
    await assert.rejects(st.put(bad, enc("x"), { kind: "any" }), { code: "STORAGE_ERROR" }, bad);
  }
  // More than one page of listing (S3 pages at 1000 keys).
  await Promise.all(Array.from({ length: 1005 }, (_, i) => st.put(`many/${String(i).padStart(4, "0")}.json`, enc("x"), { kind: "any" })));
  const many = await st.list("many/");
  assert.equal(many.length, 1005);
  assert.equal(many[1004], "many/1004.json");
});

test("stores that would lose updates are refused by openS3Storage: STORAGE_ERROR, nothing left", async () => {
  const careless = await carelessServer();
  try {
    await assert.rejects(
      s3.openS3Storage({ bucket: "careless", prefix: "app", endpoint: careless.endpoint }),
      (e) => e.code === "STORAGE_ERROR" && /^s3:\/\/careless\/app does not honour If-None-Match: \* on writes/.test(e.message),
    );
    assert.deepEqual(careless.keys(), []);
  } finally {
    careless.close();
  }
  assert.throws(() => s3.s3Storage({ bucket: "No_Such" }), TypeError);
  // A port nothing listens on (port 9 would be refused by fetch itself, as a "bad port").
  const closed = await new Promise((resolve) => {
    const l = createServer().listen(0, "127.0.0.1", () => {
      const { port } = l.address();
      l.close(() => resolve(port));
    });
  });
  const down = s3.s3Storage({ bucket: BUCKET, endpoint: `http://127.0.0.1:${closed}` });
  await assert.rejects(down.get("sessions/x/status.json"), (e) => e.code === "STORAGE_ERROR" && e.message.includes("ECONNREFUSED"));
});

for (const f of transcripts) {
  test(`transcript ${f} over S3 (npm Engine, outpaint-wasm/s3)`, async () => {
    const backend = await s3.openS3Storage({ bucket: BUCKET, prefix: `npm-transcripts-${process.pid}/${f.replace(".json", "")}` });
    await replay(f, new Store(backend));
  });
}

test("run() on S3: a session npm starts, the CLI continues and npm reads back, in one layout", async () => {
  const storage = await s3.openS3Storage({ bucket: BUCKET, prefix: "shared" });
  const made = await op.run({ op: "generate", prompt: "a lake at dawn", models: ["flux", "openai"] }, { storage });
  const id = made.session.sessionId;
  const cli = ok(await proc(bin, ["session", "iterate", id, "--model", "flux", "--prompt", "warmer", "--store", `s3://${BUCKET}/shared`]));
  assert.equal(cli.iterationIndex, 1);
  const out = await op.run({ op: "outpaint", sessionId: id, model: "openai", preset: "16:9" }, { storage });
  assert.equal(out.session.models.openai.iterations[out.iterationIndex].status, "completed");
  const status = ok(await proc(bin, ["session", "status", id, "--store", `s3://${BUCKET}/shared`]));
  assert.deepEqual(status.session, out.session, "the CLI reads exactly what npm wrote");
  const gallery = await op.run({ op: "gallery" }, { storage });
  assert.deepEqual(gallery.gallery.map((g) => g.sessionId), [id]);
  // Every image the session names is in the bucket (boto3's listing).
  const keys = new Set(JSON.parse(server.objects("list", `shared/sessions/${id}/`)).map((o) => o.key));
  for (const col of Object.values(out.session.models)) for (const it of col.iterations) if (it.imageKey) assert.ok(keys.has(`shared/${it.imageKey}`), it.imageKey);
});

test("16 writer processes, 8 Node (npm run) and 8 CLI, on one session: every step stored once", async () => {
  const storage = await s3.openS3Storage({ bucket: BUCKET, prefix: "mixed" });
  const made = await op.run({ op: "generate", prompt: "a harbour", models: ["flux", "gemini", "openai"] }, { storage });
  const id = made.session.sessionId;
  const writer = join(root, "tests/s3/writer.mjs");
  const jobs = Array.from({ length: 16 }, (_, i) => {
    const model = ["flux", "gemini", "openai"][i % 3];
    const step = i % 4 < 2 ? { op: "iterate", sessionId: id, model, prompt: `step ${i}` } : { op: "outpaint", sessionId: id, model, preset: "4:3" };
    const args =
      step.op === "iterate"
        ? ["session", "iterate", id, "--model", model, "--prompt", step.prompt, "--store", `s3://${BUCKET}/mixed`]
        : ["session", "outpaint", id, "--model", model, "--preset", step.preset, "--store", `s3://${BUCKET}/mixed`];
    return { model, run: i % 2 ? proc(process.execPath, [writer, BUCKET, "mixed", JSON.stringify(step)]) : proc(bin, args) };
  });
  const results = await Promise.all(jobs.map((j) => j.run));
  for (const r of results) assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(server.objects("get", `mixed/sessions/${id}/status.json`));
  const steps = results.map((r, i) => `${jobs[i].model}-${JSON.parse(r.stdout).iterationIndex}`);
  assert.equal(new Set(steps).size, 16, `two writers reported one step: ${steps}`);
  for (const m of ["flux", "gemini", "openai"]) {
    const its = s.models[m].iterations;
    assert.deepEqual(its.map((i) => i.index), [...its.keys()]);
    assert.ok(its.every((i) => i.status === "completed"), m);
  }
  const total = ["flux", "gemini", "openai"].reduce((n, m) => n + s.models[m].iterations.length, 0);
  assert.equal(total, 3 + 16);
  assert.equal(s.version, made.session.version + 2 * 16);
});
