// The built npm package (target/npm/pipedrive-webhooks), imported by node as a user would:
// every export, with valid and invalid input. Rule numbers refer to the domain reference.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../target/npm/pipedrive-webhooks");
const pw = require(pkgDir);

/** Asserts `fn` throws an Error whose `code` (and optionally `field`) match. */
function throwsCode(fn, code, field) {
  let caught;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof Error, `expected an Error with code ${code}, got ${caught}`);
  assert.equal(caught.code, code, caught.message);
  if (field !== undefined) assert.equal(caught.field, field);
  assert.doesNotMatch(caught.message, /unreachable|RuntimeError/);
  return caught;
}

const hook = (n = 1, extra = {}) => ({
  subscription_url: `https://example.com/h/${n}`,
  event_action: "change",
  event_object: "deal",
  name: `hook ${n}`,
  version: "2.0",
  ...extra,
});

test("the package resolves through its exports map, with types", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  assert.equal(manifest.name, "pipedrive-webhooks");
  for (const rel of [manifest.main, manifest.types, manifest.exports["."].browser, manifest.exports["."].types]) {
    assert.ok(fs.existsSync(path.join(pkgDir, rel)), rel);
  }
  const dts = fs.readFileSync(path.join(pkgDir, manifest.types), "utf8");
  // Real types on public inputs and outputs: no `any` anywhere in the declarations.
  assert.doesNotMatch(dts, /\bany\b/);
  for (const name of ["validateWebhook", "Account", "simulateDeliveries", "decodeDelivery", "verifyBasicAuth", "planSync", "buildRequest", "decodeResponse", "defaultPolicy"]) {
    assert.match(dts, new RegExp(`\\b${name}\\b`), name);
    assert.ok(pw[name], `export ${name}`);
  }
  assert.match(dts, /export function validateWebhook\(input: NewWebhook/);
});

test("defaultPolicy holds Pipedrive's numbers (R2, R9, R10, R12, R13)", () => {
  const p = pw.defaultPolicy();
  assert.deepEqual(
    [p.maxAppWebhooksPerUser, p.banThreshold, p.banDurationMs, p.timeoutMs, p.deletionAfterMs],
    [40, 10, 30 * 60 * 1000, 10_000, 72 * 3600 * 1000],
  );
  assert.deepEqual(p.retryDelaysMs, [3000, 30000, 150000]);
});

test("validateWebhook returns the cleaned webhook with warnings (R15)", () => {
  const ok = pw.validateWebhook({ ...hook(), subscription_url: " http://localhost:3000/h ", version: undefined });
  assert.equal(ok.subscription_url, "http://localhost:3000/h");
  assert.equal(ok.version, "2.0");
  assert.deepEqual(ok.warnings.map((w) => w.code), ["plain_http", "not_public", "version_defaulted"]);
});

test("validateWebhook throws INVALID_FIELD with every field error", () => {
  const e = throwsCode(() => pw.validateWebhook({ subscription_url: "ftp://x", event_action: "added", event_object: "deal", name: "", version: "2.0" }), "INVALID_FIELD", "subscription_url");
  assert.deepEqual(e.errors.map((x) => x.field), ["subscription_url", "event_action", "name"]);
  assert.equal(e.errors[0].problem, "unsupported_scheme");
  // Wrong types, missing objects, huge strings and BigInts are errors, never traps.
  throwsCode(() => pw.validateWebhook(42), "INVALID_INPUT");
  throwsCode(() => pw.validateWebhook({ ...hook(), user_id: "seven" }), "INVALID_INPUT");
  throwsCode(() => pw.validateWebhook({ ...hook(), user_id: 10n }), "INVALID_INPUT");
  throwsCode(() => pw.validateWebhook({ ...hook(), name: "x".repeat(5_000_000) }), "INVALID_FIELD", "name");
  const cyclic = hook();
  cyclic.self = cyclic;
  throwsCode(() => pw.validateWebhook(cyclic), "INVALID_INPUT");
  throwsCode(() => pw.validateWebhook(hook(), { banThreshold: "ten" }), "INVALID_INPUT");
});

