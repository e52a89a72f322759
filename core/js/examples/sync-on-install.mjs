// On install (or every deploy), bring the app's webhooks to the desired set: list, plan, show the
// plan (a dry run), then apply it. Safe to run again: a second run sends no write (there is no
// idempotency key in Pipedrive's API, so duplicates would pile up otherwise). It deletes nothing
// unless you pass --prune: a webhook this script did not declare may belong to another service.
//
//   node examples/sync-on-install.mjs <baseUrl> <receiverUrl> [--prune] [--dry-run]
//   with PIPEDRIVE_ACCESS_TOKEN (OAuth, as the app) or PIPEDRIVE_API_TOKEN in the environment.
//
// baseUrl is a company name ("acme"), its api_domain, or any compatible server such as the local
// emulator ("http://127.0.0.1:8700").
import { parseArgs } from "node:util";
import { syncWebhooks } from "pipedrive-webhooks";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { prune: { type: "boolean" }, "dry-run": { type: "boolean" } } });
const [baseUrl, receiverUrl] = positionals;
if (!baseUrl || !receiverUrl) {
  console.error("usage: node sync-on-install.mjs <baseUrl> <receiverUrl> [--prune] [--dry-run]");
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

const fail = (report) => {
  // Messages never contain the token.
  for (const f of report.failed) console.error(`sync failed: ${f.code}: ${f.message}`);
  process.exit(1);
};

// First the plan, with nothing sent: what would be created, deleted and kept, and why.
const preview = await syncWebhooks(config, desired, { dryRun: true, prune: !!values.prune });
if (preview.failed.length) fail(preview);
for (const step of preview.plan.steps) console.error(`${step.action.padEnd(9)} ${step.id ? `#${step.id} ` : ""}${step.subscription}: ${step.reason}`);
const summary = (r) => ({ kept: r.kept.length, deleted: r.deleted.length, created: r.created.length, duplicates: r.plan.duplicates });
if (values["dry-run"]) {
  console.log(JSON.stringify({ ...summary(preview), dryRun: true }));
  process.exit(0);
}
const report = await syncWebhooks(config, desired, { prune: !!values.prune });
if (report.failed.length || !report.complete) fail(report);
console.log(JSON.stringify(summary(report)));
