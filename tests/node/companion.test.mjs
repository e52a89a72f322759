// The local companion (`pipedrive-webhooks serve`), through the real CLI as a child process: it
// serves a panel folder and relays the panel's calls to a Pipedrive stand-in given with
// --pipedrive-upstream. Every test counts what reaches the stand-in, so "refused" means "nothing
// was sent", and the last ones read everything the companion printed for the tokens used.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import http from "node:http";
import net from "node:net";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const pkgDir = path.resolve(here, "../../target/npm/pipedrive-webhooks");
const cli = path.join(pkgDir, "bin/pipedrive-webhooks.mjs");
const pw = createRequire(import.meta.url)(pkgDir);
const version = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version;

// Distinctive secrets: none may ever appear in what the companion prints.
const API_TOKEN = "tok-Zq93-COMPANION-API-TOKEN";
const BEARER = "Bearer oauth-COMPANION-BEARER-77";
const TAB_TOKEN = "tab\tCOMPANION-TAB-TOKEN";
const CTL_TOKEN = "ctl\x01\x1b[31mCOMPANION-CTL-TOKEN";
const QUERY_TOKEN = "COMPANION-QUERY-TOKEN";
const SECRETS = ["COMPANION-API-TOKEN", "COMPANION-BEARER", "COMPANION-TAB-TOKEN", "COMPANION-CTL-TOKEN", QUERY_TOKEN];

const RATE_HEADERS = {
  "x-ratelimit-limit": "80",
  "x-ratelimit-remaining": "79",
  "x-ratelimit-reset": "2",
  "x-daily-requests-left": "9000",
  "x-daily-ratelimit-token-remaining": "29990",
  "x-daily-ratelimit-token-limit": "30000",
  "x-correlation-id": "corr-123",
};

let tmp, dist, upstream, elsewhere, companion;
const children = [];

/** A Pipedrive stand-in: records every request; answers from `forced` first, else like Pipedrive. */
function startUpstream() {
  const requests = [];
  const forced = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (forced.length) return forced.shift()(req, res);
      const send = (status, value) => {
        res.writeHead(status, {
          "content-type": "application/json",
          ...RATE_HEADERS,
          // Never relayed back:
          "set-cookie": "session=upstream",
          "x-upstream-private": "no",
          "access-control-allow-origin": "*",
        });
        res.end(JSON.stringify(value));
      };
      if (req.method === "GET" && /^\/(api\/)?v1\/webhooks$/.test(req.url)) return send(200, { success: true, status: "ok", data: [{ id: 5 }] });
      if (req.method === "POST" && /^\/(api\/)?v1\/webhooks$/.test(req.url)) return send(201, { success: true, status: "ok", data: { id: 6, ...JSON.parse(body) } });
      if (req.method === "DELETE" && /^\/(api\/)?v1\/webhooks\/\d+$/.test(req.url)) return send(200, { success: true, status: "ok" });
      if (req.method === "GET" && /^\/(api\/)?v1\/users\/me$/.test(req.url)) return send(200, { success: true, data: { id: 1, name: "Admin" } });
      send(404, { success: false, error: "Not found" });
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, requests, forced, url: `http://127.0.0.1:${server.address().port}` })));
}

/** Starts `pipedrive-webhooks serve --port 0 …args`; resolves on its one start line. */
function startCompanionProcess(args) {
  const child = spawn(process.execPath, [cli, "serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (out.stdout += d));
  child.stderr.on("data", (d) => (out.stderr += d));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`the companion exited with ${code}: ${out.stderr}`)));
    child.stdout.on("data", () => {
      const m = /^pipedrive-webhooks companion: serving the panel on (http:\/\/127\.0\.0\.1:(\d+)) \(relaying to (.+)\)\n/.exec(out.stdout);
      if (m) resolve({ url: m[1], port: Number(m[2]), relayingTo: m[3], child, out, exited });
    });
  });
}

