// The receiver lab against the real emulator binary (#13): the Deliveries page shows an
// emulator event's attempts, with the request sent (Authorization masked), and Redeliver adds a
// fresh attempt chain; the Check receiver page runs the emulator's check against a local
// receiver and renders the report card.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import fs from "node:fs";
import http from "node:http";
import { repoRoot, serveStatic, launchChromium, pageWithErrorLog, screenshotPath, connectPanel } from "./support.mjs";

import { emulatorBinary as binary, startEmulatorBinary } from "../node/emulator-process.mjs";
let panel, browser, receiver, receiverUrl, emulator;

before(async () => {
  assert.ok(fs.existsSync(binary), `${binary} is built by the native suite`);
  panel = await serveStatic(path.join(repoRoot, "dist"));
  browser = await launchChromium();
  // A healthy receiver: 200 to everything, quickly.
  receiver = http.createServer((req, res) => { req.resume(); req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}")); });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
  emulator = await startEmulatorBinary(["--allow-origin", panel.url]);
});
after(async () => {
  emulator?.stop();
  receiver?.close();
  await browser?.close();
  await panel?.close();
});

test("the Deliveries page shows an emulator event's attempts, the request, and Redeliver adds a chain", async () => {
  const json = { "content-type": "application/json" };
  const made = await fetch(`${emulator.url}/v1/webhooks`, { method: "POST", headers: { ...json, authorization: "Bearer app-token-admin" },
    body: JSON.stringify({ subscription_url: receiverUrl, event_action: "*", event_object: "deal", name: "lab", version: "2.0", http_auth_user: "pipedrive", http_auth_password: "s3cret-lab" }) });
  assert.equal(made.status, 201);
  const { page, errors } = await pageWithErrorLog(browser, { width: 1440, height: 900 });
  await connectPanel(page, panel.url, { label: "Emulator", address: emulator.url, token: "app-token-admin" });
  await page.getByTestId("webhooks-table").waitFor();
  await page.locator("nav").getByRole("link", { name: "Deliveries" }).click();
  await page.getByTestId("deliveries-empty").waitFor();
  await fetch(`${emulator.url}/_emulator/events`, { method: "POST", headers: json, body: JSON.stringify({ object: "deal", action: "change", id: 7, data: { id: 7 }, previous: { title: "x" } }) });
  // Rows appear by themselves (the page refreshes while visible).
  const row = page.locator("tr[data-testid^=delivery-]").first();
  await row.waitFor({ timeout: 10_000 });
  assert.match(await row.innerText(), /HTTP 200/);
  const key = (await row.getAttribute("data-testid")).slice("delivery-".length);
  await page.getByTestId(`show-request-${key}`).click();
  const request = await page.getByTestId(`request-${key}`).innerText();
  assert.match(request, /"entity": "deal"/);
  assert.match(request, /authorization: Basic ••••/i);
  assert.doesNotMatch(request, /s3cret-lab|cGlwZWRyaXZlOnMzY3JldC1sYWI/, "the Basic-auth secret never shows");
  const before = await page.locator("tr[data-testid^=delivery-]").count();
  await page.getByTestId(`redeliver-${key}`).click();
  await page.waitForFunction((n) => document.querySelectorAll("tr[data-testid^=delivery-]").length > n, before, { timeout: 10_000 });
  assert.equal(await page.locator("[data-testid^=redelivery-]").count(), 1, "the new attempt is marked as a redelivery");
  await page.screenshot({ path: screenshotPath("deliveries-emulator-1440"), fullPage: true });
  // A laptop window holds the whole table: event ids (UUIDs) are cut to their column, whole in a tooltip.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than a 1280 px window`);
  // The event in words, its id in the tooltip.
  assert.equal(await page.locator("code.event-id").first().textContent(), "change.deal");
  assert.match(await page.locator("code.event-id").first().getAttribute("title"), /^event id [0-9a-f-]{36}$/);
  await page.screenshot({ path: screenshotPath("deliveries-emulator-1280"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("the Check receiver page runs the emulator's check and renders the report card", async () => {
  const { page, errors } = await pageWithErrorLog(browser, { width: 1280, height: 900 });
  await connectPanel(page, panel.url, { label: "Emulator", address: emulator.url, token: "app-token-admin" });
  await page.getByTestId("webhooks-table").or(page.getByTestId("empty")).first().waitFor();
  await page.locator("nav").getByRole("link", { name: "Check receiver" }).click();
  // Bad input is refused with a reason before anything is sent; the emulator's own refusals are
  // shown as their message, not as raw JSON.
  await page.getByTestId("check-url").fill(receiverUrl);
  for (const rate of ["abc", "0", "-3", "1e9"]) {
    await page.getByTestId("check-rate").fill(rate);
    await page.getByTestId("check-start").click();
    assert.match(await page.getByTestId("check-error").innerText(), /traffic must be a number of events a minute above 0 and at most 1000/, rate);
    // The error points at its field: invalid, described by the message, focused.
    assert.equal(await page.getByTestId("check-rate").getAttribute("aria-invalid"), "true");
    assert.equal(await page.getByTestId("check-rate").getAttribute("aria-describedby"), "check-error");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "check-rate");
  }
  await page.getByTestId("check-rate").fill("1");
  await page.getByTestId("check-url").fill("https://api.pipedrive.com/hook");
  await page.getByTestId("check-start").click();
  const refused = await page.getByTestId("check-error").innerText();
  assert.match(refused, /^the emulator refused the check \(HTTP 400\): /);
  assert.doesNotMatch(refused, /[{}]|"error"|"success"/, "the message, not the JSON body");
  assert.match(refused, /Pipedrive refuses its own hosts/);
  // Half an event a minute is a valid traffic, as for the CLI's --rate.
  await page.getByTestId("check-url").fill(receiverUrl);
  await page.getByTestId("check-rate").fill("0.5");
  await page.getByTestId("check-start").click();
  await page.getByTestId("report-card").waitFor({ timeout: 90_000 });
  assert.equal(await page.getByTestId("verdict").innerText(), "pass");
  assert.equal(await page.getByTestId("projection-events_per_minute").innerText(), "Traffic\n0.5 event(s) a minute");
  for (const id of ["payloads_v2", "payloads_v1", "retries", "latency", "burst", "redirect"]) {
    assert.notEqual(await page.getByTestId(`check-status-${id}`).innerText(), "fail", id);
  }
  assert.ok(await page.locator("[data-testid=histogram] li").count() > 0);
  await page.screenshot({ path: screenshotPath("check-receiver-1280"), fullPage: true });
  // Back on the sandbox, the page says what it needs instead of offering a check it cannot run.
  await page.getByTestId("connection-select").selectOption("sandbox");
  await page.getByTestId("check-not-emulator").waitFor();
  assert.ok(await page.getByTestId("check-start").isDisabled());
  assert.equal(await page.getByTestId("report-card").count(), 0, "the emulator's report is not shown on the sandbox");
  // And back: the emulator is found again, the form usable.
  await page.getByTestId("connection-select").selectOption({ label: "Emulator" });
  await page.getByTestId("check-not-emulator").waitFor({ state: "detached" });
  assert.ok(await page.getByTestId("check-start").isEnabled());
  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), [], "only the refused check's 400");
});
