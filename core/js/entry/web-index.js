// The package for browsers and bundlers: the wasm build (call the default export, init(), once)
// plus syncWebhooks.
import * as pw from "./pipedrive_webhooks.js";
import { createSync } from "../lib/sync.mjs";

export * from "./pipedrive_webhooks.js";
export { default } from "./pipedrive_webhooks.js";
export const syncWebhooks = createSync(pw);
