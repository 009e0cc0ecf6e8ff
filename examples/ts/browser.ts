// The browser side of the package's types, type-checked with `moduleResolution: "bundler"`
// and the DOM library (scripts/npm-pack-test.sh): what a Vite or webpack app writes. The
// bundler matrix (tests/bundlers) runs the same calls in Chromium.
import { runLocal as runInWorker, prepare as prepareInWorker, transfer, createWorker, terminate, type OutpaintWorker } from "outpaint-wasm/worker";
import { init, expand, prepare, drawToCanvas, readCanvas, decodeBlob, OutpaintError, type ErrorCode, type RgbaImage } from "outpaint-wasm";

export async function main(canvas: HTMLCanvasElement, file: File): Promise<ErrorCode | undefined> {
  await init();
  const picture: RgbaImage = await decodeBlob(file);
  const { canvas: prepared, mask } = prepare(picture, "16:9", { fill: "blur", profile: "openai" });
  drawToCanvas(canvas, prepared);
  drawToCanvas(new OffscreenCanvas(1, 1), mask);
  const back: ImageData = readCanvas(canvas);
  readCanvas(await createImageBitmap(back));
  // @ts-expect-error a video frame is not a source the helpers read
  readCanvas(document.createElement("video"));
  // The worker entry: the same functions, as promises.
  const moved: RgbaImage = await runInWorker(transfer(picture), "16:9", { fill: "blur" });
  const { plan } = await prepareInWorker(moved, "16:9");
  const own: OutpaintWorker = createWorker({ wasm: new URL("/outpaint_wasm_bg.wasm", location.href) });
  const size: number = (await own.expand(plan.size.width, plan.size.height, "1:1")).newWidth;
  // @ts-expect-error the worker's functions take the same arguments
  void own.expand(size, "16:9");
  own.terminate();
  terminate();
  try {
    expand(0, back.width, "16:9");
  } catch (e) {
    if (e instanceof OutpaintError) return e.code;
  }
  return undefined;
}