/** One request to the companion with exactly these headers (Host defaults to its own). */
function call(method, target, { headers = {}, body, port = companion.port } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: target, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Raw bytes to the companion (header values node's client refuses to send), the raw answer back. */
function raw(text, port = companion.port) {
  return new Promise((resolve) => {
    let answer = "";
    const socket = net.connect(port, "127.0.0.1", () => socket.write(Buffer.from(text, "latin1")));
    socket.on("data", (d) => (answer += d.toString("latin1")));
    socket.on("close", () => resolve(answer));
    socket.on("error", () => resolve(answer));
  });
}

/** Asserts a refusal: this status, a `{success: false, error}` JSON body, and nothing sent upstream. */
async function refused(promise, status, errorPattern) {
  const before = upstream.requests.length;
  const res = await promise;
  assert.equal(res.status, status, res.text);
  assert.match(res.headers["content-type"], /^application\/json/);
  const body = res.json();
  assert.equal(body.success, false);
  assert.equal(typeof body.error, "string");
  if (errorPattern) assert.match(body.error, errorPattern);
  assert.equal(upstream.requests.length, before, "nothing may reach Pipedrive");
  return body;
}

before(async () => {
  assert.ok(fs.existsSync(cli), `${cli}: run cargo xtask dist-js first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "companion-test-"));
  dist = path.join(tmp, "dist");
  fs.mkdirSync(path.join(dist, "assets"), { recursive: true });
  fs.writeFileSync(path.join(dist, "index.html"), "<!doctype html><title>panel</title><p>PANEL-INDEX</p>");
  fs.writeFileSync(path.join(dist, "app-1a2b.js"), "console.log('panel')");
  fs.writeFileSync(path.join(dist, "app-1a2b_bg.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  fs.writeFileSync(path.join(dist, "style.css"), "body{}");
  fs.writeFileSync(path.join(dist, "assets/logo.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
  fs.writeFileSync(path.join(tmp, "outside.txt"), "OUTSIDE-SECRET");
  fs.symlinkSync(path.join(tmp, "outside.txt"), path.join(dist, "leak.txt"));
  fs.symlinkSync(tmp, path.join(dist, "up"));
  upstream = await startUpstream();
  // Where a redirect points: it must never be called.
  elsewhere = await startUpstream();
  companion = await startCompanionProcess(["--dist", dist, "--pipedrive-upstream", upstream.url]);
});

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  upstream?.server.close();
  elsewhere?.server.close();
  upstream?.server.closeAllConnections();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test("prints one start line with its URL and where it relays", () => {
  assert.equal(companion.relayingTo, upstream.url);
  assert.equal(companion.out.stdout.split("\n").length, 2, companion.out.stdout);
  assert.equal(companion.out.stderr, "");
});

test("GET /_companion says what it is, its version and where it relays", async () => {
  const res = await call("GET", "/_companion");
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], "application/json");
  assert.deepEqual(res.json(), { companion: "pipedrive-webhooks", version, relay: "/_relay/" });
});

test("relays GET, POST and DELETE with only the allowed headers, and hands back the rate-limit and daily headers", async () => {
  const n = upstream.requests.length;
  const list = await call("GET", "/_relay/acme.pipedrive.com/api/v1/webhooks", {
    headers: {
      "x-api-token": API_TOKEN,
      accept: "application/json",
      cookie: "panel=1",
      origin: `http://127.0.0.1:${companion.port}`,
      referer: `http://127.0.0.1:${companion.port}/webhooks`,
      "x-custom": "nope",
      "x-forwarded-for": "10.0.0.1",
    },
  });
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json(), { success: true, status: "ok", data: [{ id: 5 }] });
  for (const [k, v] of Object.entries(RATE_HEADERS)) assert.equal(list.headers[k], v, k);
  assert.equal(list.headers["content-type"], "application/json");
  for (const k of ["set-cookie", "x-upstream-private", "access-control-allow-origin"]) assert.equal(list.headers[k], undefined, k);
  const got = upstream.requests[n];
  assert.equal(`${got.method} ${got.url}`, "GET /api/v1/webhooks");
  assert.equal(got.headers["x-api-token"], API_TOKEN);
  assert.equal(got.headers.accept, "application/json");
  assert.equal(got.headers.host, new URL(upstream.url).host, "the upstream's own Host, never the companion's");
  for (const k of ["cookie", "origin", "referer", "x-custom", "x-forwarded-for", "authorization"]) assert.equal(got.headers[k], undefined, k);

  const body = JSON.stringify({ subscription_url: "https://example.com/h", event_action: "change", event_object: "deal", name: "Deals", version: "2.0" });
  const created = await call("POST", "/_relay/acme.pipedrive.com/api/v1/webhooks", { headers: { authorization: BEARER, "content-type": "application/json" }, body });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json().data.name, "Deals");
  assert.equal(created.headers["x-daily-requests-left"], "9000");
  const post = upstream.requests[n + 1];
  assert.equal(`${post.method} ${post.url}`, "POST /api/v1/webhooks");
  assert.equal(post.body, body);
  assert.equal(post.headers.authorization, BEARER);
  assert.equal(post.headers["content-type"], "application/json");

  const deleted = await call("DELETE", "/_relay/api.pipedrive.com/v1/webhooks/5", { headers: { "x-api-token": API_TOKEN } });
  assert.equal(deleted.status, 200, deleted.text);
  assert.equal(`${upstream.requests[n + 2].method} ${upstream.requests[n + 2].url}`, "DELETE /v1/webhooks/5");

  const me = await call("GET", "/_relay/acme.pipedrive.com/api/v1/users/me", { headers: { "x-api-token": API_TOKEN } });
  assert.equal(me.status, 200, me.text);
  assert.equal(upstream.requests.length, n + 4);
});

