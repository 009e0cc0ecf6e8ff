// The engine transcripts replayed through the npm package's `Engine` over memory
// (tests/js/transcripts.mjs; tests/s3/npm.test.mjs replays them over S3).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store, replay, transcripts } from "./transcripts.mjs";

test("there are transcripts to replay", () => assert.ok(transcripts.length >= 12, transcripts.join(", ")));

for (const f of transcripts) test(`transcript ${f}`, () => replay(f, new Store()));
