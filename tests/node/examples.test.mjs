// The package's examples, run as a user would run them, against local servers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startFakePipedrive } from "./fake-pipedrive.mjs";

const require = createRequire(import.meta.url);
const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../target/npm/pipedrive-webhooks");
const pw = require(pkgDir);

function startReceiver(args) {
  const child = spawn(process.execPath, [path.join(pkgDir, "examples/node-receiver.mjs"), ...args], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`receiver exited with ${code}`)));
    child.stdout.on("data", (d) => {
      const m = /listening on (http:\/\/\S+)/.exec(d.toString());
      if (m) resolve({ url: m[1], stop: () => child.kill() });
    });
  });
}

test("node-receiver checks Basic auth, decodes v1 and v2, and de-duplicates by event id (R14)", async () => {
  const rx = await startReceiver(["--port", "0", "--user", "pipedrive", "--password", "s3cret"]);
  try {
    const post = (body, auth) =>
      fetch(rx.url, { method: "POST", headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) }, body });
    const v2 = JSON.stringify({ meta: { action: "change", entity: "deal", entity_id: "42", id: "evt-1", attempt: 1, version: "2.0", timestamp: "2025-04-01T10:00:00Z" }, data: { id: 42 }, previous: { value: 1 } });
    const v1 = JSON.stringify({ v: 1, event: "added.person", retry: 0, current: { id: 7 }, previous: null, meta: { action: "added", object: "person", id: 7, webhook_id: 3, timestamp_micro: 1700000000000123 } });
    const good = pw.basicAuthHeader("pipedrive", "s3cret");
    assert.equal((await post(v2)).status, 401, "no credentials");
    assert.equal((await post(v2, pw.basicAuthHeader("pipedrive", "guess"))).status, 401, "wrong password");
    assert.deepEqual(await (await post(v2, good)).json(), { ok: true, duplicate: false });
    const retry = JSON.parse(v2);
    retry.meta.attempt = 2;
    assert.deepEqual(await (await post(JSON.stringify(retry), good)).json(), { ok: true, duplicate: true }, "a retry of the same event");
    assert.deepEqual(await (await post(v1, good)).json(), { ok: true, duplicate: false });
    const junk = await post("<xml/>", good);
    assert.equal(junk.status, 400);
    assert.equal((await junk.json()).error, "NOT_JSON");
    const stats = await (await fetch(`${rx.url}/stats`)).json();
    assert.equal(stats.received, 3);
    assert.equal(stats.duplicates, 1);
    assert.equal(stats.rejected, 3);
    assert.deepEqual(stats.events.map((e) => [e.event, e.version]), [["change.deal", "2.0"], ["create.person", "1.0"]]);
  } finally {
    rx.stop();
  }
});

test("sync-on-install shows the plan first, deletes nothing unless --prune, and a second run changes nothing", async () => {
  const api = await startFakePipedrive(pw, (acct) => {
    acct.addUser({ id: 1, name: "Ana", isAdmin: false });
    acct.addApp({ id: 9, name: "Mine", scopes: ["webhooks:full"] });
    acct.install(9, 1);
  });
  const me = { kind: "app", appId: 9, userId: 1 };
  // A leftover and a duplicate from earlier deploys.
  const receiver = "https://hooks.example.com/pipedrive";
  api.acct.create(me, { subscription_url: receiver, event_action: "change", event_object: "deal", name: "old", version: "2.0" }, 0);
  api.acct.create(me, { subscription_url: receiver, event_action: "change", event_object: "deal", name: "dup", version: "2.0" }, 0);
  api.acct.create(me, { subscription_url: "https://old.example.com", event_action: "*", event_object: "*", name: "gone", version: "1.0" }, 0);
  const run = (...flags) =>
    promisify(execFile)(process.execPath, [path.join(pkgDir, "examples/sync-on-install.mjs"), api.url, receiver, ...flags], {
      env: { ...process.env, PIPEDRIVE_ACCESS_TOKEN: "APP-9-1" },
    });
  try {
    // Without --prune the leftover of another service and the duplicate stay; the duplicate is named.
    const first = await run();
    assert.deepEqual(JSON.parse(first.stdout), { kept: 1, deleted: 0, created: 2, duplicates: [2] });
    assert.match(first.stderr, /surplus +#2 .*a duplicate of #1: every event is delivered twice; not in sync while it stays/);
    assert.match(first.stderr, /surplus +#3 .*not in the desired set; kept \(prune to delete it\)/);
    assert.equal(api.acct.list(me).length, 5, "nothing deleted without --prune");
    const writes = () => api.requests.filter((r) => r.method !== "GET").length;
    const dry = await run("--prune", "--dry-run");
    assert.deepEqual(JSON.parse(dry.stdout), { kept: 3, deleted: 0, created: 0, duplicates: [], dryRun: true });
    assert.equal(writes(), 2, "a dry run sends no write");
    const pruned = JSON.parse((await run("--prune")).stdout);
    assert.deepEqual(pruned, { kept: 3, deleted: 2, created: 0, duplicates: [] });
    const events = api.acct.list(me).map((w) => `${w.event_action}.${w.event_object}`).sort();
    assert.deepEqual(events, ["change.deal", "create.deal", "delete.deal"]);
    const second = JSON.parse((await run()).stdout);
    assert.deepEqual(second, { kept: 3, deleted: 0, created: 0, duplicates: [] });
    assert.ok(api.requests.every((r) => !r.search.includes("APP-9-1") && r.headers.authorization === "Bearer APP-9-1"), "the token travels in a header only");
  } finally {
    await api.close();
  }
});

test("sync-on-install reports API errors without leaking the token", async () => {
  const api = await startFakePipedrive(pw, () => {});
  try {
    await assert.rejects(
      promisify(execFile)(process.execPath, [path.join(pkgDir, "examples/sync-on-install.mjs"), api.url, "https://e.com/h"], {
        env: { ...process.env, PIPEDRIVE_ACCESS_TOKEN: "APP-1-1" },
      }),
      (e) => e.code === 1 && /UNAUTHORIZED/.test(e.stderr) && !e.stderr.includes("APP-1-1"),
    );
  } finally {
    await api.close();
  }
});
