// outpaint-wasm/worker: the package's functions in a module Worker, as promises.
import type * as api from "../web/outpaint_wasm.js";
export type * from "../web/outpaint_wasm.js";
export { OutpaintError } from "../web/outpaint_wasm.js";

/** `F` as the worker runs it: the same arguments, the result as a promise. */
export type Async<F> = F extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;

/** Options of `createWorker`. */
export interface WorkerOptions {
  /** A Worker you made from `outpaint-wasm/worker/worker.js` (e.g. with your bundler's worker syntax). */
  worker?: Worker;
  /** The .wasm's URL or compiled module, when your bundler does not place it beside the worker. */
  wasm?: string | URL | WebAssembly.Module;
}

/** One worker and the functions that run in it. */
export interface OutpaintWorker {
@MEMBERS@
  /** The Worker itself. */
  readonly worker: Worker;
  /** Stops the worker and gives its wasm memory back; calls still running reject. */
  terminate(): void;
}

/** A worker of its own (the module's functions share one, made on first use). */
export function createWorker(options?: WorkerOptions): OutpaintWorker;
/** Marks `value`'s buffers (a typed array's, an image's `data`'s, an ArrayBuffer) to be moved to the worker instead of copied; returns `value`, whose buffers are then detached. */
export function transfer<T>(value: T): T;
/** Drops the shared worker and its memory; the next call makes a new one. */
export function terminate(): void;
@DECLARATIONS@
