// Starts and stops the tests' S3 server (tests/s3/server.py: moto's server, one request at
// a time, its objects kept across a restart), with the Python that scripts/s3-tests.sh
// installs moto into, and creates the bucket. Also the SDK's look at the bucket
// (tests/s3/objects.py) and the CLI's environment for it.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const root = new URL("../../", import.meta.url).pathname;
export const python = process.env.OUTPAINT_S3_PYTHON ?? join(root, "target/s3-venv/bin/python");
export const BUCKET = "outpaint-tests";

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function waitUntilUp(port, child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`the S3 server exited (${child.exitCode})`);
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error("the S3 server did not come up in 10 s");
}

/** A running server: `endpoint`, `env` (for the CLI), `stop()`, `start()` again, `log`. */
export async function s3Server() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "outpaint-s3-"));
  const server = {
    endpoint: `http://127.0.0.1:${port}`,
    log: join(dir, "server.log"),
    child: null,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_ALLOW_HTTP: "true",
    },
    async start() {
      const log = openSync(this.log, "a");
      this.child = spawn(python, [join(root, "tests/s3/server.py"), "--port", String(port), "--state", join(dir, "state.json")], {
        stdio: ["ignore", log, log],
      });
      await waitUntilUp(port, this.child);
    },
    async stop() {
      const exited = new Promise((r) => this.child.on("exit", r));
      this.child.kill("SIGTERM");
      await exited;
    },
    /** boto3's view of the bucket: `objects("list", prefix)` and so on. */
    objects(verb, ...args) {
      const r = spawnSync(python, [join(root, "tests/s3/objects.py"), this.endpoint, BUCKET, verb, ...args.filter((a) => typeof a === "string")], {
        input: args.find((a) => a instanceof Uint8Array),
        maxBuffer: 1 << 28,
      });
      if (r.status !== 0) throw new Error(`objects.py ${verb}: ${r.stderr}`);
      return r.stdout;
    },
  };
  await server.start();
  server.objects("mkbucket");
  return server;
}

/**
 * A server that takes every write and ignores preconditions (`If-Match`, `If-None-Match`),
 * as some S3-compatible stores do: what a store must refuse when it is opened. Handles PUT,
 * DELETE and DeleteObjects (`POST ?delete`); `keys()` lists what it holds.
 */
export async function carelessServer() {
  const { createServer } = await import("node:http");
  const objects = new Map();
  const careless = createServer((req, res) => {
    const body = [];
    req.on("data", (d) => body.push(d));
    req.on("end", () => {
      const text = Buffer.concat(body);
      const path = req.url.split("?")[0];
      if (req.method === "PUT") {
        objects.set(path, text);
        res.writeHead(200, { ETag: `"${objects.size}"` }).end();
      } else if (req.method === "DELETE") {
        objects.delete(path);
        res.writeHead(204).end();
      } else if (req.method === "POST" && req.url.endsWith("?delete")) {
        // DeleteObjects, as object_store deletes.
        for (const [, key] of String(text).matchAll(/<Key>(.*?)<\/Key>/g)) objects.delete(`${path}/${key}`);
        res.writeHead(200, { "Content-Type": "application/xml" }).end("<DeleteResult></DeleteResult>");
      } else res.writeHead(404).end();
    });
  });
  await new Promise((r) => careless.listen(0, "127.0.0.1", r));
  return {
    endpoint: `http://127.0.0.1:${careless.address().port}`,
    keys: () => [...objects.keys()],
    close: () => careless.close(),
  };
}
