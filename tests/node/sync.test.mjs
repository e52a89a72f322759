// syncWebhooks and the CLI, as a Marketplace developer runs them: against the emulator binary
// (real HTTP, the core's rules) and against a Pipedrive-like server whose answers the tests force
// (429s, a daily budget, 5xx). Requests are counted where they arrive or where they leave.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startFakePipedrive } from "./fake-pipedrive.mjs";
import { emulatorBinary, startEmulatorBinary } from "./emulator-process.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const pkgDir = path.join(root, "target/npm/pipedrive-webhooks");
const pw = createRequire(import.meta.url)(pkgDir);
const cli = path.join(pkgDir, "bin/pipedrive-webhooks.mjs");

const hook = (n, extra = {}) => ({ subscription_url: `https://hooks.example.com/${n}`, event_action: "change", event_object: "deal", name: `hook ${n}`, version: "2.0", ...extra });

let emulator;
before(async () => {
  assert.ok(fs.existsSync(emulatorBinary), `${emulatorBinary} is built by the native suite`);
  emulator = await startEmulatorBinary();
});
after(() => emulator?.stop());

/** A fetch that counts what it sends, by method. */
function counting() {
  const sent = [];
  const f = (url, init) => {
    sent.push(`${init?.method ?? "GET"} ${new URL(url).pathname}`);
    return fetch(url, init);
  };
  return { fetch: f, sent, writes: () => sent.filter((s) => !s.startsWith("GET")).length };
}

