// The CLI's sessions on a real S3-compatible server (tests/s3/server.mjs; run by
// scripts/s3-tests.sh): 16 writer processes on one session, writers killed mid-step, the
// server stopped and restarted mid-run, and stores that would be unsafe refused when they
// are opened. What is stored is read back through boto3, not through this project.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { s3Server, carelessServer, root, BUCKET } from "./server.mjs";

const bin = join(root, "target/debug/outpaint");
const lake = join(root, "examples/images/lake.jpg");
let server;

before(async () => {
  assert.ok(existsSync(bin), "build the CLI first (cargo build -p outpaint-cli)");
  server = await s3Server();
});
after(async () => server?.stop());

const cli = (args, env = server.env) => spawnSync(bin, args, { encoding: "utf8", env });
/** Starts the CLI: `{ child, done }`, `done` resolving to `{ status, signal, stdout, stderr }`. */
function start(args, env = server.env) {
  const child = spawn(bin, args, { env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise((resolve) => child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr })));
  return { child, done };
}
const cliAsync = (args, env) => start(args, env).done;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const json = (r) => {
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};
/** The session document as stored, read with boto3. */
const stored = (prefix, id) => JSON.parse(server.objects("get", `${prefix}/sessions/${id}/status.json`));
/** The requests the server logged from line `from` on (colours stripped), the opening
 * probes' left out: `[method, path, status]`. */
const requests = (from = 0) =>
  readFileSync(server.log, "utf8")
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split("\n")
    .slice(from)
    .map((l) => l.match(/"(\w+) (\S+) HTTP\/1\.1" (\d{3})/))
    .filter((m) => m && !m[2].includes("/.outpaint-probe/"))
    .map((m) => [m[1], m[2], Number(m[3])]);
const logLines = () => readFileSync(server.log, "utf8").split("\n").length - 1;

