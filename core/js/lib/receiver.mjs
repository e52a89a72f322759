// pipedrive-webhooks/receiver: a webhook receiver that lives by Pipedrive's delivery rules (R9–R14).
// A Web-standard handler `(Request) => Promise<Response>` for node ≥ 18, Deno, Bun, Workers and
// Next.js route handlers, and `nodeListener`, its adapter to node:http, Express and Fastify.
//
// Every decision about a body comes from the core through the wasm exports: whether it is a
// delivery and what it says (`decodeDelivery`: v1 and v2, the idempotency key `eventId`, the
// changed fields), the Basic-auth check (`verifyBasicAuth`, constant time), and the numbers of the
// rules (`defaultPolicy`: the 10 s timeout, the retry delays). This file only moves bytes, routes
// events to handlers and remembers which events were handled.
//
// "#core" is the package's own build for the runtime (package.json "imports"): the node build in
// node, Deno and Bun, the web build elsewhere (its `init()` is awaited before the first request).
import * as core from "#core";
import { readBounded, TOO_LARGE } from "./bounded.mjs";

/** 1 MiB: the default `maxBodyBytes`. Pipedrive's deliveries are a few KB. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;
/** How many handled event ids the default store keeps before it forgets the oldest. */
export const DEFAULT_MAX_KEYS = 10_000;

const PREFIX = "pipedrive-webhooks receiver:";
const V2_ACTIONS = ["create", "change", "delete", "*"];

// The web build needs `init()` once (it fetches the wasm); the node build is ready at import.
let coreReady;
const ready = () =>
  (coreReady ??= Promise.resolve(typeof core.default === "function" ? core.default() : undefined).catch((e) => {
    coreReady = undefined; // the next request tries again
    throw e;
  }));
const coreIsSync = typeof core.default !== "function";

/**
 * How long one event's attempts can span, in ms, from the core's policy: every attempt at its
 * latest (the timeout, 10 s) and the delays between them (3 s, 30 s, 150 s): 223 000 ms.
 */
function retryWindowMs(policy) {
  const delays = policy.retryDelaysMs.reduce((a, b) => a + b, 0);
  return delays + policy.timeoutMs * (policy.retryDelaysMs.length + 1);
}

/** The defaults that come from the rules: the idempotency TTL and the await-mode deadline. */
function ruleDefaults(policy) {
  return {
    timeoutMs: policy.timeoutMs,
    // Four retry windows (≈ 15 min): a retry, or a v1 duplicate, always finds its key.
    ttlMs: 4 * retryWindowMs(policy),
    // 80 % of the timeout (8 s of 10 s): the 503 leaves before Pipedrive gives up on the attempt.
    deadlineMs: Math.floor(policy.timeoutMs * 0.8),
  };
}

/**
 * The default idempotency store: in memory, in this process, bounded in size.
 *
 * Keeps at most `maxKeys` event ids (default 10 000; the oldest is forgotten first), each for
 * the `ttlMs` given to `add`. Several processes behind a load balancer need a shared store
 * (Redis, SQL: see the README), or a retry that reaches another process runs the handler again.
 *
 * @param {{ maxKeys?: number, now?: () => number }} [options] `now`: the clock in epoch ms (tests).
 * @returns {{ has(key: string): boolean, add(key: string, ttlMs: number): void, readonly size: number }}
 * @example
 * const store = memoryStore({ maxKeys: 50_000 });
 * const receiver = createReceiver({ store, onEvent: (event) => queue.push(event) });
 */
export function memoryStore(options = {}) {
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) throw new RangeError(`${PREFIX} maxKeys must be a whole number ≥ 1, not ${maxKeys}`);
  const now = options.now ?? Date.now;
  // Insertion order is age order: the first key is the oldest.
  const expires = new Map();
  return {
    has(key) {
      const at = expires.get(key);
      if (at === undefined) return false;
      if (at > now()) return true;
      expires.delete(key);
      return false;
    },
    add(key, ttlMs) {
      const t = now();
      expires.delete(key);
      expires.set(key, t + ttlMs);
      for (const [k, at] of expires) {
        if (expires.size <= maxKeys && at > t) break;
        expires.delete(k);
      }
    },
    get size() {
      return expires.size;
    },
  };
}

