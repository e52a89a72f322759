/** Pipedrive's rule numbers (R2, R9–R13). Every field has Pipedrive's default. */
export interface Policy {
  maxAppWebhooksPerUser: number;
  maxGeneralWebhooksPerUser: number;
  banThreshold: number;
  banDurationMs: number;
  timeoutMs: number;
  retryDelaysMs: [number, number, number];
  deletionAfterMs: number;
  maxNameChars: number;
  maxUrlLen: number;
}

export type PayloadVersionString = "1.0" | "2.0";
export type EventActionString = "added" | "updated" | "merged" | "deleted" | "create" | "change" | "delete" | "*";
export type FieldName =
  | "subscription_url" | "event_action" | "event_object" | "name" | "version" | "user_id"
  | "http_auth_user" | "http_auth_password" | "id";

/** A webhook to create, with Pipedrive's field names (the body of POST /v1/webhooks). */
export interface NewWebhook {
  subscription_url: string;
  event_action: string;
  event_object: string;
  name: string;
  /** "1.0" or "2.0"; always send it: Pipedrive's default changed once and broke receivers. */
  version?: string | null;
  user_id?: number | null;
  http_auth_user?: string | null;
  http_auth_password?: string | null;
}

export interface FieldError {
  field: FieldName;
  problem:
    | "required" | "too_long" | "invalid_url" | "unsupported_scheme" | "pipedrive_host" | "credentials_in_url"
    | "unknown_action" | "action_not_for_object" | "invalid_object" | "object_not_in_version" | "invalid_version" | "invalid_user_id"
    | "unknown_user" | "password_without_user" | "colon_in_user" | "control_characters" | "other";
  message: string;
}

export interface Warning {
  field: FieldName;
  code: "unknown_object" | "version_defaulted" | "plain_http" | "not_public";
  message: string;
}

export interface ValidWebhook {
  subscription_url: string;
  event_action: EventActionString;
  event_object: string;
  name: string;
  version: PayloadVersionString;
  user_id: number | null;
  http_auth_user: string | null;
  http_auth_password: string | null;
  warnings: Warning[];
}

/** Who calls the API: a user with an API token, or an app acting for a user (OAuth). */
export type Caller = { kind: "user"; userId: number } | { kind: "app"; appId: number; userId: number };

export interface User { id: number; name: string; isAdmin: boolean }
export interface AppInput { id: number; name: string; scopes: string[]; listed?: boolean }
export interface Quota { used: number; limit: number }

/** A webhook object as Pipedrive's API returns it (every field may be absent from a real API). */
export interface PipedriveWebhook {
  id?: number;
  company_id?: number;
  owner_id?: number;
  user_id?: number;
  event_action?: string;
  event_object?: string;
  subscription_url?: string;
  name?: string;
  version?: string;
  /** 0 or 1 (a number, not a boolean). */
  is_active?: number;
  add_time?: string | null;
  remove_time?: string | null;
  last_delivery_time?: string | null;
  type?: "general" | "application" | "automation" | (string & {});
  /** Write-only: Pipedrive answers opaque ciphertext (`v1u:…`), older answers the value in clear. Never show or compare it. */
  http_auth_user?: string | null;
  /** Write-only, as `http_auth_user`. */
  http_auth_password?: string | null;
  remove_reason?: string | null;
  /** The receiver's last HTTP status, or the string "Error" (a timeout, a blocked webhook or a failure on Pipedrive's side). */
  last_http_status?: number | string | null;
  admin_id?: number;
  [unknown: string]: unknown;
}

/** How a webhook stands, judged from what the API returns: `failing` when the last status is not a 2xx (or "Error"), `banned` when `is_active` is 0, `no_deliveries` when it has never delivered. */
export type HealthLabel = "healthy" | "no_deliveries" | "failing" | "banned" | "deleted";

