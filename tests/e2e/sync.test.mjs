// Sync you can trust (#21), the panel against the real emulator binary (built by the native suite):
// a plan made on a fresh list (a webhook created from outside after the page loaded is kept, and
// Apply creates no duplicate), a plan that changed under the confirmation is shown again instead
// of applied, a failed step shown as failed where the user looks, and a Basic-auth entry synced
// twice created once (the emulator answers credentials as ciphertext, as Pipedrive does), never
// shown in clear nor as ciphertext.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import fs from "node:fs";
import os from "node:os";
import { repoRoot, serveStatic, launchChromium, pageWithErrorLog, screenshotPath, connectPanel } from "./support.mjs";
import { emulatorBinary as binary, startEmulatorBinary } from "../node/emulator-process.mjs";

const seed = {
  companyId: 1,
  users: [{ id: 1, name: "Ana", isAdmin: true }],
  apps: [{ id: 1, name: "Your app", scopes: ["webhooks:full"], listed: true }],
  installs: [[1, 1]],
  tokens: { "app-token": { kind: "app", appId: 1, userId: 1 } },
};

let panel, browser;
before(async () => {
  assert.ok(fs.existsSync(binary), `${binary} is built by the native suite`);
  panel = await serveStatic(path.join(repoRoot, "dist"));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await panel?.close();
});

/** A fresh emulator and a page connected to it as the app, on the Sync page; both closed after `body`. */
async function onSync(body) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pw-sync-"));
  const seedFile = path.join(dir, "seed.json");
  fs.writeFileSync(seedFile, JSON.stringify(seed));
  const emu = await startEmulatorBinary(["--seed", seedFile, "--allow-origin", panel.url]);
  const { page, errors } = await pageWithErrorLog(browser, { width: 1280, height: 900 });
  const api = (p, init = {}) => fetch(`${emu.url}/v1${p}`, { ...init, headers: { authorization: "Bearer app-token", "content-type": "application/json", ...init.headers } });
  const listed = async () => (await (await api("/webhooks")).json()).data;
  const createOutside = async (w) => {
    const res = await api("/webhooks", { method: "POST", body: JSON.stringify(w) });
    assert.equal(res.status, 201, await res.text());
  };
  try {
    await connectPanel(page, panel.url, { label: "Local emulator", address: emu.url, token: "app-token" });
    await page.getByTestId("empty").waitFor();
    await page.getByRole("link", { name: "Sync" }).click();
    await page.getByTestId("sync-desired").waitFor();
    await body({ emu, page, errors, listed, createOutside });
  } finally {
    await page.context().close();
    emu.stop();
  }
}

const hook = (n, extra = {}) => ({ name: `Hook ${n}`, subscription_url: `https://crm.example.com/${n}`, event_action: "change", event_object: "deal", version: "2.0", ...extra });
const actions = (page) => page.locator("[data-testid=sync-plan-table] tr[data-action]").evaluateAll((trs) => trs.map((tr) => tr.dataset.action));
/** Each subscription's count among the listed webhooks: all 1 when there is no duplicate. */
const counts = (list) => Object.values(list.reduce((m, w) => ({ ...m, [`${w.event_action}.${w.event_object} ${w.subscription_url}`]: (m[`${w.event_action}.${w.event_object} ${w.subscription_url}`] ?? 0) + 1 }), {}));

async function showPlan(page, desired) {
  await page.getByTestId("sync-desired").fill(JSON.stringify(desired, null, 2));
  await page.getByTestId("sync-plan").click();
  await page.getByTestId("sync-list-age").waitFor();
}

async function applyPlan(page) {
  await page.getByTestId("sync-apply").click();
  await page.getByTestId("confirm-ok").click();
}

