// The CLI's folder store against hostile hosts: writers killed at random moments (kill -9
// and SIGINT) leave no lock that blocks the next writer and no temporary file that
// outlives the next write; a failed step exits non-zero; inputs are bounded before they
// are read (no endless read of /dev/zero, no wait on a FIFO).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, statSync, existsSync, openSync, ftruncateSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const bin = join(root, "target/debug/outpaint");
const lake = join(root, "examples/images/lake.jpg");

const cli = (args) => spawnSync(bin, args, { encoding: "utf8" });

/** Every file under `dir`, as paths relative to it. */
function files(dir, base = dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p, base) : [p.slice(base.length + 1)];
  });
}

test("writers killed mid-write leave the store usable: no stuck lock, no lost step, no leftovers", async () => {
  assert.ok(existsSync(bin), "build the CLI first (cargo build -p outpaint-cli)");
  const store = mkdtempSync(join(tmpdir(), "outpaint-kill-"));
  let killed = 0;
  const trials = [...Array(100).fill("SIGKILL"), ...Array(20).fill("SIGINT")];
  for (const [i, signal] of trials.entries()) {
    const child = spawn(bin, ["session", "new", "--prompt", `lake ${i}`, "--models", "flux,openai", "--image", lake, "--store", store]);
    const exited = new Promise((resolve) => child.on("close", (code, sig) => resolve({ code, sig })));
    await new Promise((r) => setTimeout(r, Math.random() * 25));
    child.kill(signal);
    const { sig } = await exited;
    if (sig) killed++;
  }
  assert.ok(killed >= 60, `only ${killed} of ${trials.length} writers were killed mid-run`);
  console.log(`${killed} of ${trials.length} writers killed mid-run`);
  // The next writer gets the lock at once (a stale lock used to cost 10 s, then fail).
  const t0 = Date.now();
  const r = cli(["session", "new", "--prompt", "after the kills", "--image", lake, "--store", store]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - t0 < 5000, `the next write took ${Date.now() - t0} ms`);
  const id = JSON.parse(r.stdout).session.sessionId;
  const it = cli(["session", "iterate", id, "--model", "flux", "--prompt", "warmer", "--store", store]);
  assert.equal(it.status, 0, it.stderr);
  // Every stored document parses; every completed step's image is there.
  let completed = 0;
  for (const f of files(store).filter((f) => f.endsWith("status.json"))) {
    const s = JSON.parse(readFileSync(join(store, f), "utf8"));
    for (const col of Object.values(s.models))
      for (const step of col.iterations)
        if (step.status === "completed") {
          completed++;
          assert.ok(existsSync(join(store, step.imageKey)), `${f}: ${step.imageKey} is missing`);
        }
  }
  assert.ok(completed > 0);
  // A write cleans the temporary files dead writers left in its folder.
  const dir = join(store, "sessions", id);
  assert.deepEqual(readdirSync(dir).filter((n) => /\.tmp\d+$/.test(n)), []);
  // The gallery lists every session that got written, skipping none of the readable ones.
  const g = cli(["session", "gallery", "--store", store]);
  assert.equal(g.status, 0, g.stderr);
  assert.ok(JSON.parse(g.stdout).gallery.length >= 2);
});

test("a step that failed exits non-zero with its code, the outcome still printed", () => {
  const store = mkdtempSync(join(tmpdir(), "outpaint-exit-"));
  const n = cli(["session", "new", "--prompt", "a lake", "--models", "flux", "--image", lake, "--store", store]);
  assert.equal(n.status, 0, n.stderr);
  const id = JSON.parse(n.stdout).session.sessionId;
  const r = cli(["session", "outpaint", id, "--model", "flux", "--preset", "edges:100000,100000,100000,100000", "--store", store]);
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^error: IMAGE_TOO_LARGE: /);
  const out = JSON.parse(r.stdout);
  assert.equal(out.session.models.flux.iterations[out.iterationIndex].status, "error");
});

test("inputs are bounded before they are read", () => {
  const dir = mkdtempSync(join(tmpdir(), "outpaint-input-"));
  const out = join(dir, "o");
  // A device and a FIFO: refused at once, never read.
  for (const special of ["/dev/zero", (execFileSync("mkfifo", [join(dir, "fifo")]), join(dir, "fifo")), dir]) {
    const t0 = Date.now();
    const r = cli(["prepare", special, "--target", "16:9", "--out", out]);
    assert.equal(r.status, 1, special);
    assert.match(r.stderr.trim(), /^error: INVALID_OPTION: .* is not a regular file$/, special);
    assert.ok(Date.now() - t0 < 2000, special);
  }
  // A file over the 50 MB limit: IMAGE_TOO_LARGE from its size, before reading it.
  const big = join(dir, "big.png");
  const fd = openSync(big, "w");
  ftruncateSync(fd, 60_000_000);
  closeSync(fd);
  const r = cli(["prepare", big, "--target", "16:9", "--out", out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^error: IMAGE_TOO_LARGE: .* is 60000000 bytes; the limit is 50000000$/);
  const s = cli(["session", "new", "--prompt", "x", "--image", "/dev/zero", "--store", join(dir, "db")]);
  assert.equal(s.status, 1);
  assert.match(s.stderr, /INVALID_OPTION: \/dev\/zero is not a regular file/);
});
