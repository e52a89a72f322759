// Real Pipedrive shapes (core/tests/fixtures/real-world/) through the built package, as a receiver
// or an integration would decode them; and the rules issue #12 fixed: "Error" statuses, v2
// `previous` diffs, objects per version, the two 429s, duplicates, in-flight outcomes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pw = require(path.resolve(here, "../../target/npm/pipedrive-webhooks"));
const fixturesDir = path.resolve(here, "../../core/tests/fixtures/real-world");
const fixtures = fs.readdirSync(fixturesDir).filter((f) => f.endsWith(".json")).sort()
  .map((f) => [f, JSON.parse(fs.readFileSync(path.join(fixturesDir, f), "utf8"))]);

function caught(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail("expected a throw");
}

test("every real-world delivery decodes as its fixture expects", () => {
  const deliveries = fixtures.filter(([, f]) => f.kind === "delivery");
  assert.ok(deliveries.length >= 6, `${deliveries.length} delivery fixtures`);
  for (const [name, f] of deliveries) {
    const event = pw.decodeDelivery(JSON.stringify(f.body));
    for (const [k, v] of Object.entries(f.expect)) assert.deepEqual(event[k], v, `${name}: ${k}`);
  }
});

test("every real-world list row decodes with its health and status text", () => {
  const rows = fixtures.filter(([, f]) => f.kind === "list_row");
  assert.ok(rows.length >= 4);
  const body = JSON.stringify({ success: true, status: "ok", data: rows.map(([, f]) => f.input) });
  const decoded = pw.decodeResponse("list", { status: 200, body });
  rows.forEach(([name, f], i) => {
    assert.equal(decoded[i].health, f.expect.health, name);
    assert.equal(decoded[i].last_http_status_text, f.expect.status_text, name);
    // The status is kept as Pipedrive sent it.
    assert.deepEqual(decoded[i].last_http_status, f.input.last_http_status, name);
    // Credentials are write-only (R14): never passed on, only whether they are set.
    assert.equal(decoded[i].basic_auth, f.expect.basic_auth ?? false, name);
    assert.equal(decoded[i].http_auth_user ?? null, null, name);
    assert.equal(decoded[i].http_auth_password ?? null, null, name);
  });
});

test("every real-world error decodes to its code, and a 429 says which limit it hit", () => {
  const errors = fixtures.filter(([, f]) => f.kind === "error");
  assert.ok(errors.length >= 3);
  for (const [name, f] of errors) {
    const body = typeof f.body === "string" ? f.body : JSON.stringify(f.body);
    const e = caught(() => pw.decodeResponse("list", { status: f.status, headers: f.headers, body }));
    assert.equal(e.code, f.expect.code, name);
    assert.equal(e.status, f.expect.status, name);
    if (f.expect.scope) assert.equal(e.scope, f.expect.scope, name);
    if (f.expect.retryAfterMs) assert.equal(e.retryAfterMs, f.expect.retryAfterMs, name);
    if (f.expect.messageContains) assert.match(e.message, new RegExp(f.expect.messageContains.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")), name);
  }
  const daily = caught(() => pw.decodeResponse("list", { status: 429, headers: { "retry-after": "3939" }, body: '{"success":false,"error":"daily request budget exceeded","errorCode":429}' }));
  assert.equal(daily.scope, "daily");
  assert.match(daily.message, /daily token budget is used up; it resets in about 66 min/);
  const burst = caught(() => pw.decodeResponse("delete", { status: 429, headers: { "retry-after": "2" }, body: "" }));
  assert.equal(burst.scope, "burst");
  assert.match(burst.message, /burst limit/);
});

test("objects per version: activityType without a version and lead on 1.0 are field errors", () => {
  for (const [name, f] of fixtures.filter(([, f]) => f.kind === "create_input")) {
    const e = caught(() => pw.validateWebhook(f.input));
    assert.equal(e.code, "INVALID_FIELD", name);
    assert.equal(e.field, f.expect.field, name);
    assert.equal(e.errors[0].problem, f.expect.problem, name);
    assert.ok(e.errors[0].message.includes(f.expect.messageContains), `${name}: ${e.errors[0].message}`);
  }
  // Unknown objects stay warnings.
  const ok = pw.validateWebhook({ subscription_url: "https://example.com/h", event_action: "*", event_object: "spaceship", name: "x", version: "2.0" });
  assert.deepEqual(ok.warnings.map((w) => w.code), ["unknown_object"]);
});

test("changedFields: a v2 previous is a diff, so 'did the stage change?' is answered right", () => {
  const stageMoved = pw.decodeDelivery(JSON.stringify({
    meta: { action: "change", entity: "deal", entity_id: "101", id: "e-1", attempt: 1, version: "2.0" },
    data: { id: 101, stage_id: 5, value: 2000 }, previous: { stage_id: 4 },
  }));
  const valueOnly = pw.decodeDelivery(JSON.stringify({
    meta: { action: "change", entity: "deal", entity_id: "101", id: "e-2", attempt: 1, version: "2.0" },
    data: { id: 101, stage_id: 5, value: 2000 }, previous: { value: 1000 },
  }));
  assert.equal(stageMoved.changedFields.includes("stage_id"), true);
  assert.equal(valueOnly.changedFields.includes("stage_id"), false, "an absent previous.stage_id means unchanged");
  const created = pw.decodeDelivery(JSON.stringify({ meta: { action: "create", entity: "deal", id: "e-3", version: "2.0" }, data: { id: 1 }, previous: null }));
  assert.deepEqual(created.changedFields, []);
});

test("a plan treats identical webhooks (a trailing slash aside) as surplus copies of the lowest id", () => {
  const row = (id, url, extra = {}) => ({ id, subscription_url: url, event_action: "change", event_object: "deal", version: "2.0", user_id: 1, type: "application", ...extra });
  const current = [row(4, "https://x.example/h"), row(9, "https://x.example/h/"), row(12, "https://x.example/h", { user_id: 2 })];
  const plan = pw.planSync(current, [{ subscription_url: "https://x.example/h", event_action: "change", event_object: "deal", name: "h", version: "2.0", user_id: 1 }], undefined, { prune: false });
  assert.deepEqual(plan.keep, [4]);
  assert.ok(plan.steps.some((s) => s.id === 12 && s.action === "surplus"), JSON.stringify(plan.steps));
});

test("an attempt in flight when its webhook is deleted is still reported, after the deletion", () => {
  const acct = new pw.Account(1);
  acct.addUser({ id: 1, name: "Ana", isAdmin: true });
  const me = { kind: "user", userId: 1 };
  const w = acct.create(me, { subscription_url: "https://example.com/h", event_action: "*", event_object: "*", name: "all", version: "2.0" }, 0);
  assert.equal(acct.admit(w.id, 10).kind, "send");
  acct.delete(me, w.id, 20);
  const out = acct.attemptEnded(w.id, 1, 10, { kind: "status", code: 200, afterMs: 50 });
  assert.ok(out, "not lost to its caller");
  assert.equal(out.success, true);
  assert.equal(out.afterDeletion, true);
});

test("the simulator orders a retry due at a ban's start after the attempt that starts the ban", () => {
  const r = pw.simulateSummary({
    durationMs: 7_200_000, start: 0, seed: 1,
    webhooks: [{ endpoint: { latencyMs: 100, outages: [{ from: -1, to: 3001 }] }, traffic: { kind: "at", offsetsMs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 3000] } }],
  });
  assert.equal(r.lostDuringBan, 10);
  assert.equal(r.deliveredFirstTry + r.deliveredAfterRetry, 0);
});