async function reset() {
  const r = await fetch(`${emulator.url}/_emulator/reset`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  assert.equal(r.status, 200);
}

test("syncWebhooks against the emulator: creates, then is idempotent, then follows changes (prune deletes)", async () => {
  await reset();
  const cfg = { baseUrl: emulator.url, accessToken: "app-token-admin" };
  const desired = [hook(1), hook(2), hook(3, { event_object: "person" })];
  const steps = [];
  const c1 = counting();
  const first = await pw.syncWebhooks(cfg, desired, { fetch: c1.fetch, onProgress: (p) => steps.push(p.phase) });
  assert.equal(first.complete, true);
  assert.equal(first.created.length, 3);
  assert.ok(first.created.every((c) => Number.isInteger(c.id)), "created ids are returned");
  assert.deepEqual(first.failed, []);
  assert.equal(c1.writes(), 3);
  assert.deepEqual([...new Set(steps)], ["list", "plan", "create", "done"]);

  const c2 = counting();
  const second = await pw.syncWebhooks(cfg, desired, { fetch: c2.fetch });
  assert.equal(c2.writes(), 0, `a second run sends no write request: ${c2.sent}`);
  assert.deepEqual(second.kept.sort(), first.created.map((c) => c.id).sort());

  // A changed set: one more, one fewer. Without prune the leftover stays (skipped).
  const changed = [hook(1), hook(2), hook(4)];
  const c3 = counting();
  const third = await pw.syncWebhooks(cfg, changed, { fetch: c3.fetch });
  assert.equal(third.created.length, 1);
  assert.deepEqual(third.deleted, []);
  assert.equal(third.skipped.length, 1);
  assert.match(third.skipped[0].reason, /prune to delete/);
  const c4 = counting();
  const pruned = await pw.syncWebhooks(cfg, changed, { fetch: c4.fetch, prune: true });
  assert.equal(pruned.deleted.length, 1);
  assert.equal(pruned.created.length, 0);
  assert.ok(c4.sent.indexOf(c4.sent.find((s) => s.startsWith("DELETE"))) > 0);
  const listed = pw.decodeResponse("list", await (async () => {
    const r = await fetch(`${emulator.url}/v1/webhooks`, { headers: { authorization: "Bearer app-token-admin" } });
    return { status: r.status, body: await r.text() };
  })());
  assert.deepEqual(listed.map((w) => w.subscription_url).sort(), changed.map((w) => w.subscription_url).sort());
});

test("41 desired webhooks are refused before any call (R2)", async () => {
  const c = counting();
  const desired = Array.from({ length: 41 }, (_, i) => hook(100 + i));
  await assert.rejects(pw.syncWebhooks({ baseUrl: emulator.url, accessToken: "app-token-admin" }, desired, { fetch: c.fetch }), (e) => e.code === "LIMIT_REACHED");
  assert.deepEqual(c.sent, []);
});

async function fake() {
  return startFakePipedrive(pw, (acct) => {
    acct.addUser({ id: 1, name: "Ana", isAdmin: true });
    acct.addApp({ id: 9, name: "Mine", scopes: ["webhooks:full"] });
    acct.install(9, 1);
  });
}

const json = (status, body, headers = {}) => ({ status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

test("a daily-budget 429 mid-run stops it with a partial report; nothing is sent after it", async () => {
  const api = await fake();
  try {
    const cfg = { baseUrl: api.url, accessToken: "APP-9-1" };
    api.forced.push(json(200, { success: true, data: [] }));
    api.forced.push(json(201, { success: true, data: { id: 501, type: "application" } }));
    api.forced.push(json(429, { success: false, error: "daily request budget exceeded", errorCode: 429 }, { "retry-after": "3939" }));
    const waits = [];
    const report = await pw.syncWebhooks(cfg, [hook(1), hook(2), hook(3)], { sleep: async (ms) => waits.push(ms), now: () => 1_000_000 });
    assert.equal(report.complete, false);
    assert.deepEqual(report.created.map((c) => c.id), [501]);
    assert.equal(report.failed.length, 1);
    assert.equal(report.failed[0].code, "RATE_LIMITED");
    assert.equal(report.skipped.length, 1, "the third create was not reached");
    assert.match(report.skipped[0].reason, /^not reached: .*daily/);
    assert.equal(report.notBefore, 1_000_000 + 3_939_000);
    assert.deepEqual(waits, [], "a daily-budget 429 is never waited out and retried");
    assert.equal(api.requests.length, 3, "list, create, the refused create: nothing after");
  } finally {
    await api.close();
  }
});

test("a burst 429 waits exactly Retry-After, then retries; a 5xx and a 400 are never retried", async () => {
  const api = await fake();
  try {
    const cfg = { baseUrl: api.url, accessToken: "APP-9-1" };
    api.forced.push(json(429, { success: false, error: "Request over limit" }, { "retry-after": "2" }));
    api.forced.push(json(200, { success: true, data: [] }));
    api.forced.push(json(502, { success: false, error: "Bad gateway" }));
    api.forced.push(json(400, { success: false, status: "error", errors: { subscription_url: ["invalid or non-reachable URL"] } }));
    api.forced.push(json(201, { success: true, data: { id: 77, type: "application" } }));
    const waits = [];
    const report = await pw.syncWebhooks(cfg, [hook(1), hook(2), hook(3)], { sleep: async (ms) => waits.push(ms) });
    assert.deepEqual(waits, [2000]);
    assert.equal(report.complete, true);
    assert.deepEqual(report.failed.map((f) => [f.code, f.status]), [["SERVER_ERROR", 502], ["INVALID_FIELD", 400]]);
    assert.deepEqual(report.created.map((c) => c.id), [77]);
    assert.equal(api.requests.filter((r) => r.method === "POST").length, 3, "each create sent once");
  } finally {
    await api.close();
  }
});

test("Pipedrive's real 429s: the 10 s burst penalty is waited out; a daily budget told only by x-daily-ratelimit-token-remaining stops", async () => {
  const api = await fake();
  try {
    const cfg = { baseUrl: api.url, accessToken: "APP-9-1" };
    // The 2023 capture: Retry-After 10 and x-ratelimit-reset 10 (not the 2 s window).
    api.forced.push(json(429, { success: false, error: "Request over limit", errorCode: 429 }, { "retry-after": "10", "x-ratelimit-reset": "10", "x-ratelimit-remaining": "0" }));
    api.forced.push(json(200, { success: true, data: [] }));
    // The daily budget by headers alone, with a short Retry-After: still the daily budget.
    api.forced.push(json(429, { success: false, errorCode: 429 }, { "retry-after": "2", "x-daily-ratelimit-token-remaining": "0", "x-daily-ratelimit-token-limit": "30000" }));
    const waits = [];
    const progress = [];
    const report = await pw.syncWebhooks(cfg, [hook(1)], { sleep: async (ms) => waits.push(ms), now: () => 5_000, onProgress: (p) => p.phase === "wait" && progress.push(p) });
    assert.deepEqual(waits, [10_000]);
    assert.deepEqual(progress, [{ phase: "wait", waitMs: 10_000, retry: 1, of: 3 }]);
    assert.equal(report.complete, false);
    assert.equal(report.failed[0].code, "RATE_LIMITED");
    assert.match(report.failed[0].message, /daily token budget is used up/);
    assert.equal(report.notBefore, 7_000, "nothing before the Retry-After it gave");
    assert.equal(api.requests.length, 3, "the 429, the list, the refused create: no retry of a daily 429");
  } finally {
    await api.close();
  }
});

test("an AbortSignal stops between calls; dryRun sends no write", async () => {
  const api = await fake();
  try {
    const cfg = { baseUrl: api.url, accessToken: "APP-9-1" };
    const dry = await pw.syncWebhooks(cfg, [hook(1), hook(2)], { dryRun: true });
    assert.equal(dry.plan.create.length, 2);
    assert.equal(api.requests.filter((r) => r.method !== "GET").length, 0);
    const ctl = new AbortController();
    const report = await pw.syncWebhooks(cfg, [hook(1), hook(2)], { signal: ctl.signal, onProgress: (p) => { if (p.phase === "create" && p.ok) ctl.abort(); } });
    assert.equal(report.complete, false);
    assert.equal(report.created.length, 1);
    assert.equal(report.failed[0].code, "ABORTED");
  } finally {
    await api.close();
  }
});

function run(args, env = {}, input) {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, ...env } }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

test("the CLI's list goes through the same RateLimitRetry: a burst 429 is waited out and said; a daily one stops with its time", async () => {
  const api = await fake();
  const env = { PW_TOKEN: "APP-9-1" };
  try {
    api.forced.push(json(429, { success: false, error: "Request over limit" }, { "retry-after": "1", "x-ratelimit-reset": "1" }));
    const listed = await run(["list", "--base-url", api.url, "--access-token-env", "PW_TOKEN", "--json"], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stderr, /rate limited: waiting 1\.0 s as the API asked \(retry 1 of 3\)/);
    assert.deepEqual(JSON.parse(listed.stdout), []);
    assert.equal(api.requests.length, 2);
    api.forced.push(json(429, { success: false, error: "daily request budget exceeded", errorCode: 429 }, { "retry-after": "3939" }));
    const daily = await run(["list", "--base-url", api.url, "--access-token-env", "PW_TOKEN"], env);
    assert.equal(daily.code, 1);
    assert.match(daily.stderr, /daily token budget is used up; it resets in about 66 min; try again after \d{4}-/);
    assert.equal(api.requests.length, 3, "a daily 429 is never retried");
  } finally {
    await api.close();
  }
});

test("the CLI: plan exits 0 in sync, 2 with changes, 1 on error; sync applies; the token only from the environment", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pw-cli-"));
  const file = path.join(dir, "desired.json");
  fs.writeFileSync(file, JSON.stringify([hook(1), hook(2)]));
  const api = await fake();
  const env = { PW_TOKEN: "APP-9-1" };
  try {
    const pending = await run(["plan", file, "--base-url", api.url, "--access-token-env", "PW_TOKEN"], env);
    assert.equal(pending.code, 2, pending.stderr);
    assert.match(pending.stdout, /create .*missing/);
    assert.match(pending.stdout, /2 to create, 0 to delete/);
    const synced = await run(["sync", file, "--base-url", api.url, "--access-token-env", "PW_TOKEN"], env);
    assert.equal(synced.code, 0, synced.stderr);
    assert.match(synced.stderr, /\[1\/2\] create .*: ok/);
    assert.match(synced.stdout, /created 2, deleted 0/);
    const clean = await run(["plan", file, "--base-url", api.url, "--access-token-env", "PW_TOKEN"], env);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /in sync: nothing to do/);
    // Deletions need --yes when nobody can answer a prompt.
    fs.writeFileSync(file, JSON.stringify([hook(1)]));
    const refused = await run(["sync", file, "--base-url", api.url, "--access-token-env", "PW_TOKEN", "--prune"], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /1 deletion\(s\) planned: pass --yes/);
    // --dry-run: the steps a real run would send, and nothing sent.
    const writes = () => api.requests.filter((r) => r.method !== "GET").length;
    const before = writes();
    const dry = await run(["sync", file, "--base-url", api.url, "--access-token-env", "PW_TOKEN", "--prune", "--dry-run"], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^delete +\d+ +change\.deal v2 → https:\/\/hooks\.example\.com\/2 +not in the desired set$/m);
    assert.match(dry.stdout, /dry run, nothing sent: would delete 1 and create 0, keep 1/);
    assert.equal(writes(), before, "a dry run sends no write");
    // Past the limit: the plan's refusal in one line, not repeated, and no --prune advice when given.
    fs.writeFileSync(path.join(dir, "many.json"), JSON.stringify(Array.from({ length: 41 }, (_, i) => hook(100 + i))));
    const many = await run(["plan", path.join(dir, "many.json"), "--base-url", api.url, "--access-token-env", "PW_TOKEN", "--prune"], env);
    assert.equal(many.code, 1);
    // Said once: pruning cannot make 41 fit, so no prune advice.
    assert.match(many.stderr, /the desired set has more than 40 distinct subscriptions, but an app may have 40 webhooks per user \(R2\), pruned or not: desire at most 40$/m);
    assert.doesNotMatch(many.stderr, /--prune/);
    const yes = await run(["sync", file, "--base-url", api.url, "--access-token-env", "PW_TOKEN", "--prune", "--yes"], env);
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, /deleted 1/);
    // Errors: one line, exit 1, no token anywhere.
    const noToken = await run(["plan", file, "--base-url", api.url]);
    assert.equal(noToken.code, 1);
    assert.equal(noToken.stderr.trim().split("\n").length, 1);
    assert.match(noToken.stderr, /PIPEDRIVE_API_TOKEN/);
    const badToken = await run(["list", "--base-url", api.url, "--token-env", "PW_TOKEN"], { PW_TOKEN: "nope" });
    assert.equal(badToken.code, 1);
    assert.match(badToken.stderr, /unauthorized.*expired \(check the token; OAuth access tokens expire after 60 minutes\)/);
    assert.doesNotMatch(badToken.stderr, /nope/);
    fs.writeFileSync(file, JSON.stringify([{ ...hook(1), version: undefined }]));
    const noVersion = await run(["plan", file, "--base-url", api.url, "--access-token-env", "PW_TOKEN"], env);
    assert.equal(noVersion.code, 1);
    assert.match(noVersion.stderr, /\[0\] \("hook 1"\) version: is missing; give "1.0" or "2.0"/);
    // Each error one line in the CLI's words.
    const bogus = await run(["plan", file, "--base-url", api.url, "--bogus"], env);
    assert.equal(bogus.code, 1);
    assert.equal(bogus.stderr.trim(), "pipedrive-webhooks: unknown option --bogus (see --help)");
    const folder = await run(["plan", dir, "--base-url", api.url, "--access-token-env", "PW_TOKEN"], env);
    assert.equal(folder.code, 1);
    assert.match(folder.stderr, /cannot read .*: it is a directory$/m);
    const port = await new Promise((resolve) => { const srv = net.createServer().listen(0, "127.0.0.1", () => { const p = srv.address().port; srv.close(() => resolve(p)); }); });
    const closed = await run(["list", "--base-url", `http://127.0.0.1:${port}/api/v1`, "--access-token-env", "PW_TOKEN"], env);
    assert.equal(closed.code, 1);
    assert.match(closed.stderr, new RegExp(`could not reach http://127\\.0\\.0\\.1:${port}/api/v1: ECONNREFUSED`), "the reason, not node's bare \"fetch failed\"");
    const badBody = await run(["decode"], {}, JSON.stringify({ meta: { action: "change", entity: "deal", version: "2.0" }, data: {} }));
    assert.equal(badBody.code, 1);
    assert.match(badBody.stderr, /meta\.id/);
    assert.doesNotMatch(badBody.stderr, /desired set/, "a delivery body is not a desired set");
    const help = await run(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /exit codes:/);
    const decoded = await run(["decode"], {}, JSON.stringify({ meta: { action: "change", entity: "deal", entity_id: "1", id: "e", version: "2.0" }, data: { id: 1, stage_id: 2 }, previous: { stage_id: 1 } }));
    assert.equal(decoded.code, 0, decoded.stderr);
    assert.deepEqual(JSON.parse(decoded.stdout).changedFields, ["stage_id"]);
    assert.ok(api.requests.every((r) => !r.search.includes("APP-9-1")), "the token never travels in a URL");
  } finally {
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the package ships its desired-set JSON Schema and its CLI", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  assert.equal(manifest.bin["pipedrive-webhooks"], "./bin/pipedrive-webhooks.mjs");
  const schema = JSON.parse(fs.readFileSync(path.join(pkgDir, "desired-webhooks.schema.json"), "utf8"));
  assert.deepEqual(schema.items.required, ["subscription_url", "event_action", "event_object", "name", "version"]);
  assert.deepEqual(schema.items.properties.version.enum, ["1.0", "2.0"]);
});