test("Account answers like Pipedrive: R1, R2 (41st → 422), R5, R6, R7, R8 and round-trips JSON", () => {
  const acct = new pw.Account(1);
  acct.addUser({ id: 1, name: "Admin", isAdmin: true });
  acct.addUser({ id: 2, name: "Ana", isAdmin: false });
  acct.addApp({ id: 9, name: "Mine", scopes: ["webhooks:full"] });
  acct.addApp({ id: 8, name: "Theirs", scopes: ["admin"] });
  acct.addApp({ id: 7, name: "Reader", scopes: ["webhooks:read"] });
  for (const app of [9, 8, 7]) acct.install(app, 2);
  const me = { kind: "app", appId: 9, userId: 2 };
  for (let n = 1; n <= 40; n++) acct.create(me, hook(n), 1_000 + n);
  assert.deepEqual(acct.quota(me), { used: 40, limit: 40 });
  const limit = throwsCode(() => acct.create(me, hook(41), 2_000), "LIMIT_REACHED");
  assert.equal(limit.status, 422);
  const scope = throwsCode(() => acct.create({ kind: "app", appId: 7, userId: 2 }, hook(1), 0), "FORBIDDEN");
  assert.equal(scope.missingScope, "webhooks:full");
  const theirs = acct.create({ kind: "app", appId: 8, userId: 2 }, hook(99), 0);
  const general = acct.create({ kind: "user", userId: 2 }, hook(100), 0);
  const mine = acct.list(me);
  assert.equal(mine.length, 41, "own 40 plus the user's general one, never another app's");
  assert.ok(mine.every((w) => w.type === "general" || w.id !== theirs.id));
  assert.equal(mine[0].is_active, 1);
  assert.deepEqual(acct.mayDelete(me, theirs.id), { allowed: false, reason: "Created by another app: only that app can delete it (R6)." });
  assert.equal(acct.mayDelete(me, mine[0].id).allowed, true);
  throwsCode(() => acct.delete(me, theirs.id, 5), "FORBIDDEN");
  throwsCode(() => acct.delete(me, general.id, 5), "FORBIDDEN");
  throwsCode(() => acct.delete(me, 123456, 5), "NOT_FOUND", "id");
  assert.equal(acct.delete(me, mine[0].id, 5).id, mine[0].id);
  const saved = JSON.stringify(acct);
  const restored = pw.Account.fromJSON(saved);
  assert.equal(restored.list(me).length, 40);
  assert.equal(pw.Account.fromJSON(JSON.parse(saved)).quota(me).used, 39);
  assert.equal(acct.uninstall(9, 2, 10).length, 39, "R7");
  throwsCode(() => acct.list(me), "UNAUTHORIZED");
  assert.deepEqual(acct.removeApp(8, 11), [theirs.id], "R8");
  throwsCode(() => pw.Account.fromJSON("{nope"), "INVALID_INPUT");
  const broken = JSON.parse(saved);
  broken.webhooks[String(mine[1].id)].webhook.version = "3.0";
  throwsCode(() => pw.Account.fromJSON(broken), "INVALID_INPUT", `webhooks.${mine[1].id}.webhook.version`);
  throwsCode(() => new pw.Account(-1), "INVALID_INPUT");
  throwsCode(() => acct.create({ kind: "robot" }, hook(), 0), "INVALID_INPUT");
  throwsCode(() => acct.delete(me, 1.5, 0), "INVALID_INPUT");
});

test("Account runs deliveries through the delivery machine (R10–R13)", () => {
  const acct = new pw.Account(1);
  acct.addUser({ id: 1, name: "Ana", isAdmin: false });
  const w = acct.create({ kind: "user", userId: 1 }, hook(), 0);
  assert.deepEqual(acct.matching("updated", "deal"), [w.id]);
  let t = 0;
  for (let i = 0; i < 10; i++) {
    assert.deepEqual(acct.admit(w.id, t), { kind: "send" });
    const out = acct.attemptEnded(w.id, 1, t, { kind: "status", code: 500, afterMs: 5 });
    assert.equal(out.counted, true);
    assert.equal(out.next.kind, "retry");
    t += 60_000;
  }
  const banStart = 9 * 60_000 + 5;
  assert.deepEqual(acct.standing(w.id, t), { kind: "banned", until: banStart + 30 * 60_000 });
  assert.deepEqual(acct.admit(w.id, t), { kind: "lost", bannedUntil: banStart + 30 * 60_000 });
  assert.deepEqual(acct.tick(5 + 72 * 3600_000), [{ id: w.id, banEndedAt: banStart + 30 * 60_000, deletedAt: 5 + 72 * 3600_000 }]);
  assert.equal(acct.standing(w.id, 0), null, "R13: deleted");
  throwsCode(() => acct.attemptEnded(w.id, 1, 0, { kind: "teapot" }), "INVALID_INPUT");
});

