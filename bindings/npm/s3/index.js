// outpaint-wasm/s3: the session storage of `run(...)` on S3 or an S3-compatible server
// (MinIO, Cloudflare R2, ...), in Node and in serverless runtimes (anything with `fetch`
// and WebCrypto). Requests are signed with AWS Signature V4 by `aws4fetch` (an optional
// peer dependency: `npm install aws4fetch`). Keys, layout and JSON are the folder
// store's (and the CLI's `--store s3://...`), so sessions move between them with a copy.
//
// Compare-and-swap is S3's own conditional write: a put that expects a tag sends
// `If-Match: <ETag>`, one that expects an absent key `If-None-Match: *`; a 412 (or 409,
// S3's "conflicting conditional write") is a refused write and the engine re-reads. Writes
// are sent once, never retried here (a retried conditional write whose first attempt
// landed would read as a conflict and apply its step twice). `openS3Storage` probes the
// store first and refuses one that does not honour the preconditions.
import { AwsClient } from "aws4fetch";

const env = (name) => (typeof process !== "undefined" && process.env ? process.env[name] : undefined);

/** A storage failure: what `run` reports as `STORAGE_ERROR`. */
class S3StorageError extends Error {
  constructor(message) {
    super(message);
    this.name = "S3StorageError";
    this.code = "STORAGE_ERROR";
  }
}

/** Each `/`-separated part of a key, URI-encoded as S3 wants it. */
const encodeKey = (key) => key.split("/").map((p) => encodeURIComponent(p).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join("/");

/** Keys a store must not take (the core's `check_key`): empty, `.` or `..` parts, `\`. */
function checkKey(key) {
  if (typeof key !== "string" || key.split("/").some((p) => p === "" || p === "." || p === "..") || key.includes("\\")) {
    throw new S3StorageError(`refusing key ${JSON.stringify(key)}`);
  }
}

const xmlText = (s) =>
  s.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-fA-F]+));/g, (_, name, dec, hex) =>
    dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" }[name],
  );

/**
 * A `Storage` for `run(...)` on an S3 bucket, without the opening probe (use
 * `openS3Storage`, which probes). Options: `bucket` (required), `prefix` (a key prefix,
 * default none), `region` (default `AWS_REGION`, else `us-east-1`), `endpoint` (default
 * `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, else AWS's), `pathStyle` (default: true with
 * a custom endpoint), `credentials` `{ accessKeyId, secretAccessKey, sessionToken? }`
 * (default: the `AWS_*` environment variables), `fetch` (default: the global one).
 */
