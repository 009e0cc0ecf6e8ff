// The Node side of bench/run.sh: the npm package's wasm build, and a hand-written
// JavaScript reference on typed arrays doing the same operations the obvious way (one
// loop per job, PNG through node:zlib). Sources are the native run's src-{side}.png.
//
//   node bench/node.mjs --dir DIR --sizes 1024,2048 --runs N   -> DIR/wasm.json, DIR/js.json
//   node bench/node.mjs --peak wasm|js --dir DIR --size N       -> prints the peak RSS growth
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { deflateSync, inflateSync, constants } from "node:zlib";

const require = createRequire(import.meta.url);
const op = require(process.env.OUTPAINT_WASM_PKG ?? "../bindings/npm/node/outpaint_wasm.js");

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};

function time(runs, f) {
  f();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return ms[ms.length >> 1];
}

// ---- the hand-written reference ----

/** PNG decode of 8-bit RGBA, non-interlaced (what the bench writes). */
function decodePng(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8, width = 0, height = 0;
  const idat = [];
  while (at < bytes.length) {
    const len = dv.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === "IHDR") {
      width = dv.getUint32(at + 8);
      height = dv.getUint32(at + 12);
      if (bytes[at + 16] !== 8 || bytes[at + 17] !== 6 || bytes[at + 20] !== 0) throw new Error("RGBA8 only");
    } else if (type === "IDAT") idat.push(bytes.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const data = new Uint8ClampedArray(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const o = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? data[o + x - 4] : 0;
      const b = y > 0 ? data[o - stride + x] : 0;
      const c = x >= 4 && y > 0 ? data[o - stride + x - 4] : 0;
      let v = line[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      data[o + x] = v & 255;
    }
  }
  return { width, height, data };
}

const crcTable = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = crcTable[(c ^ buf[i]) & 255] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, body) {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, "latin1");
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}
/** PNG encode: filter 0 on every row, zlib at `level` (1 = fast). `channels` 4 or 1. */
function encodePng(width, height, data, channels, level) {
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, channels === 4 ? 6 : 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level, strategy: constants.Z_DEFAULT_STRATEGY })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The canvas with the original at (left, top), the rest transparent. */
function padTransparent(src, e) {
  const cw = e.newWidth, out = new Uint8ClampedArray(cw * e.newHeight * 4);
  for (let y = 0; y < src.height; y++)
    out.set(src.data.subarray(y * src.width * 4, (y + 1) * src.width * 4), ((e.top + y) * cw + e.left) * 4);
  return { width: cw, height: e.newHeight, data: out };
}

/** Edge pixels replicated outwards. */
function padEdge(src, e) {
  const c = padTransparent(src, e);
  const cw = c.width, px = new Uint32Array(c.data.buffer);
  const w = src.width;
  for (let y = e.top; y < e.top + src.height; y++) {
    const row = y * cw;
    px.fill(px[row + e.left], row, row + e.left);
    px.fill(px[row + e.left + w - 1], row + e.left + w, row + cw);
  }
  for (let y = 0; y < e.top; y++) px.copyWithin(y * cw, e.top * cw, (e.top + 1) * cw);
  const last = e.top + src.height - 1;
  for (let y = last + 1; y < c.height; y++) px.copyWithin(y * cw, last * cw, (last + 1) * cw);
  return c;
}