test("simulateDeliveries: a dead endpoint is banned as R11/R12 say; outcomes add up", () => {
  const r = pw.simulateDeliveries({
    durationMs: 2 * 3600_000,
    seed: 1,
    timeline: true,
    webhooks: [{ endpoint: { failureRate: 1, latencyMs: 0 }, traffic: { kind: "every", intervalMs: 60_000 } }],
  });
  const s = r.summary;
  assert.equal(s.events, 120);
  const bans = r.timeline.filter((p) => p.change.kind === "banStarted").map((p) => p.at);
  // Failures end at once (latency 0): the 10th at minute 9 bans until minute 39; the event at
  // minute 39 is sent (the ban ends first at equal times), so the next ban starts at minute 48.
  assert.deepEqual(bans, [9 * 60_000, 48 * 60_000, 87 * 60_000]);
  assert.equal(s.deliveredFirstTry + s.deliveredAfterRetry + s.failedAllAttempts + s.lostDuringBan + s.droppedAfterDeletion, s.events);
  const healthy = pw.simulateSummary({ durationMs: 3600_000, webhooks: [{ endpoint: {}, traffic: { kind: "at", offsetsMs: [0, 1, 2] } }] });
  assert.equal(healthy.deliveredFirstTry, 3);
  throwsCode(() => pw.simulateDeliveries({ webhooks: [] }), "INVALID_INPUT", "durationMs");
  throwsCode(() => pw.simulateDeliveries({ durationMs: 1, webhooks: [{ endpoint: {}, traffic: { kind: "sometimes" } }] }), "INVALID_INPUT", "webhooks[0].traffic.kind");
  // The error says where the bad value is and what was expected, not just that the shape is wrong.
  const e = throwsCode(() => pw.simulateDeliveries({ durationMs: 1, webhooks: [{ endpoint: {}, traffic: { kind: "every", intervalMs: "60s" } }] }), "INVALID_INPUT", "webhooks[0].traffic.intervalMs");
  assert.equal(e.message, "scenario: webhooks[0].traffic.intervalMs: expected a whole number, got a string");
});

test("decodeDelivery normalises v1 and v2 and names what is wrong", () => {
  const v2 = pw.decodeDelivery(JSON.stringify({
    meta: { action: "create", entity: "deal", entity_id: "42", id: "uuid-1", attempt: 2, timestamp: "2025-04-01T10:00:00.000Z", version: "2.0" },
    data: { id: 42 }, previous: null,
  }));
  assert.deepEqual([v2.version, v2.action, v2.entity, v2.entityId, v2.eventId, v2.attempt], ["2.0", "create", "deal", "42", "uuid-1", 2]);
  const v1 = pw.decodeDelivery(new TextEncoder().encode(JSON.stringify({ v: 1, event: "updated.person", retry: 0, current: { id: 3 }, meta: { id: 3, timestamp: 1700000000 } })));
  assert.deepEqual([v1.version, v1.action, v1.rawAction, v1.attempt, v1.timestampMs], ["1.0", "change", "updated", 1, 1_700_000_000_000]);
  throwsCode(() => pw.decodeDelivery("<html>"), "NOT_JSON");
  throwsCode(() => pw.decodeDelivery("[]"), "NOT_AN_OBJECT");
  throwsCode(() => pw.decodeDelivery("{}"), "UNKNOWN_FORMAT");
  throwsCode(() => pw.decodeDelivery(JSON.stringify({ meta: { action: "create", entity: "deal", version: "2.0" } })), "INVALID_FIELD", "meta.id");
  throwsCode(() => pw.decodeDelivery(12), "INVALID_INPUT");
  throwsCode(() => pw.decodeDelivery(new Uint8Array([0xff, 0xfe, 0x00, 0x7b])), "NOT_JSON");
});

