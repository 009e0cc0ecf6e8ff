// Test pictures for the provider tests: a real photograph, and a camera-sized JPEG with
// grain (which PNG cannot shrink much, so byte limits are met for real).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");

/** examples/images/astronaut.png: a 512x512 public-domain photograph (NASA). */
export const astronaut = readFileSync(new URL("../../examples/images/astronaut.png", import.meta.url));

/** A `w x h` photo-like JPEG (quality 92): a gradient with grain, as a camera makes. */
export function grainyJpeg(w = 4000, h = 3000) {
  const data = new Uint8ClampedArray(w * h * 4);
  let x = 0x2545f491;
  for (let i = 0, p = 0; p < w * h; p++, i += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const n = (x >>> 27) & 31;
    const [px, py] = [p % w, (p / w) | 0];
    data[i] = (px * 200) / w + n; data[i + 1] = (py * 200) / h + (n >> 1); data[i + 2] = 90 + n; data[i + 3] = 255;
  }
  return Buffer.from(op.encode({ width: w, height: h, data }, "jpeg", 92));
}
