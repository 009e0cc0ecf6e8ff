// The engine benchmark, npm side (bench/engine.sh): a four-model generate whose provider
// answers each call after --delay-ms, under Node, through the package's `run`.
// Prints one JSON object. Never asserts timings.
import { createRequire } from "node:module";

import { MemoryStore } from "../tests/js/store.mjs";

const require = createRequire(import.meta.url);
const op = require("../bindings/npm/node/outpaint_wasm.js");
const arg = (name, d) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? d : Number(process.argv[i + 1]);
};
const delay = arg("--delay-ms", 1000);

const storage = new MemoryStore();
const provider = async (job) => {
  await new Promise((r) => setTimeout(r, delay));
  return op.localProvider(job);
};
const t0 = performance.now();
const g = await op.run({ op: "generate", prompt: "a lake at dawn" }, { storage, provider });
const ms = performance.now() - t0;
if (g.session.status !== "completed") throw new Error(`generate ended ${g.session.status}`);
console.log(JSON.stringify({ door: "npm", delayMs: delay, generateMs: ms }));
