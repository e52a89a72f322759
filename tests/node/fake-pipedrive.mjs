// A small Pipedrive-like webhooks API for tests, answering through the package's own Account
// (so statuses and bodies are the core's). Tokens: "USER-<id>" as x-api-token, "APP-<app>-<user>"
// as a Bearer token.
//
// It imitates Pipedrive where that matters to a browser (domain reference, "Rate limits" and
// "CORS"): its answers expose only X-RateLimit-Remaining, -Limit and -Reset to page scripts;
// with `{ preflight: false }` it refuses CORS preflights (nobody has shown Pipedrive answering
// them); with `{ dailyTokens: N }` it keeps a daily token budget at Pipedrive's costs (list and
// create 10, delete 6), says what is left in `x-daily-ratelimit-token-*`, and answers a spent
// budget with Pipedrive's daily 429 (Retry-After until midnight UTC).
import http from "node:http";

const COST = { GET: 10, POST: 10, DELETE: 6 };

export async function startFakePipedrive(pw, setup, policy, { preflight = true, dailyTokens = null } = {}) {
  const acct = new pw.Account(1, policy);
  setup(acct);
  const requests = [];
  const preflights = [];
  // Answers to give before the real ones, e.g. a 429: [{ status, headers, body }].
  const forced = [];
  const cors = {
    "access-control-allow-origin": "*",
    "access-control-allow-headers": "x-api-token, authorization, content-type, accept",
    "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
    "access-control-expose-headers": "X-RateLimit-Remaining, X-RateLimit-Limit, X-RateLimit-Reset",
  };
  const budget = { left: dailyTokens };
  const server = http.createServer((req, res) => {
    if (req.method === "OPTIONS") {
      preflights.push(new URL(req.url, "http://x").pathname);
      if (!preflight) {
        res.writeHead(404, { "content-type": "text/plain" });
        return res.end("Not Found");
      }
      res.writeHead(204, cors);
      return res.end();
    }
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      // Like Pipedrive, no emulator control routes (the panel probes /_emulator/clock to tell an
      // emulator apart): a 404, neither counted nor answered from `forced`.
      if (url.pathname.startsWith("/_emulator/")) {
        res.writeHead(404, { ...cors, "content-type": "application/json" });
        return res.end('{"success":false,"error":"Not found"}');
      }
      requests.push({ method: req.method, path: url.pathname, search: url.search, headers: req.headers });
      const daily = () => (budget.left === null ? {} : { "x-daily-ratelimit-token-limit": String(dailyTokens), "x-daily-ratelimit-token-remaining": String(budget.left) });
      const send = (status, body) => {
        res.writeHead(status, { ...cors, "content-type": "application/json", "x-ratelimit-limit": "40", "x-ratelimit-remaining": "39", "x-ratelimit-reset": "2", ...daily() });
        res.end(JSON.stringify(body));
      };
      if (budget.left !== null) {
        const cost = COST[req.method] ?? 0;
        if (budget.left < cost) {
          const now = new Date();
          const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
          budget.left = 0;
          res.writeHead(429, { ...cors, "content-type": "application/json", "retry-after": String(Math.ceil((midnight - now) / 1000)), "x-ratelimit-limit": "40", "x-ratelimit-remaining": "39", "x-ratelimit-reset": "2", ...daily() });
          return res.end('{"success":false,"error":"daily request budget exceeded","errorCode":429}');
        }
        budget.left -= cost;
      }
      if (forced.length) {
        const f = forced.shift();
        res.writeHead(f.status, { ...cors, ...f.headers });
        return res.end(f.body ?? "");
      }
      const token = req.headers["x-api-token"];
      const bearer = /^Bearer APP-(\d+)-(\d+)$/.exec(req.headers.authorization ?? "");
      const caller = bearer
        ? { kind: "app", appId: Number(bearer[1]), userId: Number(bearer[2]) }
        : /^USER-\d+$/.test(token ?? "") ? { kind: "user", userId: Number(token.slice(5)) } : null;
      if (!caller) return send(401, { success: false, error: "unauthorized access", errorCode: 401 });
      try {
        const m = /^\/(?:api\/)?v1\/webhooks(?:\/(\d+))?$/.exec(url.pathname);
        if (!m) return send(404, { success: false, error: "Not found" });
        if (req.method === "GET" && !m[1]) return send(200, { success: true, status: "ok", data: acct.list(caller) });
        if (req.method === "POST" && !m[1]) {
          const data = acct.create(caller, JSON.parse(Buffer.concat(chunks).toString() || "{}"), Date.now());
          return send(201, { success: true, status: "ok", data });
        }
        if (req.method === "DELETE" && m[1]) {
          acct.delete(caller, Number(m[1]), Date.now());
          return send(200, { success: true, status: "ok" });
        }
        send(405, { success: false, error: "method not allowed" });
      } catch (e) {
        const status = e.status ?? 400;
        const bodies = {
          400: { success: false, status: "error", errors: Object.fromEntries((e.errors ?? []).map((x) => [x.field, [x.message]])) },
          403: { success: false, message: "Forbidden" },
          404: { success: false, status: "error", errors: { id: ["not found"] } },
          422: { success: false, error: "Webhooks limit reached", error_info: e.message, data: null },
        };
        send(status, bodies[status] ?? { success: false, error: e.message });
      }
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, acct, requests, preflights, forced, budget, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) };
}
