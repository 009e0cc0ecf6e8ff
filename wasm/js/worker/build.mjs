// Writes bindings/npm/worker/ from the templates beside this file: the list of functions
// the worker runs (those whose arguments and results can be posted: no canvases, no
// callbacks, no classes) and the path of the OutpaintError snippet of this build.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [here, npm] = [new URL(".", import.meta.url).pathname, process.argv[2]];
const FUNCTIONS = [
  "composite", "compositeReport", "decode", "decodeBlob", "encode", "encodePng", "expand", "fit",
  "localProvider", "mask", "memoryBytes", "pad", "parseSession", "prepare", "preparePng", "registry", "runLocal", "version",
];
const dts = readFileSync(join(npm, "web/outpaint_wasm.d.ts"), "utf8");
for (const f of FUNCTIONS) {
  if (!new RegExp(`^export function ${f}\\(`, "m").test(dts)) throw new Error(`build.mjs: the package has no function ${f}`);
}
const [hash] = readdirSync(join(npm, "web/snippets"));
const snippet = `../web/snippets/${hash}/inline0.js`;
const list = JSON.stringify(FUNCTIONS);
const fill = (name, values) =>
  Object.entries(values).reduce((t, [k, v]) => t.replaceAll(`@${k}@`, v), readFileSync(join(here, name), "utf8"));
const out = join(npm, "worker");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "worker.js"), fill("worker.js", { FUNCTIONS: list }));
writeFileSync(join(out, "index.js"), fill("index.js", {
  FUNCTIONS: list,
  SNIPPET: snippet,
  WRAPPERS: FUNCTIONS.map((f) => `/** \`${f}\` in the shared worker, as a promise. */\nexport const ${f} = (...args) => get().${f}(...args);`).join("\n"),
}));
writeFileSync(join(out, "index.d.ts"), fill("index.d.ts", {
  MEMBERS: FUNCTIONS.map((f) => `  /** \`${f}\`, run in the worker. */\n  ${f}: Async<typeof api.${f}>;`).join("\n"),
  DECLARATIONS: FUNCTIONS.map((f) => `/** \`${f}\` in the shared worker, as a promise. */\nexport const ${f}: Async<typeof api.${f}>;`).join("\n"),
}));
writeFileSync(join(out, "package.json"), '{ "type": "module" }\n');
