// The package for node, CommonJS: the wasm exports plus syncWebhooks (its JS edge is an ES
// module, loaded on first use: syncWebhooks returns a promise anyway).
"use strict";
const pw = require("./pipedrive_webhooks.js");
let sync;
async function syncWebhooks(config, desired, options) {
  sync ??= (await import("../lib/sync.mjs")).createSync(pw);
  return sync(config, desired, options);
}
module.exports = Object.assign(Object.create(null), pw, { syncWebhooks });
