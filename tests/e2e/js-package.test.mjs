// The npm package's browser build (web/, an ES module with init()) imported in headless Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { repoRoot, serveStatic, launchChromium, pageWithErrorLog } from "./support.mjs";

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">
import init, { validateWebhook, decodeDelivery, simulateDeliveries, verifyBasicAuth, basicAuthHeader, Account, defaultPolicy } from "/web/pipedrive_webhooks.js";
await init();
const out = {};
out.policy = defaultPolicy();
out.warnings = validateWebhook({ subscription_url: "http://localhost/h", event_action: "change", event_object: "deal", name: "n", version: "2.0" }).warnings.map((w) => w.code);
try { validateWebhook({ subscription_url: "nope" }); } catch (e) { out.error = { code: e.code, field: e.field, isError: e instanceof Error }; }
out.event = decodeDelivery(new TextEncoder().encode(JSON.stringify({ meta: { action: "delete", entity: "person", id: "e-1", version: "2.0" }, data: null, previous: { id: 1 } })));
out.bans = simulateDeliveries({ durationMs: 7200000, webhooks: [{ endpoint: { failureRate: 1 }, traffic: { kind: "every", intervalMs: 60000 } }] }).summary.bans;
out.auth = verifyBasicAuth(basicAuthHeader("u", "p"), "u", "p");
const acct = new Account(1); acct.addUser({ id: 1, name: "A", isAdmin: false });
out.created = acct.create({ kind: "user", userId: 1 }, { subscription_url: "https://e.com", event_action: "*", event_object: "*", name: "all", version: "2.0" }, Date.now()).type;
window.__result = out;
</script>`;

let server, browser;
before(async () => {
  server = await serveStatic(path.join(repoRoot, "target/npm/pipedrive-webhooks"), { "/": PAGE });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("the package's web build works in Chromium", async () => {
  const { page, errors } = await pageWithErrorLog(browser);
  await page.goto(server.url + "/");
  const r = await page.waitForFunction(() => window.__result, null, { timeout: 15000 }).then((h) => h.jsonValue());
  assert.equal(r.policy.maxAppWebhooksPerUser, 40);
  assert.deepEqual(r.warnings, ["plain_http", "not_public"]);
  assert.deepEqual(r.error, { code: "INVALID_FIELD", field: "subscription_url", isError: true });
  assert.deepEqual([r.event.action, r.event.entity, r.event.eventId], ["delete", "person", "e-1"]);
  assert.equal(r.bans, 3);
  assert.equal(r.auth, true);
  assert.equal(r.created, "general");
  assert.deepEqual(errors, []);
});
