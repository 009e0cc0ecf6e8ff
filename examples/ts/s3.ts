// The S3 storage entry (`outpaint-wasm/s3`) from TypeScript, against the published
// package: type-checked with `tsc --strict` and run by scripts/npm-pack-test.sh without a
// server (tests/s3/npm.test.mjs runs it on one). Prints what it checked as JSON.
import { run, type Host, type Outcome } from "outpaint-wasm";
import { openS3Storage, s3Storage, S3StorageError, type S3Storage } from "outpaint-wasm/s3";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const storage: S3Storage = s3Storage({ bucket: "my-bucket", prefix: "/outpaint/", region: "eu-west-1", credentials });
/** Never called: what the types refuse. */
export function refusedByTheTypes(): void {
  // @ts-expect-error: the bucket is required
  s3Storage({ prefix: "x" });
  // @ts-expect-error: a precondition is one of three kinds
  void storage.put("k", new Uint8Array(), { kind: "sometimes" });
}

/** A session on S3, as a serverless handler would start one. */
export async function handler(bucket: string): Promise<Outcome> {
  const host: Host = { provider: "local", storage: await openS3Storage({ bucket }) };
  return run({ op: "generate", prompt: "a lake at dawn", models: ["flux"] }, host);
}

let badBucket = "";
try {
  s3Storage({ bucket: "Not_A_Bucket", credentials });
} catch (e) {
  badBucket = e instanceof TypeError ? "TypeError" : String(e);
}
let badKey = "";
try {
  await storage.get("sessions/../escape");
} catch (e) {
  badKey = e instanceof S3StorageError ? e.code : String(e);
}
console.log(JSON.stringify({ name: storage.name, badBucket, badKey, handler: typeof handler }));
