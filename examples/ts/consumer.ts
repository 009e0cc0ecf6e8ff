// A small TypeScript program against the published package: `tsc --noEmit --strict`
// checks it (scripts/npm-pack-test.sh), then Node runs the compiled JS. Every
// `@ts-expect-error` below proves a type is precise: if it were `any`, tsc would fail
// with "unused directive".
import { readFileSync, writeFileSync } from "node:fs";
import {
  ContextWindow,
  encodePng,
  expand,
  fit,
  prepare,
  composite,
  run,
  localProvider,
  MaskPicture,
  Picture,
  type Expansion,
  type Fill,
  type Host,
  type Job,
  type Outcome,
  OutpaintError,
  type ErrorCode,
  type Plan,
  type PreparedPictures,
  type Profile,
  type Storage,
  type Stored,
  type Target,
  init,
} from "outpaint-wasm";

// The same line as in a browser: the wasm is already instantiated on Node.
await init();

const photo = readFileSync(process.argv[2] ?? "lake.jpg");

const e: Expansion = expand(768, 768, "16:9", { anchor: "center" });
const widthOnly: number = e.newWidth;

const { canvas, mask, plan } = prepare(photo, "16:9", { fill: "blur", feather: 32, profile: "flux-fill" });
const p: Plan = plan;
const maskBytes: Uint8Array = mask.data;
const result = composite(photo, canvas, plan, { feather: 32, curve: "smoothstep" });
writeFileSync("result.png", encodePng(result));

// The same job on pictures that stay in wasm memory: the same pixels, no copies via JS.
const src = Picture.decode(photo);
const prepared: PreparedPictures = src.prepare("16:9", { fill: "blur", feather: 32, profile: "flux-fill" });
const back: Picture = src.composite(prepared.canvas, prepared.plan, { feather: 32, curve: "smoothstep" });
const picturesAgree = Buffer.from(back.view()).equals(Buffer.from(result.data));
const maskPic = MaskPicture.build(expand(src.width, src.height, "16:9"), { feather: 32 });
const seamFeather: number | undefined = maskPic.seam?.feather;
for (const x of [src, prepared.canvas, prepared.mask, back, maskPic]) x.free();

/** A typed in-memory compare-and-swap store. */
class MemoryStore implements Storage {
  private items = new Map<string, Stored>();
  private next = 0;
  async get(key: string): Promise<Stored | null> {
    return this.items.get(key) ?? null;
  }
  async put(key: string, bytes: Uint8Array, expected: Parameters<Storage["put"]>[2]): Promise<string | null> {
    const cur = this.items.get(key)?.tag ?? null;
    const holds =
      expected.kind === "any" ||
      (expected.kind === "absent" && cur === null) ||
      (expected.kind === "tag" && cur === expected.tag);
    if (!holds) return null;
    const tag = `v${++this.next}`;
    this.items.set(key, { bytes, tag });
    return tag;
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.items.keys()].filter((k) => k.startsWith(prefix));
  }
}

const calls: string[] = [];
const host: Host = {
  storage: new MemoryStore(),
  provider: async (job: Job) => {
    calls.push(`${job.model}:${job.kind}`);
    return localProvider(job);
  },
};
/** Never called: each line must fail to type-check (see the header). */
export function typeErrors(id: string, pic: Picture, mask: MaskPicture): void {
  // @ts-expect-error a mask cannot be padded into: padInto writes RGBA pictures
  pic.padInto(e, "edge", mask);
  // @ts-expect-error anchors are a closed set
  expand(768, 768, "16:9", { anchor: "middle" });
  // @ts-expect-error the target is a string
  expand(768, 768, 16 / 9);
  // @ts-expect-error targets are named, A:B, expand_all[:F] or edges:L,R,T,B
  expand(768, 768, "widescreen");
  // @ts-expect-error fills are a closed set (plus color:...)
  pic.pad(e, "smear");
  // @ts-expect-error a custom profile starts with custom:, and a profile is a string
  fit(768, 768, "16:9", { profile: 42 });
  // Each form of target, fill and profile type-checks.
  const targets: Target[] = ["16:9", "7:3", "expand_all", "expand_all:0.25", "expand_all:1/3", "edges:10,0,0,5"];
  const fills: Fill[] = ["transparent", "edge", "mirror", "blur", "color", "color:#102030"];
  const profiles: Profile[] = ["openai", "custom:multiple=16,min=256", "my-patched-profile"];
  void [targets, fills, profiles];
  // @ts-expect-error send is "canvas" | "imageAndEdges"
  const wrong: "upload" = p.send;
  // @ts-expect-error a provider answers bytes or pixels, not strings
  const badHost: Host = { storage: new MemoryStore(), provider: async (_job: Job) => "done" };
  // @ts-expect-error operations are a tagged union: iterate needs a model and a prompt
  void run({ op: "iterate", sessionId: id }, host);
  // A host's own column is any name (its registry declares it); names stay strings.
  void new ContextWindow(id, "studio");
  // @ts-expect-error a model is a name, not a number
  void new ContextWindow(id, 7);
  void [wrong, badHost];
}

async function main(): Promise<void> {
  const g: Outcome = await run({ op: "generate", prompt: "a lake", models: ["flux"], image: photo }, host);
  const id = g.session!.sessionId;
  const o = await run({ op: "outpaint", sessionId: id, model: "flux", preset: "16:9" }, host);
  const it = o.session!.models.flux.iterations[o.iterationIndex!];
  const w = new ContextWindow(id, "flux");
  w.push({ iteration: 0, prompt: "a lake", imageKey: "k", timestamp: "t" });
  try {
    expand(0, 1, "16:9");
  } catch (err) {
    // A real class: `instanceof` narrows, and `code` is the closed union of the SPEC's codes.
    if (!(err instanceof OutpaintError) || !(err instanceof Error)) throw err;
    const code: ErrorCode = err.code;
    // @ts-expect-error the code is a closed union
    const typo: typeof code = "INVALID_DIMENSION";
    void typo;
    console.log(JSON.stringify({ width: widthOnly, mask: maskBytes.length, status: it.status, calls, prompt: w.prompt("now"), code, picturesAgree, seamFeather }));
  }
}

await main();
