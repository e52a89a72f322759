// A Pipedrive webhook receiver on node:http, with the package's receiver kit: Basic auth (R14),
// v1 and v2 deliveries of every object, a 2xx to each (handled or not) before the work, and each
// event handled once however often it arrives (retries, v1 duplicates).
//
//   HOOK_USER=pipedrive HOOK_PASSWORD=s3cret node examples/receiver-node-http.mjs [--port 3000]
//
// Check it as Pipedrive would deliver to it:
//   cargo xtask check-receiver -- http://127.0.0.1:3000/pipedrive --user pipedrive --password s3cret
import http from "node:http";
import { createReceiver, nodeListener, changed } from "pipedrive-webhooks/receiver";

const portArg = process.argv.indexOf("--port");
const port = Number(portArg > 0 ? process.argv[portArg + 1] : process.env.PORT ?? 3000);
const { HOOK_USER: user, HOOK_PASSWORD: password = "" } = process.env;
if (!user) console.warn("HOOK_USER is not set: deliveries are accepted without Basic auth");

const receiver = createReceiver({
  // The credentials given to Pipedrive when creating the webhook (http_auth_user, http_auth_password).
  auth: user ? { user, password } : undefined,
  on: {
    // v2's change.deal; a v1 webhook's updated.deal and merged.deal arrive here too.
    "change.deal": (event) => {
      const stage = changed(event, "stage_id");
      if (stage.changed) console.log(`deal ${event.entityId} moved from stage ${stage.from} to ${stage.to}`);
    },
    "create.person": (event) => console.log(`new person ${event.entityId} (payload v${event.version})`),
  },
  // Every other event is answered 200 all the same; nothing to do here.
  onUnhandled: () => {},
  // The answer is already out: a failure here is yours to keep (a queue, a dead letter).
  onError: (error, event) => console.error(`${event.action}.${event.entity} ${event.eventId} failed:`, error),
});

const server = http.createServer(nodeListener(receiver));
server.listen(port, "127.0.0.1", () => {
  console.log(`receiver listening on http://127.0.0.1:${server.address().port}/pipedrive`);
});
