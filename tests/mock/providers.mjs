// A mock of the four providers' HTTP APIs on 127.0.0.1, for the CLI and Node tests.
// Every request is checked as the provider documents it (path, headers, JSON fields,
// multipart parts, image sizes, mask conventions); anything off is recorded in
// `problems` and answered 400. Answers have the providers' recorded shapes, including
// Black Forest Labs' polling. `script` queues faults (429 with retry-after, 500,
// malformed JSON, a hang) for the next requests.
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
function resultPng(width, height) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([40, 120 + ((i >> 2) % 50), 200, 255], i);
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

function size(bytes) {
  const img = op.decode(new Uint8Array(bytes));
  return [img.width, img.height, img];
}

/** Starts the mock; resolves to { url, requests, problems, script, close }. */
export async function startMock() {
  const requests = [];
  const problems = [];
  const queue = [];
  let tasks = 0;
  const polls = new Map();

  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url, "http://x");
      requests.push({ method: req.method, path: url.pathname + url.search, headers: req.headers, body });
      const fault = queue.shift();
      if (fault) return fault(res);
      try {
        route(req, url, body, res);
      } catch (e) {
        problems.push(`${req.method} ${url.pathname}: ${e.message}`);
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: e.message } }));
      }
    });
  });

  const json = (res, v, status = 200) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(v));
  const expect = (cond, what) => {
    if (!cond) throw new Error(what);
  };
  const base = () => `http://127.0.0.1:${server.address().port}`;

  function route(req, url, body, res) {
    const p = url.pathname;
    // Downloads (no key: they are signed delivery URLs).
    if (req.method === "GET" && p.startsWith("/delivery/")) {
      expect(!req.headers["x-key"] && !req.headers.authorization, "a download carries a key");
      const [w, h] = p.slice("/delivery/".length).split(".")[0].split("x").map(Number);
      return res.writeHead(200, { "content-type": "image/png" }).end(resultPng(w, h));
    }
    // Black Forest Labs.
    if (p.startsWith("/v1/flux") || p === "/v1/get_result") {
      expect(req.headers["x-key"] === KEYS.flux, "x-key is not the BFL key");
      if (p === "/v1/get_result") {
        const id = url.searchParams.get("id");
        const t = polls.get(id);
        expect(t, `unknown task ${id}`);
        t.polls++;
        if (t.polls < 3) return json(res, { id, status: "Pending" });
        return json(res, { id, status: "Ready", result: { sample: `${base()}/delivery/${t.w}x${t.h}.png` } });
      }
      expect(req.method === "POST", "BFL submits are POSTs");
      expect(req.headers["content-type"] === "application/json", "BFL bodies are JSON");
      const b = JSON.parse(body);
      expect(typeof b.prompt === "string" && b.prompt.length > 0, "prompt missing");
      let w = 1024, h = 1024;
      if (p === "/v1/flux-pro-1.0-fill") {
        const [iw, ih] = size(Buffer.from(b.image, "base64"));
        const [mw, mh, mask] = size(Buffer.from(b.mask, "base64"));
        expect(iw === mw && ih === mh, "fill image and mask differ in size");
        expect(iw % 16 === 0 && ih % 16 === 0, `fill sides must be multiples of 16, got ${iw}x${ih}`);
        expect(mask.data[0] === 255, "the mask must be white (255) where new pixels go");
        [w, h] = [iw, ih];
      } else if (p === "/v1/flux-pro-1.0-expand") {
        for (const k of ["top", "bottom", "left", "right"]) expect(Number.isInteger(b[k]) && b[k] >= 0 && b[k] <= 2048, `${k} must be 0..=2048`);
        const [iw, ih] = size(Buffer.from(b.image, "base64"));
        [w, h] = [iw + b.left + b.right, ih + b.top + b.bottom];
      } else if (p === "/v1/flux-kontext-pro") {
        [w, h] = size(Buffer.from(b.input_image, "base64"));
      }
      const id = `task-${++tasks}`;
      polls.set(id, { polls: 0, w, h });
      return json(res, { id, polling_url: `${base()}/v1/get_result?id=${id}` });
    }
    // Recraft.
    if (p.startsWith("/v1/images/") && req.headers.authorization === `Bearer ${KEYS.recraft}`) {
      if (p === "/v1/images/generations") {
        const b = JSON.parse(body);
        expect(b.response_format === "url", "response_format must be url");
        return json(res, { created: 1, credits: 1, data: [{ image_id: "i", url: `${base()}/delivery/1024x1024.png` }] });
      }
      const parts = multipart(req, body);
      expect(parts.image?.filename, "the image must be a file part");
      expect(parts.prompt, "prompt missing");
      expect(parts.image.bytes.length <= 10 * 1024 * 1024, "Recraft inputs are at most 10 MB");
      const [iw, ih] = size(parts.image.bytes);
      expect(Math.min(iw, ih) >= 256 && Math.max(iw, ih) <= 4096 && iw * ih <= 16 * 1024 * 1024, `Recraft input ${iw}x${ih} out of limits`);
      let [w, h] = [iw, ih];
      if (p === "/v1/images/outpaint") {
        const e = (k) => Number(parts[`expand_${k}`]?.bytes.toString() ?? 0);
        expect(["left", "right", "top", "bottom"].some((k) => e(k) > 0), "no expand_* given");
        [w, h] = [iw + e("left") + e("right"), ih + e("top") + e("bottom")];
        expect(w <= 4096 && h <= 4096, "the result would exceed 4096 px");
      } else if (p === "/v1/images/inpaint") {
        const [, , mask] = size(parts.mask.bytes);
        for (let i = 0; i < mask.data.length; i += 4) expect(mask.data[i] === 0 || mask.data[i] === 255, "Recraft masks must be binary (0 or 255)");
      } else {
        expect(p === "/v1/images/imageToImage", `unknown Recraft endpoint ${p}`);
      }
      return json(res, { created: 1, credits: 1, data: [{ image_id: "i", url: `${base()}/delivery/${w}x${h}.png` }] });
    }
    // Gemini.
    if (p.startsWith("/v1beta/models/") && p.endsWith(":generateContent")) {
      expect(req.headers["x-goog-api-key"] === KEYS.gemini, "x-goog-api-key is not the Gemini key");
      const b = JSON.parse(body);
      const parts = b.contents[0].parts;
      expect(typeof parts[0].text === "string", "the first part must be the text");
      let [w, h] = [1024, 1024];
      const image = parts.find((x) => x.inline_data);
      if (image) {
        expect(["image/png", "image/jpeg", "image/webp"].includes(image.inline_data.mime_type), "bad mime_type");
        size(Buffer.from(image.inline_data.data, "base64"));
        const ar = b.generationConfig?.imageConfig?.aspectRatio;
        if (ar) {
          expect(["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"].includes(ar), `aspect ${ar} not offered`);
          const [a, c] = ar.split(":").map(Number);
          [w, h] = a >= c ? [Math.round((1024 * a) / c), 1024] : [1024, Math.round((1024 * c) / a)];
          expect(parts[0].text.startsWith("Extend this image "), "outpaint text must say where to extend");
        }
      }
      const data = resultPng(w, h).toString("base64");
      return json(res, { candidates: [{ content: { role: "model", parts: [{ text: "Here it is." }, { inlineData: { mimeType: "image/png", data } }] }, finishReason: "STOP" }] });
    }
    // A key no provider issued: 401, echoing it the way OpenAI does (hosts must redact).
    const bearer = req.headers.authorization?.replace(/^Bearer /, "");
    if (bearer && !Object.values(KEYS).includes(bearer)) {
      return json(res, { error: { message: `Incorrect API key provided: ${bearer}.`, type: "invalid_request_error" } }, 401);
    }
    // OpenAI.
    if (p.startsWith("/v1/images/") && req.headers.authorization === `Bearer ${KEYS.openai}`) {
      if (p === "/v1/images/generations") {
        const b = JSON.parse(body);
        expect(b.model && b.prompt && b.size, "model, prompt and size are required");
        return json(res, { created: 1, data: [{ b64_json: resultPng(1024, 1024).toString("base64") }] });
      }
      expect(p === "/v1/images/edits", `unknown OpenAI endpoint ${p}`);
      const parts = multipart(req, body);
      expect(parts.model && parts.prompt && parts.image, "model, prompt and image are required");
      const sz = parts.size.bytes.toString();
      let [w, h] = [1024, 1024];
      if (sz !== "auto") {
        expect(["1024x1024", "1536x1024", "1024x1536"].includes(sz), `size ${sz} not offered`);
        [w, h] = sz.split("x").map(Number);
        const [iw, ih, img] = size(parts.image.bytes);
        expect(iw === w && ih === h, `the canvas is ${iw}x${ih}, not the size ${sz}`);
        let transparent = 0;
        for (let i = 3; i < img.data.length; i += 4) if (img.data[i] === 0) transparent++;
        expect(transparent > 0, "the canvas must be transparent where OpenAI may paint");
        expect(img.data[((h >> 1) * w + (w >> 1)) * 4 + 3] === 255, "the original must stay opaque");
      }
      return json(res, { created: 1, data: [{ b64_json: resultPng(w, h).toString("base64") }] });
    }
    throw new Error(`no such endpoint (or wrong key): ${req.method} ${p}`);
  }

  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: base(),
    requests,
    problems,
    /** Queues a fault for the next request: "429", "500", "malformed" or "hang". */
    script(...faults) {
      for (const f of faults) {
        queue.push((res) => {
          if (f === "429") res.writeHead(429, { "content-type": "application/json", "retry-after": "3" }).end(JSON.stringify({ error: { message: "Rate limit reached, slow down" } }));
          else if (f === "500") json(res, { error: { message: "internal error" } }, 500);
          else if (f === "malformed") res.writeHead(200, { "content-type": "application/json" }).end("{\"data\": [");
          else if (f === "hang") setTimeout(() => json(res, {}), 5000);
        });
      }
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}
