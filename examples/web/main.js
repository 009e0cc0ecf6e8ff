// The demo page's script: plain ES modules, the package's `web` build.
import init, {
  decode,
  decodeBlob,
  drawToCanvas,
  expand,
  prepare,
  runLocal,
  run,
} from "../../bindings/npm/web/outpaint_wasm.js";

const $ = (id) => document.getElementById(id);
let source = null; // { width, height, data } of the picked image
let sourceBytes = null; // its encoded bytes (handed to the session as the original)

function options() {
  return { anchor: $("anchor").value, fill: $("fill").value, feather: Number($("feather").value) };
}

function show(err) {
  $("error").textContent = err ? `${err.code ?? err.name}: ${err.message}` : "";
}

/** Prepares canvas and mask and runs the local provider for the current controls. */
function render() {
  if (!source) return;
  try {
    const target = $("target").value;
    const t0 = performance.now();
    const { canvas, mask, plan } = prepare(source, target, options());
    const result = runLocal(source, target, options());
    const ms = performance.now() - t0;
    drawToCanvas($("canvas"), canvas);
    drawToCanvas($("mask"), mask);
    drawToCanvas($("result"), result);
    const e = plan.expansion;
    $("info").textContent =
      `${source.width}x${source.height} -> ${e.newWidth}x${e.newHeight} ` +
      `(left ${e.left}, right ${e.right}, top ${e.top}, bottom ${e.bottom}) in ${ms.toFixed(0)} ms`;
    show(null);
    document.body.dataset.state = "ready";
  } catch (err) {
    show(err);
    document.body.dataset.state = "error";
  }
}

async function load(bytes) {
  sourceBytes = bytes;
  source = decode(bytes);
  render();
}

/** An in-memory compare-and-swap store. */
function memoryStore() {
  const items = new Map();
  let next = 0;
  return {
    items,
    async get(key) {
      return items.get(key) ?? null;
    },
    async put(key, bytes, expected) {
      const cur = items.get(key)?.tag ?? null;
      const ok =
        expected.kind === "any" ||
        (expected.kind === "absent" && cur === null) ||
        (expected.kind === "tag" && cur === expected.tag);
      if (!ok) return null;
      const tag = String(++next);
      items.set(key, { bytes, tag });
      return tag;
    },
    async list(prefix) {
      return [...items.keys()].filter((k) => k.startsWith(prefix));
    },
  };
}

async function runSession() {
  document.body.dataset.session = "running";
  try {
    const storage = memoryStore();
    const { fill, feather } = options();
    const host = { provider: "local", storage, config: { fill, seam: { feather } } };
    const g = await run({ op: "generate", prompt: "the picked image", models: ["flux", "openai"], image: sourceBytes }, host);
    const id = g.session.sessionId;
    const o = await run({ op: "outpaint", sessionId: id, model: "flux", preset: $("target").value }, host);
    const it = o.session.models.flux.iterations[o.iterationIndex];
    drawToCanvas($("sessionResult"), decode(storage.items.get(it.imageKey).bytes));
    $("sessionJson").textContent = JSON.stringify(o.session, null, 2);
    show(null);
    document.body.dataset.session = o.session.status;
  } catch (err) {
    show(err);
    document.body.dataset.session = "error";
  }
}

await init();
for (const id of ["target", "anchor", "fill"]) $(id).addEventListener("change", render);
$("feather").addEventListener("input", () => {
  $("featherValue").value = $("feather").value;
  render();
});
$("file").addEventListener("change", async () => {
  const file = $("file").files[0];
  if (!file) return;
  try {
    source = await decodeBlob(file);
    sourceBytes = new Uint8Array(await file.arrayBuffer());
    render();
  } catch (err) {
    show(err);
    document.body.dataset.state = "error";
  }
});
$("session").addEventListener("click", runSession);
// Start with the repository's sample photo.
await load(new Uint8Array(await (await fetch("../images/lake.jpg")).arrayBuffer()));
// The expansion maths, for the console: expand(w, h, target, { anchor }).
globalThis.outpaint = { expand };
