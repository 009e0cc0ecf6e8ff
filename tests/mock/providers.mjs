// A mock of the four providers' HTTP APIs on 127.0.0.1, for the CLI, Node and C tests.
// Every request is checked field by field as the provider documents it (late 2026; the
// sources are in ../../docs/providers.md): paths, headers, JSON fields, multipart parts,
// model ids per operation, image sizes, byte limits, mask conventions. Anything off is
// recorded in `problems` and answered 400, so a test fails on any violation. Answers
// have the providers' documented shapes, including Black Forest Labs' polling and
// Gemini's thought parts (a draft image before the final one). `script` queues faults,
// the documented negative cases, for the next requests.
import { createServer } from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");

export const KEYS = {
  flux: "bfl-test-key-0123456789",
  recraft: "rc-test-key-0123456789",
  gemini: "AIza-test-key-0123456789",
  openai: "sk-test-key-0123456789abcdef",
};

/** A small opaque PNG (what every provider "generates"). */
function resultPng(width, height, tint = 0) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([40 + tint, 120 + ((i >> 2) % 50), 200, 255], i);
  return Buffer.from(op.encodePng({ width, height, data }));
}

/** Splits a multipart body into { name: { filename, type, bytes } }. */
function multipart(req, body) {
  const m = /^multipart\/form-data; boundary=(.+)$/.exec(req.headers["content-type"] ?? "");
  if (!m) throw new Error(`content-type is ${req.headers["content-type"]}, not multipart/form-data`);
  const sep = Buffer.from(`--${m[1]}`);
  const parts = {};
  let at = body.indexOf(sep);
  while (at >= 0) {
    const start = at + sep.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(sep, start);
    const chunk = body.subarray(start + 2, next - 2);
    const headEnd = chunk.indexOf("\r\n\r\n");
    const head = chunk.subarray(0, headEnd).toString();
    const name = /name="([^"]+)"/.exec(head)[1];
    parts[name] = {
      filename: /filename="([^"]+)"/.exec(head)?.[1],
      type: /content-type: (.+)/i.exec(head)?.[1]?.trim(),
      bytes: chunk.subarray(headEnd + 4),
    };
    at = next;
  }
  return parts;
}

/** The format of encoded bytes, from their magic numbers. */
function formatOf(bytes) {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return "png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return "jpeg";
  if (bytes.subarray(0, 4).toString() === "RIFF" && bytes.subarray(8, 12).toString() === "WEBP") return "webp";
  return "unknown";
}

const MIME = { png: "image/png", jpeg: "image/jpeg", webp: "image/webp" };

function size(bytes) {
  const img = op.decode(new Uint8Array(bytes));
  return [img.width, img.height, img];
}