/** Edge pad, then a separable box blur (radius r) of the new area only. */
function padBlur(src, e, r = 32) {
  const c = padEdge(src, e);
  const { width: cw, height: ch, data } = c;
  const tmp = new Uint8ClampedArray(data.length);
  const inside = (x, y) => x >= e.left && x < e.left + src.width && y >= e.top && y < e.top + src.height;
  const n = 2 * r + 1;
  for (let y = 0; y < ch; y++) {
    const s = [0, 0, 0, 0];
    for (let k = -r; k <= r; k++) {
      const i = (y * cw + Math.min(cw - 1, Math.max(0, k))) * 4;
      for (let ch4 = 0; ch4 < 4; ch4++) s[ch4] += data[i + ch4];
    }
    for (let x = 0; x < cw; x++) {
      const o = (y * cw + x) * 4;
      for (let k = 0; k < 4; k++) tmp[o + k] = s[k] / n;
      const add = (y * cw + Math.min(cw - 1, x + r + 1)) * 4, sub = (y * cw + Math.max(0, x - r)) * 4;
      for (let k = 0; k < 4; k++) s[k] += data[add + k] - data[sub + k];
    }
  }
  for (let x = 0; x < cw; x++) {
    const s = [0, 0, 0, 0];
    for (let k = -r; k <= r; k++) {
      const i = (Math.min(ch - 1, Math.max(0, k)) * cw + x) * 4;
      for (let ch4 = 0; ch4 < 4; ch4++) s[ch4] += tmp[i + ch4];
    }
    for (let y = 0; y < ch; y++) {
      const o = (y * cw + x) * 4;
      if (!inside(x, y)) for (let k = 0; k < 4; k++) data[o + k] = s[k] / n;
      const add = (Math.min(ch - 1, y + r + 1) * cw + x) * 4, sub = (Math.max(0, y - r) * cw + x) * 4;
      for (let k = 0; k < 4; k++) s[k] += tmp[add + k] - tmp[sub + k];
    }
  }
  return c;
}

/** 255 outside the original, a linear ramp `feather` px wide inside along expanded edges. */
function mask(src, e, feather) {
  const cw = e.newWidth, ch = e.newHeight, out = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++)
    for (let x = 0; x < cw; x++) {
      const ix = x - e.left, iy = y - e.top;
      if (ix < 0 || iy < 0 || ix >= src.width || iy >= src.height) {
        out[y * cw + x] = 255;
        continue;
      }
      let d = Infinity;
      if (e.left > 0) d = Math.min(d, ix);
      if (e.right > 0) d = Math.min(d, src.width - 1 - ix);
      if (e.top > 0) d = Math.min(d, iy);
      if (e.bottom > 0) d = Math.min(d, src.height - 1 - iy);
      out[y * cw + x] = feather > 0 && d < feather ? Math.round(255 * (1 - (d + 0.5) / feather)) : 0;
    }
  return out;
}

/** The generated canvas with the original blended back through the mask. */
function composite(src, gen, m, e) {
  const out = new Uint8ClampedArray(gen.data);
  const cw = gen.width;
  for (let y = 0; y < src.height; y++)
    for (let x = 0; x < src.width; x++) {
      const o = ((e.top + y) * cw + e.left + x) * 4, i = (y * src.width + x) * 4;
      const a = m[(e.top + y) * cw + e.left + x];
      for (let k = 0; k < 4; k++) out[o + k] = (src.data[i + k] * (255 - a) + gen.data[o + k] * a) / 255;
    }
  return { width: cw, height: gen.height, data: out };
}

function jsPrepare(png) {
  const src = decodePng(png);
  const e = op.expand(src.width, src.height, "16:9");
  const c = padTransparent(src, e);
  const m = mask(src, e, 32);
  return [encodePng(c.width, c.height, c.data, 4, 1), encodePng(c.width, c.height, m, 1, 1)];
}

function wasmPrepare(png) {
  const p = op.preparePng(png, "16:9", { feather: 32 });
  return [p.canvasPng, p.maskPng];
}

// ---- peak memory of one prepare, in a fresh process ----
if (arg("peak")) {
  const png = readFileSync(`${arg("dir")}/src-${arg("size")}.png`);
  const before = process.memoryUsage().rss;
  const f = arg("peak") === "wasm" ? wasmPrepare : jsPrepare;
  f(png);
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ bytes: Math.max(0, peak - before) }));
  process.exit(0);
}

