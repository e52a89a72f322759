// The release build (dist/) served over HTTP and loaded in headless Chromium: it renders, with no console errors.
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

test("the release build renders the sandbox with values from the wasm core", async () => {
  const { page, errors } = await pageWithErrorLog(browser);
  await page.goto(server.url, { waitUntil: "load" });
  await page.getByTestId("connection").waitFor({ timeout: 15000 });
  assert.equal((await page.getByTestId("connection").innerText()).trim(), "Sandbox");
  assert.equal((await page.getByTestId("max-per-user").innerText()).trim(), "40");
  assert.equal((await page.getByTestId("worst-case").innerText()).trim(), "223 s");
  await page.screenshot({ path: screenshotPath("smoke"), fullPage: true });
  assert.deepEqual(errors, []);
});