test("a webhook created from outside after the page loaded is kept, and Apply never duplicates", async () => {
  await onSync(async ({ page, errors, listed, createOutside }) => {
    // A deploy creates Hook 1 after the panel listed (an empty list).
    await createOutside(hook(1));
    await showPlan(page, [hook(1), hook(2)]);
    assert.deepEqual((await actions(page)).sort(), ["create", "keep"], "Show plan listed first: Hook 1 is kept");
    assert.match(await page.getByTestId("plan-reason-1").innerText(), /matches desired #0/);
    assert.match(await page.getByTestId("sync-list-age").innerText(), /^Planned on a list (fetched just now|from \d+ s ago); Apply lists again before it sends anything\.$/);
    await page.screenshot({ path: screenshotPath("sync-plan-fresh-list"), fullPage: true });

    // Another deploy creates Hook 2 between the plan and the confirmation: Apply lists again, sees
    // the plan changed, and sends nothing.
    await createOutside(hook(2));
    await applyPlan(page);
    await page.getByTestId("sync-not-applied").waitFor();
    assert.match(await page.getByTestId("sync-not-applied").innerText(), /^Nothing applied: the webhooks changed since this plan was shown\./);
    await page.getByTestId("sync-in-sync").waitFor();
    assert.equal(await page.getByTestId("sync-results").count(), 0, "nothing was sent");
    await page.screenshot({ path: screenshotPath("sync-plan-changed-before-apply"), fullPage: true });
    let now = await listed();
    assert.equal(now.length, 2);
    assert.deepEqual(counts(now), [1, 1], "no duplicate");

    // A real change applies, once.
    await showPlan(page, [hook(1), hook(2), hook(3)]);
    await applyPlan(page);
    await page.getByTestId("sync-in-sync").waitFor();
    assert.equal((await page.getByTestId("sync-progress-text").innerText()).trim(), "Applied 1 of 1");
    now = await listed();
    assert.equal(now.length, 3);
    assert.deepEqual(counts(now), [1, 1, 1], "no duplicate");
    assert.deepEqual(errors, []);
  });
});

test("a failed step shows as failed in the result, with its error, and the plan is not in sync", async () => {
  await onSync(async ({ emu, page, errors, listed }) => {
    // The emulator refuses a subscription on its own address (400): the panel warns (plain http,
    // a private host) and plans; the create fails.
    await showPlan(page, [hook(1), hook(2, { subscription_url: `${emu.url}/loop` })]);
    assert.match(await page.getByTestId("sync-warnings").innerText(), /\[1\] \("Hook 2"\), field subscription_url:/);
    await applyPlan(page);
    await page.waitForFunction(() => /failed/.test(document.querySelector("[data-testid=sync-progress-text]")?.innerText ?? ""));
    const summary = page.getByTestId("sync-progress-text");
    assert.equal((await summary.innerText()).trim(), "Applied 1 of 2: 1 failed");
    assert.equal(await summary.getAttribute("role"), "alert", "said where the user looks, not only in a toast");
    const failed = page.locator("[data-testid=sync-results] tr[data-outcome=failed]");
    assert.equal(await failed.count(), 1);
    assert.match(await failed.innerText(), /Hook|crm|loop/);
    assert.match(await failed.innerText(), /failed: .*it points at this emulator\)\. Fix this entry of the desired set, then plan again\./);
    assert.equal(await page.locator("[data-testid=sync-results] tr[data-outcome=done]").count(), 1);
    // The plan made again on a fresh list still has the failed create to do.
    await page.waitForFunction(() => /1 to create/.test(document.querySelector("[data-testid=sync-summary]")?.innerText ?? ""));
    assert.equal(await page.getByTestId("sync-in-sync").count(), 0, "never a green In sync after a failure");
    await page.screenshot({ path: screenshotPath("sync-failed-step"), fullPage: true });
    assert.equal((await listed()).length, 1);
    assert.deepEqual(errors.filter((e) => !/Failed to load resource: the server responded with a status of 400/.test(e)), []);
  });
});

test("a Basic-auth entry synced twice is created once, and its credentials are never shown", async () => {
  await onSync(async ({ page, errors, listed }) => {
    const desired = [hook(1, { http_auth_user: "pipedrive", http_auth_password: "s3cret-e2e" })];
    await showPlan(page, desired);
    assert.deepEqual(await actions(page), ["create"]);
    await applyPlan(page);
    await page.getByTestId("sync-in-sync").waitFor();
    const [created] = await listed();
    assert.match(created.http_auth_user, /^v1u:/, "the emulator answers ciphertext, as Pipedrive does");
    assert.match(created.http_auth_password, /^v1u:/);

    // Planned again: kept, whatever the ciphertext; nothing to apply.
    await showPlan(page, desired);
    await page.getByTestId("sync-in-sync").waitFor();
    assert.deepEqual(await actions(page), ["keep"]);
    assert.equal(await page.getByTestId("sync-apply").count(), 0);
    assert.equal((await listed()).length, 1, "created once");

    // Exported for reuse: a placeholder where the credentials go, flagged; no user id.
    await page.getByTestId("sync-export-current").click();
    await page.getByTestId("sync-export-auth").waitFor();
    assert.match(await page.getByTestId("sync-export-auth").innerText(), /^1 webhook uses Basic auth: fill in its credentials before syncing/);
    const exported = JSON.parse(await page.getByTestId("sync-desired").inputValue());
    assert.equal(exported[0].http_auth_user, exported[0].http_auth_password);
    assert.match(exported[0].http_auth_password, /^<fill in/);
    assert.equal(exported[0].user_id, undefined);
    await page.screenshot({ path: screenshotPath("sync-export-basic-auth"), fullPage: true });
    for (const text of [await page.locator("body").innerText(), await page.getByTestId("sync-desired").inputValue()]) {
      assert.doesNotMatch(text, /s3cret-e2e|v1u:/, "never a password nor a ciphertext");
    }

    // The detail page says "set", and its raw JSON too.
    await page.goto(`${panel.url}/webhooks/${created.id}`);
    await page.getByTestId("basic-auth").waitFor();
    assert.equal((await page.getByTestId("basic-auth").innerText()).trim(), "set");
    const raw = await page.getByTestId("raw-json").evaluate((el) => el.textContent);
    assert.match(raw, /"http_auth_password": "\(set\)"/);
    assert.doesNotMatch(raw + (await page.locator("body").innerText()), /s3cret-e2e|v1u:/);
    assert.deepEqual(errors, []);
  });
});
