// The panel in live mode against a local Pipedrive-like HTTP server (answers computed by the core
// through the JS package): connect, list, create, delete, and 401, 422, 429 and network errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { createRequire } from "node:module";
import { repoRoot, serveStatic, launchChromium, pageWithErrorLog, screenshotPath, connectPanel } from "./support.mjs";
import { startFakePipedrive } from "../node/fake-pipedrive.mjs";

const require = createRequire(import.meta.url);
const pw = require(path.join(repoRoot, "target/npm/pipedrive-webhooks"));
const hook = (n, extra = {}) => ({ subscription_url: `https://hooks.example.com/${n}`, event_action: "change", event_object: "deal", name: `hook ${n}`, version: "2.0", ...extra });

let panel, browser;
before(async () => {
  panel = await serveStatic(path.join(repoRoot, "dist"));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await panel?.close();
});

async function company(policy) {
  return startFakePipedrive(pw, (acct) => {
    acct.addUser({ id: 1, name: "Ana", isAdmin: false });
    acct.addApp({ id: 9, name: "Mine", scopes: ["webhooks:full"] });
    acct.install(9, 1);
    acct.create({ kind: "app", appId: 9, userId: 1 }, hook(1), Date.now());
    acct.create({ kind: "user", userId: 1 }, hook(2, { name: "Ana's zap" }), Date.now());
  }, policy);
}

/** Adds a connection through the Connections form, as a user would. */
const connect = (page, address, token, oauth = true) => connectPanel(page, panel.url, { label: "Local", address, token, oauth });

/** A fresh company and a page connected to it as the app (the list shown); both closed after `body`. */
async function connected(body) {
  const api = await company();
  const { page, errors } = await pageWithErrorLog(browser);
  try {
    await connect(page, api.url, "APP-9-1");
    await page.getByTestId("webhooks-table").waitFor();
    await body({ api, page, errors });
  } finally {
    await page.context().close();
    await api.close();
  }
}

test("connect, list, create and delete against a live API; tokens only in headers", async () => {
  const api = await company();
  const { page, errors } = await pageWithErrorLog(browser);
  try {
    await connect(page, api.url, "APP-9-1");
    await page.getByTestId("webhooks-table").waitFor();
    assert.equal((await page.getByTestId("connection").innerText()).trim(), "Local · live");
    assert.equal(await page.locator("tr[data-testid^=row-]").count(), 2);
    assert.equal(await page.getByTestId("delete-1").count(), 1, "the app's own webhook");
    assert.equal(await page.getByTestId("lock-2").count(), 1, "a general webhook: locked for an app (R6)");
    assert.match(await page.getByTestId("rate-limit").innerText(), /39 \/ 40 per 2 s/);

    await page.getByRole("link", { name: "New webhook" }).click();
    await page.getByTestId("input-name").fill("From the panel");
    await page.getByTestId("input-subscription_url").fill("https://hooks.example.com/panel");
    await page.getByTestId("submit").click();
    // Rows have `content-visibility: auto`: a row inserted this frame has no rendered text (innerText
    // "") until the browser's next frame decides it is on screen. So wait for the text itself.
    await page.waitForFunction(() => /From the panel/.test(document.querySelector("tr[data-testid=row-3]")?.innerText ?? ""));
    const post = api.requests.find((r) => r.method === "POST");
    assert.equal(post.headers.authorization, "Bearer APP-9-1");

    await page.getByTestId("delete-1").click();
    await page.getByTestId("confirm-ok").click();
    await page.waitForFunction(() => !document.querySelector("[data-testid=row-1]"));
    assert.ok(api.requests.some((r) => r.method === "DELETE" && r.path === "/api/v1/webhooks/1"));
    assert.ok(api.requests.every((r) => !r.search.includes("APP-9-1")), "never in a URL");
    await page.screenshot({ path: screenshotPath("live-list"), fullPage: true });
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  } finally {
    await api.close();
  }
});

