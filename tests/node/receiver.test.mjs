// pipedrive-webhooks/receiver through its real interface: a node:http server built from
// nodeListener(createReceiver(…)) on a free port, real delivery shapes (core/tests/fixtures/
// real-world), and the handler called directly as a Web-standard one where the runtime is not node.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pkgDir = path.resolve(here, "../../target/npm/pipedrive-webhooks");
const pw = require(pkgDir);
const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
// Through the package's exports map, as `import … from "pipedrive-webhooks/receiver"` resolves it.
const { createReceiver, nodeListener, changed, memoryStore } = await import(pathToFileURL(path.join(pkgDir, manifest.exports["./receiver"].default)).href);

const fixture = (name) => JSON.parse(fs.readFileSync(path.resolve(here, "../../core/tests/fixtures/real-world", name), "utf8")).body;
const V2_CHANGE = fixture("delivery-v2-change-previous-is-a-diff.json"); // change.deal, previous {value}
const V2_CUSTOM = fixture("delivery-v2-change-custom-fields-and-null.json"); // change.person, custom fields
const V1_USER = fixture("delivery-v1-user-arrays.json"); // updated.user, arrays of one user
const HASH = "d4de1c1518b4531717c676029a45911c340390a6";
/** A v1 `updated.deal` as Pipedrive sends it: `previous` is the whole former deal; a custom field is a top-level hash key. */
const V1_DEAL = {
  v: 1, matches_filters: null, event: "updated.deal", retry: 0,
  meta: { v: 1, action: "updated", object: "deal", id: 101, company_id: 12, user_id: 3, host: "acme.pipedrive.com", timestamp: 1715500000, timestamp_micro: 1715500000654321, permitted_user_ids: [3], trans_pending: false, is_bulk_update: false, change_source: "app", webhook_id: "55" },
  current: { id: 101, title: "Big deal", stage_id: 2, value: 2000, [HASH]: "gold" },
  previous: { id: 101, title: "Big deal", stage_id: 1, value: 2000, [HASH]: "silver" },
};
const USER = "pipedrive";
const PASSWORD = "s3cret";
const AUTH = pw.basicAuthHeader(USER, PASSWORD);

