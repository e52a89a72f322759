// Shared by the end-to-end tests: a static server for dist/ and Debian's Chromium via playwright-core.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
};

/** Serves `dir` on 127.0.0.1 (a free port); unknown paths fall back to index.html, as the panel's
 * routes need. `pages` adds in-memory HTML pages by path. */
export async function serveStatic(dir, pages = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (pages[url.pathname]) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(pages[url.pathname]);
    }
    let file = path.join(dir, path.normalize(decodeURIComponent(url.pathname)));
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      file = path.join(dir, "index.html");
    }
    res.writeHead(200, { "content-type": MIME[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

/** Debian's Chromium, headless, with this machine's closed network in mind. */
export async function launchChromium() {
  const executablePath = execFileSync("sh", ["-c", "command -v chromium"]).toString().trim();
  return chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** A new page that records console errors and uncaught exceptions into `errors`. */
export async function pageWithErrorLog(browser, viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  return { page, errors };
}

export function screenshotPath(name) {
  const dir = path.join(repoRoot, "tests/e2e/screenshots");
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}

/** Adds a live connection through the Connections form, as a user would. */
export async function connectPanel(page, panelUrl, { label, address, token, oauth = true }) {
  await page.goto(panelUrl + "/connections");
  await page.getByTestId("conn-label").fill(label);
  await page.getByTestId("conn-address").fill(address);
  if (oauth) await page.getByTestId("conn-oauth").check();
  await page.getByTestId("conn-token").fill(token);
  await page.getByTestId("conn-add").click();
}
