// A Pipedrive webhook receiver on node:http: checks Basic auth (R14), decodes v1 and v2 deliveries,
// and de-duplicates by event id (retries and v1 duplicates arrive more than once).
//
//   node examples/node-receiver.mjs [--port 3000] [--user pipedrive] [--password s3cret]
//
// Answer fast with a 2xx: Pipedrive counts anything else, or no answer within 10 s, as a failure,
// and 10 failed first attempts ban the webhook for 30 minutes (R9–R12).
import http from "node:http";
import { decodeDelivery, verifyBasicAuth } from "pipedrive-webhooks";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const port = Number(arg("port", process.env.PORT ?? 3000));
const user = arg("user", process.env.HOOK_USER);
const password = arg("password", process.env.HOOK_PASSWORD);

// Event ids seen recently; a real app would use a shared store with a TTL.
const seen = new Set();
const stats = { received: 0, duplicates: 0, rejected: 0, events: [] };

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify(stats));
  }
  if (req.method !== "POST") {
    res.writeHead(405).end();
    return;
  }
  if (user && !verifyBasicAuth(req.headers.authorization, user, password ?? "")) {
    stats.rejected++;
    res.writeHead(401, { "www-authenticate": 'Basic realm="pipedrive"' }).end();
    return;
  }
  const chunks = [];
  let size = 0;
  req.on("data", (c) => {
    size += c.length;
    if (size > 1_000_000) req.destroy(); // no real delivery is this large
    else chunks.push(c);
  });
  req.on("end", () => {
    let event;
    try {
      event = decodeDelivery(Buffer.concat(chunks));
    } catch (e) {
      // Not a Pipedrive delivery: refuse it so the sender knows (e.code says why).
      stats.rejected++;
      res.writeHead(400, { "content-type": "application/json" });
      return res.end(JSON.stringify({ error: e.code, message: e.message }));
    }
    stats.received++;
    const duplicate = seen.has(event.eventId);
    if (duplicate) {
      stats.duplicates++;
    } else {
      seen.add(event.eventId);
      stats.events.push({ id: event.eventId, event: `${event.action}.${event.entity}`, entityId: event.entityId, version: event.version, attempt: event.attempt });
      // Hand the event to a queue here; do the slow work after answering.
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, duplicate }));
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`receiver listening on http://127.0.0.1:${server.address().port}`);
});
