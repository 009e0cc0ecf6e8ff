// The engine transcripts (tests/vectors/engine/*.json) replayed through the npm
// package's `Engine`: the same steps, effects, deadlines, misuse codes and outcomes as
// core/tests/transcripts.rs (see there for the format) and tests/c/transcripts.c.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");
const dir = new URL("../vectors/engine/", import.meta.url);
const text = new TextDecoder();

/** The shared store: tags count writes; faults and another writer on demand. */
class Store {
  items = new Map();
  writes = 0;
  faults = [];
  interfere = null;
  fault(kind) {
    const i = this.faults.findIndex((f) => f.kind === kind);
    return i < 0 ? null : this.faults.splice(i, 1)[0].message;
  }
  answer(engine, e) {
    const failed = this.fault(e.kind);
    if (failed !== null) return engine.handleStorageError(e.id, failed);
    if (e.kind === "get") {
      const it = this.items.get(e.key);
      engine.handleGet(e.id, it ? { bytes: it.bytes, tag: String(it.tag) } : null);
      if (this.interfere !== null && e.key.endsWith(this.interfere)) {
        this.interfere = null;
        if (it) it.tag = ++this.writes;
      }
    } else if (e.kind === "put") {
      const cur = this.items.get(e.key);
      const x = e.expected;
      const ok = x.kind === "any" || (x.kind === "absent" && !cur) || (x.kind === "tag" && cur && String(cur.tag) === x.tag);
      if (!ok) return engine.handlePut(e.id, null);
      this.items.set(e.key, { bytes: e.body, tag: ++this.writes });
      engine.handlePut(e.id, String(this.writes));
    } else {
      engine.handleList(e.id, [...this.items.keys()].filter((k) => k.startsWith(e.prefix)));
    }
  }
}

const body = (b) => {
  const t = b.length > 0 && b[0] === 0x7b ? text.decode(b) : null;
  return t ?? `<${b.length} bytes>`;
};

/** One line per effect, the same on every door. */
function digest(e) {
  switch (e.kind) {
    case "get": return `#${e.id} get ${e.key}`;
    case "list": return `#${e.id} list ${e.prefix}`;
    case "put": {
      const x = e.expected.kind === "tag" ? `tag:${e.expected.tag}` : e.expected.kind;
      return `#${e.id} put ${e.key} ${x} ${body(e.body)}`;
    }
    case "call": {
      const j = e.job;
      let d = `#${e.id} call ${j.model} ${j.kind} ${j.prompt}`;
      if (j.outpaint) {
        d += ` canvas <${j.outpaint.canvasPng.length} bytes> mask <${j.outpaint.maskPng.length} bytes> plan ${e.planJson}`;
      }
      return d;
    }
    case "http": return `#${e.id} http ${e.model} ${e.request.method} ${e.request.url} ${body(e.request.body)}`;
  }
  throw new Error(`unknown effect ${e.kind}`);
}

function replayRun(run, store, state, name) {
  const operation = JSON.parse(run.operation.replaceAll("{session}", state.session));
  const config = run.config ? JSON.parse(run.config) : undefined;
  const engine = new op.Engine(operation, config, run.now, run.seed);
  const calls = [];
  try {
    run.steps.forEach((st, n) => {
      const at = `${name} step ${n}`;
      if ("drain" in st) {
        const seen = [];
        for (let e; (e = engine.pollEffect(st.drain)) !== undefined;) {
          seen.push(digest(e));
          if (e.kind === "call") calls.push(e.id);
          else if (e.kind !== "http") store.answer(engine, e);
        }
        assert.deepEqual(seen, st.effects, at);
      } else if ("local" in st) {
        const ids = st.local === "all" ? [...calls] : st.local;
        for (const id of ids) {
          engine.handleLocal(id);
          calls.splice(calls.indexOf(id), 1);
        }
      } else if ("fail" in st) {
        engine.handleFailure(st.fail, { kind: st.kind, message: st.message, retryAfterMs: st.retryAfterMs });
        calls.splice(calls.indexOf(st.fail), 1);
      } else if ("respond" in st) {
        engine.handleResponse(st.respond, { status: st.status, headers: st.headers ?? [], body: st.body });
      } else if ("transport" in st) {
        engine.handleTransportError(st.transport, st.timeout === true, st.message);
      } else if ("timeout" in st) {
        assert.equal(engine.pollTimeout() ?? null, st.deadline, at);
        engine.handleTimeout(st.timeout);
      } else if ("interfere" in st) {
        store.interfere = st.interfere;
      } else if ("failStorage" in st) {
        store.faults.push({ kind: st.failStorage, message: st.message });
      } else if ("misuse" in st) {
        const answer = {
          get: () => engine.handleGet(st.id, null),
          put: () => engine.handlePut(st.id, null),
          list: () => engine.handleList(st.id, []),
          call: () => engine.handleFailure(st.id, { kind: "rejected", message: "misuse" }),
          http: () => engine.handleResponse(st.id, { status: 200, body: "" }),
        }[st.misuse];
        let status = "OK";
        try {
          answer();
        } catch (e) {
          status = e.code;
        }
        assert.equal(status, st.status, at);
      } else {
        assert.fail(`${at}: unknown step ${JSON.stringify(st)}`);
      }
    });
    let outcome;
    try {
      outcome = engine.pollOutcome();
    } catch (e) {
      assert.equal(`${e.code}: ${e.message}`, run.error, `${name}: the error`);
      return;
    }
    assert.ok(outcome !== undefined, `${name}: the operation is over`);
    // The outcome as the core serialises it (compact JSON, the same key order).
    assert.deepEqual(outcome, JSON.parse(run.outcome), `${name}: the outcome`);
    if (outcome.session) state.session = outcome.session.sessionId;
  } finally {
    engine.free();
  }
}

const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

test("there are transcripts to replay", () => assert.ok(files.length >= 12, files.join(", ")));

for (const f of files) {
  test(`transcript ${f}`, () => {
    const t = JSON.parse(readFileSync(new URL(f, dir), "utf8"));
    const store = new Store();
    const state = { session: "" };
    for (const run of t.runs) replayRun(run, store, state, f);
  });
}
