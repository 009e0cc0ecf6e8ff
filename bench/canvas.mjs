// The browser side of bench/run.sh: the Canvas 2D way in headless Chromium (software
// rendering, as --disable-gpu gives): createImageBitmap to decode, drawImage into a
// bigger canvas, ctx.filter blurs, gradients and compositing modes, getImageData to read
// the pixels back, toBlob for PNG. Timed inside the page with performance.now().
//
//   node bench/canvas.mjs --dir DIR --sizes 1024,2048 --runs N   -> DIR/canvas.json
import { readFileSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const dir = arg("dir");
const sizes = arg("sizes", "1024,2048,4096").split(",").map(Number);
const runs = Number(arg("runs", "7"));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
await page.goto("about:blank");

// Everything below runs in the page.
async function inPage({ b64, side, runs }) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const blob = new Blob([bytes], { type: "image/png" });
  const tw = Math.max(side, Math.round((side * 16) / 9)), th = Math.max(side, Math.round((side * 9) / 16));
  const left = (tw - side) >> 1, top = (th - side) >> 1;
  const make = (w, h) => {
    const c = document.createElement("canvas");
    c.width = w;
    c.height = h;
    return [c, c.getContext("2d", { willReadFrequently: true })];
  };
  async function time(n, f) {
    await f();
    const ms = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await f();
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    return ms[n >> 1];
  }
  const bmp = await createImageBitmap(blob);
  const padTransparent = () => {
    const [c, ctx] = make(tw, th);
    ctx.drawImage(bmp, left, top);
    return [c, ctx];
  };
  const padEdge = () => {
    const [c, ctx] = make(tw, th);
    ctx.drawImage(bmp, left, top);
    ctx.drawImage(bmp, 0, 0, 1, side, 0, top, left, side); // left strip
    ctx.drawImage(bmp, side - 1, 0, 1, side, left + side, top, tw - left - side, side); // right
    ctx.drawImage(c, 0, top, tw, 1, 0, 0, tw, top); // top rows
    ctx.drawImage(c, 0, top + side - 1, tw, 1, 0, top + side, tw, th - top - side); // bottom
    return [c, ctx];
  };
  const padBlur = () => {
    const [edge] = padEdge();
    const [c, ctx] = make(tw, th);
    ctx.filter = "blur(32px)";
    ctx.drawImage(edge, 0, 0);
    ctx.filter = "none";
    ctx.drawImage(bmp, left, top);
    return [c, ctx];
  };
  const mask = (feather) => {
    const [c, ctx] = make(tw, th);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, tw, th);
    if (feather) ctx.filter = `blur(${feather / 2}px)`;
    ctx.fillStyle = "#000";
    const lx = left ? feather / 2 : 0, ty = top ? feather / 2 : 0;
    ctx.fillRect(left + lx, top + ty, side - 2 * lx, side - 2 * ty);
    return [c, ctx];
  };
  const read = ([c, ctx]) => ctx.getImageData(0, 0, c.width, c.height).data;
  const png = (c) => new Promise((ok) => c.toBlob((b) => b.arrayBuffer().then(ok), "image/png"));

  // Composite inputs: a generated canvas and the original's weight as alpha.
  const [generated] = padEdge();
  const [weight, wctx] = make(tw, th);
  {
    const m = read(mask(32));
    const img = wctx.createImageData(tw, th);
    for (let i = 0; i < m.length; i += 4) img.data[i + 3] = 255 - m[i];
    wctx.putImageData(img, 0, 0);
  }
  const composite = () => {
    const [tmp, t] = make(tw, th);
    t.drawImage(bmp, left, top);
    t.globalCompositeOperation = "destination-in";
    t.drawImage(weight, 0, 0);
    const [c, ctx] = make(tw, th);
    ctx.drawImage(generated, 0, 0);
    ctx.drawImage(tmp, 0, 0);
    return [c, ctx];
  };
  const canvas = padTransparent();
  const m32 = mask(32);
  const r = {};
  r["pad transparent"] = await time(runs, () => read(padTransparent()));
  r["pad edge"] = await time(runs, () => read(padEdge()));
  r["pad blur"] = await time(Math.min(runs, 3), () => read(padBlur()));
  r["mask feather 0"] = await time(runs, () => read(mask(0)));
  r["mask feather 32"] = await time(runs, () => read(mask(32)));
  r["composite feather 32"] = await time(runs, () => read(composite()));
  r["png canvas fast"] = await time(Math.min(runs, 3), () => png(canvas[0]));
  r["png mask fast"] = await time(Math.min(runs, 3), () => png(m32[0]));
  r["prepare"] = await time(Math.min(runs, 3), async () => {
    const b = await createImageBitmap(blob);
    const [c, ctx] = make(tw, th);
    ctx.drawImage(b, left, top);
    const m = mask(32);
    return [await png(c), await png(m[0])];
  });
  return r;
}

const rows = [];
for (const side of sizes) {
  const n = side >= 4096 ? Math.max(3, Math.ceil(runs / 2)) : runs;
  const b64 = readFileSync(`${dir}/src-${side}.png`).toString("base64");
  const r = await page.evaluate(inPage, { b64, side, runs: n });
  for (const [op, ms] of Object.entries(r)) {
    rows.push({ size: side, op, ms });
    console.error(`canvas ${side} ${op}: ${ms.toFixed(3)} ms`);
  }
}
await browser.close();
writeFileSync(`${dir}/canvas.json`, JSON.stringify({ impl: "canvas", results: rows }));