/**
 * Did `field` change in this event, and from what to what? Right for both payload versions:
 * it asks the core's `changedFields` (a v2 `previous` is a diff, where an absent key is unchanged
 * and `null` means it was empty; a v1 `previous` is the whole former object, compared value by
 * value) and reads the values from `data` and `previous`.
 *
 * - a change that changed `field`: `{ changed: true, from: <before>, to: <after> }` (`from` is
 *   `null` when the field was empty before);
 * - a change that did not: `{ changed: false, from: <value>, to: <value> }` (the same value);
 * - a create or a delete: `{ changed: false, from: <previous value>, to: <current value> }`
 *   (`from` is undefined on a create, `to` on a delete).
 *
 * `undefined` means the body does not carry the field. Custom fields are `custom_fields.<key>`
 * (the 40-character hash) in both versions: v1 sends them as top-level keys, and they are read
 * there; their values are v1's plain values and v2's `{ type, value }` objects.
 *
 * @template T
 * @param {import("./receiver.d.mts").DeliveryEvent} event a decoded delivery
 * @param {string} field a field of the object: `"stage_id"`, `"custom_fields.<key>"`
 * @returns {{ changed: boolean, from: T | null | undefined, to: T | null | undefined }}
 * @example
 * const stage = changed(event, "stage_id");
 * if (stage.changed) console.log(`deal ${event.entityId} moved from stage ${stage.from} to ${stage.to}`);
 */
export function changed(event, field) {
  const custom = field.startsWith("custom_fields.") ? field.slice("custom_fields.".length) : null;
  const v1 = event.version === "1.0";
  // The name the core lists it under: v1 custom fields are top-level keys.
  const listed = custom !== null && v1 ? custom : field;
  const read = (obj) => {
    if (obj === null || typeof obj !== "object") return undefined;
    if (custom !== null && !v1) {
      const cf = obj.custom_fields;
      return cf !== null && typeof cf === "object" && Object.hasOwn(cf, custom) ? cf[custom] : undefined;
    }
    return Object.hasOwn(obj, listed) ? obj[listed] : undefined;
  };
  const to = read(event.data);
  if (event.changedFields.includes(listed)) return { changed: true, from: read(event.previous), to };
  if (event.action === "change") return { changed: false, from: to, to };
  return { changed: false, from: read(event.previous), to };
}

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** The body, at most `max` bytes, or `null` past it (reading stops there). */
async function readLimited(request, max) {
  try {
    return await readBounded(request, max);
  } catch (e) {
    if (e === TOO_LARGE) return null;
    throw e;
  }
}

function checkKeys(on) {
  const handlers = new Map();
  for (const [key, fn] of Object.entries(on ?? {})) {
    const m = /^([^.]+)\.(.+)$/.exec(key);
    if (!m || !V2_ACTIONS.includes(m[1])) {
      throw new TypeError(
        `${PREFIX} on[${JSON.stringify(key)}]: keys are "<action>.<object>" in v2 words (create, change, delete or *), ` +
          `such as "change.deal"; v1 deliveries arrive decoded into them (added → create, updated and merged → change, deleted → delete)`,
      );
    }
    if (typeof fn !== "function") throw new TypeError(`${PREFIX} on[${JSON.stringify(key)}] is not a function`);
    handlers.set(key, fn);
  }
  return handlers;
}

