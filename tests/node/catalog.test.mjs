// The event catalog (issue #23) through the built package: `events()` and `exampleDelivery()` from
// node (CommonJS and ES module), and the CLI's `events` and `example` from a shell. Every example
// must decode with the package's own `decodeDelivery` to its entry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../target/npm/pipedrive-webhooks");
const pw = require(pkgDir);
const cli = path.join(pkgDir, "bin/pipedrive-webhooks.mjs");
const run = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 20_000 });

test("events() lists every event per version with the documented shape, v1 in v1 words", () => {
  const all = pw.events();
  const v1 = pw.events("1.0");
  const v2 = pw.events("2.0");
  assert.equal(all.length, v1.length + v2.length);
  assert.deepEqual(all.slice(0, v2.length), v2, "v2 first");
  for (const e of all) {
    assert.deepEqual(Object.keys(e).sort(), ["action", "counterpart", "description", "event", "notes", "object", "version"]);
    assert.equal(e.event, `${e.action}.${e.object}`);
    assert.ok(Array.isArray(e.notes) && e.notes.every((n) => typeof n === "string" && n.length > 0));
    assert.match(e.description, /\.$/);
  }
  const change = v2.find((e) => e.event === "change.deal");
  assert.equal(change.counterpart, "updated.deal");
  assert.ok(change.notes.some((n) => n.includes("diff")), "the v2 diff is a note");
  assert.equal(v1.find((e) => e.event === "updated.deal").counterpart, "change.deal");
  assert.equal(v1.find((e) => e.event === "merged.person").counterpart, "change.person");
  assert.equal(v2.find((e) => e.event === "create.lead").counterpart, null, "leads are v2 only");
  assert.ok(!v1.some((e) => e.object === "lead"));
  assert.ok(!v2.some((e) => e.object === "activityType"));
  assert.ok(!all.some((e) => e.object === "user" && e.action.startsWith("delete")), "users are never deleted");
  assert.ok(v1.find((e) => e.event === "updated.user").notes.some((n) => n.includes("arrays")));
  assert.throws(() => pw.events("3.0"), (e) => e.code === "INVALID_INPUT" && e.field === "version");
});

test("every example delivery decodes to its entry, in its version, at every attempt", () => {
  for (const e of pw.events()) {
    for (const attempt of [1, 4]) {
      const body = pw.exampleDelivery(e.event, e.version, { attempt, webhookId: 9, companyId: 77, userId: 5 });
      assert.equal(typeof body, "string");
      assert.doesNotMatch(body, /\n/, "compact, as Pipedrive sends it");
      const d = pw.decodeDelivery(body);
      assert.equal(d.version, e.version, e.event);
      assert.equal(d.rawAction, e.action, e.event);
      assert.equal(d.entity, e.object, e.event);
      assert.equal(d.attempt, attempt, e.event);
      assert.equal(d.webhookId, "9");
      assert.equal(d.companyId, "77");
      assert.equal(d.actorUserId, "5");
    }
  }
  const v2 = JSON.parse(pw.exampleDelivery("change.deal", "2.0"));
  assert.deepEqual(Object.keys(v2), ["data", "previous", "meta"], "Pipedrive's key order");
  assert.equal(v2.meta.timestamp, "2026-11-02T10:15:30.000Z");
  const at = Date.UTC(2025, 0, 2, 3, 4, 5);
  assert.equal(pw.decodeDelivery(pw.exampleDelivery("added.deal", "1.0", { timestamp: at })).timestampMs, at);
});

