// The engine transcripts (tests/vectors/engine/*.json) replayed through the npm
// package's `Engine`: the same steps, effects, deadlines, misuse codes and outcomes as
// core/tests/transcripts.rs (see there for the format) and tests/c/transcripts.c. Used by
// tests/js/transcripts.test.mjs (over memory) and tests/s3/npm.test.mjs (over S3).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { MemoryStore } from "./store.mjs";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");
const dir = new URL("../vectors/engine/", import.meta.url);
const text = new TextDecoder();

/**
 * The shared store: storage effects answered from a backend (a `Storage`: memory by
 * default, or a real S3 store) whose tags are counted as writes (`1`, `2`, ...) whatever
 * the backend's own are, so a transcript recorded over memory replays over any store;
 * faults and another writer on demand.
 */
export class Store {
  writes = 0;
  faults = [];
  interfere = null;
  /** `key \0 backend tag` -> number, and `key \0 number` -> backend tag. */
  numbers = new Map();
  tags = new Map();
  constructor(backend = new MemoryStore()) {
    this.backend = backend;
  }
  fault(kind) {
    const i = this.faults.findIndex((f) => f.kind === kind);
    return i < 0 ? null : this.faults.splice(i, 1)[0].message;
  }
  /** Writes through the backend; the next number, or null when refused. */
  async write(key, bytes, expected) {
    const x = expected.kind === "tag" ? { kind: "tag", tag: this.tags.get(`${key}\0${expected.tag}`) ?? `"no-such-tag-${expected.tag}"` } : expected;
    const tag = await this.backend.put(key, bytes, x);
    if (tag === null) return null;
    const n = String(++this.writes);
    this.numbers.set(`${key}\0${tag}`, n);
    this.tags.set(`${key}\0${n}`, tag);
    return n;
  }
  async answer(engine, e) {
    const failed = this.fault(e.kind);
    if (failed !== null) return engine.handleStorageError(e.id, failed);
    if (e.kind === "get") {
      const it = await this.backend.get(e.key);
      const tag = it ? this.numbers.get(`${e.key}\0${it.tag}`) : null;
      if (it && tag === undefined) throw new Error(`${e.key} was written by another`);
      engine.handleGet(e.id, it ? { bytes: it.bytes, tag } : null);
      if (this.interfere !== null && e.key.endsWith(this.interfere)) {
        // Another writer: the same JSON plus a newline (a content-hash ETag would not
        // change for the same bytes).
        this.interfere = null;
        if (it) await this.write(e.key, new Uint8Array([...it.bytes, 0x0a]), { kind: "any" });
      }
    } else if (e.kind === "put") {
      engine.handlePut(e.id, await this.write(e.key, e.body, e.expected));
    } else {
      engine.handleList(e.id, await this.backend.list(e.prefix));
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

async function replayRun(run, store, state, name) {
  const operation = JSON.parse(run.operation.replaceAll("{session}", state.session));
  const config = run.config ? JSON.parse(run.config) : undefined;
  const engine = new op.Engine(operation, config, run.now, run.seed);
  const calls = [];
  try {
    for (const [n, st] of run.steps.entries()) {
      const at = `${name} step ${n}`;
      if ("drain" in st) {
        const seen = [];
        for (let e; (e = engine.pollEffect(st.drain)) !== undefined;) {
          seen.push(digest(e));
          if (e.kind === "call") calls.push(e.id);
          else if (e.kind !== "http") await store.answer(engine, e);
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
    }
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

/** The transcripts' file names. */
export const transcripts = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

/** Replays transcript `file` (every run, in order) over `store`. */
export async function replay(file, store) {
  const t = JSON.parse(readFileSync(new URL(file, dir), "utf8"));
  const state = { session: "" };
  for (const run of t.runs) await replayRun(run, store, state, file);
}
