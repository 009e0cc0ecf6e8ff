// The TypeScript declarations checked against what the core really serialises: every
// object the package hands out (sessions, iterations, outcomes, plans, seams, jobs,
// effects, events, gallery rows, context entries) is compared key by key with the
// interface the .d.ts declares for it: no undeclared key, no missing required key, and
// each declared key's value of the declared kind. A hand-kept declaration that drifts
// fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { MemoryStore } from "./store.mjs";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");
const dts = readFileSync(new URL("../../bindings/npm/node/outpaint_wasm.d.ts", import.meta.url), "utf8");

/** The top-level members of a `{ ... }` body: name -> { optional, type }. */
function members(body) {
  const out = {};
  let depth = 0, cur = "";
  const flush = () => {
    const m = cur.replace(/\/\*\*[\s\S]*?\*\//g, "").trim().match(/^(\w+)(\??)\s*:\s*([\s\S]+)$/);
    if (m) out[m[1]] = { optional: m[2] === "?", type: m[3].trim() };
    cur = "";
  };
  for (const ch of body) {
    if ("{[(<".includes(ch)) depth++;
    if ("}])>".includes(ch)) depth--;
    if ((ch === ";" || ch === "\n") && depth === 0) flush();
    else cur += ch;
  }
  flush();
  return out;
}

/** The body of `export interface NAME { ... }` (braces balanced). */
function declared(name) {
  const start = dts.search(new RegExp(`export interface ${name}\\b[^{]*\\{`));
  assert.ok(start >= 0, `interface ${name} is not declared`);
  let i = dts.indexOf("{", start) + 1, depth = 1;
  const from = i;
  while (depth > 0) {
    if (dts[i] === "{") depth++;
    if (dts[i] === "}") depth--;
    i++;
  }
  return members(dts.slice(from, i - 1));
}

/** Whether `v` is of the kind a declared type names (the leading kind of a union). */
function kindOk(v, type) {
  const t = type.replace(/\s+/g, " ");
  if (v === undefined) return false;
  if (t.endsWith("[]")) return Array.isArray(v);
  if (/^"/.test(t)) return typeof v === "string" && t.split("|").map((s) => s.trim()).includes(JSON.stringify(v));
  if (t.startsWith("number")) return typeof v === "number";
  if (t.startsWith("string")) return typeof v === "string";
  if (t.startsWith("boolean")) return typeof v === "boolean";
  if (t.startsWith("Uint8Array")) return v instanceof Uint8Array;
  return typeof v === "object" && v !== null;
}

/** Checks `obj` against interface `name`; returns the declared members. */
function conforms(obj, name) {
  const decl = declared(name);
  for (const k of Object.keys(obj)) assert.ok(k in decl, `${name}.${k} is serialised but not declared`);
  for (const [k, d] of Object.entries(decl)) {
    if (!(k in obj)) {
      assert.ok(d.optional, `${name}.${k} is declared required but not serialised`);
      continue;
    }
    if (/^[A-Z]\w*$/.test(d.type) && !["Model", "Curve", "Anchor", "MaskKind", "IterationStatus", "ModelStatus", "SessionStatus"].includes(d.type)) continue;
    const alias = { Model: '"flux" | "recraft" | "gemini" | "openai"', Curve: '"linear" | "smoothstep" | "quadratic"' }[d.type];
    if (alias) assert.ok(kindOk(obj[k], alias), `${name}.${k} = ${JSON.stringify(obj[k])} is not ${d.type}`);
    else if (!/^[A-Z]/.test(d.type)) assert.ok(kindOk(obj[k], d.type), `${name}.${k} = ${JSON.stringify(obj[k])} is not ${d.type}`);
  }
  return decl;
}


test("sessions, iterations, columns, outcomes and gallery rows are as declared", async () => {
  const storage = new MemoryStore();
  const g = await op.run({ op: "generate", prompt: "a lake", models: ["flux"] }, { storage });
  const o = await op.run({ op: "outpaint", sessionId: g.session.sessionId, model: "flux", preset: "16:9" }, { storage });
  conforms(o, "Outcome");
  const stats = members(declared("Outcome").stats.type.replace(/^\{|\}$/g, ""));
  assert.deepEqual(Object.keys(o.stats).sort(), Object.keys(stats).sort());
  conforms(o.session, "Session");
  conforms(o.session.models.flux, "ModelColumn");
  for (const it of o.session.models.flux.iterations) conforms(it, "Iteration");
  conforms(o.session.models.openai, "ModelColumn");
  // The Session doc says where it is stored: the key the store really holds.
  assert.match(dts, /stored at `sessions\/\{sessionId\}\/status\.json`/);
  assert.ok(storage.items.has(`sessions/${g.session.sessionId}/status.json`));
  const gallery = await op.run({ op: "gallery" }, { storage });
  for (const row of gallery.gallery) conforms(row, "GalleryItem");
  const ctx = op.ContextWindow.parse(storage.items.get(`sessions/${g.session.sessionId}/context/flux.json`).bytes, g.session.sessionId, "flux");
  for (const e of ctx.entries) conforms(e, "ContextEntry");
  ctx.free();
});

test("expansions, plans, seams and prepared canvases are as declared", () => {
  const e = op.expand(64, 64, "16:9");
  conforms(e, "Expansion");
  const plan = op.fit(64, 64, "16:9", { profile: "openai" });
  const p = conforms(plan, "Plan");
  conforms(plan.size, "Size");
  conforms(plan.image, "Rect");
  conforms(plan.edges, "Edges");
  assert.ok(p.send.type.includes(JSON.stringify(plan.send)), `Plan.send ${plan.send} is not declared`);
  const png = op.encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 4).fill(200) });
  const prepared = op.prepare(png, "16:9", { feather: 8 });
  conforms(prepared, "Prepared");
  conforms(prepared.seam, "Seam");
  conforms(prepared.canvas, "RgbaImage");
  conforms(prepared.mask, "MaskImage");
  conforms(op.preparePng(png, "16:9"), "PreparedPng");
});