/**
 * A webhook receiver for Pipedrive's deliveries, as a Web-standard handler
 * `(request: Request, context?: { waitUntil? }) => Promise<Response>`.
 *
 * What it answers:
 * - 405 (`Allow: POST`) to any method but POST; 401 (`WWW-Authenticate: Basic`) without the right
 *   Basic-auth credentials when `auth` is given (checked in constant time; no other header is
 *   required: Pipedrive sends no signature); 413 to a body over `maxBodyBytes` (from
 *   `content-length` at once, else as soon as the read passes it); 400 to a body that is not a
 *   delivery (Pipedrive never sends one; the reason is logged once per kind).
 * - 200 to every delivery of either version (v1 and v2) and any object, handled or not. An event
 *   already handled (a retry, a v1 duplicate: same `eventId`) gets 200 without running a handler.
 *
 * Which handler: `on["<action>.<object>"]` in v2 words (`"change.deal"`; a v1 `updated.deal`
 * arrives as `change.deal`, a v1 `merged.deal` too with `event.merged` set), then `"<action>.*"`,
 * `"*.<object>"`, `"*.*"`, then `onEvent`; an event none takes goes to `onUnhandled`, or is logged
 * once per event type. A handler gets `(event, { signal })`; `signal` aborts at the deadline
 * (await mode).
 *
 * Modes (`mode`):
 * - `"answer-first"` (default): answers 200 at once, then runs the handler; a failure goes to
 *   `onError` and never becomes a non-2xx. The event counts as handled as soon as it is accepted
 *   (Pipedrive will not retry a 200), so a failure is yours to keep (a queue, a dead letter).
 *   Serverless platforms stop work after the answer: pass `waitUntil` (in the options, or per
 *   request as the handler's second argument, such as a Worker's `ctx`).
 * - `"await"`: runs the handler before answering, within `deadlineMs` (default 8000 ms, 80 % of
 *   Pipedrive's 10 s timeout): 200 when it succeeds (then the event counts as handled), 503 when
 *   it throws or passes the deadline (then Pipedrive retries 3 s, 30 s and 150 s later). A retry
 *   that arrives while the first run is still going joins it instead of starting another.
 *
 * Idempotency: event ids go to `store` (`{ has(key), add(key, ttlMs) }`, sync or async; default
 * `memoryStore()`) for `ttlMs` (default: four times the retry window, ≈ 15 min). A store that
 * fails is reported to `onError` and the event is handled anyway (a duplicate rather than a loss).
 *
 * @param {import("./receiver.d.mts").ReceiverOptions} [options]
 * @returns {import("./receiver.d.mts").Receiver}
 * @example
 * import { createReceiver, nodeListener, changed } from "pipedrive-webhooks/receiver";
 * const receiver = createReceiver({
 *   auth: { user: "pipedrive", password: process.env.HOOK_PASSWORD },
 *   on: { "change.deal": async (event) => { if (changed(event, "stage_id").changed) await notify(event) } },
 * });
 * http.createServer(nodeListener(receiver)).listen(3000); // or: export const POST = receiver (Next.js)
 */