// Black Forest Labs (docs.bfl.ai): FLUX.2 and FLUX1.1 generate (sides multiples of 16,
// at most 4 MP); FLUX.2 and Kontext edit with input_image (Kontext: up to 20 MB / 20 MP);
// Fill (image + same-size mask, white = inpaint), Expand (top/bottom/left/right 0..=2048),
// and the outpainting tool (canvas width/height >= 64, reference offsets, auto_crop).
const BFL_GENERATE = ["flux-2-pro", "flux-2-max", "flux-2-flex", "flux-2-klein-4b", "flux-2-klein-9b", "flux-pro-1.1"];
const BFL_EDIT = ["flux-2-pro", "flux-2-max", "flux-2-flex", "flux-2-klein-4b", "flux-2-klein-9b", "flux-kontext-pro", "flux-kontext-max"];
// Recraft (recraft.ai/docs): outpaint and inpaint run on V3 models only; inputs PNG, JPG or
// WEBP under 10 MB, up to 16 MP, sides 256..=4096; V3 prompts up to 1000 characters.
const RECRAFT_V3 = ["recraftv3", "recraftv3_vector"];
const RECRAFT_MODELS = [...RECRAFT_V3, "recraftv4", "recraftv4_pro", "recraftv4_1", "recraftv4_1_pro", "recraftv4_1_flash"];
// Gemini: the GA image models; 3.1 Flash Image adds 1:4, 4:1, 1:8, 8:1 and 512.
const GEMINI_ASPECTS = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"];
const GEMINI = {
  "gemini-2.5-flash-image": { aspects: GEMINI_ASPECTS, sizes: [] },
  "gemini-3-pro-image": { aspects: GEMINI_ASPECTS, sizes: ["1K", "2K", "4K"] },
  "gemini-3.1-flash-image": { aspects: [...GEMINI_ASPECTS, "1:4", "4:1", "1:8", "8:1"], sizes: ["512", "1K", "2K", "4K"] },
};
const GEMINI_LONG = { 512: 512, "1K": 1024, "2K": 2048, "4K": 4096 };
// OpenAI: gpt-image-1 shut down 2026-10-23; gpt-image-1.5, -1-mini and chatgpt-image-latest
// on 2026-12-01. gpt-image-2 takes any WxH divisible by 16, 1:3..3:1, 655,360..8,294,400
// pixels, sides up to 3840; the mask is a PNG under 4 MB of the image's size.
const OPENAI_GONE = ["gpt-image-1", "gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-latest", "dall-e-2", "dall-e-3"];
const OPENAI_MODELS = ["gpt-image-2", "gpt-image-2-2026-04-21"];