export function s3Storage(options = {}) {
  const { bucket } = options;
  if (typeof bucket !== "string" || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new TypeError(`s3Storage: bucket must be an S3 bucket name, not ${JSON.stringify(bucket)}`);
  }
  const prefix = (options.prefix ?? "").replace(/^\/+|\/+$/g, "");
  if (prefix) checkKey(prefix);
  const base = prefix ? `${prefix}/` : "";
  const region = options.region ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? "us-east-1";
  const custom = options.endpoint ?? env("AWS_ENDPOINT_URL_S3") ?? env("AWS_ENDPOINT_URL");
  const pathStyle = options.pathStyle ?? Boolean(custom);
  const endpoint = (custom ?? `https://s3.${region}.amazonaws.com`).replace(/\/+$/, "");
  const origin = pathStyle ? `${endpoint}/${bucket}` : endpoint.replace("://", `://${bucket}.`);
  const credentials = options.credentials ?? {
    accessKeyId: env("AWS_ACCESS_KEY_ID"),
    secretAccessKey: env("AWS_SECRET_ACCESS_KEY"),
    sessionToken: env("AWS_SESSION_TOKEN"),
  };
  if (!credentials.accessKeyId || !credentials.secretAccessKey) {
    throw new TypeError("s3Storage: no credentials (options.credentials, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  }
  const signer = new AwsClient({ ...credentials, service: "s3", region, retries: 0 });
  const send = options.fetch ?? globalThis.fetch;
  const name = `s3://${bucket}${prefix ? `/${prefix}` : ""}`;

  /** One signed request: the response, or a storage failure naming the key. */
  async function request(method, path, { headers = {}, body, query = "", attempts = 1 } = {}) {
    const url = `${origin}/${path}${query}`;
    let last;
    for (let i = 0; i < attempts; i++) {
      try {
        const res = await send(await signer.sign(url, { method, headers, body }));
        if (res.status < 500 || i === attempts - 1) return res;
        last = new S3StorageError(`${name}: ${method} ${path} answered ${res.status}`);
      } catch (e) {
        last = new S3StorageError(`${name}: ${method} ${path}: ${e?.cause?.code ?? e?.cause?.message ?? e?.message ?? e}`);
      }
      if (i < attempts - 1) await new Promise((r) => setTimeout(r, 50 * 2 ** i * Math.random()));
    }
    throw last;
  }
  const failed = async (res, what) => {
    const text = await res.text().catch(() => "");
    const code = text.match(/<Code>(.*?)<\/Code>/)?.[1];
    return new S3StorageError(`${name}: ${what} answered ${res.status}${code ? ` ${code}` : ""}`);
  };

  const storage = {
    /** `s3://bucket/prefix`. */
    name,
    async get(key) {
      checkKey(key);
      const res = await request("GET", encodeKey(base + key), { attempts: 3 });
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (res.status !== 200) throw await failed(res, `GET ${key}`);
      const tag = res.headers.get("etag");
      if (!tag) throw new S3StorageError(`${name}: GET ${key} gave no ETag`);
      return { bytes: new Uint8Array(await res.arrayBuffer()), tag };
    },
    async put(key, bytes, expected) {
      checkKey(key);
      const headers = { "content-type": "application/octet-stream" };
      if (expected?.kind === "absent") headers["if-none-match"] = "*";
      else if (expected?.kind === "tag") headers["if-match"] = expected.tag;
      else if (expected?.kind !== "any") throw new S3StorageError(`put ${key}: unknown precondition ${JSON.stringify(expected)}`);
      const res = await request("PUT", encodeKey(base + key), { headers, body: bytes });
      // 412: the precondition failed; 409: a conditional write conflicted with another
      // (S3 says: retry, that is, re-read); 404: If-Match on a key that is gone.
      if (res.status === 412 || res.status === 409 || (res.status === 404 && expected.kind === "tag")) {
        await res.body?.cancel();
        return null;
      }
      if (res.status !== 200) throw await failed(res, `PUT ${key}`);
      const tag = res.headers.get("etag");
      if (!tag) throw new S3StorageError(`${name}: PUT ${key} gave no ETag`);
      return tag;
    },
    async list(keyPrefix) {
      const keys = [];
      let token = null;
      do {
        const q = new URLSearchParams({ "list-type": "2", prefix: base + keyPrefix });
        if (token) q.set("continuation-token", token);
        const res = await request("GET", "", { query: `?${q}`, attempts: 3 });
        if (res.status !== 200) throw await failed(res, `LIST ${keyPrefix}`);
        const xml = await res.text();
        for (const [, k] of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(xmlText(k).slice(base.length));
        token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? xmlText(xml.match(/<NextContinuationToken>([^<]*)</)?.[1] ?? "") : null;
      } while (token);
      return keys.sort();
    },
    /** Removes a key (the probe's own). */
    async delete(key) {
      checkKey(key);
      const res = await request("DELETE", encodeKey(base + key));
      await res.body?.cancel();
      if (res.status !== 204 && res.status !== 200 && res.status !== 404) throw await failed(res, `DELETE ${key}`);
    },
    /**
     * Checks that the store refuses writes whose precondition fails (a second create, an
     * update naming a wrong ETag), on a key of its own that it removes again; rejects with
     * a `STORAGE_ERROR` when it does not.
     */
    async probe() {
      const key = `.outpaint-probe/${Date.now()}-${Math.random().toString(36).slice(2)}.json`;
      const enc = new TextEncoder();
      if ((await storage.put(key, enc.encode('{"probe":1}'), { kind: "absent" })) === null) {
        throw new S3StorageError(`${name}: the probe key ${key} exists`);
      }
      const unsafe = (what) =>
        new S3StorageError(`${name} does not honour ${what} on writes, so concurrent writers would lose updates: refusing to use it`);
      try {
        if ((await storage.put(key, enc.encode('{"probe":2}'), { kind: "absent" })) !== null) throw unsafe("If-None-Match: *");
        if ((await storage.put(key, enc.encode('{"probe":3}'), { kind: "tag", tag: `"outpaint-probe-${Date.now()}"` })) !== null) throw unsafe("If-Match");
      } finally {
        await storage.delete(key).catch(() => {});
      }
    },
  };
  return storage;
}

/** `s3Storage(options)`, probed: resolves once the store is known to honour conditional writes. */
export async function openS3Storage(options) {
  const storage = s3Storage(options);
  await storage.probe();
  return storage;
}

export { S3StorageError };