export function createReceiver(options = {}) {
  const o = options ?? {};
  const mode = o.mode ?? "answer-first";
  if (mode !== "answer-first" && mode !== "await") throw new TypeError(`${PREFIX} mode is "answer-first" or "await", not ${JSON.stringify(mode)}`);
  if (o.auth != null && (typeof o.auth.user !== "string" || o.auth.user === "" || typeof o.auth.password !== "string")) {
    throw new TypeError(`${PREFIX} auth needs a user (non-empty) and a password (strings); got ${o.auth.user === undefined ? "no user" : "a user"} and ${typeof o.auth.password === "string" ? "a password" : "no password"}`);
  }
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new RangeError(`${PREFIX} maxBodyBytes must be a whole number ≥ 1, not ${maxBodyBytes}`);
  for (const k of ["deadlineMs", "ttlMs"]) {
    if (o[k] !== undefined && !(Number.isFinite(o[k]) && o[k] > 0)) throw new RangeError(`${PREFIX} ${k} must be a number of ms above 0, not ${o[k]}`);
  }
  const handlers = checkKeys(o.on);
  for (const k of ["onEvent", "onUnhandled", "onError", "waitUntil"]) {
    if (o[k] !== undefined && typeof o[k] !== "function") throw new TypeError(`${PREFIX} ${k} is not a function`);
  }
  const logger = o.logger ?? console;
  const store = o.store ?? memoryStore();
  if (typeof store.has !== "function" || typeof store.add !== "function") throw new TypeError(`${PREFIX} store needs has(key) and add(key, ttlMs)`);

  // The rule numbers, from the core's policy (at once with the node build, else on first use).
  let limits;
  const settle = () => {
    const d = ruleDefaults(core.defaultPolicy());
    const deadlineMs = o.deadlineMs ?? d.deadlineMs;
    if (mode === "await" && deadlineMs >= d.timeoutMs) {
      throw new RangeError(`${PREFIX} deadlineMs (${deadlineMs}) must be under Pipedrive's ${d.timeoutMs} ms timeout: an answer after it is a failed attempt (R9)`);
    }
    return (limits = { deadlineMs, ttlMs: o.ttlMs ?? d.ttlMs });
  };
  if (coreIsSync) settle();

  const loggedTypes = new Set();
  const loggedRejects = new Set();
  // One run per event at a time in this process: event id → promise of "ok" | "failed" | "duplicate".
  const inflight = new Map();

  const reportError = (error, event) => {
    try {
      if (o.onError) o.onError(error, event);
      else logger.error(`${PREFIX} ${event.action}.${event.entity} ${event.eventId} failed:`, error);
    } catch (e) {
      logger.error(`${PREFIX} onError threw:`, e);
    }
  };

  const pick = (event) => {
    const { action: a, entity: e } = event;
    for (const key of [`${a}.${e}`, `${a}.*`, `*.${e}`, "*.*"]) {
      const fn = handlers.get(key);
      if (fn) return fn;
    }
    if (o.onEvent) return o.onEvent;
    if (o.onUnhandled) return (event) => o.onUnhandled(event);
    return (event) => {
      const type = `${event.action}.${event.entity}`;
      if (!loggedTypes.has(type)) {
        loggedTypes.add(type);
        logger.warn(`${PREFIX} no handler for ${type} (answered 200; pass on["${type}"], onEvent or onUnhandled)`);
      }
    };
  };

  /** Runs the event's handler; resolves to true on success, false after reporting the failure. */
  const invoke = async (event, signal) => {
    try {
      await pick(event)(event, { signal });
      return true;
    } catch (e) {
      reportError(e, event);
      return false;
    }
  };

  const has = async (key, event) => {
    try {
      return Boolean(await store.has(key));
    } catch (e) {
      reportError(Object.assign(new Error(`${PREFIX} store.has failed; handling the event anyway`, { cause: e }), { code: "STORE_FAILED" }), event);
      return false;
    }
  };
  const add = async (key, event) => {
    try {
      await store.add(key, limits.ttlMs);
    } catch (e) {
      reportError(Object.assign(new Error(`${PREFIX} store.add failed; a retry of this event may run its handler again`, { cause: e }), { code: "STORE_FAILED" }), event);
    }
  };

  const ok = (duplicate) => json(200, duplicate ? { ok: true, duplicate: true } : { ok: true });
  const unavailable = (why) => json(503, { ok: false, error: why });

  /** Await mode: the run's outcome within the deadline. */
  const answerWithin = async (run, event) => {
    let timer;
    const late = new Promise((resolve) => (timer = setTimeout(() => resolve("late"), limits.deadlineMs)));
    const outcome = await Promise.race([run.promise, late]);
    clearTimeout(timer);
    if (outcome === "ok" || outcome === "duplicate") return ok(outcome === "duplicate");
    if (outcome === "late") {
      run.abort?.(limits.deadlineMs);
      const e = Object.assign(new Error(`${event.action}.${event.entity} ${event.eventId}: the handler did not finish within ${limits.deadlineMs} ms (answered 503; Pipedrive retries it)`), { code: "DEADLINE_EXCEEDED" });
      reportError(e, event);
      return unavailable("the handler did not finish in time");
    }
    return unavailable("the handler failed");
  };

  const accept = async (event, context) => {
    const key = event.eventId;
    const joined = inflight.get(key);
    if (joined) return mode === "await" ? answerWithin(joined, event) : ok(true);
    let done;
    const run = { promise: new Promise((resolve) => (done = resolve)), abort: null };
    inflight.set(key, run);
    run.promise.then(() => inflight.get(key) === run && inflight.delete(key));
    if (await has(key, event)) {
      done("duplicate");
      return ok(true);
    }
    if (mode === "answer-first") {
      await add(key, event);
      // After the answer: a timer, so even a handler's synchronous part runs once the answer is out.
      const work = new Promise((resolve) => setTimeout(resolve, 0)).then(() => invoke(event, new AbortController().signal)).then((good) => done(good ? "ok" : "failed"));
      const waitUntil = typeof context?.waitUntil === "function" ? (p) => context.waitUntil(p) : o.waitUntil;
      try {
        waitUntil?.(work);
      } catch (e) {
        logger.error(`${PREFIX} waitUntil threw:`, e);
      }
      return ok(false);
    }
    const controller = new AbortController();
    run.abort = (ms) => controller.abort(Object.assign(new Error(`the ${ms} ms deadline passed`), { code: "DEADLINE_EXCEEDED" }));
    invoke(event, controller.signal).then(async (good) => {
      if (good) await add(key, event);
      done(good ? "ok" : "failed");
    });
    return answerWithin(run, event);
  };

  return async function receiver(request, context) {
    if (request.method !== "POST") return json(405, { ok: false, error: "method not allowed: Pipedrive delivers with POST" }, { allow: "POST" });
    try {
      await ready();
      if (!limits) settle();
    } catch (e) {
      logger.error(`${PREFIX} cannot start:`, e);
      return json(500, { ok: false, error: "the receiver cannot start" });
    }
    if (o.auth && !core.verifyBasicAuth(request.headers.get("authorization") ?? undefined, o.auth.user, o.auth.password)) {
      return json(401, { ok: false, error: "unauthorized" }, { "www-authenticate": 'Basic realm="pipedrive-webhooks", charset="UTF-8"' });
    }
    const tooLarge = () => json(413, { ok: false, error: `the body is over ${maxBodyBytes} bytes` });
    const declared = Number(request.headers.get("content-length") ?? NaN);
    if (declared > maxBodyBytes) return tooLarge();
    const body = await readLimited(request, maxBodyBytes);
    if (body === null) return tooLarge();
    let event;
    try {
      event = core.decodeDelivery(body);
    } catch (e) {
      const kind = `${e.code}${e.field ? ` ${e.field}` : ""}`;
      if (!loggedRejects.has(kind)) {
        loggedRejects.add(kind);
        logger.warn(`${PREFIX} answered 400 to a body that is not a Pipedrive delivery (${kind}: ${e.message})`);
      }
      return json(400, { ok: false, error: e.code ?? "NOT_A_DELIVERY", message: e.message });
    }
    return accept(event, context);
  };
}

