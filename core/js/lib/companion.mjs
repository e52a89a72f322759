// The local companion (`pipedrive-webhooks serve`): serves the built admin panel and, on the same
// origin, relays the panel's live calls to Pipedrive, so they need no CORS preflight and every
// answer header (Retry-After, the daily budget, x-correlation-id) reaches the panel.
//
// Which calls may be relayed is the core's rule (`relayTarget`, core/src/relay.rs); this file moves
// bytes and bounds them. It holds no token: the panel sends it with each call, and it goes upstream
// in its header only. One log line per relayed call, never a header, a body or a query string.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { readBounded, TOO_LARGE, MAX_ANSWER_BYTES } from "./bounded.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const pw = createRequire(import.meta.url)("../node/pipedrive_webhooks.js");
const VERSION = JSON.parse(fs.readFileSync(path.join(here, "../package.json"), "utf8")).version;

/** The panel shipped inside the package (copied there by `cargo xtask dist-js`). */
export const DEFAULT_DIST = path.join(here, "../panel");
/** A relayed request body, at most (a create's JSON is well under 2 KB). */
export const MAX_REQUEST_BYTES = 64 * 1024;
export { MAX_ANSWER_BYTES };
/** How long an upstream call may take, answer read included. */
export const UPSTREAM_TIMEOUT_MS = 30_000;

/** Request headers sent upstream: the token's two headers and the body's type. Never cookies, origin or host. */
const FORWARDED = ["x-api-token", "authorization", "content-type", "accept"];
/** Answer headers relayed back: the body's type, the rate-limit and daily-budget headers, the correlation id. */
const RELAYED_BACK = [
  "content-type", "retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
  "x-daily-requests-left", "x-daily-ratelimit-token-remaining", "x-daily-ratelimit-token-limit", "x-correlation-id",
];
const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};
/** On every answer: no sniffing, no framing (the panel deletes webhooks), no use by other sites. */
const SAFE_HEADERS = { "x-content-type-options": "nosniff", "x-frame-options": "DENY", "cross-origin-resource-policy": "same-origin" };