/** A webhook decoded by `decodeResponse`: as received, plus times in epoch ms and `active` as a boolean. The credentials are dropped (R14): `basic_auth` says whether it has them. */
export interface DecodedWebhook extends PipedriveWebhook {
  /** Blanked (null when the answer had the field): write-only. */
  http_auth_user?: null;
  http_auth_password?: null;
  /** Whether the webhook sends Basic-auth credentials ("Basic auth: set"). */
  basic_auth: boolean;
  add_time_ms: number | null;
  last_delivery_time_ms: number | null;
  active: boolean | null;
  /** `last_http_status` for people: "HTTP 503", "Error (timeout or blocked)", or other text verbatim; null when none. */
  last_http_status_text: string | null;
  health: HealthLabel;
}

export type Standing =
  | { kind: "healthy" }
  | { kind: "failing"; since: number; deletionAt: number }
  | { kind: "banned"; until: number }
  | { kind: "deleted"; at: number };

export type Admission = { kind: "send" } | { kind: "lost"; bannedUntil: number } | { kind: "dropped"; deletedAt: number };

export type AttemptResponse =
  | { kind: "status"; code: number; afterMs: number }
  | { kind: "no_answer" }
  | { kind: "refused"; afterMs: number };

export type Next = { kind: "delivered" } | { kind: "retry"; attempt: number; at: number } | { kind: "failed" };

export interface AttemptOutcome {
  tick: { banEndedAt: number | null; deletedAt: number | null };
  attempt: number;
  end: number;
  success: boolean;
  status: number | null;
  timedOut: boolean;
  /** Raised the ban counter (R11). */
  counted: boolean;
  counter: number;
  /** This failure started a ban lasting until then (R12). */
  banUntil: number | null;
  next: Next;
  /** Ended after the webhook was deleted or removed: counts for its event only. */
  afterDeletion: boolean;
  /** Was in flight when a ban started and ended during it: counts for its event only. */
  duringBan: boolean;
}

export interface Window { from: number; to: number }

/** How an endpoint answers; every field defaults to a healthy endpoint. */
export interface Endpoint {
  latencyMs: number;
  failureRate: number;
  slowRate: number;
  failureStatus: number;
  outages: Window[];
}

export type Traffic =
  | { kind: "every"; intervalMs: number }
  | { kind: "bursts"; size: number; everyMs: number; spacingMs: number }
  | { kind: "at"; offsetsMs: number[] };

export interface Scenario {
  policy?: Partial<Policy>;
  start?: number;
  durationMs: number;
  seed?: number;
  webhooks: Array<{ endpoint: Partial<Endpoint>; traffic: Traffic }>;
  timeline?: boolean;
}

export interface SimulationSummary {
  events: number;
  deliveredFirstTry: number;
  deliveredAfterRetry: number;
  failedAllAttempts: number;
  lostDuringBan: number;
  droppedAfterDeletion: number;
  firstTryFailures: number;
  retriesSucceeded: number;
  retriesFailed: number;
  attempts: number;
  bans: number;
  deletedWebhooks: number;
}

export type Change =
  | { kind: "firstTryFailed"; counter: number; counted: boolean }
  | { kind: "retrySucceeded"; attempt: number }
  | { kind: "retryFailed"; attempt: number; last: boolean }
  | { kind: "banStarted"; until: number }
  | { kind: "banEnded" }
  | { kind: "lost" }
  | { kind: "dropped" }
  | { kind: "deleted" }
  | { kind: "recovered" };

export interface SimulationReport {
  summary: SimulationSummary;
  webhooks: Array<{ summary: SimulationSummary; deletedAt: number | null }>;
  timeline: Array<{ webhook: number; at: number; change: Change }>;
}