/** Node request headers → Headers (repeated headers joined as HTTP says). */
function webHeaders(raw) {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) h.append(k, item);
    else h.set(k, String(v));
  }
  return h;
}

/**
 * A node stream as a ReadableStream, read only when the handler reads (with backpressure), and
 * `drain()`, which drops whatever the handler left unread so the connection serves the next request.
 */
function streamOf(req) {
  let started = false;
  let discard = false;
  const drain = () => {
    discard = true;
    if (typeof req.resume === "function" && req.readableEnded !== true) req.resume();
  };
  const stream = new ReadableStream({
    pull(controller) {
      if (!started) {
        started = true;
        req.on("data", (c) => {
          if (discard) return;
          controller.enqueue(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) req.pause();
        });
        req.on("end", () => {
          if (!discard) controller.close();
        });
        req.on("error", (e) => {
          if (!discard) controller.error(e);
        });
      }
      req.resume();
    },
    // Past the limit: keep nothing more.
    cancel: drain,
  }, { highWaterMark: 0 });
  return { stream, drain };
}

/**
 * Adapts a Web-standard handler (`createReceiver`'s, or any `(Request) => Promise<Response>`)
 * to a node `(req, res)` listener: node:http, Express and Fastify.
 *
 * The body is read from the request stream, so nothing may read it first. When a framework has
 * already read it, `req.body` is used instead: a Buffer or a string as is (Express's
 * `express.raw()`, a Fastify content-type parser with `parseAs: "buffer"`: pass Fastify's
 * `request`, which carries `body`, `headers`, `method` and `url`, with `reply.raw` after
 * `reply.hijack()`); an already parsed JSON object is serialised again, with a warning once (put
 * no JSON body parser before it). The answer is written with its status, headers and body; the
 * listener's promise resolves once it is written, and never rejects (an error is a 500, logged).
 *
 * @param {(request: Request) => Promise<Response>} handler
 * @param {{ logger?: { warn(...args: unknown[]): void, error(...args: unknown[]): void } }} [options]
 * @returns {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => Promise<void>}
 * @example
 * import http from "node:http";
 * http.createServer(nodeListener(createReceiver({ onEvent }))).listen(3000);
 * // Express 5, with no JSON body parser before it:
 * app.post("/pipedrive", nodeListener(receiver));
 */
