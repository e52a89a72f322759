// The panel holds API tokens, so it ships a Content-Security-Policy (index.html, with the hash of
// Trunk's inline loader written in by tools/csp-post-build.mjs): the policy is there and strict,
// the app works under it with no violation, and an injected inline script does not run.
// PANEL_DIST points the test at another build folder (default: dist/, as `cargo xtask test` builds it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { repoRoot, serveStatic, launchChromium, pageWithErrorLog } from "./support.mjs";

const dist = process.env.PANEL_DIST ? path.resolve(process.env.PANEL_DIST) : path.join(repoRoot, "dist");
const html = fs.readFileSync(path.join(dist, "index.html"), "utf8");
// The built page with an attacker's inline script in it, as an injection would leave it.
const injected = html.replace("<body>", `<body><script>window.__injected = true;</script>`);

let server, hostile, browser;
before(async () => {
  server = await serveStatic(dist);
  hostile = await serveStatic(dist, { "/": injected });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await hostile?.close();
});

/** The policy's directives: name → list of sources. */
function policyOf(text) {
  const m = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(text);
  assert.ok(m, "a Content-Security-Policy meta tag");
  return Object.fromEntries(m[1].split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name, sources]));
}

/** A page that records every CSP violation (from before the first script runs) and console errors. */
async function watchedPage() {
  const { page, errors } = await pageWithErrorLog(browser);
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample }),
    );
  });
  return { page, errors };
}

test("the built page carries a strict policy that allows exactly its own inline loader", () => {
  const p = policyOf(html);
  assert.deepEqual(p["default-src"], ["'none'"]);
  assert.deepEqual(p["object-src"], ["'none'"]);
  assert.deepEqual(p["base-uri"], ["'none'"]);
  const script = p["script-src"];
  assert.ok(script.includes("'self'") && script.includes("'wasm-unsafe-eval'"), script.join(" "));
  for (const bad of ["'unsafe-inline'", "'unsafe-eval'", "*", "data:", "https:", "http:"]) {
    assert.ok(!script.includes(bad), `script-src must not allow ${bad}`);
  }
  // Every inline script in the page is allowed by its hash, and nothing else is.
  const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)].filter(([, attrs]) => !/\bsrc\s*=/i.test(attrs));
  assert.ok(inline.length >= 1, "Trunk emits its loader inline");
  const hashes = inline.map(([, , body]) => `'sha256-${crypto.createHash("sha256").update(body, "utf8").digest("base64")}'`);
  assert.deepEqual(script.filter((s) => s.startsWith("'sha")).sort(), [...new Set(hashes)].sort());
  // Loopback for a local emulator (no [::1]: CSP has no syntax for IPv6 literals), https: for Pipedrive.
  assert.deepEqual(p["connect-src"].filter((s) => s !== "'self'" && !s.startsWith("ws://")), ["https:", "http://127.0.0.1:*", "http://localhost:*"]);
  assert.ok(p["connect-src"].every((s) => s === "'self'" || s === "https:" || /^(http|ws):\/\/(127\.0\.0\.1|localhost):\*$/.test(s)), "loopback and https: only");
  assert.deepEqual(p["style-src"], ["'self'"]);
  // The meta tag must come before any script to govern it.
  assert.ok(html.indexOf("Content-Security-Policy") < html.search(/<script\b/i));
});

test("the panel works under the policy with no violation", async () => {
  const { page, errors } = await watchedPage();
  await page.goto(server.url, { waitUntil: "load" });
  await page.getByTestId("webhooks-table").waitFor({ timeout: 15000 });
  assert.ok((await page.locator("tr[data-testid^=row-]").count()) >= 28, "the sandbox list renders");
  // The stylesheet applies, and so does the quota meter's inline width (style-src-attr).
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).marginTop), "0px");
  const fill = await page.locator(".meter-fill").first().evaluate((el) => el.getBoundingClientRect().width / el.parentElement.getBoundingClientRect().width);
  assert.ok(fill > 0.2 && fill < 0.4, `the meter shows 12 of 40 (${fill})`);

  await page.getByRole("link", { name: "Simulator" }).click();
  await page.getByTestId("max-per-user").waitFor();
  await page.getByRole("link", { name: "New webhook" }).click();
  await page.getByTestId("new-form").waitFor();
  await page.goto(server.url + "/webhooks/119");
  await page.getByTestId("detail-health").waitFor();
  await page.goto(server.url + "/sandbox");
  await page.getByTestId("trigger").click();
  assert.match(await page.getByTestId("trigger-result").innerText(), /reached \d+ webhook/);
  await page.goto(server.url + "/connections");
  await page.getByTestId("connection-form").waitFor();

  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(errors, []);
});

test("an injected inline script does not run, and the app still does", async () => {
  const { page } = await watchedPage();
  await page.goto(hostile.url, { waitUntil: "load" });
  await page.getByTestId("webhooks-table").waitFor({ timeout: 15000 });
  assert.equal(await page.evaluate(() => window.__injected), undefined, "the injected script did not run");
  // A script added later is refused too. (eval is refused by the policy, which has no
  // 'unsafe-eval': checked above; code run by the test driver itself is exempt from CSP.)
  const late = await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.__late = true;";
    document.body.append(s);
    return window.__late;
  });
  assert.equal(late, undefined, "a script added at run time did not run");
  const violations = await page.evaluate(() => window.__violations);
  // Both refusals were reported: the injected script and the late one.
  assert.equal(violations.filter((v) => v.directive === "script-src-elem" && v.blocked === "inline").length, 2, JSON.stringify(violations));
});