test("a 429 reaches the panel with Retry-After and the daily headers a page could not read", async () => {
  upstream.forced.push((req, res) => {
    res.writeHead(429, { "content-type": "application/json", "retry-after": "3600", "x-daily-ratelimit-token-remaining": "0", "x-ratelimit-reset": "10" });
    res.end(JSON.stringify({ success: false, error: "daily request budget exceeded" }));
  });
  const res = await call("GET", "/_relay/acme.pipedrive.com/api/v1/webhooks", { headers: { "x-api-token": API_TOKEN } });
  assert.equal(res.status, 429);
  assert.equal(res.headers["retry-after"], "3600");
  assert.equal(res.headers["x-daily-ratelimit-token-remaining"], "0");
  assert.equal(res.headers["x-ratelimit-reset"], "10");
  assert.equal(res.json().error, "daily request budget exceeded");
});

test("refuses hosts other than pipedrive.com and its subdomains, sending nothing", async () => {
  for (const host of ["evil.com", "pipedrive.com.evil.com", "evilpipedrive.com", "127.0.0.1", "[::1]", "acme.pipedrive.com:443", "user@acme.pipedrive.com", "ACME.pipedrive.com", "acme%2Epipedrive.com", ""]) {
    const status = host === "" ? 404 : 403;
    await refused(call("GET", `/_relay/${host}/api/v1/webhooks`, { headers: { "x-api-token": API_TOKEN } }), status);
  }
  const body = await refused(call("GET", "/_relay/pipedrive.com.evil.com/api/v1/webhooks"), 403);
  assert.match(body.error, /pipedrive\.com\.evil\.com is not Pipedrive/);
});