// Issue #21: sync you can trust, against Pipedrive's real behaviour (the emulator answers
// credentials as ciphertext, as Pipedrive does) and a hostile network.

test("a Basic-auth desired set synced twice: the second run sends no write, plan exits 0; a duplicate made by hand makes plan exit 2 and names it", async () => {
  await reset();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pw-auth-"));
  const file = path.join(dir, "desired.json");
  const desired = [hook(1, { http_auth_user: "pipedrive", http_auth_password: "s3cret" }), hook(2)];
  fs.writeFileSync(file, JSON.stringify(desired));
  const cfg = { baseUrl: emulator.url, accessToken: "app-token-admin" };
  const c1 = counting();
  const first = await pw.syncWebhooks(cfg, desired, { fetch: c1.fetch });
  assert.equal(first.created.length, 2);
  const listed = await (await fetch(`${emulator.url}/v1/webhooks`, { headers: { authorization: "Bearer app-token-admin" } })).json();
  const withAuth = listed.data.find((w) => w.subscription_url.endsWith("/1"));
  assert.match(withAuth.http_auth_user, /^v1u:[0-9a-f]{246}:[0-9a-f]{112}$/, "the emulator answers ciphertext, as Pipedrive");
  assert.notEqual(withAuth.http_auth_password, "s3cret");
  const c2 = counting();
  const second = await pw.syncWebhooks(cfg, desired, { fetch: c2.fetch });
  assert.equal(c2.writes(), 0, `no write on the second run: ${c2.sent}`);
  assert.equal(second.kept.length, 2);
  const env = { PW_TOKEN: "app-token-admin" };
  const plan = await run(["plan", file, "--base-url", emulator.url, "--access-token-env", "PW_TOKEN"], env);
  assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  assert.match(plan.stdout, /in sync: nothing to do/);
  // A duplicate made by hand (same subscription, a trailing slash): not in sync, named.
  const made = await fetch(`${emulator.url}/v1/webhooks`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer app-token-admin" }, body: JSON.stringify({ ...hook(2), subscription_url: "https://hooks.example.com/2/" }) });
  const dup = (await made.json()).data.id;
  const again = await run(["plan", file, "--base-url", emulator.url, "--access-token-env", "PW_TOKEN"], env);
  assert.equal(again.code, 2, again.stdout + again.stderr);
  assert.match(again.stdout, new RegExp(`surplus +${dup} .*a duplicate of #\\d+`));
  assert.match(again.stdout, new RegExp(`1 duplicate\\(s\\) of desired webhooks \\(#${dup}\\): every event arrives twice; sync with --prune, or delete them`));
  assert.doesNotMatch(again.stdout, /in sync: nothing to do/);
  // list --json holds no credential, only whether it is set.
  const list = await run(["list", "--base-url", emulator.url, "--access-token-env", "PW_TOKEN", "--json"], env);
  assert.equal(list.code, 0, list.stderr);
  assert.doesNotMatch(list.stdout, /s3cret|v1u:|http_auth_password|http_auth_user/);
  assert.deepEqual(JSON.parse(list.stdout).map((w) => w.basic_auth).sort(), [false, false, true]);
  const table = await run(["list", "--base-url", emulator.url, "--access-token-env", "PW_TOKEN"], env);
  assert.match(table.stdout, /Basic auth: set/);
});

test("the CLI reports every desired-set error at once, by entry and name, with a 'did you mean'; warnings too", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pw-bad-"));
  const file = path.join(dir, "desired.json");
  const { version, ...noVersion } = hook(2);
  fs.writeFileSync(file, JSON.stringify([hook(1, { http_auth_pasword: "x", name: "Typo" }), noVersion, hook(3, { subscription_url: "http://127.0.0.1:3000/h", event_object: "dael" })]));
  const r = await run(["plan", file, "--base-url", "http://127.0.0.1:9", "--access-token-env", "PW_TOKEN"], { PW_TOKEN: "t" });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /2 error\(s\) in the desired set, nothing sent:/);
  assert.match(r.stderr, /\[0\] \("Typo"\) http_auth_pasword: unknown field; did you mean http_auth_password\?/);
  assert.match(r.stderr, /\[1\] \("hook 2"\) version: is missing/);
  assert.match(r.stderr, /warning: .*\[2\] \("hook 3"\) event_object: /);
  assert.match(r.stderr, /warning: .*\[2\] \("hook 3"\) subscription_url: /);
  assert.doesNotMatch(r.stderr, /item 0/);
  // planSync and syncWebhooks read the same way: version required; prune off by default.
  assert.throws(() => pw.planSync([], [noVersion]), (e) => e.code === "INVALID_FIELD" && e.issues.some((i) => i.field === "version"));
  const leftover = { id: 5, type: "application", subscription_url: "https://old.example.com", event_action: "*", event_object: "*", version: "2.0" };
  assert.deepEqual(pw.planSync([leftover], [hook(1)]).delete, [], "planSync never prunes unless asked");
  assert.deepEqual(pw.planSync([leftover], [hook(1)], undefined, { prune: true }).delete, [5]);
});

