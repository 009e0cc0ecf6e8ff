// Sessions on S3 against the folder store (run by scripts/s3-tests.sh): the latency of
// each CLI operation (a whole process: start, open the store, the operation) and the
// requests each sends to the S3 server (from the server's own log), over a gallery of
// GALLERY sessions. Prints a markdown table; never asserts a time.
//
// Usage: node bench/store.mjs [--sessions N] [--runs R]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { s3Server, root, BUCKET } from "../tests/s3/server.mjs";

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SESSIONS = arg("--sessions", 50);
const RUNS = arg("--runs", 5);
const bin = join(root, "target/debug/outpaint");
const lake = join(root, "examples/images/lake.jpg");
const server = await s3Server();
const logLines = () => readFileSync(server.log, "utf8").split("\n").length - 1;
/** The requests logged since line `from`: `[method, path]`, colours stripped. */
const requests = (from) =>
  readFileSync(server.log, "utf8")
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split("\n")
    .slice(from)
    .map((l) => l.match(/"(\w+) (\S+) HTTP\/1\.1" \d{3}/))
    .filter(Boolean)
    .map((m) => [m[1], m[2]]);

function cli(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bin, args, { encoding: "utf8", env: server.env, maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
  return { ms, out: JSON.parse(r.stdout) };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const stores = { folder: mkdtempSync(join(tmpdir(), "outpaint-bench-store-")), s3: `s3://${BUCKET}/bench` };
const rows = [];
try {
  const ids = {};
  for (const [name, store] of Object.entries(stores)) {
    for (let i = 0; i < SESSIONS; i++) {
      const { out } = cli(["session", "new", "--prompt", `lake ${i}`, "--models", "flux,openai", "--image", lake, "--store", store]);
      ids[name] ??= out.session.sessionId;
    }
  }
  const ops = {
    new: (s) => ["session", "new", "--prompt", "one more", "--models", "flux,openai", "--image", lake, "--store", s],
    iterate: (s, id) => ["session", "iterate", id, "--model", "flux", "--prompt", "warmer", "--store", s],
    outpaint: (s, id) => ["session", "outpaint", id, "--model", "openai", "--preset", "16:9", "--store", s],
    status: (s, id) => ["session", "status", id, "--store", s],
    gallery: (s) => ["session", "gallery", "--store", s],
  };
  for (const [op, args] of Object.entries(ops)) {
    const row = { op };
    for (const [name, store] of Object.entries(stores)) {
      const times = [];
      let counts = null;
      // iterate and outpaint fit the budget: RUNS <= 3 each on a fresh session per run.
      for (let r = 0; r < RUNS; r++) {
        let id = ids[name];
        if (op === "iterate" || op === "outpaint") id = cli(ops.new(store)).out.session.sessionId;
        const mark = logLines();
        times.push(cli(args(store, id)).ms);
        if (name === "s3") {
          const reqs = requests(mark);
          const probe = reqs.filter(([, p]) => p.includes("/.outpaint-probe/") || p.endsWith("?delete")).length;
          const by = (m) => reqs.filter(([x, p]) => x === m && !p.includes("/.outpaint-probe/") && !p.endsWith("?delete")).length;
          counts = { total: reqs.length, probe, get: by("GET") - reqs.filter(([x, p]) => x === "GET" && p.includes("list-type=2")).length, list: reqs.filter(([, p]) => p.includes("list-type=2")).length, put: by("PUT") };
        }
      }
      row[name] = median(times);
      if (counts) row.requests = counts;
    }
    rows.push(row);
  }
} finally {
  await server.stop();
}
console.log(`\nCLI operations, median of ${RUNS} (a whole process each), ${SESSIONS} sessions in each store:\n`);
console.log("| operation | folder store | S3 (moto, 127.0.0.1) | S3 requests: total (probe + GET + LIST + PUT) |");
console.log("|---|---|---|---|");
for (const r of rows) {
  const q = r.requests;
  console.log(`| ${r.op} | ${r.folder.toFixed(1)} ms | ${r.s3.toFixed(1)} ms | ${q.total} (${q.probe} + ${q.get} + ${q.list} + ${q.put}) |`);
}