test("verifyBasicAuth and basicAuthHeader (R14)", () => {
  const header = pw.basicAuthHeader("pipedrive", "s3cret");
  assert.equal(header, "Basic cGlwZWRyaXZlOnMzY3JldA==");
  assert.equal(pw.verifyBasicAuth(header, "pipedrive", "s3cret"), true);
  assert.equal(pw.verifyBasicAuth(header, "pipedrive", "wrong"), false);
  assert.equal(pw.verifyBasicAuth(undefined, "pipedrive", "s3cret"), false);
  assert.equal(pw.verifyBasicAuth("Basic %%%", "pipedrive", "s3cret"), false);
});

test("planSync keeps, deletes duplicates only when pruning (else names them: not in sync) and creates; refuses past the limit (R2)", () => {
  const current = [
    { id: 1, type: "application", subscription_url: "https://e.com/a", event_action: "change", event_object: "deal", version: "2.0", user_id: 1 },
    { id: 2, type: "application", subscription_url: "https://e.com/a", event_action: "change", event_object: "deal", version: "2.0", user_id: 1 },
    { id: 3, type: "general", subscription_url: "https://e.com/a", event_action: "change", event_object: "deal", version: "2.0" },
  ];
  const desired = [hook(1, { subscription_url: "https://e.com/a" }), hook(2)];
  const plan = pw.planSync(current, desired, undefined, { prune: true });
  assert.deepEqual([plan.keep, plan.delete, plan.untouched], [[1], [2], [3]]);
  assert.equal(plan.create.length, 1);
  // The default never prunes: the duplicate stays, named, and the plan is not in sync.
  const kept = pw.planSync(current, desired);
  assert.deepEqual([kept.delete, kept.surplus, kept.duplicates], [[], [2], [2]]);
  const many = Array.from({ length: 41 }, (_, i) => hook(i));
  throwsCode(() => pw.planSync([], many), "LIMIT_REACHED");
  const bad = throwsCode(() => pw.planSync([], [hook(1), { ...hook(2), subscription_url: "nope" }]), "INVALID_FIELD", "subscription_url");
  assert.equal(bad.index, 1);
  throwsCode(() => pw.planSync("x", []), "INVALID_INPUT");
});

test("buildRequest puts tokens in headers only; decodeResponse reads answers and errors", () => {
  const list = pw.buildRequest({ baseUrl: "acme", apiToken: "SECRET" }, { kind: "list" });
  assert.deepEqual([list.method, list.url, list.headers["x-api-token"], list.body], ["GET", "https://acme.pipedrive.com/api/v1/webhooks", "SECRET", null]);
  assert.doesNotMatch(list.url, /SECRET/);
  const create = pw.buildRequest({ baseUrl: "http://127.0.0.1:8700/v1", accessToken: "OAUTH" }, { kind: "create", webhook: { ...hook(), version: undefined } });
  assert.equal(create.headers.authorization, "Bearer OAUTH");
  assert.equal(JSON.parse(create.body).version, "2.0", "the version is always explicit");
  const del = pw.buildRequest({ baseUrl: "acme.pipedrive.com", apiToken: "t" }, { kind: "delete", id: 7 });
  assert.equal(del.url, "https://acme.pipedrive.com/api/v1/webhooks/7");
  throwsCode(() => pw.buildRequest({ baseUrl: "acme" }, { kind: "list" }), "INVALID_INPUT");
  throwsCode(() => pw.buildRequest({ baseUrl: "http://acme.pipedrive.com", apiToken: "t" }, { kind: "list" }), "INVALID_INPUT", "baseUrl");

  const body = JSON.stringify({ success: true, data: [{ id: "5", is_active: 0, add_time: "2019-10-25 08:25:27", type: "application" }] });
  const [w] = pw.decodeResponse("list", { status: 200, headers: new Headers({ "content-type": "application/json" }), body });
  assert.deepEqual([w.id, w.active, w.add_time_ms], ["5", false, Date.UTC(2019, 9, 25, 8, 25, 27)]);
  assert.equal(pw.decodeResponse("delete", { status: 200, body: '{"success":true}' }), true);
  const limited = throwsCode(() => pw.decodeResponse("create", { status: 429, headers: { "Retry-After": "3" }, body: "" }), "RATE_LIMITED");
  assert.equal(limited.retryAfterMs, 3000);
  const field = throwsCode(() => pw.decodeResponse("create", { status: 400, body: '{"success":false,"errors":{"subscription_url":["invalid or non-reachable URL"]}}' }), "INVALID_FIELD", "subscription_url");
  assert.equal(field.errors[0].message, "invalid or non-reachable URL");
  throwsCode(() => pw.decodeResponse("list", { status: 401, body: "" }), "UNAUTHORIZED");
  throwsCode(() => pw.decodeResponse("list", { status: 200, body: "<html>login</html>" }), "UNEXPECTED_RESPONSE");
  throwsCode(() => pw.decodeResponse("list", { status: 99, body: "" }), "INVALID_INPUT");
  throwsCode(() => pw.decodeResponse("explode", { status: 200, body: "" }), "INVALID_INPUT");
});