/** The receiver on a real HTTP server; `post(body, { auth, attempt })` sends a delivery. */
async function serve(options, listenerOptions) {
  const server = http.createServer(nodeListener(createReceiver(options), listenerOptions));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}/pipedrive`;
  const post = (body, { auth = AUTH, headers = {} } = {}) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Pipedrive Webhooks", ...(auth ? { authorization: auth } : {}), ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return { url, post, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** The same event as attempt `n` (v2 `meta.attempt`, v1 `retry`). */
function attempt(body, n) {
  const b = structuredClone(body);
  if (b.v === 1) b.retry = n - 1;
  else b.meta.attempt = n;
  return b;
}

/** A promise and its resolve, to hold a handler for as long as a test wants ("12 s"). */
function gate() {
  let open;
  const promise = new Promise((resolve) => (open = resolve));
  return { promise, open };
}

const silent = { warn() {}, error() {} };

/**
 * Waits until `cond()` holds (answer-first handlers run after the answer). Handlers start in the
 * order their deliveries were answered, so once a later one has run, an earlier one that should
 * not have run would have: negative assertions wait for a later, positive one.
 */
async function until(cond, what = "the condition") {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test("the package exports ./receiver with its types", () => {
  const entry = manifest.exports["./receiver"];
  assert.deepEqual(Object.keys(entry), ["types", "default"], "types first, as TypeScript reads conditions in order");
  for (const rel of Object.values(entry)) assert.ok(fs.existsSync(path.join(pkgDir, rel)), rel);
  const dts = fs.readFileSync(path.join(pkgDir, entry.types), "utf8");
  for (const name of ["createReceiver", "nodeListener", "changed", "memoryStore", "IdempotencyStore", "ReceiverOptions"]) assert.match(dts, new RegExp(`\\b${name}\\b`), name);
  assert.doesNotMatch(dts, /\bany\b/);
});

test("a v1 and a v2 delivery each get 200, decoded, and a v1 updated.deal reaches the change.deal handler", async () => {
  const seen = [];
  const done = gate();
  const rx = await serve({
    auth: { user: USER, password: PASSWORD },
    on: {
      "change.deal": (e) => seen.push(["change.deal", e.version, e.rawAction, e.entityId]),
      "change.user": (e) => {
        seen.push(["change.user", e.version, e.rawAction, e.data.name]);
        if (seen.length === 3) done.open();
      },
    },
    logger: silent,
  });
  try {
    for (const body of [V2_CHANGE, V1_DEAL, V1_USER]) {
      const res = await rx.post(body);
      assert.equal(res.status, 200, JSON.stringify(body).slice(0, 60));
      assert.deepEqual(await res.json(), { ok: true });
    }
    await done.promise;
    assert.deepEqual(seen, [
      ["change.deal", "2.0", "change", "101"],
      ["change.deal", "1.0", "updated", "101"],
      ["change.user", "1.0", "updated", "Ana Silva"],
    ]);
  } finally {
    await rx.close();
  }
});

test("attempts 2 to 4 of one event get 200 without running the handler again (v1 and v2)", async () => {
  const calls = [];
  const rx = await serve({ auth: { user: USER, password: PASSWORD }, onEvent: (e) => calls.push(`${e.version} attempt ${e.attempt}`), logger: silent });
  try {
    for (const body of [V2_CHANGE, V1_DEAL]) {
      for (const n of [1, 2, 3, 4]) {
        const res = await rx.post(attempt(body, n));
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), n === 1 ? { ok: true } : { ok: true, duplicate: true });
      }
    }
    // The same event sent twice at once (a v1 duplicate): one run.
    const twice = await Promise.all([rx.post(V1_USER), rx.post(V1_USER)]);
    assert.deepEqual(twice.map((r) => r.status), [200, 200]);
    // A later event, to know every earlier run has happened.
    assert.equal((await rx.post(V2_CUSTOM)).status, 200);
    await until(() => calls.length >= 4, "the last event's run");
    assert.deepEqual(calls, ["2.0 attempt 1", "1.0 attempt 1", "1.0 attempt 1", "2.0 attempt 2"]);
  } finally {
    await rx.close();
  }
});

test("a wrong password and missing credentials get 401, and no handler runs (R14)", async () => {
  let calls = 0;
  const rx = await serve({ auth: { user: USER, password: PASSWORD }, onEvent: () => calls++, logger: silent });
  try {
    const wrong = await rx.post(V2_CHANGE, { auth: pw.basicAuthHeader(USER, "guess") });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get("www-authenticate"), /^Basic /);
    assert.equal((await rx.post(V2_CHANGE, { auth: null })).status, 401, "no Authorization header");
    assert.equal((await rx.post(V2_CHANGE, { auth: `Bearer ${PASSWORD}` })).status, 401, "another scheme");
    // No other header is required: no signature (Pipedrive sends none).
    assert.equal((await rx.post(V2_CHANGE)).status, 200);
    await until(() => calls === 1, "the accepted delivery's run");
  } finally {
    await rx.close();
  }
});

test("answer-first: a handler that throws still gets 200, and onError gets the error and the event", async () => {
  const errors = gate();
  const rx = await serve({
    on: { "change.deal": () => { throw new Error("database down"); } },
    onError: (error, event) => errors.open([error.message, event.eventId]),
  });
  try {
    const res = await rx.post(V2_CHANGE);
    assert.equal(res.status, 200);
    assert.deepEqual(await errors.promise, ["database down", V2_CHANGE.meta.id]);
    // Accepted is handled: a retry (Pipedrive makes none after a 200, but a duplicate may come) does not run it again.
    assert.deepEqual(await (await rx.post(attempt(V2_CHANGE, 2))).json(), { ok: true, duplicate: true });
  } finally {
    await rx.close();
  }
});

test("await mode: a handler that throws gets 503 and onError; the retry runs it again, and a success is remembered", async () => {
  const errors = [];
  let calls = 0;
  const rx = await serve({
    mode: "await",
    on: { "change.deal": async () => { if (++calls === 1) throw new Error("database down"); } },
    onError: (error, event) => errors.push([error.message, event.attempt]),
  });
  try {
    assert.equal((await rx.post(V2_CHANGE)).status, 503);
    assert.deepEqual(errors, [["database down", 1]]);
    assert.deepEqual(await (await rx.post(attempt(V2_CHANGE, 2))).json(), { ok: true });
    assert.deepEqual(await (await rx.post(attempt(V2_CHANGE, 3))).json(), { ok: true, duplicate: true });
    assert.equal(calls, 2);
  } finally {
    await rx.close();
  }
});

test("a handler that takes 12 s does not delay the answer (answer-first): the 200 arrives while it still runs", async () => {
  const started = gate();
  const release = gate();
  const order = [];
  const rx = await serve({
    on: {
      "change.deal": async () => {
        order.push("handler started");
        started.open();
        await release.promise; // stands for 12 s of work
        order.push("handler finished");
      },
    },
  });
  try {
    const res = await rx.post(V2_CHANGE);
    order.push(`answered ${res.status}`);
    await started.promise;
    assert.deepEqual(order.filter((s) => s !== "handler started"), ["answered 200"], "the answer came before the handler finished");
    release.open();
    await until(() => order.at(-1) === "handler finished", "the handler's end");
  } finally {
    release.open();
    await rx.close();
  }
});

test("await mode: a handler past the deadline gets 503 and DEADLINE_EXCEEDED, its signal aborts, and its late success is remembered", async () => {
  const release = gate();
  const errors = [];
  let signal;
  let calls = 0;
  let finished = false;
  const rx = await serve({
    mode: "await",
    deadlineMs: 50,
    on: { "change.deal": async (_event, ctx) => { calls++; signal = ctx.signal; await release.promise; finished = true; } },
    onError: (error) => errors.push(error.code),
  });
  try {
    const res = await rx.post(V2_CHANGE);
    assert.equal(res.status, 503);
    assert.deepEqual(errors, ["DEADLINE_EXCEEDED"]);
    assert.equal(signal.aborted, true);
    release.open();
    await until(() => finished, "the late handler's end");
    await new Promise((resolve) => setImmediate(resolve)); // its success is stored in the microtasks after it
    assert.deepEqual(await (await rx.post(attempt(V2_CHANGE, 2))).json(), { ok: true, duplicate: true });
    assert.equal(calls, 1);
  } finally {
    release.open();
    await rx.close();
  }
});

test("await mode: a retry that arrives while the first run still goes joins it instead of running again", async () => {
  const release = gate();
  let calls = 0;
  const rx = await serve({ mode: "await", deadlineMs: 5_000, onEvent: async () => { calls++; await release.promise; }, logger: silent });
  try {
    const first = rx.post(V2_CHANGE);
    await until(() => calls === 1, "the first run");
    const second = rx.post(attempt(V2_CHANGE, 2));
    // Time for the second to arrive while the first still runs (without it the test is merely weaker).
    await new Promise((resolve) => setTimeout(resolve, 30));
    release.open();
    assert.deepEqual((await Promise.all([first, second])).map((r) => r.status), [200, 200]);
    assert.equal(calls, 1);
  } finally {
    release.open();
    await rx.close();
  }
});

test("a 2 MB body gets 413 (declared or streamed) and GET gets 405 with Allow: POST", async () => {
  let calls = 0;
  const rx = await serve({ onEvent: () => calls++, logger: silent });
  try {
    const big = JSON.stringify({ ...V2_CHANGE, data: { ...V2_CHANGE.data, notes: "x".repeat(2 * 1024 * 1024) } });
    assert.equal((await rx.post(big)).status, 413, "with content-length");
    // No content-length (chunked): reading stops once past the limit.
    const streamed = await new Promise((resolve, reject) => {
      const req = http.request(rx.url, { method: "POST", headers: { authorization: AUTH, "content-type": "application/json" } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", reject);
      for (let i = 0; i < 32; i++) req.write("x".repeat(64 * 1024));
      req.end();
    });
    assert.equal(streamed, 413, "chunked");
    const get = await fetch(rx.url);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    // The connection still serves the next delivery.
    assert.equal((await rx.post(V2_CHANGE)).status, 200);
    await until(() => calls === 1, "the one delivery's run");
  } finally {
    await rx.close();
  }
});

test("a body that is not a delivery gets 400 with the core's reason, logged once per reason", async () => {
  const warnings = [];
  const rx = await serve({ onEvent: () => assert.fail("not a delivery"), logger: { warn: (m) => warnings.push(m), error() {} } });
  try {
    for (const body of ['{"hello":"world"}', '{"hello":"again"}', "<xml/>"]) {
      const res = await rx.post(body);
      assert.equal(res.status, 400);
      assert.equal((await res.json()).error, body.startsWith("<") ? "NOT_JSON" : "UNKNOWN_FORMAT");
    }
    assert.equal(warnings.length, 2, warnings.join("\n"));
  } finally {
    await rx.close();
  }
});

test("an event no handler takes gets 200: onUnhandled gets it, or it is logged once per event type", async () => {
  const unhandled = [];
  const a = await serve({ on: { "create.person": () => {} }, onUnhandled: (e) => unhandled.push(`${e.action}.${e.entity}`) });
  const warnings = [];
  let people = 0;
  const b = await serve({ on: { "create.person": () => people++ }, logger: { warn: (m) => warnings.push(m), error() {} } });
  try {
    assert.equal((await a.post(V2_CHANGE)).status, 200);
    assert.equal((await b.post(V2_CHANGE)).status, 200);
    assert.equal((await b.post({ ...V2_CHANGE, meta: { ...V2_CHANGE.meta, id: "another-event" } })).status, 200);
    assert.equal((await b.post(V1_DEAL)).status, 200);
    // A handled event after them: once it has run, so have they.
    assert.equal((await b.post({ ...V2_CUSTOM, meta: { ...V2_CUSTOM.meta, action: "create" }, previous: null })).status, 200);
    await until(() => unhandled.length === 1 && people === 1, "the runs");
    assert.deepEqual(unhandled, ["change.deal"]);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /no handler for change\.deal/);
  } finally {
    await a.close();
    await b.close();
  }
});

test("handlers are keyed in v2 words: a v1 word is refused at creation with the v2 one to use", () => {
  assert.throws(() => createReceiver({ on: { "updated.deal": () => {} } }), (e) => e instanceof TypeError && /"change\.deal"/.test(e.message) && /updated and merged → change/.test(e.message));
  assert.throws(() => createReceiver({ mode: "later" }), TypeError);
  assert.throws(() => createReceiver({ auth: { user: "", password: "x" } }), TypeError);
  const timeout = pw.defaultPolicy().timeoutMs;
  assert.throws(() => createReceiver({ mode: "await", deadlineMs: timeout }), (e) => e instanceof RangeError && e.message.includes(`${timeout} ms timeout`));
});

test("which handler: exact, then <action>.*, then *.<object>, then onEvent", async () => {
  const picked = [];
  const handler = createReceiver({
    on: { "change.deal": () => picked.push("change.deal"), "change.*": () => picked.push("change.*"), "*.person": () => picked.push("*.person") },
    onEvent: (e) => picked.push(`onEvent ${e.action}.${e.entity}`),
  });
  const createPerson = { ...V2_CUSTOM, meta: { ...V2_CUSTOM.meta, action: "create", id: "e-create" }, previous: null };
  const deleteDeal = { ...V2_CHANGE, meta: { ...V2_CHANGE.meta, action: "delete", id: "e-delete" }, data: null, previous: { id: 101 } };
  for (const body of [V2_CHANGE, V2_CUSTOM, createPerson, deleteDeal]) {
    assert.equal((await handler(new Request("http://x/h", { method: "POST", body: JSON.stringify(body) }))).status, 200);
  }
  await until(() => picked.length === 4, "four runs");
  assert.deepEqual(picked, ["change.deal", "change.*", "*.person", "onEvent delete.deal"]);
});

test("the store gets event ids with a TTL past the retry window, from the core's policy; a failing store is reported, the event handled", async () => {
  const p = pw.defaultPolicy();
  const retryWindow = p.retryDelaysMs.reduce((a, b) => a + b, 0) + p.timeoutMs * (p.retryDelaysMs.length + 1);
  const added = [];
  const keys = new Set();
  const store = { has: async (k) => keys.has(k), add: async (k, ttl) => { keys.add(k); added.push([k, ttl]); } };
  const handler = createReceiver({ store, onEvent: () => {} });
  const post = (body) => handler(new Request("http://x/h", { method: "POST", body: JSON.stringify(body) }));
  assert.equal((await post(V2_CHANGE)).status, 200);
  assert.equal((await post(attempt(V2_CHANGE, 2))).status, 200);
  assert.deepEqual(added, [[V2_CHANGE.meta.id, 4 * retryWindow]]);

  const errors = [];
  let calls = 0;
  const broken = createReceiver({ store: { has: () => { throw new Error("redis down"); }, add: () => {} }, onEvent: () => calls++, onError: (e) => errors.push(e.code) });
  assert.equal((await broken(new Request("http://x/h", { method: "POST", body: JSON.stringify(V2_CHANGE) }))).status, 200);
  await until(() => calls === 1, "the run");
  assert.deepEqual(errors, ["STORE_FAILED"]);
});

test("memoryStore forgets after the TTL and keeps at most maxKeys, the oldest first", () => {
  let now = 0;
  const store = memoryStore({ maxKeys: 3, now: () => now });
  store.add("a", 1000);
  store.add("b", 1000);
  now = 999;
  assert.equal(store.has("a"), true);
  now = 1000;
  assert.equal(store.has("a"), false, "expired at the TTL");
  now = 0;
  for (const k of ["a", "b", "c", "d"]) store.add(k, 1000);
  assert.equal(store.size, 3);
  assert.deepEqual(["a", "b", "c", "d"].map((k) => store.has(k)), [false, true, true, true]);
});

test("the Web-standard handler: a Worker's ctx.waitUntil (or options.waitUntil) gets the work after the answer", async () => {
  const release = gate();
  const kept = [];
  let finished = false;
  const handler = createReceiver({ onEvent: async () => { await release.promise; finished = true; } });
  const res = await handler(new Request("https://worker.example/h", { method: "POST", body: JSON.stringify(V2_CHANGE) }), { waitUntil: (p) => kept.push(p) });
  assert.equal(res.status, 200);
  assert.equal(kept.length, 1);
  assert.equal(finished, false);
  release.open();
  await kept[0];
  assert.equal(finished, true);

  const viaOptions = [];
  const next = createReceiver({ waitUntil: (p) => viaOptions.push(p), onEvent: () => {} });
  await next(new Request("https://app.example/api/pipedrive", { method: "POST", body: JSON.stringify(V1_DEAL) }));
  assert.equal(viaOptions.length, 1);
});

test("nodeListener uses a body a framework already read: a Buffer as is, a parsed object serialised again with one warning", async () => {
  const events = [];
  const warnings = [];
  const listener = nodeListener(createReceiver({ onEvent: (e) => events.push(e.entityId) }), { logger: { warn: (m) => warnings.push(m), error() {} } });
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      req.body = req.headers["x-as"] === "buffer" ? raw : JSON.parse(raw.toString());
      listener(req, res);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${server.address().port}/`;
    const send = (body, as) => fetch(url, { method: "POST", headers: { "x-as": as }, body: JSON.stringify(body) });
    assert.equal((await send(V2_CHANGE, "buffer")).status, 200);
    assert.equal((await send(V1_DEAL, "parsed")).status, 200);
    assert.equal((await send(V1_USER, "parsed")).status, 200);
    await until(() => events.length === 3, "three runs");
    assert.deepEqual(events, ["101", "101", "3"]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /before any body parser/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test("changed(): did a field change, and from what to what, in v2 (a diff) and v1 (the whole object)", () => {
  const v2 = pw.decodeDelivery(JSON.stringify(V2_CHANGE));
  assert.deepEqual(changed(v2, "value"), { changed: true, from: 1000, to: 2000 });
  // stage_id is absent from a v2 previous: unchanged, not "changed from undefined".
  assert.deepEqual(changed(v2, "stage_id"), { changed: false, from: 5, to: 5 });
  assert.deepEqual(changed(v2, "no_such_field"), { changed: false, from: undefined, to: undefined });

  const custom = pw.decodeDelivery(JSON.stringify(V2_CUSTOM));
  assert.deepEqual(changed(custom, `custom_fields.${HASH}`), { changed: true, from: { type: "varchar", value: "silver" }, to: { type: "varchar", value: "gold" } });
  // null in a v2 previous: it was empty before.
  assert.deepEqual(changed(custom, "custom_fields.e3a1b7c9f0d2a4b6c8e0f1a3b5c7d9e1f2a4b6c8"), { changed: true, from: null, to: { type: "double", value: 12.5 } });
  assert.deepEqual(changed(custom, "label_ids"), { changed: true, from: null, to: [4] });
  assert.deepEqual(changed(custom, "name"), { changed: false, from: "Ana", to: "Ana" });

  const v1 = pw.decodeDelivery(JSON.stringify(V1_DEAL));
  assert.deepEqual(changed(v1, "stage_id"), { changed: true, from: 1, to: 2 });
  // v1's previous is the whole deal: a value present in both and equal is unchanged.
  assert.deepEqual(changed(v1, "value"), { changed: false, from: 2000, to: 2000 });
  // Custom fields by one name in both versions: v1's top-level hash key.
  assert.deepEqual(changed(v1, `custom_fields.${HASH}`), { changed: true, from: "silver", to: "gold" });
  const user = pw.decodeDelivery(JSON.stringify(V1_USER));
  assert.deepEqual(changed(user, "name"), { changed: true, from: "Ana", to: "Ana Silva" });

  // A create and a delete change nothing; from and to are what each side holds.
  const created = pw.decodeDelivery(JSON.stringify({ ...V2_CHANGE, meta: { ...V2_CHANGE.meta, action: "create" }, previous: null }));
  assert.deepEqual(changed(created, "stage_id"), { changed: false, from: undefined, to: 5 });
  const deleted = pw.decodeDelivery(JSON.stringify({ ...V2_CHANGE, meta: { ...V2_CHANGE.meta, action: "delete" }, data: null, previous: { id: 101, stage_id: 5 } }));
  assert.deepEqual(changed(deleted, "stage_id"), { changed: false, from: 5, to: undefined });
});