test("a failed connect says why and saves nothing: 401 asks to reconnect, a closed port is unreachable", async () => {
  const api = await company();
  const { page } = await pageWithErrorLog(browser);
  try {
    await connect(page, api.url, "not-a-token", false);
    await page.getByTestId("conn-error").waitFor();
    const text = await page.getByTestId("conn-error").innerText();
    assert.match(text, /Not connected, nothing saved: unauthorized/i);
    assert.match(text, /Reconnect/);
    assert.doesNotMatch(text, /not-a-token/, "the token never appears in messages");
    assert.equal(await page.locator("li[data-testid^=connection-]").count(), 0, "a failed connect is not saved");
    assert.equal(await page.getByTestId("conn-address").inputValue(), api.url, "the form keeps what was typed");
  } finally {
    await api.close();
  }
  await connect(page, "http://127.0.0.1:9", "APP-9-1");
  await page.getByTestId("conn-error").waitFor();
  assert.match(await page.getByTestId("conn-error").innerText(), /could not reach http:\/\/127\.0\.0\.1:9/);
  // A saved connection whose server goes away shows it on the list, with a retry, and its state.
  const api2 = await company();
  await connect(page, api2.url, "APP-9-1");
  await page.getByTestId("webhooks-table").waitFor();
  await api2.close();
  await page.getByTestId("refresh").click();
  await page.getByTestId("load-error").waitFor();
  assert.equal(await page.getByTestId("retry").count(), 1);
  await page.locator("nav").getByRole("link", { name: "Connections" }).click();
  assert.equal(await page.getByTestId("status-1").innerText(), "unreachable");
  assert.equal(await page.getByTestId("active-1").innerText(), "active");
});

test("422 from the server keeps the form input and says why; 429 waits and retries", async () => {
  // The server's limit is 1 app webhook, so the next create is refused with 422 (R2).
  const api = await company({ maxAppWebhooksPerUser: 1 });
  const { page } = await pageWithErrorLog(browser);
  try {
    api.forced.push({ status: 429, headers: { "retry-after": "1", "content-type": "text/plain" }, body: "" });
    await connect(page, api.url, "APP-9-1");
    await page.getByTestId("notice").waitFor();
    assert.match(await page.getByTestId("notice").innerText(), /Rate limited by the API \(burst limit\): retrying in 1\.0 s \(retry 1 of 3\)/);
    await page.getByTestId("webhooks-table").waitFor({ timeout: 5000 });
    assert.equal(api.requests.filter((r) => r.method === "GET").length, 2, "one 429, then the retry");

    await page.getByRole("link", { name: "New webhook" }).click();
    await page.getByTestId("input-name").fill("One too many");
    await page.getByTestId("input-subscription_url").fill("https://hooks.example.com/more");
    await page.getByTestId("submit").click();
    await page.getByTestId("create-error").waitFor();
    assert.match(await page.getByTestId("create-error").innerText(), /limit reached/i);
    assert.equal(await page.getByTestId("input-name").inputValue(), "One too many", "input kept");
    assert.equal(await page.getByTestId("input-subscription_url").inputValue(), "https://hooks.example.com/more");
  } finally {
    await api.close();
  }
});

test("a hostile list: markup stays text, a duplicated webhook shows once, rows stay aligned", async () => {
  await connected(async ({ api, page, errors }) => {
    const w = (id, name) => ({ id, name, type: "application", event_action: "change", event_object: "deal", subscription_url: `https://x.example/${id}"><script>`, user_id: 1, owner_id: 1, version: "2.0", is_active: 1 });
    const list = [w(1, "one"), w(1, "one"), w(2, '<img src=x onerror="window.__pwned=1">'), w(3, "three"), { id: 4 }, { name: "no id" }];
    api.forced.push({ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ success: true, data: list }) });
    await page.getByTestId("refresh").click();
    await page.locator("tr[data-testid=row-4]").waitFor();
    const rows = await page.locator("tr[data-testid^=row-]").evaluateAll((trs) => trs.map((tr) => [tr.dataset.testid, tr.querySelector("a").textContent]));
    assert.deepEqual(rows, [["row-1", "one"], ["row-2", '<img src=x onerror="window.__pwned=1">'], ["row-3", "three"], ["row-4", ""]]);
    assert.equal(await page.locator("tbody img, tbody script").count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    // The same webhooks again, one with another URL: that row shows it (rows are reused only when equal).
    const moved = list.slice(0, 4).map((x) => (x.id === 3 ? { ...x, subscription_url: "https://moved.example/3" } : x));
    api.forced.push({ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ success: true, data: moved }) });
    await page.getByTestId("refresh").click();
    await page.locator("tr[data-testid=row-3] code.url[title='https://moved.example/3']").waitFor();
    assert.equal(await page.locator("tr[data-testid^=row-]").count(), 3);
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), [], "only the emulator probe's 404");
  });
});

