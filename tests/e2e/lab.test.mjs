// The receiver lab against the real emulator binary (#13, #22): the Deliveries page shows an
// emulator event's attempts, with the request sent (Authorization masked), times that tick, and
// Redeliver adds a fresh attempt chain; with ban rows it still fits 1280 px; under a scaled clock
// the timeout is said in real time, on the page and on each timed-out row. The Check receiver
// page runs the emulator's check against local receivers and renders the report card: the
// verdict and projection of each version, and the kit's README with the closest example.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import fs from "node:fs";
import http from "node:http";
import { repoRoot, serveStatic, launchChromium, pageWithErrorLog, screenshotPath, connectPanel } from "./support.mjs";

import { emulatorBinary as binary, startEmulatorBinary } from "../node/emulator-process.mjs";
let panel, browser, receiver, receiverUrl, emulator;
let slowUrl, v2OnlyUrl, failUrl;

before(async () => {
  assert.ok(fs.existsSync(binary), `${binary} is built by the native suite`);
  panel = await serveStatic(path.join(repoRoot, "dist"));
  browser = await launchChromium();
  // A healthy receiver at /hook: 200 to everything, quickly. /fail answers 500; /slow takes 3 s;
  // /v2-only answers 400 to v1 bodies, as Express apps written for v2 (x-powered-by: Express).
  receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const json = { "content-type": "application/json" };
      if (req.url === "/fail") return res.writeHead(500, json).end("{}");
      if (req.url === "/slow") return setTimeout(() => res.writeHead(200, json).end("{}"), 3_000);
      if (req.url === "/v2-only") {
        let v1 = false;
        try { v1 = JSON.parse(Buffer.concat(chunks).toString()).v === 1; } catch {}
        return res.writeHead(v1 ? 400 : 200, { ...json, "x-powered-by": "Express" }).end(v1 ? '{"error":"invalid payload structure"}' : "{}");
      }
      res.writeHead(200, json).end("{}");
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  const root = `http://127.0.0.1:${receiver.address().port}`;
  receiverUrl = `${root}/hook`;
  slowUrl = `${root}/slow`;
  v2OnlyUrl = `${root}/v2-only`;
  failUrl = `${root}/fail`;
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
  // Its time ticks: nothing new arrives (the refresh redraws nothing), yet "now" becomes "N s ago".
  const time = row.locator("td").first();
  const said = await time.innerText();
  await page.waitForFunction(([el, before]) => el.textContent !== before && /s ago$/.test(el.textContent), [await time.elementHandle(), said], { timeout: 5_000 });
  assert.equal(await page.getByTestId("deliveries-timeout").innerText(), "Timeout (R9): 10 s.", "at ×1 the timeout is plain");
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
  // A webhook whose receiver answers 500: ten failed first attempts ban it (R12), the next event is lost.
  const failing = await fetch(`${emulator.url}/v1/webhooks`, { method: "POST", headers: { ...json, authorization: "Bearer app-token-admin" },
    body: JSON.stringify({ subscription_url: failUrl, event_action: "*", event_object: "person", name: "lab failing", version: "1.0" }) });
  assert.equal(failing.status, 201);
  for (let i = 0; i < 11; i++) {
    await fetch(`${emulator.url}/_emulator/events`, { method: "POST", headers: json, body: JSON.stringify({ object: "person", action: "create", id: 100 + i, data: { id: 100 + i, name: "Ana" } }) });
  }
  await page.waitForFunction(() => [...document.querySelectorAll("tr[data-testid^=delivery-] td")].some((td) => /^until \d\d:\d\d$/.test(td.textContent)), null, { timeout: 15_000 });
  await page.waitForFunction(() => /lost: banned/.test(document.querySelector("[data-testid=deliveries-table]")?.textContent ?? ""), null, { timeout: 15_000 });
  await page.screenshot({ path: screenshotPath("deliveries-emulator-1440"), fullPage: true });
  // A laptop window holds the whole table, redelivery and ban rows included: event ids (UUIDs)
  // are cut to their column, whole in a tooltip, and no button is cut.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than a 1280 px window`);
  const cut = await page.evaluate(() => [...document.querySelectorAll("[data-testid=deliveries-table] button")]
    .filter((b) => b.scrollWidth > b.clientWidth || b.getBoundingClientRect().right > window.innerWidth).map((b) => b.textContent));
  assert.deepEqual(cut, [], "no Redeliver or Request button is cut");
  // The event in words, its id in the tooltip.
  const deal = page.locator("code.event-id").filter({ hasText: "change.deal" }).first();
  assert.equal(await deal.textContent(), "change.deal");
  assert.match(await deal.getAttribute("title"), /^event id [0-9a-f-]{36}$/);
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
  assert.equal(await page.getByTestId("projection-v2-events_per_minute").innerText(), "Traffic\n0.5 event(s) a minute");
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

test("a clock at ×60 says the timeout in real time: a 3 s receiver passes the check yet every delivery times out", async () => {
  const scaled = await startEmulatorBinary(["--allow-origin", panel.url, "--time-scale", "60"]);
  try {
    const json = { "content-type": "application/json" };
    const made = await fetch(`${scaled.url}/v1/webhooks`, { method: "POST", headers: { ...json, authorization: "Bearer app-token-admin" },
      body: JSON.stringify({ subscription_url: slowUrl, event_action: "*", event_object: "deal", name: "slow", version: "2.0" }) });
    assert.equal(made.status, 201);
    const { page, errors } = await pageWithErrorLog(browser, { width: 1280, height: 900 });
    await connectPanel(page, panel.url, { label: "Scaled", address: scaled.url, token: "app-token-admin" });
    await page.getByTestId("webhooks-table").waitFor();
    await page.locator("nav").getByRole("link", { name: "Deliveries" }).click();
    const note = await page.getByTestId("deliveries-timeout").innerText();
    assert.match(note, /^Timeout \(R9\): 10 s on the emulator's clock = 167 ms real at ×60: a receiver slower than that fails every delivery here/);
    await fetch(`${scaled.url}/_emulator/events`, { method: "POST", headers: json, body: JSON.stringify({ object: "deal", action: "change", id: 9, data: { id: 9 }, previous: { title: "x" } }) });
    const row = page.locator("tr[data-testid^=delivery-]").first();
    await row.waitFor({ timeout: 10_000 });
    assert.match(await row.locator("[data-testid^=delivery-result-]").innerText(), /^timed out \(10 s on the emulator's clock = 167 ms real at ×60\)/);
    await page.screenshot({ path: screenshotPath("deliveries-scaled-timeout-1280"), fullPage: true });
    // The same receiver through the check: 3 s is well within its 10 s of real time.
    await page.locator("nav").getByRole("link", { name: "Check receiver" }).click();
    assert.match(await page.getByTestId("check-timeout").innerText(), /this check waits 10 s of real time, as Pipedrive does\. This emulator's deliveries time out after 10 s on the emulator's clock = 167 ms real at ×60/);
    await page.getByTestId("check-url").fill(slowUrl);
    await page.getByTestId("check-version").selectOption("2.0");
    await page.getByTestId("check-start").click();
    await page.getByTestId("report-card").waitFor({ timeout: 120_000 });
    assert.equal(await page.getByTestId("verdict").innerText(), "pass");
    assert.equal(await page.getByTestId("check-status-latency").innerText(), "pass", "3 s: under half the timeout");
    await page.screenshot({ path: screenshotPath("check-receiver-scaled-1280"), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    scaled.stop();
  }
});

test("a v2-only receiver: the Check page shows each version's verdict and projection, and links the kit's closest example", async () => {
  const { page, errors } = await pageWithErrorLog(browser, { width: 1280, height: 900 });
  await connectPanel(page, panel.url, { label: "Emulator", address: emulator.url, token: "app-token-admin" });
  await page.getByTestId("webhooks-table").or(page.getByTestId("empty")).first().waitFor();
  await page.locator("nav").getByRole("link", { name: "Check receiver" }).click();
  await page.getByTestId("check-url").fill(v2OnlyUrl);
  await page.getByTestId("check-start").click();
  await page.getByTestId("report-card").waitFor({ timeout: 90_000 });
  assert.equal(await page.getByTestId("verdict").innerText(), "fail");
  assert.equal(await page.getByTestId("version-verdict-v2").innerText(), "pass");
  assert.equal(await page.getByTestId("version-verdict-v1").innerText(), "fail");
  assert.match(await page.getByTestId("version-v1").innerText(), /serves v2 only: fine while every webhook pointing here is version 2\.0/);
  // Each version projected on its own: v2 loses nothing, v1 is banned and deleted.
  assert.equal(await page.getByTestId("projection-v2-bans_per_day").innerText(), "Bans (R12) a day\n0");
  assert.match(await page.getByTestId("projection-v1-bans_per_day").innerText(), /^Bans \(R12\) a day\n[1-9]\d*/);
  assert.match(await page.getByTestId("projection-v1-deletion_after_ms").innerText(), /after 72 h/);
  assert.equal(await page.locator("[data-testid=report-card] svg").count(), 2, "a timeline per version");
  // The kit: its README on npm, and the example for this receiver's stack (x-powered-by: Express).
  const kit = page.getByTestId("kit-link");
  assert.equal(await kit.locator("a").getAttribute("href"), "https://www.npmjs.com/package/pipedrive-webhooks#receiver-kit");
  assert.equal(await page.getByTestId("kit-example").innerText(), "examples/receiver-express.mjs");
  assert.match(await kit.innerText(), /decodes both payload versions/);
  await page.screenshot({ path: screenshotPath("check-receiver-v2-only-1280"), fullPage: true });
  await page.locator("[data-testid=report-card] > div").first().screenshot({ path: screenshotPath("check-receiver-v2-only-card-1280") });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than a 1280 px window`);
  assert.deepEqual(errors, []);
});
