// The package for node, ES module: the wasm exports (the CommonJS build) plus syncWebhooks.
import { createRequire } from "node:module";
import { createSync } from "../lib/sync.mjs";

const pw = createRequire(import.meta.url)("./pipedrive_webhooks.js");
export const syncWebhooks = createSync(pw);
export const {
  Account, basicAuthHeader, buildRequest, decodeDelivery, decodeResponse, defaultPolicy,
  events, exampleDelivery, normalizeBaseUrl, planSync, rateLimit, RateLimitRetry, readDesired, relayTarget, simulateDeliveries, simulateSummary,
  validateWebhook, verifyBasicAuth,
} = pw;
export default { ...pw, syncWebhooks };
