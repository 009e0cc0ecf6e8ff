// outpaint-wasm/worker, the worker side: runs the package's functions on messages from
// worker/index.js. The message handler is registered before the wasm loads (a message the
// page posts at once is answered once it is ready, not lost); results go back with their
// buffers transferred, not copied.
import init, * as outpaint from "../web/outpaint_wasm.js";

const FUNCTIONS = new Set(@FUNCTIONS@);
let ready = null;

/** Every ArrayBuffer a result owns (not wasm memory, which cannot be transferred). */
function buffers(value, out = new Set(), depth = 0) {
  if (value === null || typeof value !== "object" || depth > 4) return out;
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.byteLength === value.buffer.byteLength) out.add(value.buffer);
    return out;
  }
  if (value instanceof ArrayBuffer) return out.add(value);
  for (const v of Array.isArray(value) ? value : Object.values(value)) buffers(v, out, depth + 1);
  return out;
}

self.addEventListener("message", async (event) => {
  const { id, fn, args, wasm } = event.data ?? {};
  if (fn === "@init") {
    // The page's options: a wasm URL or module of its own (else the bundled one).
    ready ??= init(wasm === undefined ? undefined : { module_or_path: wasm });
    return;
  }
  try {
    ready ??= init();
    await ready;
    if (!FUNCTIONS.has(fn)) throw new outpaint.OutpaintError("INVALID_OPTION", `outpaint-wasm/worker has no function ${String(fn)}`);
    const result = await outpaint[fn](...args);
    const transfer = [...buffers(result)];
    try {
      self.postMessage({ id, result }, transfer);
    } catch {
      self.postMessage({ id, result });
    }
  } catch (e) {
    const error = e instanceof outpaint.OutpaintError || (e && typeof e.code === "string")
      ? { code: e.code, message: e.message }
      : { code: "INVALID_OPTION", message: String(e && e.message || e) };
    self.postMessage({ id, error });
  }
});
