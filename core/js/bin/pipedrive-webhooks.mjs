#!/usr/bin/env node
// The package's CLI, for install scripts and CI. Tokens come only from the environment (never
// argv, which other users of the machine and CI logs can read). Every decision (the plan, the
// waits after a 429) comes from the core; this file reads files and prints.
import { parseArgs } from "node:util";
import fs from "node:fs";
import readline from "node:readline/promises";
import pw from "../node/index.cjs";
import { startCompanion, CompanionError, printable } from "../lib/companion.mjs";
import { createCall, Stop } from "../lib/sync.mjs";

const HELP = `usage: pipedrive-webhooks <command> [options]

Keep an installation's app webhooks as declared, from a shell, an install script or CI; serve the
admin panel with its local companion.

commands:
  list --base-url URL [--json]
      The webhooks this token lists (R5), as a table, or the decoded JSON with --json.
  plan DESIRED.json --base-url URL [--prune] [--json]
      What a sync would do: create, delete, keep, surplus, untouched, each with its reason.
      Exit 0 when in sync, 2 when changes are pending (like terraform plan -detailed-exitcode).
  sync DESIRED.json --base-url URL [--prune] [--yes] [--dry-run]
      Applies the plan: deletes first, then creates, one progress line per call, then a summary.
      Deletions need --yes (or a "y" at the prompt in a terminal). Idempotent: a second run sends
      no write request. A 429 is waited out exactly as Retry-After says (at most 3 times, 30 s);
      a daily-budget 429 stops the run and says what was done and when to try again.
  decode < BODY.json
      Decodes a delivery body (v1 or v2) from stdin and prints the normalised event.
  events [--version 1.0|2.0] [--json]
      Every event Pipedrive sends (the catalog), per payload version: its name in that version's
      words (updated.deal in 1.0, change.deal in 2.0), its name in the other version, what it
      means. --json prints the entries with their shape notes: [{ "event", "version", "action",
      "object", "counterpart", "description", "notes" }].
  example ACTION.OBJECT [--version 1.0|2.0] [--attempt 1-4]
      Prints the body Pipedrive would POST for that event (compact JSON, one line), to pipe into
      curl or save as a test fixture. The version follows from the name (updated.deal is 1.0,
      change.deal 2.0); --version checks it. An unknown event names the nearest one. Piped, the
      output is exactly the body's bytes (no newline added).
  serve [--port 8080] [--dist DIR] [--pipedrive-upstream URL]
      The local companion: serves the admin panel on http://127.0.0.1:PORT and relays its live calls
      to Pipedrive from the same origin, so no CORS preflight is needed and every answer header
      (Retry-After, the daily budget) reaches the panel. It relays only the webhooks calls (GET and
      POST /webhooks, DELETE /webhooks/ID) and GET /users/me, to pipedrive.com and its subdomains,
      never a query string; the panel sends the token with each call: the companion keeps none and
      logs one line per call (method, host, path, status, time), never a header or a body.
      Listens on 127.0.0.1 only and answers only its own address and pages. Ctrl-C stops it.

options:
  --base-url URL          a company name (acme), domain, OAuth api_domain or base URL
                          (also the PIPEDRIVE_BASE_URL environment variable); e.g. http://127.0.0.1:8700
  --token-env NAME        read an API token from this environment variable (default PIPEDRIVE_API_TOKEN)
  --access-token-env NAME read an OAuth access token (your app, acting for a user) from this variable
  --prune                 also delete your app's own webhooks that are not in DESIRED.json
  --yes                   apply deletions without asking
  --dry-run               sync: plan and report, send no write request
  --json                  machine-readable output (list, plan, sync, events); credentials always "(set)"
  --version               the package's version (events, example: --version 1.0|2.0, a payload version)
  -h, --help              this text

serve options:
  --port N                the TCP port on 127.0.0.1 (default 8080; 0: any free port, printed at start)
  --dist DIR              the built panel to serve, a folder with its index.html
                          (default: the panel/ folder in this package)
  --pipedrive-upstream URL
                          send relayed calls to URL + the API path instead of https://<host>, for
                          tests and local servers; e.g. http://127.0.0.1:8700 (the emulator)

DESIRED.json is an array of webhooks with Pipedrive's field names; "version" is required:
  [{ "subscription_url": "https://example.com/pd", "event_action": "change", "event_object": "deal",
     "name": "Deals", "version": "2.0" }]
Its JSON Schema ships in the package: desired-webhooks.schema.json.

exit codes:
  0  done; plan: in sync
  1  error (bad arguments, an unreadable file, an API error, a failed step)
  2  plan: changes pending
serve: 0 when stopped (Ctrl-C, SIGTERM), 1 when it cannot start (no panel in the package, port in
use), 2 on bad options

examples:
  PIPEDRIVE_API_TOKEN=… npx pipedrive-webhooks plan webhooks.json --base-url acme
  npx pipedrive-webhooks example change.deal | curl -sS -H 'content-type: application/json' --data-binary @- http://127.0.0.1:3000/hook
  npx pipedrive-webhooks serve --port 8080     # then open http://127.0.0.1:8080`;

