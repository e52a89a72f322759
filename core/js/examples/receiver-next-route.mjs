// A Pipedrive webhook receiver as a Next.js App Router route handler: save it as
// app/api/pipedrive/route.js (or .ts) and set HOOK_USER and HOOK_PASSWORD in the environment.
// The receiver kit: Basic auth (R14), v1 and v2 deliveries of every object, a 2xx to each
// (handled or not), and each event handled once however often it arrives (retries, v1 duplicates).
//
// Mode "await": a serverless function may be stopped once it has answered, so the handler runs
// before the answer, within 8 s (Pipedrive waits 10 s): 200 when it succeeds, 503 when it throws
// or is late (then Pipedrive retries it). To answer first instead, keep the work alive with
// Next.js's after() (next ≥ 15.1):
//   import { after } from "next/server";
//   createReceiver({ waitUntil: after, ... })            // and drop mode: "await"
// Idempotency: the default store lives in one instance's memory; with several instances, pass a
// shared store (Redis, SQL: see the package README).
import { createReceiver, changed } from "pipedrive-webhooks/receiver";

const { HOOK_USER: user, HOOK_PASSWORD: password = "" } = process.env;

const receiver = createReceiver({
  auth: user ? { user, password } : undefined,
  mode: "await",
  on: {
    "change.deal": async (event) => {
      const stage = changed(event, "stage_id");
      if (stage.changed) console.log(`deal ${event.entityId} moved from stage ${stage.from} to ${stage.to}`);
    },
    "create.person": async (event) => console.log(`new person ${event.entityId} (payload v${event.version})`),
  },
  onUnhandled: () => {},
  onError: (error, event) => console.error(`${event.action}.${event.entity} ${event.eventId} failed:`, error),
});

// Next.js answers 405 to the methods a route does not export.
export async function POST(request) {
  return receiver(request);
}