/** One delivery, v1 or v2, normalised. */
export interface DeliveryEvent {
  version: PayloadVersionString;
  action: "create" | "change" | "delete";
  rawAction: string;
  entity: string;
  entityId: string | null;
  /** The idempotency key (v2 meta.id; for v1 a key stable across retries of one event). */
  eventId: string;
  /** 1 to 4. */
  attempt: number;
  timestampMs: number | null;
  webhookId: string | null;
  companyId: string | null;
  actorUserId: string | null;
  merged: boolean;
  mergedFromId: string | null;
  mergedToId: string | null;
  isBulk: boolean;
  changeSource: string | null;
  data: unknown;
  /** v2 change: only the changed fields (absent = unchanged, null = empty before); delete: the last state; create: null. */
  previous: unknown;
  /** The fields this change changed, sorted (custom fields as `custom_fields.<key>`); empty for create and delete. Ask `changedFields.includes("stage_id")`, never compare with an absent `previous.stage_id`. */
  changedFields: string[];
}

export interface SyncPlan {
  keep: number[];
  /** Deleted by the plan: surplus own webhooks when pruning, and webhooks replaced for a new password. */
  delete: number[];
  create: NewWebhook[];
  untouched: number[];
  /** Own webhooks not desired that stay because the plan does not prune. */
  surplus: number[];
  /** Of `surplus`, duplicates of a desired webhook: every event arrives twice, so the plan is not in sync. */
  duplicates: number[];
  /** Every line with its reason, in the order to apply: deletes, creates, then keep, surplus, untouched. */
  steps: PlanStep[];
}

export interface PlanStep {
  action: "create" | "delete" | "keep" | "surplus" | "untouched";
  /** The existing webhook's id (null for a create). */
  id: number | null;
  /** For a create or a keep: the desired subscription's index in the desired list. */
  desiredIndex: number | null;
  /** `change.deal v2 → https://…`. */
  subscription: string;
  reason: string;
}

export type AfterRateLimit =
  | { kind: "retry"; waitMs: number }
  | { kind: "stop"; scope: "burst" | "daily"; notBefore: number | null; reason: "daily_budget" | "budget_spent" };

export interface ApiConfig {
  /** A company name ("acme"), domain, OAuth api_domain, or a full base URL (e.g. a local emulator). */
  baseUrl: string;
  apiToken?: string;
  accessToken?: string;
}

export type Operation = { kind: "list" } | { kind: "create"; webhook: NewWebhook } | { kind: "delete"; id: number };

