// A small Pipedrive-like webhooks API for tests, answering through the package's own Account
// (so statuses and bodies are the core's). Tokens: "USER-<id>" as x-api-token, "APP-<app>-<user>"
// as a Bearer token.
import http from "node:http";

export async function startFakePipedrive(pw, setup, policy) {
  const acct = new pw.Account(1, policy);
  setup(acct);
  const requests = [];
  // Answers to give before the real ones, e.g. a 429: [{ status, headers, body }].
  const forced = [];
  const cors = {
    "access-control-allow-origin": "*",
    "access-control-allow-headers": "x-api-token, authorization, content-type, accept",
    "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
    "access-control-expose-headers": "x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, retry-after",
  };
  const server = http.createServer((req, res) => {
    if (req.method === "OPTIONS") {
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
      const send = (status, body) => {
        res.writeHead(status, { ...cors, "content-type": "application/json", "x-ratelimit-limit": "40", "x-ratelimit-remaining": "39", "x-ratelimit-reset": "2" });
        res.end(JSON.stringify(body));
      };
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
  return { url: `http://127.0.0.1:${server.address().port}`, acct, requests, forced, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) };
}