const dir = arg("dir");
const sizes = arg("sizes", "1024,2048,4096").split(",").map(Number);
const runs = Number(arg("runs", "7"));
const wasm = [], js = [];
const row = (list, name, size, o, ms) => {
  list.push({ size, op: o, ms });
  console.error(`${name} ${size} ${o}: ${ms.toFixed(3)} ms`);
};
for (const side of sizes) {
  const n = side >= 4096 ? Math.max(3, Math.ceil(runs / 2)) : runs;
  const png = readFileSync(`${dir}/src-${side}.png`);
  const src = op.decode(png);
  const e = op.expand(side, side, "16:9");
  row(wasm, "wasm", side, "expand", time(n * 1000, () => op.expand(side, side, "16:9")));
  row(js, "js", side, "expand", time(n * 1000, () => {
    // the ratio arithmetic a hand-written version does
    const tw = Math.max(side, Math.round((side * 16) / 9)), th = Math.max(side, Math.round((side * 9) / 16));
    return { left: (tw - side) >> 1, right: tw - side - ((tw - side) >> 1), top: (th - side) >> 1, newWidth: tw, newHeight: th };
  }));
  // The wasm package two ways: pictures that stay in wasm memory (Picture, MaskPicture;
  // each result freed), and the functions on JS objects (a copy in and out per call).
  const pic = op.Picture.fromRgba(src);
  const once = (f) => () => f().free();
  const canvasPic = pic.pad(e, "transparent");
  for (const fill of ["transparent", "edge", "blur"]) {
    row(wasm, "wasm", side, `pad ${fill}`, time(n, once(() => pic.pad(e, fill))));
    row(wasm, "wasm", side, `pad ${fill} (reused)`, time(n, () => pic.padInto(e, fill, canvasPic)));
    row(wasm, "wasm", side, `pad ${fill} (objects)`, time(n, () => op.pad(src, e, fill)));
    const f = { transparent: padTransparent, edge: padEdge, blur: padBlur }[fill];
    row(js, "js", side, `pad ${fill}`, time(fill === "blur" ? Math.min(n, 3) : n, () => f(src, e)));
  }
  const maskPic = op.MaskPicture.build(e, { feather: 32 });
  for (const feather of [0, 32]) {
    row(wasm, "wasm", side, `mask feather ${feather}`, time(n, once(() => op.MaskPicture.build(e, { feather }))));
    row(wasm, "wasm", side, `mask feather ${feather} (reused)`, time(n, () => op.MaskPicture.buildInto(e, maskPic, { feather })));
    row(wasm, "wasm", side, `mask feather ${feather} (objects)`, time(n, () => op.mask(e, { feather })));
    row(js, "js", side, `mask feather ${feather}`, time(n, () => mask(src, e, feather)));
  }
  const plan = op.fit(side, side, "16:9");
  const gen = op.pad(src, e, "edge");
  const genPic = pic.pad(e, "edge");
  const m32 = mask(src, e, 32);
  row(wasm, "wasm", side, "composite feather 32", time(n, once(() => pic.composite(genPic, plan, { feather: 32 }))));
  row(wasm, "wasm", side, "composite feather 32 (reused)", time(n, () => pic.compositeInto(genPic, plan, canvasPic, { feather: 32 })));
  row(wasm, "wasm", side, "composite feather 32 (objects)", time(n, () => op.composite(src, gen, plan, { feather: 32 })));
  row(js, "js", side, "composite feather 32", time(n, () => composite(src, gen, m32, e)));
  const canvas = padTransparent(src, e);
  pic.padInto(e, "transparent", canvasPic);
  row(wasm, "wasm", side, "png canvas fast", time(n, () => canvasPic.encodePng()));
  row(wasm, "wasm", side, "png canvas fast (objects)", time(n, () => op.encodePng(canvas)));
  row(js, "js", side, "png canvas fast", time(n, () => encodePng(canvas.width, canvas.height, canvas.data, 4, 1)));
  row(wasm, "wasm", side, "png mask fast", time(n, () => maskPic.encodePng()));
  row(js, "js", side, "png mask fast", time(n, () => encodePng(canvas.width, canvas.height, m32, 1, 1)));
  for (const p of [pic, canvasPic, maskPic, genPic]) p.free();
  row(wasm, "wasm", side, "prepare", time(n, () => wasmPrepare(png)));
  row(js, "js", side, "prepare", time(Math.min(n, 3), () => jsPrepare(png)));
  row(wasm, "wasm", side, "run", time(Math.min(n, 3), () => {
    const s = op.Picture.decode(png), r = s.runLocal("16:9", { fill: "blur", feather: 32 });
    const out = r.encodePng();
    s.free();
    r.free();
    return out;
  }));
  row(wasm, "wasm", side, "run (objects)", time(Math.min(n, 3), () => op.encodePng(op.runLocal(png, "16:9", { fill: "blur", feather: 32 }))));
}
writeFileSync(`${dir}/wasm.json`, JSON.stringify({ impl: "wasm", results: wasm }));
writeFileSync(`${dir}/js.json`, JSON.stringify({ impl: "js", results: js }));