test("the CLI as a hostile network sees it: no redirect followed, answers bounded, server text escaped, a token never printed", async () => {
  const http = await import("node:http");
  const seenAt = [];
  const elsewhere = http.createServer((req, res) => {
    seenAt.push(req.headers);
    res.end("{}");
  });
  await new Promise((r) => elsewhere.listen(0, "127.0.0.1", r));
  let mode = "redirect";
  const hostile = http.createServer((req, res) => {
    if (mode === "redirect") {
      res.writeHead(307, { location: `http://127.0.0.1:${elsewhere.address().port}/v1/webhooks` });
      return res.end();
    }
    if (mode === "huge") {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      let sent = 0;
      const more = () => {
        while (sent < 20 && res.write(chunk)) sent++;
        if (sent < 20) res.once("drain", more);
        else res.end();
      };
      return more();
    }
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ success: false, error: "boom \u001b[31mred\u001b[0m \u0007" }));
  });
  await new Promise((r) => hostile.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${hostile.address().port}`;
  const env = { PW_TOKEN: "SECRET-TOKEN-123" };
  try {
    const redirected = await run(["list", "--base-url", base, "--access-token-env", "PW_TOKEN"], env);
    assert.equal(redirected.code, 1);
    assert.match(redirected.stderr, /answered 307, a redirect to http:\/\/127\.0\.0\.1:\d+\/v1\/webhooks: not followed/);
    assert.equal(seenAt.length, 0, "the token went nowhere else");
    mode = "huge";
    const huge = await run(["list", "--base-url", base, "--access-token-env", "PW_TOKEN"], env);
    assert.equal(huge.code, 1);
    assert.match(huge.stderr, /is over 8 MB: cut/);
    mode = "escape";
    const escaped = await run(["list", "--base-url", base, "--access-token-env", "PW_TOKEN"], env);
    assert.equal(escaped.code, 1);
    assert.doesNotMatch(escaped.stderr, /[\u0007\u001b]/, "no raw control character reaches the terminal");
    assert.match(escaped.stderr, /boom \\u001b\[31mred/);
    const badToken = await run(["list", "--base-url", base, "--access-token-env", "PW_TOKEN"], { PW_TOKEN: "SECRET\nTOKEN-456" });
    assert.equal(badToken.code, 1);
    assert.match(badToken.stderr, /the token in PW_TOKEN has a line break/);
    for (const r of [redirected, huge, escaped, badToken]) assert.doesNotMatch(r.stdout + r.stderr, /SECRET|TOKEN-123|TOKEN-456/);
  } finally {
    hostile.closeAllConnections?.();
    await new Promise((r) => hostile.close(r));
    await new Promise((r) => elsewhere.close(r));
  }
});

test("plan --json and sync --json never print a credential; odd tokens are refused unshown; --version", async () => {
  await reset();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pw-json-"));
  const file = path.join(dir, "desired.json");
  fs.writeFileSync(file, JSON.stringify([hook(1, { http_auth_user: "pipedrive", http_auth_password: "hunter2-SECRET" }), hook(1, { subscription_url: "https://hooks.example.com/1/", name: "again" })]));
  const env = { PW_TOKEN: "app-token-admin" };
  const plan = await run(["plan", file, "--base-url", emulator.url, "--access-token-env", "PW_TOKEN", "--json"], env);
  assert.equal(plan.code, 2, plan.stderr);
  assert.doesNotMatch(plan.stdout + plan.stderr, /hunter2|SECRET/);
  assert.equal(JSON.parse(plan.stdout).create[0].http_auth_password, "(set)");
  assert.match(plan.stderr, /warning: .*\[1\] \("again"\): the same subscription as \[0\]/, "a twin in the set is said, not dropped silently");
  const sync = await run(["sync", file, "--base-url", emulator.url, "--access-token-env", "PW_TOKEN", "--json"], env);
  assert.equal(sync.code, 0, sync.stderr);
  assert.doesNotMatch(sync.stdout + sync.stderr, /hunter2|SECRET/);
  assert.equal(JSON.parse(sync.stdout).created.length, 1);
  const odd = await run(["list", "--base-url", emulator.url, "--access-token-env", "PW_TOKEN"], { PW_TOKEN: "ünï€ode-SECRET" });
  assert.equal(odd.code, 1);
  assert.match(odd.stderr, /the token in PW_TOKEN has characters outside ASCII/);
  assert.doesNotMatch(odd.stderr, /SECRET|ünï/);
  const version = await run(["--version"]);
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version);
});