test("RateLimitRetry: the core's one wait-and-retry machine (Pipedrive's 10 s penalty, then a stop; a daily 429 stops at once)", () => {
  const retry = new pw.RateLimitRetry();
  const burst = { scope: "burst", retryAfterMs: 10_000 };
  assert.deepEqual(retry.after429(burst, 0), { kind: "retry", waitMs: 10_000 });
  assert.deepEqual(retry.after429(burst, 10_000), { kind: "retry", waitMs: 10_000 });
  assert.deepEqual(retry.after429(burst, 20_000), { kind: "retry", waitMs: 10_000 });
  assert.equal(retry.retries, 3);
  assert.equal(retry.maxRetries, 3);
  assert.deepEqual(retry.after429(burst, 30_000), { kind: "stop", scope: "burst", notBefore: 40_000, reason: "budget_spent" });
  // A 429 told daily by x-daily-ratelimit-token-remaining: 0, with a short Retry-After: never retried.
  let daily;
  try {
    pw.decodeResponse("list", { status: 429, headers: { "retry-after": "2", "x-daily-ratelimit-token-remaining": "0" }, body: "" }, 1_000);
  } catch (e) {
    daily = e;
  }
  assert.equal(daily.scope, "daily");
  assert.deepEqual(new pw.RateLimitRetry().after429(daily, 1_000), { kind: "stop", scope: "daily", notBefore: 3_000, reason: "daily_budget" });
  throwsCode(() => new pw.RateLimitRetry().after429({ scope: "sometimes" }, 0), "INVALID_INPUT", "scope");
});

test("rateLimit and normalizeBaseUrl", () => {
  const unknownDaily = { dailyLeft: null, dailyTokensLeft: null, dailyTokenLimit: null };
  assert.deepEqual(pw.rateLimit([["x-ratelimit-limit", "40"], ["x-ratelimit-remaining", "38"], ["x-ratelimit-reset", "2"]]), { limit: 40, remaining: 38, resetS: 2, ...unknownDaily });
  assert.deepEqual(pw.rateLimit(undefined), { limit: null, remaining: null, resetS: null, ...unknownDaily });
  // The daily token budget (x-daily-ratelimit-token-*), as the companion passes it on.
  assert.deepEqual(pw.rateLimit({ "x-daily-ratelimit-token-remaining": "29990", "x-daily-ratelimit-token-limit": "30000" }), { limit: null, remaining: null, resetS: null, dailyLeft: null, dailyTokensLeft: 29990, dailyTokenLimit: 30000 });
  assert.equal(pw.normalizeBaseUrl("https://acme.pipedrive.com"), "https://acme.pipedrive.com/api/v1");
  throwsCode(() => pw.normalizeBaseUrl(""), "INVALID_INPUT", "baseUrl");
  throwsCode(() => pw.rateLimit({ "x-ratelimit-limit": 40 }), "INVALID_INPUT");
});
