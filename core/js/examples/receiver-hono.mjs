// A Pipedrive webhook receiver in Hono (here on node with @hono/node-server), with the package's
// receiver kit: Basic auth (R14), v1 and v2 deliveries of every object, a 2xx to each (handled or
// not) before the work, and each event handled once however often it arrives (retries, v1 duplicates).
//
//   npm install hono @hono/node-server pipedrive-webhooks
//   HOOK_USER=pipedrive HOOK_PASSWORD=s3cret node examples/receiver-hono.mjs [--port 3000]
//
// The receiver is a Web-standard handler: Hono hands it the Request as is (c.req.raw). On
// Cloudflare Workers, pass the execution context so the work goes on after the answer:
//   app.all("/pipedrive", (c) => receiver(c.req.raw, c.executionCtx));
import { Hono } from "hono";
import { serve } from "@hono/node-server";
import { createReceiver, changed } from "pipedrive-webhooks/receiver";

const portArg = process.argv.indexOf("--port");
const port = Number(portArg > 0 ? process.argv[portArg + 1] : process.env.PORT ?? 3000);
const { HOOK_USER: user, HOOK_PASSWORD: password = "" } = process.env;
if (!user) console.warn("HOOK_USER is not set: deliveries are accepted without Basic auth");

const receiver = createReceiver({
  auth: user ? { user, password } : undefined,
  on: {
    "change.deal": (event) => {
      const stage = changed(event, "stage_id");
      if (stage.changed) console.log(`deal ${event.entityId} moved from stage ${stage.from} to ${stage.to}`);
    },
    "create.person": (event) => console.log(`new person ${event.entityId} (payload v${event.version})`),
  },
  onUnhandled: () => {},
  onError: (error, event) => console.error(`${event.action}.${event.entity} ${event.eventId} failed:`, error),
});

const app = new Hono();
// Don't read c.req.json() first: the receiver reads and limits the body itself.
app.all("/pipedrive", (c) => receiver(c.req.raw));

serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, (info) => {
  console.log(`receiver listening on http://127.0.0.1:${info.port}/pipedrive`);
});