test("refuses paths and methods outside the webhooks calls and users/me, sending nothing", async () => {
  for (const p of ["api/v1/deals", "api/v1/webhooks/", "api/v1/webhooks/../deals", "api/v1/webhooks/5/x", "api/v2/webhooks", "api/v1/users/5", "oauth/token", ""]) {
    await refused(call("GET", `/_relay/acme.pipedrive.com/${p}`, { headers: { "x-api-token": API_TOKEN } }), 404, /not relayed/);
  }
  const put = await call("PUT", "/_relay/acme.pipedrive.com/api/v1/webhooks", { headers: { "x-api-token": API_TOKEN } });
  assert.equal(put.status, 405);
  assert.equal(put.headers.allow, "GET, POST");
  const getOne = await call("GET", "/_relay/acme.pipedrive.com/api/v1/webhooks/5");
  assert.equal(getOne.status, 405);
  assert.equal(getOne.headers.allow, "DELETE");
  await refused(call("POST", "/_relay/acme.pipedrive.com/api/v1/users/me", { body: "{}" }), 405);
  await refused(call("GET", "/_relay", {}), 404);
  await refused(call("GET", "/_relay?acme.pipedrive.com", {}), 404);
  // A request body over 64 KB: 413, not relayed.
  await refused(call("POST", "/_relay/acme.pipedrive.com/api/v1/webhooks", { headers: { "content-type": "application/json" }, body: "x".repeat(64 * 1024 + 1) }), 413);
});

test("refuses a query string (?api_token=) with 400, sending nothing", async () => {
  const body = await refused(call("GET", `/_relay/acme.pipedrive.com/api/v1/webhooks?api_token=${QUERY_TOKEN}%0A%1B[31m`), 400, /query string/);
  assert.doesNotMatch(body.error, new RegExp(QUERY_TOKEN));
  await refused(call("DELETE", `/_relay/acme.pipedrive.com/api/v1/webhooks/5?api_token=${QUERY_TOKEN}`), 400);
  await refused(call("GET", `/_relay/evil.com/x?api_token=${QUERY_TOKEN}`), 400);
});

test("answers only its own Host and its own pages' Origin (DNS rebinding, other sites): 403", async () => {
  const port = companion.port;
  assert.equal((await call("GET", "/_companion", { headers: { host: `localhost:${port}` } })).status, 200);
  for (const host of ["evil.com", `evil.com:${port}`, `127.0.0.1:${port + 1}`, "127.0.0.1", `127.0.0.2:${port}`]) {
    await refused(call("GET", "/_relay/acme.pipedrive.com/api/v1/webhooks", { headers: { host, "x-api-token": API_TOKEN } }), 403, /DNS rebinding/);
    await refused(call("GET", "/", { headers: { host } }), 403);
  }
  for (const origin of ["http://evil.com", "null", `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, `http://localhost.evil.com:${port}`]) {
    await refused(call("POST", "/_relay/acme.pipedrive.com/api/v1/webhooks", { headers: { origin, "x-api-token": API_TOKEN, "content-type": "application/json" }, body: "{}" }), 403);
  }
  await refused(call("DELETE", "/_relay/acme.pipedrive.com/api/v1/webhooks/5", { headers: { "sec-fetch-site": "cross-site", "x-api-token": API_TOKEN } }), 403);
  await refused(call("GET", "/_companion", { headers: { "sec-fetch-site": "cross-site" } }), 403);
  // Its own origins, under either name, are served.
  for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
    const res = await call("GET", "/_relay/acme.pipedrive.com/api/v1/webhooks", { headers: { origin, "sec-fetch-site": "same-origin", "x-api-token": API_TOKEN } });
    assert.equal(res.status, 200, res.text);
  }
});

test("a redirect from upstream becomes a 502 naming the Location, and the token goes nowhere else", async () => {
  const location = `${elsewhere.url}/steal`;
  upstream.forced.push((req, res) => {
    res.writeHead(307, { location });
    res.end();
  });
  const res = await call("POST", "/_relay/acme.pipedrive.com/api/v1/webhooks", { headers: { "x-api-token": API_TOKEN, "content-type": "application/json" }, body: "{}" });
  assert.equal(res.status, 502);
  assert.match(res.json().error, /307/);
  assert.ok(res.json().error.includes(location), res.text);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(elsewhere.requests.length, 0, "the redirect was followed");
});

