// The built npm package (target/npm/pipedrive-webhooks), loaded by node as a user would.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const pkg = require("../../target/npm/pipedrive-webhooks");

test("defaultPolicy comes from the core's wasm (R2, R10, R12, R13)", () => {
  const p = pkg.defaultPolicy();
  assert.equal(p.maxAppWebhooksPerUser, 40);
  assert.equal(p.banThreshold, 10);
  assert.equal(p.banDurationMs, 30 * 60 * 1000);
  assert.deepEqual(p.retryDelaysMs, [3000, 30000, 150000]);
  assert.equal(p.deletionAfterMs, 72 * 3600 * 1000);
});
