// Types of `pipedrive-webhooks/receiver` (lib/receiver.mjs), written by hand.
import type { DeliveryEvent } from "../node/pipedrive_webhooks.js";

export type { DeliveryEvent };

/** 1 MiB (1 048 576 bytes): the default `maxBodyBytes`. */
export declare const DEFAULT_MAX_BODY_BYTES: number;
/** 10 000: how many handled event ids `memoryStore()` keeps by default. */
export declare const DEFAULT_MAX_KEYS: number;

/** `"<action>.<object>"` in v2 words: `"change.deal"`, `"create.*"`, `"*.person"`, `"*.*"`. */
export type EventKey = `${"create" | "change" | "delete" | "*"}.${string}`;

/** What a handler gets besides the event. */
export interface HandlerContext {
  /** Aborts when the await-mode deadline passes (the answer was a 503); never in answer-first mode. */
  signal: AbortSignal;
}

/** Handles one event; a throw (or a rejected promise) is a failure, reported to `onError`. */
export type EventHandler = (event: DeliveryEvent, context: HandlerContext) => unknown;

/**
 * Where handled event ids are kept, so a retry or a duplicate does not run a handler twice.
 * Sync or async; `has` must say `true` for a key added less than `ttlMs` ms ago.
 */
export interface IdempotencyStore {
  has(key: string): boolean | Promise<boolean>;
  add(key: string, ttlMs: number): unknown;
}

/** A place to write the receiver's warnings and errors (default: `console`). */
export interface ReceiverLogger {
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export interface ReceiverOptions {
  /** The webhook's Basic-auth credentials (`http_auth_user`, `http_auth_password`): without them a request gets 401. */
  auth?: { user: string; password: string };
  /** Handlers by event, in v2 words (a v1 `updated.deal` arrives as `change.deal`): exact, then `"<action>.*"`, `"*.<object>"`, `"*.*"`. */
  on?: { [key in EventKey]?: EventHandler };
  /** For events no `on` entry takes. */
  onEvent?: EventHandler;
  /** For events no handler takes (answered 200 all the same); default: logged once per event type. */
  onUnhandled?: (event: DeliveryEvent) => unknown;
  /** A handler's failure (and a passed deadline, `code: "DEADLINE_EXCEEDED"`; a store's, `code: "STORE_FAILED"`); default: logged. */
  onError?: (error: unknown, event: DeliveryEvent) => void;
  /** `"answer-first"` (default): 200 at once, then the handler. `"await"`: the handler first, 200 or 503 within `deadlineMs`. */
  mode?: "answer-first" | "await";
  /** Await mode: how long to wait for the handler, in ms (default 8000: 80 % of Pipedrive's 10 s timeout; must be under it). */
  deadlineMs?: number;
  /** Handled event ids (default `memoryStore()`: in this process only). */
  store?: IdempotencyStore;
  /** How long an event id is remembered, in ms (default: four times the retry window, 892 000 ms ≈ 15 min). */
  ttlMs?: number;
  /** Bodies over this many bytes get 413 (default 1 048 576). */
  maxBodyBytes?: number;
  /** Answer-first on a serverless platform: keeps the handler's work alive after the answer (Next.js `after`, Vercel's `waitUntil`). */
  waitUntil?: (promise: Promise<unknown>) => void;
  logger?: ReceiverLogger;
}

/** Per request: a Worker's `ctx` (or anything with `waitUntil`) keeps answer-first work alive. */
export interface RequestContext {
  waitUntil?(promise: Promise<unknown>): void;
}

/** The receiver: a Web-standard handler. */
export type Receiver = (request: Request, context?: RequestContext) => Promise<Response>;

/**
 * A webhook receiver for Pipedrive's deliveries (v1 and v2, every object): 200 to every delivery,
 * handled or not (a retry of a handled event without running its handler again), 401 without the
 * credentials of `auth`, 405 to another method than POST, 413 past `maxBodyBytes`, 400 to a body
 * that is not a delivery; in `"await"` mode 503 when the handler throws or passes `deadlineMs`.
 * @example
 * const receiver = createReceiver({
 *   auth: { user: "pipedrive", password: process.env.HOOK_PASSWORD ?? "" },
 *   on: { "change.deal": (event) => console.log(changed(event, "stage_id")) },
 * });
 * // node:http: http.createServer(nodeListener(receiver)); Next.js: export const POST = (r: Request) => receiver(r);
 */
export declare function createReceiver(options?: ReceiverOptions): Receiver;

/** A node request as node:http, Express or Fastify (its `request`) gives it. */
export interface NodeRequestLike {
  method?: string;
  url?: string;
  originalUrl?: string;
  headers: { [name: string]: string | string[] | undefined };
  /** What a framework read already: a Buffer or a string is used as is. */
  body?: unknown;
  readableEnded?: boolean;
  on?(event: "data" | "end" | "error", listener: (arg: never) => void): unknown;
  pause?(): unknown;
  resume?(): unknown;
}

/** A node response (node:http's `ServerResponse`, Express's `res`, Fastify's `reply.raw`). */
export interface NodeResponseLike {
  headersSent: boolean;
  writeHead(status: number, headers: { [name: string]: string }): unknown;
  end(body?: Uint8Array | string): unknown;
}

/**
 * Adapts a Web-standard handler to a node `(req, res)` listener (node:http, Express, Fastify).
 * No body parser may read the body first; a Buffer or string `req.body` is used as is.
 * @example
 * http.createServer(nodeListener(receiver)).listen(3000);
 */
export declare function nodeListener(
  handler: (request: Request) => Promise<Response>,
  options?: { logger?: ReceiverLogger },
): (req: NodeRequestLike, res: NodeResponseLike) => Promise<void>;

/** The answer of `changed`: `from` and `to` are `undefined` when the body does not carry the field, `from` is `null` when it was empty. */
export interface FieldChange<T = unknown> {
  changed: boolean;
  from: T | null | undefined;
  to: T | null | undefined;
}

/**
 * Did `field` change, and from what to what? Right for both versions (a v2 `previous` is a diff,
 * a v1 `previous` the whole object): it asks the core's `changedFields`. Custom fields:
 * `"custom_fields.<key>"` in both versions.
 * @example
 * const stage = changed<number>(event, "stage_id"); // { changed: true, from: 1, to: 2 }
 */
export declare function changed<T = unknown>(event: DeliveryEvent, field: string): FieldChange<T>;

/**
 * The default store: in memory, at most `maxKeys` ids (default 10 000; the oldest goes first),
 * each kept for the `ttlMs` it was added with. `now`: the clock in epoch ms (tests).
 */
export declare function memoryStore(options?: { maxKeys?: number; now?: () => number }): IdempotencyStore & { readonly size: number };
