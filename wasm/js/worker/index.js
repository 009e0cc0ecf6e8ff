// outpaint-wasm/worker: the package's functions run in a module Worker, as promises, so a
// large prepare, composite or runLocal never blocks the page. Results come back with their
// buffers transferred; `transfer(x)` marks an argument's buffers to be moved there too
// (the caller's copy is then detached). Calls made before the worker is ready are queued.
// Wasm memory never shrinks: `terminate()` drops the worker and gives its memory back (the
// next call starts a fresh one).
import { OutpaintError } from "@SNIPPET@";

export { OutpaintError };

const moved = new WeakMap();

/** Marks `value`'s buffers (a typed array's, an image's `data`'s, or an ArrayBuffer) to be
 * transferred to the worker instead of copied; returns `value`. */
export function transfer(value) {
  // Nothing to move in a number or a string (and a WeakMap takes objects only).
  if (value === null || typeof value !== "object") return value;
  const list = [];
  const add = (v) => {
    if (v instanceof ArrayBuffer) list.push(v);
    else if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) list.push(v.buffer);
  };
  add(value);
  if (value && typeof value === "object" && "data" in value) add(value.data);
  moved.set(value, list);
  return value;
}

/** A worker of its own (the functions below share one, made on first use). Options:
 * `worker` (a Worker you made from `outpaint-wasm/worker/worker.js`), `wasm` (a URL or
 * `WebAssembly.Module` of the .wasm, when your bundler does not place it). */
export function createWorker(options = {}) {
  const worker = options.worker ?? new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "outpaint" });
  const pending = new Map();
  let next = 1;
  let dead = null;
  const fail = (error) => {
    dead = error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.addEventListener("message", (event) => {
    const { id, result, error } = event.data ?? {};
    const call = pending.get(id);
    if (!call) return;
    pending.delete(id);
    if (error) call.reject(new OutpaintError(error.code, error.message));
    else call.resolve(result);
  });
  worker.addEventListener("error", (event) => {
    event.preventDefault?.();
    fail(new OutpaintError("INVALID_OPTION", `the outpaint worker failed to start: ${event.message ?? "load error"}`));
  });
  if (options.wasm !== undefined) worker.postMessage({ fn: "@init", wasm: options.wasm });
  const call = (fn, args) => new Promise((resolve, reject) => {
    if (dead) return reject(dead);
    const id = next++;
    pending.set(id, { resolve, reject });
    const list = [];
    for (const a of args) for (const b of moved.get(a) ?? []) if (!list.includes(b)) list.push(b);
    try {
      worker.postMessage({ id, fn, args }, list);
    } catch (e) {
      pending.delete(id);
      reject(new OutpaintError("INVALID_OPTION", `cannot send the arguments to the worker: ${e && e.message}`));
    }
  });
  const api = { worker, terminate() { worker.terminate(); fail(new OutpaintError("INVALID_OPTION", "the outpaint worker was terminated")); } };
  for (const fn of FUNCTIONS) api[fn] = (...args) => call(fn, args);
  return api;
}

const FUNCTIONS = @FUNCTIONS@;
let shared = null;
const get = () => (shared ??= createWorker());

/** Drops the shared worker (and its wasm memory); the next call makes a new one. Calls
 * still running reject with an OutpaintError. */
export function terminate() {
  shared?.terminate();
  shared = null;
}

@WRAPPERS@