test("an answer over 8 MB is cut with a 502; the companion goes on", async () => {
  upstream.forced.push((req, res) => {
    // Chunked, no content-length: counted as it streams.
    res.writeHead(200, { "content-type": "application/json" });
    const mb = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const more = () => {
      while (sent < 9) {
        sent++;
        if (!res.write(mb)) return res.once("drain", more);
      }
      res.end();
    };
    res.on("error", () => {});
    more();
  });
  const res = await call("GET", "/_relay/acme.pipedrive.com/api/v1/webhooks", { headers: { "x-api-token": API_TOKEN } });
  assert.equal(res.status, 502);
  assert.match(res.json().error, /over 8 MB/);
  assert.equal((await call("GET", "/_relay/acme.pipedrive.com/api/v1/webhooks", { headers: { "x-api-token": API_TOKEN } })).status, 200);
});

test("serves the panel: MIME types, index.html (no-cache) for client-side routes, never a file outside", async () => {
  const index = await call("GET", "/");
  assert.equal(index.status, 200);
  assert.match(index.text, /PANEL-INDEX/);
  assert.equal(index.headers["content-type"], "text/html; charset=utf-8");
  assert.equal(index.headers["cache-control"], "no-cache");
  for (const route of ["/webhooks/new", "/events", "/webhooks/5", "/sync?prune=1"]) {
    const res = await call("GET", route);
    assert.equal(res.status, 200, route);
    assert.match(res.text, /PANEL-INDEX/, route);
    assert.equal(res.headers["cache-control"], "no-cache");
  }
  for (const [file, type] of [["/app-1a2b.js", "text/javascript; charset=utf-8"], ["/app-1a2b_bg.wasm", "application/wasm"], ["/style.css", "text/css; charset=utf-8"], ["/assets/logo.svg", "image/svg+xml"]]) {
    const res = await call("GET", file);
    assert.equal(res.status, 200, file);
    assert.equal(res.headers["content-type"], type, file);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
  }
  assert.equal((await call("GET", "/missing.js")).status, 404);
  for (const evil of ["/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2f..%2fetc%2fpasswd", "/..%5c..%5cetc/passwd", "/leak.txt", "/up/outside.txt", "/.hidden", "/%00"]) {
    const res = await call("GET", evil);
    assert.notEqual(res.status, 200, evil);
    assert.doesNotMatch(res.text, /PANEL-INDEX|OUTSIDE-SECRET|root:/, evil);
  }
  assert.equal((await call("POST", "/webhooks/new", { body: "x" })).status, 405);
  // `/_…` is the companion's: never the panel's fallback.
  const probe = await call("GET", "/_emulator/clock");
  assert.equal(probe.status, 404);
  assert.doesNotMatch(probe.text, /PANEL-INDEX/);
});

test("the package exports the core's relay rule as relayTarget", () => {
  assert.deepEqual(pw.relayTarget("DELETE", "acme.pipedrive.com/api/v1/webhooks/5"), {
    kind: "relay", method: "DELETE", url: "https://acme.pipedrive.com/api/v1/webhooks/5", host: "acme.pipedrive.com", path: "/api/v1/webhooks/5",
  });
  const no = pw.relayTarget("GET", "acme.pipedrive.com/api/v1/webhooks/5");
  assert.deepEqual([no.kind, no.status, no.allow], ["refuse", 405, "DELETE"]);
  assert.equal(pw.relayTarget("GET", "x?api_token=1").status, 400);
});

