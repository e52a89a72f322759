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

test("Events: Send to my receiver fires the emulator's trigger, and the receiver gets the catalog's body", async () => {
  const http = await import("node:http");
  const bodies = [];
  const receiver = http.createServer((req, res) => {
    let b = "";
    req.on("data", (c) => (b += c));
    req.on("end", () => {
      bodies.push(b);
      res.end("ok");
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  const emu = await startEmulator(seed(null));
  const { page, errors } = await pageWithErrorLog(browser);
  try {
    const created = await fetch(`${emu.url}/v1/webhooks`, {
      method: "POST",
      headers: { authorization: "Bearer app-token", "content-type": "application/json" },
      body: JSON.stringify({ subscription_url: `http://127.0.0.1:${receiver.address().port}/hook`, event_action: "updated", event_object: "deal", name: "v1 deals", version: "1.0" }),
    });
    assert.equal(created.status, 201);
    await connect(page, emu.url);
    await page.goto(`${panel.url}/events?event=change.deal&version=2.0`);
    await page.getByTestId("event-detail").waitFor();
    await page.getByTestId("send-event").click();
    await page.getByTestId("send-result").getByText(/change\.deal reached 1 webhook\(s\)/).waitFor();
    assert.match(await page.getByTestId("toast").innerText(), /change\.deal reached 1 webhook\(s\)/, "said in the live region too");
    for (let i = 0; i < 100 && bodies.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(bodies.length, 1, "one real delivery");
    const body = JSON.parse(bodies[0]);
    assert.equal(body.event, "updated.deal", "the v1 webhook gets the v1 body of the same event");
    assert.ok(Array.isArray(body.matches_filters.current));
    await page.screenshot({ path: screenshotPath("events-emulator-send"), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await emu.stop();
    receiver.close();
  }
});
