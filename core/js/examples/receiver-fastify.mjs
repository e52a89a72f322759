// A Pipedrive webhook receiver in Fastify, with the package's receiver kit: Basic auth (R14),
// v1 and v2 deliveries of every object, a 2xx to each (handled or not) before the work, and each
// event handled once however often it arrives (retries, v1 duplicates).
//
//   npm install fastify pipedrive-webhooks
//   HOOK_USER=pipedrive HOOK_PASSWORD=s3cret node examples/receiver-fastify.mjs [--port 3000]
//
// Fastify parses JSON before the route; the receiver wants the bytes. In a scope of its own, the
// JSON parser keeps them as a Buffer (Fastify's bodyLimit, 1 MiB by default, answers 413 first),
// and the route hands Fastify's request (it carries the body) to the listener with reply.raw.
import Fastify from "fastify";
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
const listener = nodeListener(receiver);

const app = Fastify();
app.register(async (scope) => {
  // Only in this scope: the rest of the app keeps Fastify's JSON parser.
  scope.removeContentTypeParser("application/json");
  scope.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  // all(): the receiver answers 405 to other methods itself.
  scope.all("/pipedrive", (request, reply) => {
    reply.hijack();
    return listener(request, reply.raw);
  });
});

await app.listen({ port, host: "127.0.0.1" });
console.log(`receiver listening on http://127.0.0.1:${app.server.address().port}/pipedrive`);