class CliError extends Error {
  constructor(message, exitCode = 1, details = []) {
    super(message);
    this.exitCode = exitCode;
    /** Lines printed under the message, each escaped on its own. */
    this.details = details;
  }
}

function fail(message, exitCode = 1) {
  throw new CliError(message, exitCode);
}

function readDesired(file) {
  if (!file) fail("name the desired-set file: pipedrive-webhooks plan DESIRED.json --base-url URL");
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const why = { ENOENT: "no such file", EISDIR: "it is a directory", EACCES: "permission denied" }[e.code] ?? e.message;
    fail(`cannot read ${file}: ${why}`);
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    fail(`${file} is not JSON: ${e.message}`);
  }
  // The core's one reader (as the panel's and syncWebhooks'): every error and warning at once.
  const { webhooks, issues } = pw.readDesired(value);
  const line = (i) => `${file}${i.index === null ? "" : ` [${i.index}]`}${i.name ? ` (${JSON.stringify(i.name)})` : ""}${i.field ? ` ${i.field}` : ""}: ${i.message}`;
  for (const i of issues.filter((i) => i.severity === "warning")) console.error(printable(`warning: ${line(i)}`));
  const errors = issues.filter((i) => i.severity === "error");
  if (errors.length) throw new CliError(`${errors.length} error(s) in the desired set, nothing sent:`, 1, errors.map(line));
  return webhooks;
}

function config(values) {
  const baseUrl = values["base-url"] ?? process.env.PIPEDRIVE_BASE_URL;
  if (!baseUrl) fail("--base-url is required (or set PIPEDRIVE_BASE_URL): a company name, domain or base URL");
  if (values["access-token-env"]) {
    const name = values["access-token-env"];
    const token = process.env[name];
    if (!token) fail(`the environment variable ${name} (an OAuth access token) is not set`);
    checkToken(token, name);
    return { baseUrl, accessToken: token };
  }
  const name = values["token-env"] ?? "PIPEDRIVE_API_TOKEN";
  const token = process.env[name];
  if (!token) fail(`the environment variable ${name} (an API token) is not set; or name another with --token-env NAME, or an OAuth token with --access-token-env NAME`);
  checkToken(token, name);
  return { baseUrl, apiToken: token };
}

/** A token that cannot travel in a header is refused here, never echoed (it is a secret). */
function checkToken(token, name) {
  if (/[\u0000-\u001f\u007f]/.test(token) || token !== token.trim()) fail(`the token in ${name} has a line break, a control character or surrounding spaces: check the variable (it is not shown)`);
  if (/[^\u0020-\u007e]/.test(token)) fail(`the token in ${name} has characters outside ASCII, which no HTTP header carries: check the variable (it is not shown)`);
}

/** An API error in one line: the API's message and what to do (a plan's refusal already says it). */
function explain(e, context) {
  if (e.code === "LIMIT_REACHED" && /\(R2\)/.test(e.message)) return e.message;
  // A delivery body that does not decode: the message says which field; no hint about desired sets.
  if (context === "decode") return e.message;
  const hint = {
    UNAUTHORIZED: "check the token; OAuth access tokens expire after 60 minutes",
    FORBIDDEN: "the token lacks the webhooks:full (or admin) scope, or the webhook is another app's or user's",
    LIMIT_REACHED: "at most 40 webhooks per app user (R2): delete one first, or sync with --prune",
    RATE_LIMITED: "wait, then run again",
    INVALID_FIELD: "fix the desired set",
    INVALID_INPUT: "check the arguments",
    UNKNOWN_EVENT: "list them: pipedrive-webhooks events",
    NETWORK: "check --base-url and the network",
  }[e.code];
  return hint ? `${e.message} (${hint})` : e.message;
}