test("Sync on a live connection: a list before the plan and before applying, one request per step, one list after, then in sync", async () => {
  await connected(async ({ api, page, errors }) => {
    await page.getByRole("link", { name: "Sync" }).click();
    // Keep the app's hook 1 as it is, add three; prune removes nothing here but hook 2 is a user's (R5, R6).
    const desired = [hook(1), hook(10), hook(11), hook(12)].map(({ name, ...w }) => ({ name, ...w }));
    await page.getByTestId("sync-desired").fill(JSON.stringify(desired, null, 2));
    const beforePlan = api.requests.length;
    await page.getByTestId("sync-plan").click();
    await page.getByTestId("sync-plan-table").waitFor();
    const actions = await page.locator("[data-testid=sync-plan-table] tr[data-action]").evaluateAll((trs) => trs.map((tr) => tr.dataset.action));
    assert.deepEqual(actions.filter((a) => a === "create").length, 3, actions.join(","));
    assert.ok(actions.includes("keep"), actions.join(","));
    assert.deepEqual(api.requests.slice(beforePlan).map((r) => r.method), ["GET"], "Show plan lists first (a fresh list, not the one loaded earlier)");
    const before = api.requests.length;
    await page.getByTestId("sync-apply").click();
    await page.getByTestId("confirm-ok").click();
    await page.waitForFunction(() => /3 created/.test(document.querySelector("[data-testid=toast]")?.innerText ?? ""));
    await page.waitForFunction(() => document.querySelectorAll("[data-testid^=result-row-]").length === 3);
    await page.getByTestId("sync-in-sync").waitFor();
    await page.waitForTimeout(300); // let a stray reload show itself
    const sent = api.requests.slice(before).filter((r) => r.path.endsWith("/webhooks") || /\/webhooks\/\d+$/.test(r.path));
    assert.deepEqual(sent.map((r) => r.method), ["GET", "POST", "POST", "POST", "GET"], "a list before applying, one create per step, one list after the whole run (not one per step)");
    assert.equal(api.requests.filter((r) => r.method === "DELETE").length, 0);
    // Planning again: a list, and nothing to do.
    await page.getByTestId("sync-plan").click();
    await page.getByTestId("sync-list-age").waitFor();
    await page.getByTestId("sync-in-sync").waitFor();
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  });
});

test("a connection without its token (forgotten or imported) takes a new one in place: Enter token, no twin", async () => {
  await connected(async ({ api, page, errors }) => {
    await page.getByRole("link", { name: "Connections" }).click();
    await page.getByTestId("forget-1").click();
    assert.equal((await page.getByTestId("status-1").innerText()).trim(), "no token: reconnect");
    assert.equal(await page.getByTestId("forget-1").count(), 0, "no token to forget");
    assert.equal(await page.getByTestId("rate-limit").count(), 0, "the forgotten token's rate-limit figures go with it");
    await page.getByTestId("reconnect-1").click();
    // The form holds the connection; the token field has the focus.
    assert.equal(await page.getByTestId("conn-label").inputValue(), "Local");
    assert.equal(await page.getByTestId("conn-address").inputValue(), `${api.url}/api/v1`);
    assert.ok(await page.getByTestId("conn-oauth").isChecked());
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "conn-token");
    await page.keyboard.type("APP-9-1");
    await page.getByTestId("conn-add").click();
    await page.getByTestId("webhooks-table").waitFor();
    await page.getByRole("link", { name: "Connections" }).click();
    assert.equal(await page.locator("li[data-testid^=connection-]").count(), 1, "the same connection, not a twin");
    assert.equal(await page.getByTestId("reconnect-1").count(), 0, "it has its token again");
    assert.equal(await page.getByTestId("forget-1").count(), 1, "and can forget it again");
    // On a live connection the sandbox tools say what they act on.
    await page.goto(panel.url + "/sandbox");
    await page.getByTestId("sandbox-not-active").waitFor();
    // A short page fits the window: no scroll bar for a few pixels.
    await page.goto(panel.url + "/no-such-page");
    await page.locator("main h1").waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight), 0);
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  });
});
