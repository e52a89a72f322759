// A Pipedrive webhook receiver in Express 5, with the package's receiver kit: Basic auth (R14),
// v1 and v2 deliveries of every object, a 2xx to each (handled or not) before the work, and each
// event handled once however often it arrives (retries, v1 duplicates).
//
//   npm install express pipedrive-webhooks
//   HOOK_USER=pipedrive HOOK_PASSWORD=s3cret node examples/receiver-express.mjs [--port 3000]
//
// Mount the receiver before any body parser: it reads and limits the body itself (1 MB). With
// express.json() in front, the body arrives parsed and is serialised again (a warning says so);
// express.raw({ type: "application/json" }) in front is fine (a Buffer is used as is).
import express from "express";
import { createReceiver, nodeListener, changed } from "pipedrive-webhooks/receiver";

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

const app = express();
// all(): the receiver answers 405 to other methods itself.
app.all("/pipedrive", nodeListener(receiver));
// The rest of the app may parse JSON: after the receiver's route.
app.use(express.json());

const server = app.listen(port, "127.0.0.1", () => {
  console.log(`receiver listening on http://127.0.0.1:${server.address().port}/pipedrive`);
});
