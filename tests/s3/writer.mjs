// One writer process for tests/s3/npm.test.mjs: runs one session operation (JSON in argv)
// through the npm package's `run` on the S3 storage of outpaint-wasm/s3 (the bucket and
// prefix in argv, the endpoint and credentials from the AWS_* environment), prints the
// outcome and exits 1 with `CODE: message` on stderr when it fails (or the step failed).
import { createRequire } from "node:module";
import { openS3Storage } from "../../bindings/npm/s3/index.js";

const require = createRequire(import.meta.url);
const op = require("../../bindings/npm/node/outpaint_wasm.js");
const [bucket, prefix, operation] = process.argv.slice(2);
try {
  const storage = await openS3Storage({ bucket, prefix });
  const out = await op.run(JSON.parse(operation), { storage });
  console.log(JSON.stringify(out));
  const step = out.iterationIndex !== undefined ? out.session.models[JSON.parse(operation).model].iterations[out.iterationIndex] : null;
  if (step?.status === "error") {
    console.error(step.error);
    process.exit(1);
  }
} catch (e) {
  console.error(`${e.code}: ${e.message}`);
  process.exit(1);
}