function table(rows, columns) {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? "").length)));
  const line = (cells) => cells.map((v, i) => String(v ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...rows.map((r) => line(columns.map((c) => r[c])))].join("\n");
}

/** The plan's steps as a table: action, id, subscription, reason. */
function printPlan(plan) {
  console.log(table(plan.steps.map((s) => ({ action: s.action, id: s.id ?? "", subscription: s.subscription, reason: s.reason })), ["action", "id", "subscription", "reason"]));
}

/** The list, its 429s waited out as the core's `RateLimitRetry` decides (as `sync` does). */
async function listWebhooks(cfg) {
  const call = createCall(pw, cfg, {
    onProgress: (p) => console.error(`rate limited: waiting ${(p.waitMs / 1000).toFixed(1)} s as the API asked (retry ${p.retry} of ${p.of})`),
  });
  try {
    return await call("list", { kind: "list" });
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const when = e.decision.notBefore ? `; try again after ${new Date(e.decision.notBefore).toISOString()}` : "";
    throw Object.assign(new Error(`${e.error.message}${when}`), { code: e.error.code });
  }
}

/** `util.parseArgs`, its errors in one line of this CLI's words (exit `exitCode`). */
function parseArgsOrFail(config, exitCode = 1) {
  try {
    return parseArgs(config);
  } catch (e) {
    if (!String(e.code).startsWith("ERR_PARSE_ARGS")) throw e;
    const option = /'(-[^']*)'/.exec(e.message)?.[1];
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") fail(`unknown option ${option} (see --help)`, exitCode);
    // The first sentence: node's message may go on over several lines.
    fail(`${e.message.split(/\.(?:\s|$)/)[0]} (see --help)`, exitCode);
  }
}

