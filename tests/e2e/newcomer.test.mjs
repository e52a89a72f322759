// What a newcomer trips over (#16), in the release build with a real keyboard: dialogs own the
// keyboard (focus in, Tab trapped, Escape, focus back), a skip link, `n` lands on the first field;
// nothing clipped at 1280 or 1440 px; an axe-core scan of every page finds no serious or critical
// violation. Screenshots of every page at both widths land in tests/e2e/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import fs from "node:fs";
import { repoRoot, serveStatic, launchChromium, pageWithErrorLog, screenshotPath } from "./support.mjs";
import { startEmulatorBinary } from "../node/emulator-process.mjs";

const axeSource = fs.readFileSync(path.join(repoRoot, "node_modules/axe-core/axe.min.js"), "utf8");
let panel, browser;
before(async () => {
  panel = await serveStatic(path.join(repoRoot, "dist"));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await panel?.close();
});

const focused = (page) => page.evaluate(() => document.activeElement?.dataset?.testid ?? document.activeElement?.id ?? document.activeElement?.tagName);

test("the confirmation dialog owns the keyboard: focus in, Tab inside, Escape closes, focus back", async () => {
  const { page, errors } = await pageWithErrorLog(browser);
  await page.goto(panel.url + "/");
  await page.getByTestId("delete-101").focus();
  await page.keyboard.press("Enter");
  await page.locator("dialog[open]").waitFor();
  assert.equal(await focused(page), "confirm-cancel", "focus moves into the dialog");
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press("Tab");
    const inside = await page.evaluate(() => !!document.activeElement?.closest("dialog[open]") || document.activeElement === document.body);
    assert.ok(inside, `Tab ${i + 1} left the dialog for ${await focused(page)}`);
  }
  // Shortcuts stand still under a dialog.
  await page.keyboard.press("n");
  assert.equal(new URL(page.url()).pathname, "/");
  await page.keyboard.press("Escape");
  await page.locator("dialog[open]").waitFor({ state: "detached" });
  assert.equal(await focused(page), "delete-101", "focus goes back to what opened it");
  assert.equal(await page.locator("tr[data-testid=row-101]").count(), 1, "nothing deleted");
  assert.deepEqual(errors, []);
});

test("a skip link leads to the content; `n` opens the form with focus on its first field", async () => {
  const { page } = await pageWithErrorLog(browser);
  await page.goto(panel.url + "/");
  await page.getByTestId("webhooks-table").waitFor();
  await page.keyboard.press("Tab");
  assert.equal(await focused(page), "skip-link");
  await page.keyboard.press("Enter");
  assert.equal(await focused(page), "main");
  await page.keyboard.press("n");
  await page.waitForURL(/\/webhooks\/new$/);
  await page.getByTestId("input-name").waitFor();
  assert.equal(await focused(page), "input-name");
  assert.equal(await page.getByTestId("input-name").inputValue(), "", "the shortcut's 'n' is not typed into the name");
});

const pages = ["/", "/webhooks/new", "/webhooks/119", "/simulator", "/sandbox", "/deliveries", "/sync", "/connections", "/rules", "/events", "/events?event=change.deal&version=2.0"];