test("16 writer processes on one session: every step stored once, the budget never exceeded", async () => {
  const store = `s3://${BUCKET}/writers`;
  const made = json(cli(["session", "new", "--prompt", "a lake at dawn", "--models", "flux,openai", "--image", lake, "--store", store]));
  const id = made.session.sessionId;
  const v0 = made.session.version;
  const mark = logLines();
  // 12 on flux (6 iterations are left of its 7) and 4 on openai, all at once.
  const jobs = [
    ...Array.from({ length: 12 }, (_, i) =>
      i % 2 ? ["session", "iterate", id, "--model", "flux", "--prompt", `warmer ${i}`] : ["session", "outpaint", id, "--model", "flux", "--preset", "16:9"],
    ),
    ...Array.from({ length: 4 }, (_, i) => ["session", "iterate", id, "--model", "openai", "--prompt", `cooler ${i}`]),
  ];
  const t0 = Date.now();
  const results = await Promise.all(jobs.map((args) => cliAsync([...args, "--store", store])));
  const ms = Date.now() - t0;
  const won = results.filter((r) => r.status === 0);
  const refused = results.filter((r) => r.status !== 0);
  for (const r of refused) assert.match(r.stderr.trim(), /^error: ITERATION_LIMIT: /, r.stderr);
  assert.equal(won.length, 10, results.map((r) => r.stderr).join(""));
  assert.equal(refused.length, 6);
  // Each winner got its own index; the stored document has each step exactly once.
  const s = stored("writers", id);
  const flux = s.models.flux.iterations;
  const openai = s.models.openai.iterations;
  assert.deepEqual(flux.map((i) => i.index), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(openai.map((i) => i.index), [0, 1, 2, 3, 4]);
  for (const it of [...flux, ...openai]) assert.equal(it.status, "completed", JSON.stringify(it));
  const steps = results.flatMap((r, n) => (r.status === 0 ? [`${jobs[n][4]}-${JSON.parse(r.stdout).iterationIndex}`] : []));
  assert.equal(new Set(steps).size, 10, `two writers reported the same step: ${steps}`);
  // Two writes per step (begun, completed), one version each.
  assert.equal(s.version, v0 + 2 * 10);
  // Every completed step's image is stored, under its key.
  const keys = new Set(JSON.parse(server.objects("list", `writers/sessions/${id}/`)).map((o) => o.key));
  for (const it of [...flux, ...openai]) assert.ok(keys.has(`writers/${it.imageKey}`), it.imageKey);
  const conflicts = requests(mark).filter(([, , status]) => status === 412).length;
  assert.ok(conflicts > 0, "16 writers at once and no compare-and-swap was ever refused?");
  console.log(`16 writers: 10 steps stored once, 6 refused ITERATION_LIMIT, ${conflicts} conditional writes refused (412) and re-applied, ${ms} ms`);
});

test("writers killed mid-step: nothing completed is lost, nothing stays in progress past the stale rule", async () => {
  const store = `s3://${BUCKET}/kills`;
  const id = json(cli(["session", "new", "--prompt", "a lake", "--models", "flux,recraft,openai,gemini", "--image", lake, "--store", store])).session.sessionId;
  let killed = 0;
  const finished = [];
  for (let i = 0; i < 40; i++) {
    const model = ["flux", "recraft", "openai"][Math.floor(i / 2) % 3];
    const step = i % 2 ? ["iterate", id, "--model", model, "--prompt", `step ${i}`] : ["outpaint", id, "--model", model, "--preset", "4:3"];
    const { child, done } = start(["session", ...step, "--store", store]);
    // Most are killed early (mid-step); every third is given time to finish.
    await sleep(i % 3 === 2 ? 600 : 5 + Math.random() * 60);
    child.kill(i % 5 ? "SIGKILL" : "SIGINT");
    const r = await done;
    if (r.signal) killed++;
    else if (r.status === 0) finished.push([model, JSON.parse(r.stdout).iterationIndex]);
  }
  assert.ok(killed >= 10, `only ${killed} of 40 writers were killed mid-step`);
  assert.ok(finished.length >= 3, `only ${finished.length} of 40 writers finished`);
  let s = stored("kills", id);
  // Every step a writer saw finish is there, completed, with its image.
  for (const [model, index] of finished) assert.equal(s.models[model].iterations[index].status, "completed", `${model} ${index}`);
  const keys = () => new Set(JSON.parse(server.objects("list", `kills/sessions/${id}/`)).map((o) => o.key));
  let present = keys();
  for (const col of Object.values(s.models))
    for (const it of col.iterations) if (it.status === "completed") assert.ok(present.has(`kills/${it.imageKey}`), it.imageKey);
  // Eleven minutes later (the stored starts moved back, as a clock would), the next write
  // fails every step a dead writer left in progress (the stale rule: 10 minutes).
  const inProgress = Object.values(s.models).flatMap((c) => c.iterations.filter((it) => it.status === "in_progress"));
  const back = (t) => new Date(Date.parse(t) - 11 * 60_000).toISOString();
  for (const col of Object.values(s.models)) for (const it of col.iterations) if (it.status === "in_progress") it.startedAt = back(it.startedAt);
  server.objects("put", `kills/sessions/${id}/status.json`, new TextEncoder().encode(JSON.stringify(s)));
  const next = json(cli(["session", "iterate", id, "--model", "gemini", "--prompt", "after the kills", "--store", store]));
  s = stored("kills", id);
  assert.equal(s.models.gemini.iterations[next.iterationIndex].status, "completed");
  const left = Object.values(s.models).flatMap((c) => c.iterations.filter((it) => it.status === "in_progress"));
  assert.deepEqual(left, [], "a step stayed in progress past the stale rule");
  for (const col of Object.values(s.models))
    for (const it of col.iterations) if (it.status === "error") assert.match(it.error, /^interrupted: no result before the deadline$|^STORAGE_ERROR: /, it.error);
  present = keys();
  for (const [model, index] of finished) assert.equal(s.models[model].iterations[index].status, "completed", `${model} ${index} after`);
  console.log(`${killed} of 40 writers killed mid-step; ${finished.length} finished and kept; ${inProgress.length} left in progress, all failed by the stale rule at the next write`);
});

test("the server stopped and restarted mid-run: STORAGE_ERROR while it is down, success once it is back", async () => {
  const store = `s3://${BUCKET}/restart`;
  const id = json(cli(["session", "new", "--prompt", "a lake", "--models", "flux", "--image", lake, "--store", store])).session.sessionId;
  const before = [1, 2].map((i) => json(cli(["session", "iterate", id, "--model", "flux", "--prompt", `first ${i}`, "--store", store])).iterationIndex);
  const writers = Array.from({ length: 4 }, (_, i) => cliAsync(["session", "iterate", id, "--model", "flux", "--prompt", `before ${i}`, "--store", store]));
  await sleep(30);
  await server.stop();
  const t0 = Date.now();
  const down = cli(["session", "iterate", id, "--model", "flux", "--prompt", "while down", "--store", store]);
  const downMs = Date.now() - t0;
  assert.equal(down.status, 1);
  assert.match(down.stderr.trim(), /^error: STORAGE_ERROR: /);
  const status = cli(["session", "status", id, "--store", store]);
  assert.match(status.stderr.trim(), /^error: STORAGE_ERROR: /);
  const during = await Promise.all(writers);
  for (const r of during) if (r.status !== 0) assert.match(r.stderr.trim(), /^error: STORAGE_ERROR: /, r.stderr);
  await server.start();
  const after = json(cli(["session", "iterate", id, "--model", "flux", "--prompt", "after the restart", "--store", store]));
  const s = stored("restart", id);
  assert.equal(s.models.flux.iterations[after.iterationIndex].status, "completed");
  // Nothing a writer saw stored before or during the stop is gone.
  for (const i of [...before, ...during.filter((r) => r.status === 0).map((r) => JSON.parse(r.stdout).iterationIndex)])
    assert.equal(s.models.flux.iterations[i].status, "completed", `step ${i}`);
  console.log(`server down: refused in ${downMs} ms with STORAGE_ERROR; ${during.filter((r) => r.status === 0).length} of 4 writers in flight finished, the rest STORAGE_ERROR; after the restart the session was all there`);
});

test("stores that would lose updates are refused when opened: STORAGE_ERROR, nothing written", async () => {
  // Conditional writes turned off in the client.
  const off = cli(["session", "gallery", "--store", `s3://${BUCKET}/off`], { ...server.env, AWS_CONDITIONAL_PUT: "disabled" });
  assert.equal(off.status, 1);
  assert.match(off.stderr.trim(), /^error: STORAGE_ERROR: .*conditional writes are turned off/);
  // A server that takes every write and ignores preconditions.
  const careless = await carelessServer();
  const env = { ...server.env, AWS_ENDPOINT_URL: careless.endpoint };
  const r = await cliAsync(["session", "new", "--prompt", "x", "--models", "flux", "--store", "s3://careless/app"], env);
  careless.close();
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^error: STORAGE_ERROR: s3:\/\/careless\/app does not honour If-None-Match: \* on writes/);
  assert.deepEqual(careless.keys(), [], "the probe left its key behind");
});