export interface HttpRequest {
  method: "GET" | "POST" | "DELETE";
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

export type HeadersInput = Record<string, string> | Array<[string, string]> | { entries(): Iterable<[string, string]> };

export interface HttpResponseInput {
  status: number;
  headers?: HeadersInput;
  body?: string | Uint8Array | null;
}

/** Pipedrive's rate-limit headers; `null` is unknown (absent or unreadable), never 0 or unlimited. */
export interface RateLimit {
  /** Requests allowed per rolling 2 s window (`x-ratelimit-limit`). */
  limit: number | null;
  /** Requests left in the window (`x-ratelimit-remaining`). */
  remaining: number | null;
  /** Seconds until the window resets (`x-ratelimit-reset`). */
  resetS: number | null;
  /** API-token requests left today (`x-daily-requests-left`; POST/PUT only). */
  dailyLeft: number | null;
  /** Tokens left in the company's daily budget (`x-daily-ratelimit-token-remaining`); a list or create costs 10, a delete 6. Invisible to a page calling Pipedrive directly. */
  dailyTokensLeft: number | null;
  /** The company's daily token budget (`x-daily-ratelimit-token-limit`). */
  dailyTokenLimit: number | null;
}

export type ErrorCode =
  | "INVALID_INPUT" | "INVALID_FIELD" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND" | "LIMIT_REACHED"
  | "RATE_LIMITED" | "SERVER_ERROR" | "UNEXPECTED_RESPONSE" | "NOT_JSON" | "NOT_AN_OBJECT" | "UNKNOWN_FORMAT" | "UNKNOWN_EVENT" | "INTERNAL";

/** Every function throws this: an `Error` with a stable `code`. */
export interface PipedriveWebhooksError extends Error {
  code: ErrorCode;
  /** `UNKNOWN_EVENT` (`exampleDelivery`): the closest event that exists, to suggest. */
  nearest?: string;
  /** The form field (`INVALID_FIELD`), or the path to a bad input value (`INVALID_INPUT`: `webhooks[0].traffic.intervalMs`). */
  field?: string;
  status?: number;
  errors?: Array<FieldError | { field: string; message: string }>;
  retryAfterMs?: number | null;
  /** `RATE_LIMITED`: which limit was hit. A `daily` one is not worth retrying before `retryAfterMs`. */
  scope?: "burst" | "daily";
  missingScope?: string | null;
  limit?: number;
  index?: number;
}

/**
 * Checks a webhook before creating it (R2, R14, R15, event values and objects per version).
 * Returns the cleaned webhook with its warnings; throws `INVALID_FIELD` with `field` and every `errors` entry.
 * @example validateWebhook({ subscription_url: "https://example.com/h", event_action: "change", event_object: "deal", name: "Deals", version: "2.0" }).warnings // []
 */
export function validateWebhook(input: NewWebhook, policy?: Partial<Policy>): ValidWebhook;

/**
 * Plans an idempotent sync of the app's webhooks: `current` is the `data` of `GET /webhooks` (as this app), `desired` the subscriptions wanted.
 * Throws `INVALID_FIELD` (with `index`) or `LIMIT_REACHED` rather than plan past the limit (R2).
 */
/** One entry of a desired set: a webhook to create, plus `replace_credentials` to have an existing one replaced with this entry's credentials (Pipedrive's are write-only: never compared). */
export interface DesiredWebhook extends NewWebhook {
  /** Required in a desired set: "1.0" or "2.0". */
  version: "1.0" | "2.0";
  replace_credentials?: boolean;
}

/** One problem of a desired set, with where it is. */
export interface DesiredIssue {
  severity: "error" | "warning";
  /** The entry's index (from 0); null for the set as a whole. */
  index: number | null;
  /** The entry's name (at most 40 characters). */
  name: string | null;
  field: string | null;
  message: string;
}

/** `readDesired`'s result: the entries (none when an issue is an error) and every issue. */
export interface DesiredSet {
  webhooks: DesiredWebhook[];
  issues: DesiredIssue[];
}

/** Plans a sync; `options.prune` defaults to false (own webhooks not desired are kept as `surplus`). */
export function planSync(current: PipedriveWebhook[], desired: DesiredWebhook[], policy?: Partial<Policy>, options?: { prune?: boolean }): SyncPlan;

/** Options of `syncWebhooks`. */
export interface SyncOptions {
  /** The fetch to use (default: the global one; node ≥ 18 and browsers). */
  fetch?: typeof globalThis.fetch;
  /** Plan only: list, plan, report what would happen, send no write request. */
  dryRun?: boolean;
  /** Delete the app's own webhooks that are not desired (default false: they stay, as `skipped`). */
  prune?: boolean;
  /** Called before each API call and after each result. */
  onProgress?: (step: SyncProgress) => void;
  /** Aborts between calls (and the call in flight): the report says what was done. */
  signal?: AbortSignal;
  policy?: Partial<Policy>;
  /** For tests: the clock (epoch ms) and the wait; default Date.now and setTimeout. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SyncProgress {
  phase: "list" | "plan" | "delete" | "create" | "wait" | "done";
  /** 1-based index of the write call and how many there are. */
  index?: number;
  total?: number;
  id?: number;
  subscription?: string;
  /** For "wait": how long, in ms, before retrying after a 429. */
  waitMs?: number;
  /** For "wait": which retry this is (1-based) and how many the call may make (`RateLimitRetry`). */
  retry?: number;
  of?: number;
  ok?: boolean;
  error?: string;
}

export interface SyncFailure {
  action: "list" | "create" | "delete";
  id: number | null;
  subscription: string | null;
  code: ErrorCode | "ABORTED" | "NETWORK";
  status: number | null;
  message: string;
}

/** What a sync did. `complete` is false when it stopped early (a daily-budget 429, an abort, a list failure). */
export interface SyncReport {
  dryRun: boolean;
  complete: boolean;
  plan: SyncPlan | null;
  kept: number[];
  created: Array<{ id: number | null; subscription: string; desiredIndex: number | null }>;
  deleted: number[];
  /** Not done: surplus webhooks without `prune`, and steps not reached after a stop. */
  skipped: Array<{ id: number | null; subscription: string; reason: string }>;
  failed: SyncFailure[];
  /** Write requests sent (creates and deletes). */
  writes: number;
  /** When the API asked for no calls before then (epoch ms), after a 429 that stopped the run. */
  notBefore: number | null;
}

/**
 * Brings the app's webhooks for one installation to `desired`: lists, plans with the core (`planSync`), then applies
 * the plan, deletes before creates. Idempotent: a second run with the same set sends no write request. Never retries
 * a 4xx other than 429; a 429 is waited out exactly as long as `Retry-After` says (within a budget) and a daily-budget
 * 429 stops the run with the report of what was done. A plan past the limit (R2) throws `LIMIT_REACHED` before a single write.
 * @example const report = await syncWebhooks({ baseUrl: "acme", accessToken }, desired, { prune: true });
 */
export function syncWebhooks(config: ApiConfig, desired: DesiredWebhook[], options?: SyncOptions): Promise<SyncReport>;


/**
 * Decodes a Pipedrive API response: `"list"` gives the webhooks, `"create"` the created one, `"delete"` `true`.
 * Otherwise throws the API error with `code` and `status` (`RATE_LIMITED` with `retryAfterMs` and `scope`).
 * `now` (epoch ms) dates an HTTP-date `Retry-After`.
 */
export function decodeResponse(kind: "list", response: HttpResponseInput, now?: number | null): DecodedWebhook[];
export function decodeResponse(kind: "create", response: HttpResponseInput, now?: number | null): DecodedWebhook;
export function decodeResponse(kind: "delete", response: HttpResponseInput, now?: number | null): true;

/**
 * The local companion's decision on a relayed call (`relayTarget`): send `method` to `url`, or
 * answer `status` with `{ "success": false, "error": reason }` and send nothing (`allow`: a 405's
 * `Allow` header).
 */
export type RelayDecision =
  | { kind: "relay"; method: "GET" | "POST" | "DELETE"; host: string; path: string; url: string }
  | { kind: "refuse"; status: 400 | 403 | 404 | 405; reason: string; allow: string | null };

/** One event of the catalog (`events()`): names in its version's words. */
export interface CatalogEntry {
  /** `action.object`: "change.deal" (v2), "updated.deal" (v1). */
  event: string;
  version: PayloadVersionString;
  action: Exclude<EventActionString, "*">;
  object: string;
  /** The same event's name in the other version; null when the object exists in one version only. */
  counterpart: string | null;
  /** One sentence: what happened. */
  description: string;
  /** The shape's quirks, each a short sentence. */
  notes: string[];
}

/** Who and when an example delivery names; every field optional. */
export interface ExampleOptions {
  /** Default 55. */
  webhookId?: number;
  /** Default 12. */
  companyId?: number;
  /** The user: who made the change, and whose app webhook it is; default 3. */
  userId?: number;
  /** 1–4 (R10); default 1. */
  attempt?: number;
  /** The event's time, epoch ms; default 2026-11-02T10:15:30.000Z. */
  timestamp?: number;
}

/**
 * Every event Pipedrive sends in `version`, or in both (v2 first) when omitted.
 * @throws Error with code INVALID_INPUT for another version.
 * @example events("1.0").map((e) => e.event); // ["added.activity", "updated.activity", …]
 */
export function events(version?: PayloadVersionString): CatalogEntry[];

/**
 * The exact JSON text Pipedrive would POST for `event` to a webhook of `version`.
 * @throws Error with code UNKNOWN_EVENT (and `nearest`, the closest event) or INVALID_INPUT.
 * @example exampleDelivery("updated.deal", "1.0"); // '{"v":1,"event":"updated.deal",…}'
 */
export function exampleDelivery(event: string, version: PayloadVersionString, options?: ExampleOptions): string;
