// On install (or every deploy), make the app's webhooks exactly the desired set: list, plan, then
// delete and create. Safe to run again: a second run changes nothing (there is no idempotency key
// in Pipedrive's API, so duplicates would pile up otherwise).
//
//   node examples/sync-on-install.mjs <baseUrl> <receiverUrl>
//   with PIPEDRIVE_ACCESS_TOKEN (OAuth, as the app) or PIPEDRIVE_API_TOKEN in the environment.
//
// baseUrl is a company name ("acme"), its api_domain, or any compatible server such as the local
// emulator ("http://127.0.0.1:8700").
import { buildRequest, decodeResponse, planSync } from "pipedrive-webhooks";

const [baseUrl, receiverUrl] = process.argv.slice(2);
if (!baseUrl || !receiverUrl) {
  console.error("usage: node sync-on-install.mjs <baseUrl> <receiverUrl>");
  process.exit(2);
}
const accessToken = process.env.PIPEDRIVE_ACCESS_TOKEN;
const apiToken = process.env.PIPEDRIVE_API_TOKEN;
const config = accessToken ? { baseUrl, accessToken } : { baseUrl, apiToken };

const desired = ["create", "change", "delete"].map((action) => ({
  subscription_url: receiverUrl,
  event_action: action,
  event_object: "deal",
  name: `deals: ${action}`,
  version: "2.0",
}));

async function call(kind, operation) {
  const req = buildRequest(config, operation);
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined });
    try {
      return decodeResponse(kind, { status: res.status, headers: res.headers, body: await res.text() }, Date.now());
    } catch (e) {
      // Wait as long as Pipedrive asks before retrying a 429; never hammer.
      if (e.code === "RATE_LIMITED" && attempt < 5) {
        await new Promise((r) => setTimeout(r, e.retryAfterMs ?? 1000 * 2 ** attempt));
        continue;
      }
      throw e;
    }
  }
}

try {
  const current = await call("list", { kind: "list" });
  const plan = planSync(current, desired);
  for (const id of plan.delete) await call("delete", { kind: "delete", id });
  for (const webhook of plan.create) await call("create", { kind: "create", webhook });
  console.log(JSON.stringify({ kept: plan.keep.length, deleted: plan.delete.length, created: plan.create.length }));
} catch (e) {
  // The message never contains the token.
  console.error(`sync failed: ${e.code ?? "ERROR"}: ${e.message}`);
  process.exit(1);
}