/** A reason the companion cannot start: `BAD_OPTION` (a flag's value), `NO_PANEL`, `LISTEN`. */
export class CompanionError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/** Text safe for a terminal: control characters (C0, C1, DEL, line separators, bidi overrides) as `\uXXXX`. */
export function printable(text) {
  return String(text).replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Caller text in a message: printable, at most 200 characters. */
function shown(text) {
  const s = printable(text);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** `--pipedrive-upstream`: an http(s) URL without credentials, query or fragment, as a base without a trailing slash. */
function upstreamBase(text) {
  let u;
  try {
    u = new URL(text);
  } catch {
    throw new CompanionError(`--pipedrive-upstream must be an http or https URL, e.g. http://127.0.0.1:8700; got ${JSON.stringify(shown(text))}`, "BAD_OPTION");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new CompanionError(`--pipedrive-upstream must be an http or https URL, not ${shown(u.protocol)}//`, "BAD_OPTION");
  if (u.username || u.password) throw new CompanionError("--pipedrive-upstream must not carry a user or password", "BAD_OPTION");
  if (u.search || u.hash || text.includes("?") || text.includes("#")) throw new CompanionError("--pipedrive-upstream must not have a query string or fragment", "BAD_OPTION");
  return `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
}

/** The panel folder, resolved (symlinks included); a clear error when it holds no built panel. */
function panelRoot(dist, given) {
  const dir = path.resolve(dist);
  // Words for whoever meets it: a given --dist is the user's folder; the package's own panel is
  // missing only from a package built without it (from source: `cargo xtask dist-js`).
  const fix = given
    ? "--dist needs a folder with the panel's index.html (the dist/ of `trunk build --release`)"
    : "this copy of the package has no panel (built from source without it: `cargo xtask dist-js` builds it in); or pass --dist DIR, a folder with the panel's index.html";
  try {
    const root = fs.realpathSync(dir);
    if (fs.statSync(path.join(root, "index.html")).isFile()) return root;
  } catch {
    // Reported below.
  }
  throw new CompanionError(`no built panel in ${shown(dir)}: ${fix}`, given ? "BAD_OPTION" : "NO_PANEL");
}

/**
 * Starts the companion on 127.0.0.1. `port` 0 picks a free one; `dist` is the built panel (default:
 * the package's `panel/`); `upstream`, when given, receives every relayed call at its URL + the API
 * path instead of `https://<host>`; `log` gets one line per relayed call. Resolves to
 * `{ url, upstream, close() }`; throws a `CompanionError` when it cannot start.
 */
export async function startCompanion({ port = 8080, dist, upstream, log = (line) => console.log(line), timeoutMs = UPSTREAM_TIMEOUT_MS } = {}) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CompanionError("--port must be a whole number from 0 to 65535 (0: any free port)", "BAD_OPTION");
  const base = upstream == null ? null : upstreamBase(upstream);
  const root = panelRoot(dist ?? DEFAULT_DIST, dist != null);
  const say = (line) => log(printable(line));
  let hosts = new Set();
  let origins = new Set();
  let actualPort = port;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      // Never e.message: a header validation error may quote a header's value.
      say(`${req.method} → internal error (${e?.code ?? e?.name ?? "unknown"})`);
      if (!res.headersSent) json(res, 500, "internal error in the companion");
      else res.destroy();
    });
  });

  async function handle(req, res) {
    for (const [k, v] of Object.entries(SAFE_HEADERS)) res.setHeader(k, v);
    const host = String(req.headers.host ?? "").toLowerCase();
    if (!hosts.has(host)) {
      return json(res, 403, `Host ${JSON.stringify(shown(req.headers.host ?? "(none)"))} is not this companion's address (127.0.0.1:${actualPort} or localhost:${actualPort}): refused (DNS rebinding)`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin)) {
      return json(res, 403, `pages from ${JSON.stringify(shown(origin))} may not use the companion: only the panel it serves (http://127.0.0.1:${actualPort})`);
    }
    const site = req.headers["sec-fetch-site"];
    if (site === "cross-site" || site === "same-site") {
      return json(res, 403, `requests from other sites (Sec-Fetch-Site: ${site}) may not use the companion`);
    }
    const target = req.url ?? "";
    if (!target.startsWith("/")) return json(res, 400, "the request target must be a path");
    const pathname = target.split("?")[0];
    if (pathname === "/_companion") {
      if (req.method !== "GET" && req.method !== "HEAD") return json(res, 405, "only GET /_companion", { allow: "GET, HEAD" });
      const body = JSON.stringify({ companion: "pipedrive-webhooks", version: VERSION, relay: "/_relay/" });
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
      return res.end(req.method === "HEAD" ? undefined : body);
    }
    if (target.startsWith("/_relay/")) return relay(req, res, target.slice("/_relay/".length));
    // `/_…` is the companion's own: never the panel's fallback page.
    if (pathname.startsWith("/_")) return json(res, 404, "no such companion route: GET /_companion, or /_relay/<host>/<path>");
    return serveStatic(req, res, pathname);
  }

  async function relay(req, res, rest) {
    const started = Date.now();
    const decision = pw.relayTarget(req.method, rest);
    if (decision.kind === "refuse") {
      // The reason names no query string and no header: safe to print.
      say(`${req.method} (refused) → ${decision.status}: ${decision.reason}`);
      return json(res, decision.status, decision.reason, decision.allow ? { allow: decision.allow } : {});
    }
    const where = base ? `${decision.host} (via ${base})` : decision.host;
    const line = `${decision.method} ${decision.host} ${decision.path}`;
    const fail = (status, error, note) => {
      say(`${line} → ${status}: ${note ?? error} (${Date.now() - started} ms)`);
      return json(res, status, error);
    };
    const declared = Number(req.headers["content-length"] ?? 0);
    // Answered at once; node reads and drops the rest of the body (nothing is kept).
    if (declared > MAX_REQUEST_BYTES) return fail(413, "the request body is over 64 KB: not relayed");
    let body;
    try {
      body = await readRequest(req, MAX_REQUEST_BYTES);
    } catch (e) {
      if (e === TOO_LARGE) return fail(413, "the request body is over 64 KB: not relayed");
      return fail(400, "the request body was cut off");
    }
    if (body.length && decision.method !== "POST") return fail(400, `a ${decision.method} call has no body: not relayed`);
    const headers = {};
    for (const name of FORWARDED) {
      const v = req.headers[name];
      if (typeof v === "string") headers[name] = v;
    }
    const url = base ? base + decision.path : decision.url;
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    try {
      let answer;
      try {
        answer = await fetch(url, { method: decision.method, headers, body: decision.method === "POST" ? body : undefined, redirect: "manual", signal: ac.signal });
      } catch (e) {
        if (timedOut) return fail(504, `${where} did not answer within ${timeoutMs / 1000} s`);
        // A header value fetch refuses: a TypeError without a cause. Its message may quote the value.
        if (e instanceof TypeError && e.cause === undefined) return fail(400, "a forwarded header's value is not valid in HTTP: not relayed");
        // node's fetch says only "fetch failed": the network's reason is its cause (a code, or several attempts).
        const why = e?.cause?.code ?? e?.cause?.errors?.[0]?.code ?? e?.cause?.message ?? "fetch failed";
        return fail(502, `could not reach ${where}: ${shown(why)}`);
      }
      if (answer.status >= 300 && answer.status < 400) {
        answer.body?.cancel().catch(() => {});
        const location = answer.headers.get("location");
        return fail(
          502,
          `${where} answered ${answer.status}, a redirect${location ? ` to ${shown(location)}` : ""}: not followed (the token goes to Pipedrive's API only)`,
          `redirect ${answer.status} not followed`,
        );
      }
      let bytes;
      try {
        bytes = await readBounded(answer, MAX_ANSWER_BYTES);
      } catch (e) {
        ac.abort();
        if (e === TOO_LARGE) return fail(502, `the answer from ${where} is over 8 MB: cut`);
        if (timedOut) return fail(504, `${where} did not finish its answer within ${timeoutMs / 1000} s`);
        return fail(502, `the answer from ${where} was cut off: ${shown(e?.cause?.code ?? e?.code ?? "connection lost")}`);
      }
      const out = { "cache-control": "no-store" };
      for (const name of RELAYED_BACK) {
        const v = answer.headers.get(name);
        if (v !== null) out[name] = v;
      }
      const noBody = answer.status === 204 || answer.status === 304;
      if (!noBody) out["content-length"] = bytes.length;
      try {
        res.writeHead(answer.status, out);
      } catch {
        return fail(502, `the answer from ${where} has a header node cannot relay`);
      }
      res.end(noBody ? undefined : bytes);
      say(`${line} → ${answer.status} (${Date.now() - started} ms)`);
    } finally {
      clearTimeout(timer);
    }
  }

  async function serveStatic(req, res, pathname) {
    if (req.method !== "GET" && req.method !== "HEAD") return text(res, 405, "only GET and HEAD", { allow: "GET, HEAD" });
    let decoded;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return text(res, 404, "not found");
    }
    const segments = decoded.split("/").filter((s) => s !== "");
    // No way out of the folder: no `..`, no hidden files, no NUL, no backslash.
    if (decoded.includes("\0") || decoded.includes("\\") || segments.some((s) => s.startsWith("."))) return text(res, 404, "not found");
    let found = segments.length ? await fileIn(path.join(root, ...segments)) : null;
    // The panel's own routes (/webhooks/new, /events…) have no extension: they get the page.
    if (!found && path.extname(segments.at(-1) ?? "") === "") found = await fileIn(path.join(root, "index.html"));
    if (!found) return text(res, 404, "not found");
    const { file, stat } = found;
    const modified = stat.mtime.toUTCString();
    const headers = { "content-type": MIME[path.extname(file).toLowerCase()] ?? "application/octet-stream", "cache-control": "no-cache", "last-modified": modified };
    const since = Date.parse(req.headers["if-modified-since"] ?? "");
    if (!Number.isNaN(since) && Math.floor(stat.mtimeMs / 1000) * 1000 <= since) {
      res.writeHead(304, headers);
      return res.end();
    }
    res.writeHead(200, { ...headers, "content-length": stat.size });
    if (req.method === "HEAD") return res.end();
    fs.createReadStream(file).on("error", () => res.destroy()).pipe(res);
  }

  /** A regular file whose real path (symlinks resolved) is inside the panel folder, or null. */
  async function fileIn(candidate) {
    try {
      const file = await fs.promises.realpath(candidate);
      if (!file.startsWith(root + path.sep)) return null;
      const stat = await fs.promises.stat(file);
      return stat.isFile() ? { file, stat } : null;
    } catch {
      return null;
    }
  }

  await new Promise((resolve, reject) => {
    server.once("error", (e) => {
      const why = {
        EADDRINUSE: `port ${port} on 127.0.0.1 is in use: pick another with --port N (0: any free port)`,
        EACCES: `cannot listen on port ${port}: permission denied (ports under 1024 need privileges)`,
      }[e.code] ?? `cannot listen on 127.0.0.1:${port}: ${e.code ?? e.message}`;
      reject(new CompanionError(why, "LISTEN"));
    });
    server.listen(port, "127.0.0.1", resolve);
  });
  actualPort = server.address().port;
  hosts = new Set([`127.0.0.1:${actualPort}`, `localhost:${actualPort}`]);
  origins = new Set([`http://127.0.0.1:${actualPort}`, `http://localhost:${actualPort}`]);
  return {
    url: `http://127.0.0.1:${actualPort}`,
    upstream: base,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}


/** The request's body, at most `max` bytes (TOO_LARGE beyond). */
function readRequest(req, max) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let total = 0;
    req.on("data", (c) => {
      total += c.length;
      if (total > max) {
        req.removeAllListeners("data");
        req.resume();
        reject(TOO_LARGE);
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
    req.on("aborted", () => reject(new Error("aborted")));
  });
}

function json(res, status, error, extra = {}) {
  const body = JSON.stringify({ success: false, error });
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(body), ...extra });
  res.end(body);
}

function text(res, status, message, extra = {}) {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(message), ...extra });
  res.end(message);
}
