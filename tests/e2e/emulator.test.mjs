// The panel in live mode against the real emulator binary (built by the native test suite):
// connect, list, create, delete, and the emulator's 422 at its limit.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import fs from "node:fs";
import os from "node:os";
import { repoRoot, serveStatic, launchChromium, pageWithErrorLog, screenshotPath, connectPanel } from "./support.mjs";

import { emulatorBinary as binary, startEmulatorBinary } from "../node/emulator-process.mjs";

/** Starts the emulator on a free port with `seed`; resolves to its base URL. */
function startEmulator(seed) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pw-emu-"));
  const seedFile = path.join(dir, "seed.json");
  fs.writeFileSync(seedFile, JSON.stringify(seed));
  // The panel is served on a random port: the emulator refuses browser origins it was not told of.
  return startEmulatorBinary(["--seed", seedFile, "--allow-origin", panel.url]);
}

const seed = (policy) => ({
  companyId: 1,
  users: [{ id: 1, name: "Ana", isAdmin: true }],
  apps: [{ id: 1, name: "Your app", scopes: ["webhooks:full"], listed: true }],
  installs: [[1, 1]],
  tokens: { "app-token": { kind: "app", appId: 1, userId: 1 } },
  policy,
});

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

const connect = (page, url) => connectPanel(page, panel.url, { label: "Local emulator", address: url, token: "app-token" });

async function createFromForm(page, name, url) {
  await page.getByRole("link", { name: "New webhook" }).click();
  await page.getByTestId("input-name").fill(name);
  await page.getByTestId("input-subscription_url").fill(url);
  await page.getByTestId("submit").click();
}

test("the panel lists, creates and deletes webhooks on the emulator", async () => {
  const emu = await startEmulator(seed(null));
  const { page, errors } = await pageWithErrorLog(browser);
  try {
    await connect(page, emu.url);
    await page.getByTestId("empty").waitFor();
    await createFromForm(page, "Deals to CRM", "https://crm.example.com/hooks");
    await page.locator("tr[data-testid^=row-]").first().waitFor();
    const row = page.locator("tr[data-testid^=row-]").first();
    assert.match(await row.innerText(), /Deals to CRM/);
    assert.match(await page.getByTestId("rate-limit").innerText(), /\d+ \/ 80 per 2 s/);
    const res = await fetch(`${emu.url}/v1/webhooks`, { headers: { authorization: "Bearer app-token" } });
    const listed = (await res.json()).data;
    assert.equal(listed.length, 1);
    await page.getByTestId(`delete-${listed[0].id}`).click();
    await page.getByTestId("confirm-ok").click();
    await page.getByTestId("empty").waitFor();
    assert.equal((await (await fetch(`${emu.url}/v1/webhooks`, { headers: { authorization: "Bearer app-token" } })).json()).data.length, 0);
    assert.deepEqual(errors, []);
  } finally {
    emu.stop();
  }
});

test("the emulator's 422 at its limit shows beside the kept input", async () => {
  const emu = await startEmulator(seed({ maxAppWebhooksPerUser: 1 }));
  const { page } = await pageWithErrorLog(browser);
  try {
    await connect(page, emu.url);
    await page.getByTestId("empty").waitFor();
    await createFromForm(page, "First", "https://crm.example.com/1");
    await page.locator("tr[data-testid^=row-]").first().waitFor();
    await createFromForm(page, "Second", "https://crm.example.com/2");
    await page.getByTestId("create-error").waitFor();
    assert.match(await page.getByTestId("create-error").innerText(), /limit reached: Pipedrive refused another webhook for this app user \(HTTP 422\)/);
    assert.equal(await page.getByTestId("input-name").inputValue(), "Second");
    await page.screenshot({ path: screenshotPath("emulator-422"), fullPage: true });
  } finally {
    emu.stop();
  }
});