test("exampleDelivery refuses what Pipedrive never sends, naming the nearest event", () => {
  const typo = (() => {
    try {
      pw.exampleDelivery("chnage.deal", "2.0");
    } catch (e) {
      return e;
    }
  })();
  assert.equal(typo.code, "UNKNOWN_EVENT");
  assert.equal(typo.nearest, "change.deal");
  assert.match(typo.message, /did you mean "change.deal"/);
  assert.throws(() => pw.exampleDelivery("updated.deal", "2.0"), (e) => e.code === "UNKNOWN_EVENT" && e.nearest === "change.deal" && /v1.0 event/.test(e.message));
  assert.throws(() => pw.exampleDelivery("delete.user", "2.0"), (e) => e.code === "UNKNOWN_EVENT" && /never sends/.test(e.message));
  assert.throws(() => pw.exampleDelivery("change.deal", "2.0", { attempt: 5 }), (e) => e.code === "INVALID_INPUT" && /1 to 4/.test(e.message));
  assert.throws(() => pw.exampleDelivery("change.deal"), (e) => e.code === "INVALID_INPUT" && e.field === "version");
  assert.throws(() => pw.exampleDelivery(42, "2.0"), (e) => e.code === "INVALID_INPUT" && e.field === "event");
  assert.throws(() => pw.exampleDelivery("change.deal", "2.0", { attempt: "two" }), (e) => e.code === "INVALID_INPUT");
  assert.throws(() => pw.exampleDelivery("change.deal", "2.0", { webhookID: 9 }), (e) => e.code === "INVALID_INPUT" && e.field === "webhookID" && /not an option/.test(e.message));
  assert.throws(() => pw.exampleDelivery("change.deal", "2.0", { timestamp: -1500 }), (e) => e.code === "INVALID_INPUT" && e.field === "timestamp");
  // One version's objects: said so, with the name they have there.
  assert.throws(() => pw.exampleDelivery("create.lead", "1.0"), (e) => e.code === "UNKNOWN_EVENT" && e.nearest === "create.lead" && /lead events exist in v2.0 only/.test(e.message));
  assert.throws(() => pw.exampleDelivery("x".repeat(500), "2.0"), (e) => e.code === "UNKNOWN_EVENT" && e.nearest.length > 0);
});

test("the ES module entry exports the catalog too", async () => {
  const esm = await import(path.join(pkgDir, "node/index.mjs"));
  assert.equal(esm.events("2.0").length, pw.events("2.0").length);
  assert.equal(esm.exampleDelivery("added.deal", "1.0"), pw.exampleDelivery("added.deal", "1.0"));
  assert.equal(typeof esm.readDesired, "function");
});

test("CLI: events prints a table or the entries as JSON", () => {
  const table = run("events", "--version", "1.0");
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^event\s+version\s+other version\s+description/);
  assert.match(table.stdout, /updated\.deal\s+1\.0\s+change\.deal\s+A deal was changed\./);
  assert.doesNotMatch(table.stdout, /create\.deal\s+2\.0/);
  const json = run("events", "--json");
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), pw.events());
  const bad = run("events", "--version", "3");
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--version takes 1.0 or 2.0/);
});

test("CLI: example prints the body to pipe, in the version its name belongs to", () => {
  const v2 = run("example", "change.deal");
  assert.equal(v2.status, 0, v2.stderr);
  assert.equal(v2.stdout, pw.exampleDelivery("change.deal", "2.0"), "piped: exactly the body, no newline added");
  const v1 = run("example", "updated.user", "--attempt", "3");
  assert.equal(v1.status, 0, v1.stderr);
  const d = pw.decodeDelivery(v1.stdout);
  assert.deepEqual([d.version, d.rawAction, d.attempt], ["1.0", "updated", 3]);
  assert.ok(Array.isArray(JSON.parse(v1.stdout).current), "v1 user events carry arrays");
  const wrong = run("example", "updated.deal", "--version", "2.0");
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /it is a v1.0 event; here it is "change.deal"/);
  const typo = run("example", "chnage.deal");
  assert.equal(typo.status, 1);
  assert.match(typo.stderr, /did you mean "change.deal"\?/);
  assert.equal(typo.stdout, "", "nothing to pipe on an error");
  assert.equal(run("example").status, 1);
  assert.match(run("example", "change.deal", "--attempt", "9").stderr, /--attempt takes 1 to 4/);
  assert.match(run("--help").stdout, /example ACTION.OBJECT/);
  assert.equal(run("--version").stdout.trim(), require(path.join(pkgDir, "package.json")).version, "--version still prints the package's");
});