const OPTIONS = {
  "base-url": { type: "string" },
  "token-env": { type: "string" },
  "access-token-env": { type: "string" },
  prune: { type: "boolean" },
  yes: { type: "boolean" },
  "dry-run": { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
};
const SERVE_OPTIONS = {
  port: { type: "string" },
  dist: { type: "string" },
  "pipedrive-upstream": { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** `events` and `example`: `--version` names a payload version there, not the package's. */
const CATALOG_OPTIONS = {
  version: { type: "string" },
  attempt: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** The command (the first positional), read leniently: `serve`, `events` and `example` have options of their own. */
function commandOf(argv) {
  return parseArgs({ args: argv, strict: false, allowPositionals: true, options: { ...OPTIONS, ...SERVE_OPTIONS, ...CATALOG_OPTIONS, version: { type: "string" } } }).positionals[0];
}

/** `events` and `example`: the core's catalog, printed. No network. */
function catalog(argv) {
  const { values, positionals } = parseArgsOrFail({ args: argv, allowPositionals: true, options: CATALOG_OPTIONS });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [command, event, extra] = positionals;
  const version = values.version;
  if (version !== undefined && version !== "1.0" && version !== "2.0") fail(`--version takes 1.0 or 2.0, got ${JSON.stringify(version)}`);
  if (command === "events") {
    if (event !== undefined) fail(`unexpected argument ${JSON.stringify(event)}: events takes only --version and --json`);
    if (values.attempt !== undefined) fail("--attempt is for example");
    const list = pw.events(version);
    if (values.json) console.log(JSON.stringify(list, null, 2));
    else {
      console.log(table(list.map((e) => ({ event: e.event, version: e.version, "other version": e.counterpart ?? "—", description: e.description })), ["event", "version", "other version", "description"]));
      console.log(`${list.length} events${version ? ` in version ${version}` : " (2.0 first, then 1.0)"}; the shape notes: --json, or the panel's Events page`);
    }
    return 0;
  }
  if (event === undefined) fail("example needs an event, e.g. example change.deal (list them: events)");
  if (extra !== undefined) fail(`unexpected argument ${JSON.stringify(extra)}`);
  if (values.json) fail("example prints JSON already: --json is for events");
  const attempt = values.attempt === undefined ? 1 : Number(values.attempt);
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > 4) fail(`--attempt takes 1 to 4 (R10: the first attempt and three retries), got ${JSON.stringify(values.attempt)}`);
  // The version the name belongs to, unless --version says which (then a mismatch is explained).
  const own = pw.events().find((e) => e.event === event)?.version ?? (/^(added|updated|merged|deleted)\./.test(event) ? "1.0" : "2.0");
  const body = pw.exampleDelivery(event, version ?? own, { attempt });
  // Piped: exactly the bytes Pipedrive sends (no newline added); on a terminal, a newline after it.
  process.stdout.write(process.stdout.isTTY ? `${body}\n` : body);
  return 0;
}

/** `serve`: the local companion until Ctrl-C or SIGTERM (exit 0); bad options exit 2. */
async function serve(argv) {
  const { values, positionals } = parseArgsOrFail({ args: argv, allowPositionals: true, options: SERVE_OPTIONS }, 2);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length > 1) fail(`unexpected argument ${JSON.stringify(positionals[1])}: serve takes only --port, --dist and --pipedrive-upstream`, 2);
  const portText = values.port ?? "8080";
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) fail(`--port must be a whole number from 0 to 65535 (0: any free port), got ${JSON.stringify(portText)}`, 2);
  if (values.dist === "") fail("--dist needs a folder", 2);
  // Before the server starts: a stop right after the start line must still be quiet.
  let stop;
  const stopped = new Promise((resolve) => (stop = resolve));
  process.once("SIGINT", () => stop());
  process.once("SIGTERM", () => stop());
  let companion;
  try {
    companion = await startCompanion({ port: Number(portText), dist: values.dist, upstream: values["pipedrive-upstream"] });
  } catch (e) {
    if (e instanceof CompanionError) fail(e.message, e.code === "BAD_OPTION" ? 2 : 1);
    throw e;
  }
  console.log(printable(`pipedrive-webhooks companion: serving the panel on ${companion.url} (relaying to ${companion.upstream ?? "Pipedrive"})`));
  await stopped;
  await companion.close();
  process.exit(0);
}

/** The package's health words for people: `no_deliveries` → "no deliveries yet". */
const HEALTH_TEXT = { no_deliveries: "no deliveries yet" };

/** A plan for printing: the credentials it would send are "(set)", never their values (R14). */
function withoutSecrets(plan) {
  const masked = (w) => Object.fromEntries(Object.entries(w).map(([k, v]) => [k, k.startsWith("http_auth_") && v ? "(set)" : v]));
  return { ...plan, create: plan.create.map(masked) };
}

async function main(argv) {
  const first = commandOf(argv);
  if (first === "serve") return serve(argv);
  if (first === "events" || first === "example") return catalog(argv);
  const { values, positionals } = parseArgsOrFail({ args: argv, allowPositionals: true, options: OPTIONS });
  const [command, file, extra] = positionals;
  if (values.version) {
    console.log(JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")).version);
    return 0;
  }
  if (values.help || !command) {
    console.log(HELP);
    return values.help ? 0 : 1;
  }
  if (extra !== undefined) fail(`unexpected argument ${JSON.stringify(extra)}`);
  switch (command) {
    case "decode": {
      const body = fs.readFileSync(0);
      console.log(JSON.stringify(pw.decodeDelivery(body), null, 2));
      return 0;
    }
    case "list": {
      const list = await listWebhooks(config(values));
      // The decoder blanks credentials (write-only, R14); the JSON leaves the keys out altogether.
      if (values.json) console.log(JSON.stringify(list.map(({ http_auth_user, http_auth_password, ...w }) => w), null, 2));
      else {
        console.log(table(list.map((w) => ({ id: w.id, type: w.type, event: `${w.event_action}.${w.event_object}`, version: w.version, auth: w.basic_auth ? "Basic auth: set" : "", health: HEALTH_TEXT[w.health] ?? w.health, "last status": w.last_http_status_text ?? "", url: w.subscription_url })), ["id", "type", "event", "version", "auth", "health", "last status", "url"]));
        console.log(`${list.length} webhook(s)`);
      }
      return 0;
    }
    case "plan": {
      const desired = readDesired(file);
      const cfg = config(values);
      const report = await pw.syncWebhooks(cfg, desired, { prune: !!values.prune, dryRun: true });
      if (report.failed.length) throw Object.assign(new Error(report.failed[0].message), { code: report.failed[0].code });
      const plan = report.plan;
      if (values.json) console.log(JSON.stringify(withoutSecrets(plan), null, 2));
      else {
        printPlan(plan);
        const dups = plan.duplicates.length ? `; ${plan.duplicates.length} duplicate(s) of desired webhooks (#${plan.duplicates.join(", #")}): every event arrives twice; sync with --prune, or delete them` : "";
        console.log(plan.create.length || plan.delete.length || plan.duplicates.length ? `${plan.create.length} to create, ${plan.delete.length} to delete${dups}` : "in sync: nothing to do");
      }
      // Never "in sync" while a duplicate of a desired webhook exists.
      return plan.create.length || plan.delete.length || plan.duplicates.length ? 2 : 0;
    }
    case "sync": {
      const desired = readDesired(file);
      const cfg = config(values);
      const options = { prune: !!values.prune, dryRun: !!values["dry-run"] };
      if (!options.dryRun && !values.yes) {
        const preview = await pw.syncWebhooks(cfg, desired, { ...options, dryRun: true });
        if (preview.failed.length) throw Object.assign(new Error(preview.failed[0].message), { code: preview.failed[0].code });
        const deletions = preview.plan.steps.filter((s) => s.action === "delete");
        if (deletions.length) {
          for (const d of deletions) console.error(`  delete #${d.id} ${d.subscription}: ${d.reason}`);
          if (!process.stdin.isTTY) fail(`${deletions.length} deletion(s) planned: pass --yes to apply them`);
          const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
          const answer = await rl.question(`Delete ${deletions.length} webhook(s)? [y/N] `);
          rl.close();
          if (!/^y(es)?$/i.test(answer.trim())) fail("nothing applied");
        }
      }
      const report = await pw.syncWebhooks(cfg, desired, {
        ...options,
        onProgress: (p) => {
          if ((p.phase === "create" || p.phase === "delete") && p.ok !== undefined) {
            // A failure's reason is printed once, in the summary below.
            console.error(`[${p.index}/${p.total}] ${p.phase} ${p.id ? `#${p.id} ` : ""}${p.subscription}: ${p.ok ? "ok" : "failed"}`);
          } else if (p.phase === "wait") {
            console.error(`rate limited: waiting ${(p.waitMs / 1000).toFixed(1)} s as the API asked (retry ${p.retry} of ${p.of})`);
          }
        },
      });
      if (values.json) console.log(JSON.stringify({ ...report, plan: report.plan && withoutSecrets(report.plan) }, null, 2));
      else if (report.dryRun && report.plan) {
        // What a real run would send, as `plan` shows it.
        printPlan(report.plan);
        console.log(`dry run, nothing sent: would delete ${report.plan.delete.length} and create ${report.plan.create.length}, keep ${report.kept.length}`);
      } else {
        console.log(`created ${report.created.length}, deleted ${report.deleted.length}, kept ${report.kept.length}, skipped ${report.skipped.length}, failed ${report.failed.length}`);
      }
      // Server text escaped: a server must not reach the terminal's control sequences.
      for (const f of report.failed) console.error(printable(`failed: ${f.action}${f.id ? ` #${f.id}` : ""}${f.subscription ? ` ${f.subscription}` : ""}: ${explain(f)}`));
      if (!report.complete) {
        const when = report.notBefore ? `; try again after ${new Date(report.notBefore).toISOString()}` : "";
        console.error(`stopped before the end: ${report.skipped.filter((s) => s.reason.startsWith("not reached")).length} step(s) not reached${when}`);
      }
      return report.failed.length || !report.complete ? 1 : 0;
    }
    default:
      fail(`unknown command ${JSON.stringify(command)}: use list, plan, sync, decode, events, example or serve (--help)`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // One clear line, never a stack trace; tokens never reach messages (they stay in headers).
  const message = e instanceof CliError ? e.message : explain(e, process.argv[2]);
  // Control characters (from an argument or a server's answer) escaped: one line, nothing a terminal runs.
  console.error(`pipedrive-webhooks: ${printable(message)}`);
  for (const d of e.details ?? []) console.error(`  ${printable(d)}`);
  process.exitCode = e instanceof CliError ? e.exitCode : 1;
}