test("jobs, effects and events are as declared", async () => {
  const storage = new MemoryStore();
  const g = await op.run({ op: "generate", prompt: "a lake", models: ["gemini"] }, { storage });
  const engine = new op.Engine({ op: "outpaint", sessionId: g.session.sessionId, model: "gemini", preset: "16:9" }, undefined, Date.now(), 5);
  let call;
  for (let e; (e = engine.pollEffect(Date.now())) !== undefined || !call;) {
    if (!e) continue;
    if (e.kind === "call") { call = e; break; }
    if (e.kind === "get") {
      const it = storage.items.get(e.key);
      engine.handleGet(e.id, it ?? null);
    } else if (e.kind === "put") engine.handlePut(e.id, "x");
    else engine.handleList(e.id, []);
  }
  conforms(call.job, "Job");
  const declaredOutpaint = members(declared("Job").outpaint.type.replace(/^\{|\}$/g, ""));
  for (const k of Object.keys(call.job.outpaint)) assert.ok(k in declaredOutpaint, `Job.outpaint.${k} is not declared`);
  for (const k of Object.keys(declaredOutpaint)) assert.ok(k in call.job.outpaint, `Job.outpaint.${k} is not serialised`);
  // Bytes are Uint8Arrays, not arrays of numbers (a canvas as a JS array costs 8x).
  for (const k of ["canvasPng", "maskPng"]) assert.ok(call.job.outpaint[k] instanceof Uint8Array, `Job.outpaint.${k} is not a Uint8Array`);
  if (call.job.source !== undefined) assert.ok(call.job.source instanceof Uint8Array, "Job.source is not a Uint8Array");
  engine.free();
  // Events: a retry after a failing provider call.
  const events = [];
  let n = 0;
  await op.run({ op: "generate", prompt: "a lake", models: ["flux"] }, {
    storage,
    provider: (job) => (n++ === 0 ? Promise.reject(Object.assign(new Error("busy"), { kind: "transient" })) : op.localProvider(job)),
    sleep: async () => {},
    onEvent: (e) => events.push(e),
  });
  assert.deepEqual(Object.keys(events[0]).sort(), ["kind", "message", "model", "ms"]);
  assert.match(dts, /\{ kind: "retrying"; model: Model; message: string; ms: number \}/);
});

test("the model registry is as declared, and patches are checked", () => {
  const r = op.registry();
  conforms(r, "Registry");
  for (const c of Object.values(r.columns)) conforms(c, "RegistryColumn");
  for (const m of Object.values(r.models)) {
    conforms(m, "RegistryModel");
    conforms(m.upload, "UploadLimits");
    conforms(m.mask, "UploadLimits");
  }
  // Profiles: the keys of the declared variant their `send` names.
  const variants = /export type RegistryProfile = \{ model: string; mask: MaskKind \} & \(([\s\S]*?)\);/.exec(dts)[1];
  for (const [name, p] of Object.entries(r.profiles)) {
    const v = variants.split("\n").find((l) => l.includes(`send: "${p.send}"`));
    assert.ok(v, `${name}: send ${p.send} is not declared`);
    const keys = [...v.matchAll(/(\w+):/g)].map((m) => m[1]);
    assert.deepEqual(Object.keys(p).filter((k) => k !== "model" && k !== "mask").sort(), keys.sort(), name);
  }
  assert.equal(r.columns.openai.generate, "gpt-image-2");
  // Every error code the core has is in the declared union.
  const codes = /export type ErrorCode =([\s\S]*?);/.exec(dts)[1];
  for (const c of ["CONTENT_POLICY", "PROVIDER_AUTH", "QUOTA_EXCEEDED", "INVALID_OPTION"]) assert.ok(codes.includes(`"${c}"`), c);
  const patched = op.registry({ columns: { openai: { generate: "gpt-image-2-2026-04-21" } } });
  assert.equal(patched.columns.openai.generate, "gpt-image-2-2026-04-21");
  assert.throws(() => op.registry({ columns: { openai: { generate: "dall-e-3" } } }), { code: "INVALID_OPTION", message: /not in models/ });
  assert.throws(() => op.registry({ profiles: { openai: { multipleOff: 8 } } }), { code: "INVALID_OPTION", message: /unknown field \/profiles\/openai\/multipleOff/ });
});

test("the declared unions of names are the core's: profiles as the registry has them, targets as the oracle names them", () => {
  const union = (name) =>
    [...new RegExp(`export type ${name} = ([^;]+);`).exec(dts)[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(union("ProfileName"), Object.keys(op.registry().profiles).sort());
  // The independent Python oracle's named targets (tests/vectors/generate.py), then expand_all.
  const oracle = readFileSync(new URL("../vectors/generate.py", import.meta.url), "utf8");
  const named = JSON.parse(/^NAMED = (\[.*\])$/m.exec(oracle)[1]);
  assert.deepEqual(union("TargetName"), [...named, "expand_all"].sort());
  for (const t of union("TargetName")) assert.equal(typeof op.expand(100, 100, t).newWidth, "number", t);
  // Every declared fill mode is one the core takes.
  for (const f of union("Fill")) assert.equal(op.pad({ width: 1, height: 1, data: new Uint8Array(4) }, op.expand(1, 1, "2:1"), f).width, 2, f);
});