for (const width of [1280, 1366, 1440]) {
  test(`nothing is clipped at ${width} px; the owner and a URL's host and port stay visible`, async () => {
    const { page, errors } = await pageWithErrorLog(browser, { width, height: 900 });
    await page.goto(panel.url + "/");
    await page.getByTestId("webhooks-table").waitFor();
    // A local receiver's URL keeps its port in the cell.
    const clipped = await page.evaluate(() => {
      const out = [];
      for (const el of document.querySelectorAll("table.webhooks td, table.webhooks td > *, .badge, .cards > *, .filters > *")) {
        if (el.getClientRects().length === 0) continue;
        if (el.scrollWidth > el.clientWidth + 1) out.push(`${el.closest("tr")?.dataset?.testid ?? ""} ${el.className || el.tagName}: ${el.textContent.trim().slice(0, 40)} (${el.scrollWidth} > ${el.clientWidth})`);
      }
      return out;
    });
    assert.deepEqual(clipped, [], `clipped at ${width}px`);
    // The table fits its column: the last header cell ends inside the window, and the name gets
    // at least the room it has at 1280 px (wider windows once squeezed it and cut the last column).
    const fit = await page.evaluate(() => {
      const last = document.querySelector("table.webhooks thead th:last-child").getBoundingClientRect();
      const name = document.querySelector("table.webhooks thead th:nth-child(2)").getBoundingClientRect();
      return { right: last.right, view: document.documentElement.clientWidth, name: name.width };
    });
    assert.ok(fit.right <= fit.view, `the last column ends at ${fit.right} px, past the window's ${fit.view} px`);
    assert.ok(fit.name >= 170, `the name column is ${fit.name} px wide at ${width} px`);
    // A local receiver's URL keeps its host and port whole, however long its path.
    await page.goto(panel.url + "/webhooks/new");
    await page.getByTestId("input-name").fill(`local ${width}`);
    await page.getByTestId("input-subscription_url").fill("http://127.0.0.1:3000/a/rather/long/path/to/the/receiver/endpoint");
    await page.getByTestId("submit").click();
    await page.getByTestId("webhooks-table").waitFor();
    await page.locator("tr.highlight[data-testid=row-135]").waitFor();
    const host = page.locator("tr[data-testid=row-135] code.url .host");
    assert.equal(await host.textContent(), "127.0.0.1:3000");
    assert.equal(await page.locator("th.col-owner, td.col-owner").first().isVisible(), true, "the owner column is visible");
    assert.match(await page.getByTestId("row-123").locator("td.col-owner").textContent(), /Other CRM/, "the owning app shows");
    for (const p of pages) {
      await page.goto(panel.url + p);
      await page.waitForTimeout(300);
      await page.screenshot({ path: screenshotPath(`page${p.replace(/[^a-z0-9.]+/gi, "-") || "-list"}-${width}`), fullPage: true });
    }
    assert.deepEqual(errors, []);
  });
}

test("an axe-core scan of every page finds no serious or critical violation", async () => {
  // The panel's CSP (rightly) refuses injected scripts: this page lets axe in.
  const page = await browser.newPage({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const found = [];
  for (const p of [...pages, "/webhooks/new?dialog"]) {
    await page.goto(panel.url + p.replace("?dialog", ""));
    await page.waitForTimeout(300);
    if (p === "/webhooks/new?dialog") {
      // The duplicate dialog open over the form.
      await page.getByTestId("input-name").fill("Again");
      await page.getByTestId("input-subscription_url").fill("https://hooks.yourapp.example/pipedrive/ana");
      await page.getByTestId("input-event_action").selectOption("create");
      await page.getByTestId("submit").click();
      await page.locator("dialog[open]").waitFor();
    }
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
    for (const v of result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")) {
      found.push(`${p}: ${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
    }
  }
  assert.deepEqual(found, []);
});

test("connected to a time-scaled emulator, times are on the emulator's clock (never 'in 38 min')", async () => {
  const http = await import("node:http");
  const receiver = http.createServer((req, res) => { req.resume(); req.on("end", () => res.writeHead(200).end()); });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  const emulator = await startEmulatorBinary(["--time-scale", "3600", "--allow-origin", panel.url]);
  const base = emulator.url;
  try {
    const json = { "content-type": "application/json" };
    const made = await fetch(`${base}/v1/webhooks`, { method: "POST", headers: { ...json, authorization: "Bearer app-token-admin" },
      body: JSON.stringify({ subscription_url: `http://127.0.0.1:${receiver.address().port}/hook`, event_action: "*", event_object: "deal", name: "scaled", version: "2.0" }) });
    const id = (await made.json()).data.id;
    await fetch(`${base}/_emulator/events`, { method: "POST", headers: json, body: JSON.stringify({ object: "deal", action: "change", id: 1 }) });
    for (let i = 0; i < 100; i++) {
      const log = await (await fetch(`${base}/_emulator/deliveries`)).json();
      if (log.deliveries.some((d) => d.webhookId === id && d.success)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const { page, errors } = await pageWithErrorLog(browser);
    await page.goto(panel.url + "/connections");
    await page.getByTestId("conn-label").fill("Scaled emulator");
    await page.getByTestId("conn-address").fill(base);
    await page.getByTestId("conn-oauth").check();
    await page.getByTestId("conn-token").fill("app-token-admin");
    await page.getByTestId("conn-add").click();
    await page.locator(`tr[data-testid=row-${id}]`).waitFor();
    await page.getByTestId("emulator-clock").waitFor();
    const last = await page.locator(`tr[data-testid=row-${id}] td.last`).innerText();
    assert.doesNotMatch(last, /^in /, `relative to the emulator's clock, not the browser's: ${last}`);
    assert.match(last, /ago|now/);
    assert.match(await page.getByTestId("emulator-clock").innerText(), /×3600/);
    assert.match(await page.getByTestId("list-age").innerText(), /Listed (now|\d+ s ago)/);
    assert.deepEqual(errors, []);
  } finally {
    emulator.stop();
    receiver.close();
  }
});