test("an unreachable upstream is a 502 with the network's reason", async () => {
  const closed = await new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
  const other = await startCompanionProcess(["--dist", dist, "--pipedrive-upstream", `http://127.0.0.1:${closed}`]);
  const res = await call("GET", "/_relay/acme.pipedrive.com/api/v1/webhooks", { port: other.port, headers: { "x-api-token": API_TOKEN } });
  assert.equal(res.status, 502);
  assert.match(res.json().error, /could not reach acme\.pipedrive\.com .*: ECONNREFUSED/);
  assert.match(other.out.stdout, /GET acme\.pipedrive\.com \/api\/v1\/webhooks → 502: .*ECONNREFUSED \(\d+ ms\)\n/);
  // SIGTERM stops it quietly, exit 0.
  other.child.kill("SIGTERM");
  assert.deepEqual(await other.exited, { code: 0, signal: null });
  assert.equal(other.out.stderr, "");
});

test("bad flags exit 2 with one line; a folder without a panel is named", () => {
  const run = (...args) => spawnSync(process.execPath, [cli, "serve", ...args], { encoding: "utf8", timeout: 10_000 });
  for (const [args, pattern] of [
    [["--port", "http"], /--port must be a whole number from 0 to 65535/],
    [["--port", "70000"], /--port must be/],
    [["--port", "-1"], /--port|option/],
    [["--nope"], /unknown option --nope/],
    [["--base-url", "acme"], /unknown option --base-url/],
    [["extra"], /unexpected argument "extra"/],
    [["--dist", dist, "--pipedrive-upstream", "ftp://x"], /--pipedrive-upstream must be an http or https URL/],
    [["--dist", dist, "--pipedrive-upstream", "http://u:p@127.0.0.1:1"], /user or password/],
    [["--dist", path.join(tmp, "nowhere")], /no built panel in .*nowhere: --dist needs a folder with the panel's index\.html/],
  ]) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^pipedrive-webhooks: /);
  }
  const help = spawnSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
  assert.match(help.stdout, /serve \[--port 8080\] \[--dist DIR\] \[--pipedrive-upstream URL\]/);
  assert.match(help.stdout, /--pipedrive-upstream URL/);
});

test("header values with control characters: refused or relayed as sent, never printed", async () => {
  const n = upstream.requests.length;
  const tab = await raw(`GET /_relay/acme.pipedrive.com/api/v1/webhooks HTTP/1.1\r\nHost: 127.0.0.1:${companion.port}\r\nx-api-token: ${TAB_TOKEN}\r\nConnection: close\r\n\r\n`);
  assert.match(tab, /^HTTP\/1\.1 200 /);
  assert.equal(upstream.requests[n].headers["x-api-token"], TAB_TOKEN);
  const ctl = await raw(`GET /_relay/acme.pipedrive.com/api/v1/webhooks HTTP/1.1\r\nHost: 127.0.0.1:${companion.port}\r\nx-api-token: ${CTL_TOKEN}\r\nConnection: close\r\n\r\n`);
  assert.match(ctl, /^HTTP\/1\.1 400 /);
  assert.equal(upstream.requests.length, n + 1, "a refused request reached Pipedrive");
});

test("no token ever reaches stdout or stderr; one escaped line per relayed call", async () => {
  const printed = companion.out.stdout + companion.out.stderr;
  for (const secret of SECRETS) assert.ok(!printed.includes(secret), `${secret} was printed`);
  // No header value, no body.
  for (const text of ["Bearer oauth", "application/json", "subscription_url", "https://example.com/h"]) assert.ok(!printed.includes(text), `${text} was printed`);
  // Nothing printed carries a control character but the line ends.
  assert.doesNotMatch(printed, /[\u0000-\u0009\u000b-\u001f\u007f]/);
  assert.match(printed, /^POST acme\.pipedrive\.com \/api\/v1\/webhooks → 201 \(\d+ ms\)$/m);
  assert.match(printed, /^DELETE api\.pipedrive\.com \/v1\/webhooks\/5 → 200 \(\d+ ms\)$/m);
  assert.match(printed, /^GET \(refused\) → 400: a query string is not relayed/m);
});