/** Starts the mock; resolves to { url, requests, problems, script, close }. */
export async function startMock() {
  const requests = [];
  const problems = [];
  const queue = [];
  let tasks = 0;
  const polls = new Map();
  /** When set (encoded bytes), what every generate call answers instead of 1024x1024. */
  let generated = null;
  const genUrl = () => `${base()}/delivery/generated`;

  // Another origin (another port), where no key may ever arrive: redirects and polling
  // URLs point here, and every request it gets is recorded with its headers.
  const elsewhere = [];
  const other = createServer((req, res) => {
    elsewhere.push({ method: req.method, path: req.url, headers: req.headers });
    res.writeHead(404).end();
  });
  await new Promise((r) => other.listen(0, "127.0.0.1", r));
  const otherBase = `http://127.0.0.1:${other.address().port}`;

  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url, "http://x");
      requests.push({ method: req.method, path: url.pathname + url.search, headers: req.headers, body });
      const fault = queue.shift();
      if (fault) return fault(res, req, url);
      try {
        route(req, url, body, res);
      } catch (e) {
        problems.push(`${req.method} ${url.pathname}: ${e.message}`);
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: e.message } }));
      }
    });
  });

  const json = (res, v, status = 200, headers = {}) =>
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(v));
  const expect = (cond, what) => {
    if (!cond) throw new Error(what);
  };
  const base = () => `http://127.0.0.1:${server.address().port}`;
  const b64image = (s, what) => {
    expect(typeof s === "string" && s.length > 0, `${what} must be base64`);
    const bytes = Buffer.from(s, "base64");
    expect(["png", "jpeg", "webp"].includes(formatOf(bytes)), `${what} is not PNG, JPEG or WebP`);
    return bytes;
  };
  const only = (b, allowed, what) => {
    for (const k of Object.keys(b)) expect(allowed.includes(k), `${what}: unknown field ${k}`);
  };

  function route(req, url, body, res) {
    const p = url.pathname;
    // Downloads (no key: they are signed delivery URLs).
    if (req.method === "GET" && p.startsWith("/delivery/")) {
      expect(!req.headers["x-key"] && !req.headers.authorization && !req.headers["x-goog-api-key"], "a download carries a key");
      if (p === "/delivery/generated") return res.writeHead(200, { "content-type": MIME[formatOf(generated)] }).end(generated);
      const [w, h] = p.slice("/delivery/".length).split(".")[0].split("x").map(Number);
      return res.writeHead(200, { "content-type": "image/png" }).end(resultPng(w, h));
    }
    // Black Forest Labs.
    if (p.startsWith("/v1/flux") || p === "/v1/get_result") {
      expect(req.headers["x-key"] === KEYS.flux, "x-key is not the BFL key");
      if (p === "/v1/get_result") {
        expect(req.method === "GET", "polls are GETs");
        const id = url.searchParams.get("id");
        const t = polls.get(id);
        if (!t) return json(res, { id, status: "Task not found" });
        t.polls++;
        if (t.polls < 3) return json(res, { id, status: "Pending", progress: t.polls / 3 });
        const sample = t.w === "generated" ? genUrl() : `${base()}/delivery/${t.w}x${t.h}.png`;
        return json(res, { id, status: "Ready", result: { sample } });
      }
      expect(req.method === "POST", "BFL submits are POSTs");
      expect(req.headers["content-type"] === "application/json", "BFL bodies are JSON");
      const b = JSON.parse(body);
      const model = p.slice("/v1/".length);
      const outFormat = (f) => expect(f === undefined || ["png", "jpeg", "webp"].includes(f), `output_format ${f}`);
      outFormat(b.output_format);
      let w = 1024, h = 1024;
      if (model === "flux-pro-1.0-fill") {
        only(b, ["prompt", "image", "mask", "steps", "guidance", "output_format", "safety_tolerance", "seed", "prompt_upsampling"], "fill");
        const [iw, ih] = size(b64image(b.image, "image"));
        const [mw, mh, mask] = size(b64image(b.mask, "mask"));
        expect(iw === mw && ih === mh, "fill image and mask differ in size");
        expect(iw * ih <= 4194304, `fill image ${iw}x${ih} is over 4 MP`);
        expect(mask.data[0] === 255, "the mask must be white (255) where new pixels go");
        [w, h] = [iw, ih];
      } else if (model === "flux-pro-1.0-expand") {
        only(b, ["prompt", "image", "top", "bottom", "left", "right", "steps", "guidance", "output_format", "safety_tolerance", "seed", "prompt_upsampling"], "expand");
        for (const k of ["top", "bottom", "left", "right"]) expect(Number.isInteger(b[k]) && b[k] >= 0 && b[k] <= 2048, `${k} must be 0..=2048`);
        const [iw, ih] = size(b64image(b.image, "image"));
        [w, h] = [iw + b.left + b.right, ih + b.top + b.bottom];
      } else if (model === "flux-tools/outpainting-v1") {
        only(b, ["input_image", "width", "height", "reference_offset_x", "reference_offset_y", "auto_crop", "prompt", "output_format", "safety_tolerance", "seed"], "outpainting");
        const [iw, ih] = size(b64image(b.input_image, "input_image"));
        expect(Number.isInteger(b.width) && b.width >= 64 && Number.isInteger(b.height) && b.height >= 64, "width and height must be integers >= 64");
        const [x, y] = [b.reference_offset_x, b.reference_offset_y];
        expect(Number.isInteger(x) && Number.isInteger(y), "reference offsets must be integers");
        if (!b.auto_crop) {
          if (x < 0 || y < 0 || x + iw > b.width || y + ih > b.height) return json(res, { detail: [{ msg: "the image does not fit the canvas at the reference offset" }] }, 422);
        }
        [w, h] = [b.width, b.height];
      } else if (BFL_EDIT.includes(model) && b.input_image !== undefined) {
        const bytes = b64image(b.input_image, "input_image");
        const [iw, ih] = size(bytes);
        expect(bytes.length <= 20_000_000 && iw * ih <= 20_000_000, "input_image is over 20 MB or 20 MP");
        if (model.startsWith("flux-2")) expect(iw * ih <= 4194304, `FLUX.2 input ${iw}x${ih} is over 4 MP`);
        [w, h] = [iw, ih];
      } else if (BFL_GENERATE.includes(model)) {
        expect(Number.isInteger(b.width) && Number.isInteger(b.height), "width and height are required");
        expect(b.width % 16 === 0 && b.height % 16 === 0 && b.width * b.height <= 4194304, `generate size ${b.width}x${b.height}`);
        [w, h] = generated ? ["generated", ""] : [b.width, b.height];
      } else {
        return json(res, { detail: "Not Found" }, 404);
      }
      expect(typeof b.prompt === "string" && b.prompt.length > 0 || model === "flux-tools/outpainting-v1", "prompt missing");
      const id = `task-${++tasks}`;
      polls.set(id, { polls: 0, w, h });
      return json(res, { id, polling_url: `${base()}/v1/get_result?id=${id}` });
    }
    // Recraft.
    if (p.startsWith("/v1/images/") && req.headers.authorization === `Bearer ${KEYS.recraft}`) {
      if (p === "/v1/images/generations") {
        const b = JSON.parse(body);
        only(b, ["prompt", "model", "size", "style", "n", "response_format", "negative_prompt"], "generations");
        expect(b.response_format === "url", "response_format must be url");
        expect(RECRAFT_MODELS.includes(b.model), `unknown model ${b.model}`);
        expect(/^\d+:\d+$/.test(b.size) || /^\d+x\d+$/.test(b.size), `size ${b.size}`);
        if (RECRAFT_V3.includes(b.model)) expect(b.prompt.length <= 1000, "V3 prompts are at most 1000 characters");
        return json(res, { created: 1, credits: 1, data: [{ image_id: "i", url: generated ? genUrl() : `${base()}/delivery/1024x1024.png` }] });
      }
      const parts = multipart(req, body);
      expect(parts.image?.filename, "the image must be a file part");
      expect(parts.prompt, "prompt missing");
      const fmt = formatOf(parts.image.bytes);
      expect(["png", "jpeg", "webp"].includes(fmt), "Recraft takes PNG, JPG or WEBP");
      expect(parts.image.type === MIME[fmt], `the image part says ${parts.image.type} but is ${fmt}`);
      expect(parts.image.bytes.length < 10_000_000, `Recraft inputs are under 10 MB (got ${parts.image.bytes.length})`);
      const model = parts.model?.bytes.toString();
      expect(RECRAFT_MODELS.includes(model), `unknown model ${model}`);
      const prompt = parts.prompt.bytes.toString();
      if (RECRAFT_V3.includes(model)) expect([...prompt].length <= 1000, "V3 prompts are at most 1000 characters");
      const [iw, ih] = size(parts.image.bytes);
      expect(Math.min(iw, ih) >= 256 && Math.max(iw, ih) <= 4096 && iw * ih <= 16_000_000, `Recraft input ${iw}x${ih} out of limits`);
      let [w, h] = [iw, ih];
      if (p === "/v1/images/outpaint") {
        if (!RECRAFT_V3.includes(model)) return json(res, { code: "invalid_model", message: `outpainting runs on V3 models only, not ${model}` }, 400);
        const e = (k) => Number(parts[`expand_${k}`]?.bytes.toString() ?? 0);
        expect(["left", "right", "top", "bottom"].some((k) => e(k) > 0), "no expand_* given");
        expect(!parts.size, "size and expand_* cannot be used together");
        [w, h] = [iw + e("left") + e("right"), ih + e("top") + e("bottom")];
        expect(w <= 4096 && h <= 4096, "the result would exceed 4096 px");
      } else if (p === "/v1/images/inpaint") {
        if (!RECRAFT_V3.includes(model)) return json(res, { code: "invalid_model", message: `inpainting runs on V3 models only, not ${model}` }, 400);
        const [mw, mh, mask] = size(parts.mask.bytes);
        expect(mw === iw && mh === ih, "the mask must be exactly the image's size");
        for (let i = 0; i < mask.data.length; i += 4) expect(mask.data[i] === 0 || mask.data[i] === 255, "Recraft masks must be binary (0 or 255)");
      } else {
        expect(p === "/v1/images/imageToImage", `unknown Recraft endpoint ${p}`);
        expect(parts.strength, "strength is required");
      }
      return json(res, { created: 1, credits: 1, data: [{ image_id: "i", url: `${base()}/delivery/${w}x${h}.png` }] });
    }
    // Gemini.
    if (p.startsWith("/v1beta/models/") && p.endsWith(":generateContent")) {
      expect(req.headers["x-goog-api-key"] === KEYS.gemini, "x-goog-api-key is not the Gemini key");
      const model = decodeURIComponent(p.slice("/v1beta/models/".length, -":generateContent".length));
      if (!GEMINI[model]) return json(res, { error: { code: 404, message: `models/${model} is not found`, status: "NOT_FOUND" } }, 404);
      const b = JSON.parse(body);
      only(b, ["contents", "generationConfig"], "generateContent");
      const parts = b.contents[0].parts;
      expect(parts.filter((x) => typeof x.text === "string").length === 1, "one text part");
      expect(b.generationConfig?.responseModalities?.includes("IMAGE"), "responseModalities must include IMAGE");
      let [w, h] = [1024, 1024];
      const images = parts.filter((x) => x.inline_data || x.inlineData);
      expect(images.length <= 1, "at most one image");
      const ic = b.generationConfig?.imageConfig ?? {};
      only(ic, ["aspectRatio", "imageSize"], "imageConfig");
      if (images.length) {
        const d = images[0].inline_data ?? images[0].inlineData;
        const mime = d.mime_type ?? d.mimeType;
        const bytes = b64image(d.data, "inline_data");
        expect(MIME[formatOf(bytes)] === mime, `mime_type ${mime} is not what the bytes are`);
        expect(body.length <= 100_000_000, "inline payload over 100 MB");
        const ar = ic.aspectRatio;
        if (ar) {
          expect(GEMINI[model].aspects.includes(ar), `aspect ${ar} not offered by ${model}`);
          const long = GEMINI_LONG[ic.imageSize ?? "1K"];
          const [a, c] = ar.split(":").map(Number);
          [w, h] = a >= c ? [long, Math.round((long * c) / a)] : [Math.round((long * a) / c), long];
          const text = parts.find((x) => typeof x.text === "string").text;
          expect(text.startsWith("Extend this image "), "outpaint text must say where to extend");
        }
      }
      if (ic.imageSize !== undefined) expect(GEMINI[model].sizes.includes(ic.imageSize), `imageSize ${ic.imageSize} not offered by ${model}`);
      // Gemini 3 models think: a draft image (marked thought) comes before the final one.
      const draft = resultPng(8, 8, 100).toString("base64");
      const final = generated && !images.length ? generated : resultPng(w, h);
      const data = final.toString("base64");
      return json(res, { candidates: [{ content: { role: "model", parts: [
        { text: "Sketching the layout.", thought: true },
        { inlineData: { mimeType: "image/png", data: draft }, thought: true },
        { text: "Here it is." },
        { inlineData: { mimeType: MIME[formatOf(final)], data } },
      ] }, finishReason: "STOP" }] });
    }
    // A key no provider issued: 401, echoing it the way OpenAI does (hosts must redact).
    const bearer = req.headers.authorization?.replace(/^Bearer /, "");
    if (bearer && !Object.values(KEYS).includes(bearer)) {
      return json(res, { error: { message: `Incorrect API key provided: ${bearer}.`, type: "invalid_request_error" } }, 401);
    }
    // OpenAI.
    if (p.startsWith("/v1/images/") && req.headers.authorization === `Bearer ${KEYS.openai}`) {
      const model404 = (m) => json(res, { error: { message: `The model \`${m}\` does not exist or you do not have access to it.`, type: "invalid_request_error", code: "model_not_found" } }, 404);
      if (p === "/v1/images/generations") {
        const b = JSON.parse(body);
        only(b, ["model", "prompt", "n", "size", "quality", "background", "moderation", "output_format", "output_compression"], "generations");
        if (OPENAI_GONE.includes(b.model)) return model404(b.model);
        expect(OPENAI_MODELS.includes(b.model), `unknown model ${b.model}`);
        expect(b.prompt && b.size, "prompt and size are required");
        return json(res, { created: 1, data: [{ b64_json: (generated ?? resultPng(1024, 1024)).toString("base64") }] });
      }
      expect(p === "/v1/images/edits", `unknown OpenAI endpoint ${p}`);
      const parts = multipart(req, body);
      for (const k of Object.keys(parts)) expect(["model", "image", "image[]", "mask", "prompt", "n", "size", "quality", "background", "input_fidelity", "output_format", "output_compression"].includes(k), `edits: unknown part ${k}`);
      expect(parts.model && parts.prompt && parts.image, "model, prompt and image are required");
      const model = parts.model.bytes.toString();
      if (OPENAI_GONE.includes(model)) return model404(model);
      expect(OPENAI_MODELS.includes(model), `unknown model ${model}`);
      expect(!parts.input_fidelity, "gpt-image-2 does not take input_fidelity");
      const fmt = formatOf(parts.image.bytes);
      expect(["png", "jpeg", "webp"].includes(fmt) && parts.image.type === MIME[fmt], "the image must be png, webp or jpg, labelled as such");
      expect(parts.image.bytes.length < 50_000_000, "the image must be under 50 MB");
      const sz = parts.size.bytes.toString();
      let [w, h] = [1024, 1024];
      if (sz !== "auto") {
        const m = /^(\d+)x(\d+)$/.exec(sz);
        expect(m, `size ${sz}`);
        [w, h] = [Number(m[1]), Number(m[2])];
        expect(w % 16 === 0 && h % 16 === 0, `size ${sz}: sides must be divisible by 16`);
        expect(Math.max(w, h) <= 3 * Math.min(w, h), `size ${sz}: aspect beyond 3:1`);
        expect(w * h >= 655_360 && w * h <= 8_294_400 && Math.max(w, h) <= 3840, `size ${sz}: out of gpt-image-2's range`);
        const [iw, ih, img] = size(parts.image.bytes);
        expect(iw === w && ih === h, `the canvas is ${iw}x${ih}, not the size ${sz}`);
        expect(img.data[((h >> 1) * w + (w >> 1)) * 4 + 3] === 255, "the original must stay opaque");
        expect(parts.mask, "outpainting needs the mask");
        expect(formatOf(parts.mask.bytes) === "png" && parts.mask.bytes.length < 4_000_000, "the mask must be a PNG under 4 MB");
        const [mw, mh, mask] = size(parts.mask.bytes);
        expect(mw === w && mh === h, "the mask must be the image's size");
        let transparent = 0;
        for (let i = 3; i < mask.data.length; i += 4) if (mask.data[i] === 0) transparent++;
        expect(transparent > 0, "the mask must be transparent where the model may paint");
        expect(mask.data[((h >> 1) * w + (w >> 1)) * 4 + 3] === 255, "the mask keeps the original");
      }
      return json(res, { created: 1, data: [{ b64_json: resultPng(w, h).toString("base64") }] });
    }
    throw new Error(`no such endpoint (or wrong key): ${req.method} ${p}`);
  }

  /** The documented failure answers, by name. */
  const FAULTS = {
    // Generic.
    429: (res) => json(res, { error: { message: "Rate limit reached, slow down" } }, 429, { "retry-after": "3" }),
    500: (res) => json(res, { error: { message: "internal error" } }, 500),
    malformed: (res) => res.writeHead(200, { "content-type": "application/json" }).end("{\"data\": ["),
    hang: (res) => setTimeout(() => json(res, {}), 5000),
    // Black Forest Labs: 402 out of credits; moderated tasks (answered at the submit as
    // a task whose polls say so).
    402: (res) => json(res, { detail: "Insufficient credits. Please add credits at https://dashboard.bfl.ai" }, 402),
    "bfl-moderated": (res) => {
      const id = `task-${++tasks}`;
      polls.set(id, { polls: 0, w: 0, h: 0 });
      FAULTS.next = (r2) => json(r2, { id, status: "Request Moderated", details: { "Moderation Reasons": ["Derivative Works Filter"] } });
      return json(res, { id, polling_url: `${base()}/v1/get_result?id=${id}` });
    },
    // Gemini: a blocked prompt; a safety stop; a quota 429 with RetryInfo; an invalid key.
    "gemini-blocked": (res) => json(res, { promptFeedback: { blockReason: "PROHIBITED_CONTENT" } }),
    "gemini-safety": (res) => json(res, { candidates: [{ content: { parts: [{ text: "I can't make that image." }] }, finishReason: "IMAGE_SAFETY", finishMessage: "Unable to show the generated image." }] }),
    "gemini-quota": (res) => json(res, { error: { code: 429, message: "You exceeded your current quota.", status: "RESOURCE_EXHAUSTED", details: [
      { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests" }] },
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "3s" },
    ] } }, 429),
    "gemini-daily-quota": (res) => json(res, { error: { code: 429, message: "Daily quota exhausted.", status: "RESOURCE_EXHAUSTED", details: [
      { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaMetric: "requests_per_day" }] },
    ] } }, 429),
    "gemini-bad-key": (res) => json(res, { error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT", details: [
      { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" },
    ] } }, 400),
    // OpenAI: moderation, a used-up quota, an unverified organisation.
    "openai-moderation": (res) => json(res, { error: { message: "Your request was rejected as a result of our safety system.", type: "image_generation_user_error", param: null, code: "moderation_blocked" } }, 400),
    "openai-quota": (res) => json(res, { error: { message: "You exceeded your current quota, please check your plan and billing details.", type: "insufficient_quota", param: null, code: "insufficient_quota" } }, 429),
    "openai-verify": (res) => json(res, { error: { message: "Your organization must be verified to use the model `gpt-image-2`.", type: "invalid_request_error", code: null } }, 403),
    // A redirect to another origin (a key must never follow it).
    redirect: (res) => res.writeHead(302, { location: `${otherBase}/steal` }).end(),
    // Black Forest Labs' submit answered with a polling URL on another host, over http.
    "bfl-poll-elsewhere": (res) => json(res, { id: "t-elsewhere", polling_url: `${otherBase}/v1/get_result?id=t-elsewhere` }),
  };

  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: base(),
    requests,
    problems,
    /** What the other origin received: `{ method, path, headers }` (keys must never be there). */
    elsewhere,
    /** The requests to the other origin that carried a credential header or a key. */
    leaked: () =>
      elsewhere.filter((q) =>
        Object.entries(q.headers).some(
          ([h, v]) => ["authorization", "x-key", "x-goog-api-key"].includes(h) || Object.values(KEYS).some((k) => String(v).includes(k) || q.path.includes(k)),
        ),
      ),
    otherUrl: otherBase,
    /** Makes every generate answer these encoded bytes (null: a 1024x1024 PNG). */
    set generated(bytes) {
      generated = bytes ? Buffer.from(bytes) : null;
    },
    /** Queues faults (names of `FAULTS`) for the next requests, in order. */
    script(...faults) {
      for (const f of faults) {
        if (!FAULTS[f]) throw new Error(`unknown fault ${f}`);
        queue.push((res, req, url) => {
          if (f === "bfl-moderated") {
            FAULTS[f](res);
            const answer = FAULTS.next;
            queue.unshift((r2) => answer(r2));
            return;
          }
          FAULTS[f](res, req, url);
        });
      }
    },
    /** Drops the faults still queued. */
    unscript() {
      queue.length = 0;
    },
    close: () =>
      Promise.all([server, other].map((srv) => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }))),
  };
}