export function nodeListener(handler, options = {}) {
  if (typeof handler !== "function") throw new TypeError(`${PREFIX} nodeListener needs a handler (request) => Promise<Response>`);
  const logger = options.logger ?? console;
  let warnedParsed = false;
  return async function listener(req, res) {
    let drain;
    try {
      const method = req.method ?? "GET";
      const headers = webHeaders(req.headers);
      const url = new URL(req.originalUrl ?? req.url ?? "/", `http://${headers.get("host") ?? "localhost"}`);
      let body;
      if (method !== "GET" && method !== "HEAD") {
        const given = req.body;
        const read = req.readableEnded === true;
        // Express's body parsers leave `{}` on a body they did not read: then the stream is still there.
        const emptyLeftover = given !== null && typeof given === "object" && !(given instanceof Uint8Array) && Object.keys(given).length === 0 && !read;
        if (typeof given === "string" || given instanceof Uint8Array) {
          body = given;
          headers.delete("content-length");
        } else if (given !== undefined && given !== null && !emptyLeftover) {
          if (!warnedParsed) {
            warnedParsed = true;
            logger.warn(`${PREFIX} the body was already parsed by a JSON body parser; it is serialised again. Mount the receiver before any body parser (or use express.raw()).`);
          }
          body = JSON.stringify(given);
          headers.delete("content-length");
        } else if (read) {
          throw new Error("the request body was read before nodeListener and req.body holds nothing: mount the receiver before any body parser");
        } else {
          ({ stream: body, drain } = streamOf(req));
        }
      }
      const request = new Request(url, { method, headers, body, duplex: "half" });
      const response = await handler(request);
      const out = {};
      response.headers.forEach((v, k) => (out[k] = v));
      const bytes = new Uint8Array(await response.arrayBuffer());
      out["content-length"] = String(bytes.byteLength);
      res.writeHead(response.status, out);
      res.end(bytes);
      drain?.();
    } catch (e) {
      logger.error(`${PREFIX} the listener failed:`, e);
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: false, error: "internal error" }));
      } else {
        res.end();
      }
      drain?.();
    }
  };
}
