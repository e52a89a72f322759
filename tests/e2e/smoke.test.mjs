// The release build (dist/) served over HTTP and loaded in headless Chromium: every page renders,
// navigation works by link, keyboard and back button, and nothing logs a console error.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { repoRoot, serveStatic, launchChromium, pageWithErrorLog, screenshotPath } from "./support.mjs";

let server, browser;
before(async () => {
  server = await serveStatic(path.join(repoRoot, "dist"));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("the release build renders the sandbox and every page, with values from the wasm core", async () => {
  const { page, errors } = await pageWithErrorLog(browser);
  await page.goto(server.url, { waitUntil: "load" });
  await page.getByTestId("webhooks-table").waitFor({ timeout: 15000 });
  assert.equal((await page.getByTestId("connection").innerText()).trim(), "Sandbox");
  assert.ok((await page.locator("tr[data-testid^=row-]").count()) >= 28);
  assert.equal((await page.getByTestId("quota-value").innerText()).trim(), "12 / 40");
  await page.screenshot({ path: screenshotPath("webhooks"), fullPage: true });

  await page.getByRole("link", { name: "Simulator" }).click();
  await page.getByTestId("max-per-user").waitFor();
  assert.equal((await page.getByTestId("max-per-user").innerText()).trim(), "40");
  assert.equal((await page.getByTestId("worst-case").innerText()).trim(), "223 s");
  assert.equal(new URL(page.url()).pathname, "/simulator");

  await page.goBack();
  await page.getByTestId("webhooks-table").waitFor();
  // A row's name links to its detail page, navigated in place (no reload: the marker survives).
  await page.evaluate(() => { window.__sameDocument = true; });
  await page.locator("tr[data-testid=row-119] a").click();
  await page.getByTestId("detail-health").waitFor();
  assert.equal(new URL(page.url()).pathname, "/webhooks/119");
  assert.equal(await page.evaluate(() => window.__sameDocument), true);
  await page.goBack();
  await page.getByTestId("webhooks-table").waitFor();
  // Keyboard: `/` focuses search, `n` opens New webhook.
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "search");
  await page.keyboard.type("legacy");
  assert.equal((await page.getByTestId("row-count").innerText()).trim(), "2 of 34");
  await page.waitForURL(/q=legacy/); // written once typing pauses
  await page.locator("body").click({ position: { x: 5, y: 400 } });
  await page.keyboard.press("n");
  await page.getByTestId("new-form").waitFor();
  await page.screenshot({ path: screenshotPath("new-webhook"), fullPage: true });

  await page.goto(server.url + "/webhooks/119");
  await page.getByTestId("detail-health").waitFor();
  assert.match(await page.getByTestId("detail-health").innerText(), /^banned until \d\d:\d\d$/);
  await page.screenshot({ path: screenshotPath("detail"), fullPage: true });

  await page.goto(server.url + "/sandbox");
  await page.getByTestId("trigger").click();
  assert.match(await page.getByTestId("trigger-result").innerText(), /reached \d+ webhook/);
  await page.screenshot({ path: screenshotPath("sandbox-tools") });

  await page.goto(server.url + "/connections");
  await page.getByTestId("connection-form").waitFor();
  await page.screenshot({ path: screenshotPath("connections"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("the sandbox survives a reload (localStorage)", async () => {
  const { page, errors } = await pageWithErrorLog(browser);
  await page.goto(server.url + "/webhooks/101");
  await page.getByTestId("detail-delete").click();
  await page.getByTestId("confirm-ok").click();
  await page.getByTestId("webhooks-table").waitFor();
  assert.equal(await page.getByTestId("row-101").count(), 0);
  await page.reload();
  await page.getByTestId("webhooks-table").waitFor();
  assert.equal(await page.getByTestId("row-101").count(), 0);
  assert.equal((await page.getByTestId("quota-value").innerText()).trim(), "11 / 40");
  assert.deepEqual(errors, []);
});
