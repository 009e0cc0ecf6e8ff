// The README's S3 tour, run as written on the tests' S3 server (tests/s3/server.mjs): its
// shell block through bash with the CLI on PATH, then its JavaScript block as a module of
// a scratch app whose `outpaint-wasm` is this package, both on the bucket the README names
// (`my-bucket`) with the AWS_* variables pointing at the server. Then boto3 reads what they
// stored, and each door sees the other's session.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { s3Server, python, root } from "./server.mjs";

let server;
before(async () => {
  server = await s3Server();
  const made = spawnSync(python, [join(root, "tests/s3/objects.py"), server.endpoint, "my-bucket", "mkbucket"]);
  assert.equal(made.status, 0, String(made.stderr));
});
after(async () => server?.stop());

/** The body of the first block fenced `lang` in the README's S3 section. */
function readmeBlock(lang) {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Sessions on S3"));
  const start = section.indexOf("```" + lang + "\n");
  assert.ok(start >= 0 && start < section.indexOf("\n### "), `no ${lang} block in the README's S3 section`);
  const body = section.slice(start + lang.length + 4);
  return body.slice(0, body.indexOf("```\n"));
}

const run = (cmd, args, opts) => {
  const r = spawnSync(cmd, args, { env: { ...server.env, PATH: `${join(root, "target/debug")}:${process.env.PATH}` }, encoding: "utf8", ...opts });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const stored = () =>
  JSON.parse(run(python, [join(root, "tests/s3/objects.py"), server.endpoint, "my-bucket", "list", "outpaint/"]))
    .map((o) => o.key)
    .filter((k) => k.endsWith("/status.json"));

test("the README's S3 tour runs as written: the CLI's block, then the npm block, on one store", () => {
  const sh = readmeBlock("sh");
  assert.match(sh, /--store s3:\/\/my-bucket\/outpaint/);
  const out = run("bash", ["-euo", "pipefail", "-c", sh]);
  // `session new` prints the session, `gallery` the list: two JSON documents.
  const docs = out.trim().split(/\n(?=[{[])/).map((d) => JSON.parse(d));
  const cliSession = docs[0].session.sessionId;
  assert.equal(docs[0].session.status, "completed");
  assert.deepEqual(docs[1].gallery.map((g) => g.sessionId), [cliSession]);
  assert.deepEqual(stored(), [`outpaint/sessions/${cliSession}/status.json`]);

  const app = join(root, "target/s3-readme");
  rmSync(app, { recursive: true, force: true });
  mkdirSync(join(app, "node_modules"), { recursive: true });
  symlinkSync(join(root, "bindings/npm"), join(app, "node_modules/outpaint-wasm"));
  const js = readmeBlock("js");
  writeFileSync(join(app, "main.mjs"), `${js}\nconsole.log(JSON.stringify({ session, gallery }));\n`);
  const { session, gallery } = JSON.parse(run("node", [join(app, "main.mjs")]));
  assert.equal(session.status, "completed");
  assert.deepEqual(gallery.map((g) => g.sessionId).sort(), [cliSession, session.sessionId].sort());
  assert.deepEqual(stored().sort(), [cliSession, session.sessionId].map((id) => `outpaint/sessions/${id}/status.json`).sort());
  // The CLI reads the npm host's session.
  const status = JSON.parse(run("outpaint", ["session", "status", session.sessionId, "--store", "s3://my-bucket/outpaint"]));
  assert.equal(status.session.models.flux.iterations[0].status, "completed");
});
