//! The JS binding: a thin edge over the core (conversion and errors only; no rule lives here).
//!
//! Pipedrive's own fields keep Pipedrive's names (`subscription_url`, `event_action`…) so objects
//! match the API's bodies; the package's own objects use camelCase. Every failure is thrown as an
//! `Error` with a stable `code`; bad input never traps.

mod account;
mod convert;

use crate::error::ApiError;
use crate::policy::Policy;
use crate::validation::NewWebhook;
use crate::wire::{self, ApiConfig, Auth, HttpResponse, RemoteWebhook};
use convert::{api_error, bytes, error, from_js, headers, millis, to_js, whole};
use crate::json_read::{unknown_kind, Fields, ReadError, ReadJson};
use wasm_bindgen::prelude::*;

pub use account::JsAccount;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

/// A policy from JS: absent means Pipedrive's defaults; given fields override them.
fn policy_from(value: JsValue) -> Result<Policy, JsValue> {
    if value.is_undefined() || value.is_null() {
        Ok(Policy::default())
    } else {
        from_js(value, "policy")
    }
}

/// Pipedrive's default rule numbers (R2, R9–R13).
///
/// ```js
/// import { defaultPolicy } from "pipedrive-webhooks";
/// defaultPolicy().maxAppWebhooksPerUser; // 40
/// ```
#[wasm_bindgen(js_name = defaultPolicy, unchecked_return_type = "Policy")]
pub fn default_policy() -> Result<JsValue, JsValue> {
    to_js(&Policy::default())
}

/// Checks a webhook before creating it (R2, R14, R15, event values per version). Returns the
/// cleaned webhook with its warnings; throws `INVALID_FIELD` with `field` and every `errors` entry.
///
/// ```js
/// const ok = validateWebhook({ subscription_url: "https://example.com/h", event_action: "change",
///   event_object: "deal", name: "Deals", version: "2.0" });
/// ok.warnings; // []
/// ```
// The signature is in types.d.ts (`policy` optional).
#[wasm_bindgen(js_name = validateWebhook, skip_typescript)]
pub fn validate_webhook(
    #[wasm_bindgen(unchecked_param_type = "NewWebhook")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Partial<Policy> | undefined")] policy: JsValue,
) -> Result<JsValue, JsValue> {
    let input: NewWebhook = from_js(input, "webhook")?;
    match crate::validate(&input, &policy_from(policy)?) {
        Ok(valid) => to_js(&valid),
        Err(errors) => {
            let first = errors.0.first().map(|e| e.field.as_str());
            let e = error("INVALID_FIELD", &errors.to_string(), first);
            convert::set(&e, "errors", &to_js(&errors.0)?);
            Err(e)
        }
    }
}

/// Runs the delivery simulator (R9–R13) over a scenario; returns the summary, per-webhook results
/// and, when `scenario.timeline` is true, the timeline of state changes.
///
/// ```js
/// const r = simulateDeliveries({ durationMs: 7200000, seed: 1, timeline: true,
///   webhooks: [{ endpoint: { failureRate: 1 }, traffic: { kind: "every", intervalMs: 60000 } }] });
/// r.summary.bans; // 3
/// ```
#[wasm_bindgen(js_name = simulateDeliveries, unchecked_return_type = "SimulationReport")]
pub fn simulate_deliveries(#[wasm_bindgen(unchecked_param_type = "Scenario")] scenario: JsValue) -> Result<JsValue, JsValue> {
    let scenario: crate::simulator::Scenario = from_js(scenario, "scenario")?;
    to_js(&crate::simulator::simulate(&scenario))
}

/// The summary only of [`simulate_deliveries`], for bulk runs (no per-webhook list to convert).
#[wasm_bindgen(js_name = simulateSummary, unchecked_return_type = "SimulationSummary")]
pub fn simulate_summary(#[wasm_bindgen(unchecked_param_type = "Scenario")] scenario: JsValue) -> Result<JsValue, JsValue> {
    let scenario: crate::simulator::Scenario = from_js(scenario, "scenario")?;
    to_js(&crate::simulator::simulate(&scenario).summary)
}

/// Decodes a delivery body (v1 or v2) into one normalised event. Throws `NOT_JSON`,
/// `NOT_AN_OBJECT`, `UNKNOWN_FORMAT` or `INVALID_FIELD` (with `field`).
///
/// ```js
/// const event = decodeDelivery(rawBody); // string or Uint8Array
/// if (seen.has(event.eventId)) return; // idempotency key
/// ```
#[wasm_bindgen(js_name = decodeDelivery, unchecked_return_type = "DeliveryEvent")]
pub fn decode_delivery(#[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] body: JsValue) -> Result<JsValue, JsValue> {
    let body = bytes(&body, "body")?;
    match crate::payload::decode_delivery(&body) {
        Ok(event) => to_js(&event),
        Err(e) => {
            let (code, field) = match &e {
                crate::payload::PayloadError::NotJson => ("NOT_JSON", None),
                crate::payload::PayloadError::NotAnObject => ("NOT_AN_OBJECT", None),
                crate::payload::PayloadError::UnknownFormat => ("UNKNOWN_FORMAT", None),
                crate::payload::PayloadError::InvalidField(f) => ("INVALID_FIELD", Some(f.as_str())),
            };
            Err(error(code, &e.to_string(), field))
        }
    }
}

/// Checks a delivery's `Authorization` header against the webhook's Basic-auth credentials (R14),
/// in constant time.
///
/// ```js
/// verifyBasicAuth(req.headers.authorization, "pipedrive", process.env.HOOK_PASSWORD); // true or false
/// ```
#[wasm_bindgen(js_name = verifyBasicAuth)]
pub fn verify_basic_auth(header: Option<String>, user: &str, password: &str) -> bool {
    crate::payload::verify_basic_auth(header.as_deref(), user, password)
}

/// The `Authorization` header value for Basic-auth credentials.
///
/// ```js
/// basicAuthHeader("pipedrive", "s3cret"); // "Basic cGlwZWRyaXZlOnMzY3JldA=="
/// ```
#[wasm_bindgen(js_name = basicAuthHeader)]
pub fn basic_auth_header(user: &str, password: &str) -> String {
    crate::payload::basic_auth_header(user, password)
}

/// Reads a desired set (the JSON array the CLI, the panel and `syncWebhooks` take) with the core's
/// one reader: `{ webhooks, issues }`, every error and warning at once, each with its entry's
/// `index`, `name` and `field`; `webhooks` is empty when an issue is an error. `version` is
/// required; unknown fields are errors with a "did you mean".
///
/// ```js
/// const { webhooks, issues } = readDesired(JSON.parse(fs.readFileSync("webhooks.json", "utf8")));
/// for (const i of issues) console.error(`${i.severity}: [${i.index}] ${i.field}: ${i.message}`);
/// ```
#[wasm_bindgen(js_name = readDesired, unchecked_return_type = "DesiredSet")]
pub fn read_desired(#[wasm_bindgen(unchecked_param_type = "unknown")] desired: JsValue, #[wasm_bindgen(unchecked_param_type = "Partial<Policy> | undefined")] policy: JsValue) -> Result<JsValue, JsValue> {
    let tree = convert::json_tree(desired, "desired webhooks")?;
    let set = crate::desired::read_desired(&tree, &policy_from(policy)?);
    // Read without error, every entry is exactly as given (no unknown field): hand them back.
    let webhooks = if set.has_errors() { serde_json::Value::Array(Vec::new()) } else { tree };
    to_js(&serde_json::json!({ "webhooks": webhooks, "issues": issues_json(&set.issues) }))
}

/// Issues as JS reads them (`severity`, `index`, `name`, `field`, `message`), built as a `Value`:
/// a derived serializer per type is code in the wasm (its budget).
fn issues_json(issues: &[crate::desired::DesiredIssue]) -> serde_json::Value {
    issues
        .iter()
        .map(|i| {
            let severity = if i.severity == crate::desired::Severity::Error { "error" } else { "warning" };
            serde_json::json!({ "severity": severity, "index": i.index, "name": i.name, "field": i.field, "message": i.message })
        })
        .collect()
}

/// Plans an idempotent sync of the app's webhooks: `current` is the `data` array of
/// `GET /webhooks` (as this app), `desired` the subscriptions wanted, read by `readDesired`
/// (`version` required, unknown fields refused). Never prunes unless `options.prune` is true.
/// Throws `INVALID_FIELD` (with every issue in `issues`) or `LIMIT_REACHED` rather than plan past
/// the limit (R2). A plan whose `duplicates` is not empty is not in sync.
///
/// ```js
/// const plan = planSync(listed, [{ subscription_url: url, event_action: "change", event_object: "deal", name: "Deals", version: "2.0" }]);
/// for (const id of plan.delete) await del(id);
/// for (const w of plan.create) await create(w);
/// ```
// The signature is in types.d.ts (`policy` optional).
#[wasm_bindgen(js_name = planSync, skip_typescript)]
pub fn plan_sync(
    #[wasm_bindgen(unchecked_param_type = "PipedriveWebhook[]")] current: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DesiredWebhook[]")] desired: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Partial<Policy> | undefined")] policy: JsValue,
    #[wasm_bindgen(unchecked_param_type = "{ prune?: boolean } | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    // One default everywhere: no pruning unless asked.
    let prune = if options.is_undefined() || options.is_null() {
        false
    } else {
        js_sys::Reflect::get(&options, &"prune".into()).ok().and_then(|p| p.as_bool()).unwrap_or(false)
    };
    let current = match convert::json_tree(current, "current webhooks")? {
        serde_json::Value::Array(items) => items,
        other => return Err(error("INVALID_INPUT", &format!("current webhooks: expected an array, got {}", crate::json_read::kind_of(&other)), None)),
    };
    let current: Vec<RemoteWebhook> = current.into_iter().filter_map(RemoteWebhook::from_value).collect();
    let policy = policy_from(policy)?;
    let set = crate::desired::read_desired(&convert::json_tree(desired, "desired webhooks")?, &policy);
    if set.has_errors() {
        let errors: Vec<&crate::desired::DesiredIssue> = set.errors().collect();
        // The first error in words; every one is in `issues` (`readDesired` gives the same list).
        let first = errors[0];
        let text = format!("the desired set has {} error(s); [{}] {}: {}", errors.len(), first.index.unwrap_or(0), first.field.as_deref().unwrap_or("entry"), first.message);
        let e = error("INVALID_FIELD", &text, first.field.as_deref());
        if let Some(index) = errors.first().and_then(|i| i.index) {
            convert::set(&e, "index", &JsValue::from(index as u32));
        }
        convert::set(&e, "issues", &to_js(&issues_json(&set.issues))?);
        return Err(e);
    }
    match crate::sync::plan_sync_with(&current, &set.webhooks, &policy, prune) {
        Ok(plan) => to_js(&plan),
        Err(crate::sync::SyncError::Invalid { index, errors }) => {
            let e = error("INVALID_FIELD", &format!("desired webhook #{index}: {errors}"), errors.0.first().map(|f| f.field.as_str()));
            convert::set(&e, "index", &JsValue::from(index as u32));
            convert::set(&e, "errors", &to_js(&errors.0)?);
            Err(e)
        }
        Err(e @ crate::sync::SyncError::LimitExceeded { .. }) => Err(error("LIMIT_REACHED", &e.to_string(), None)),
    }
}

struct ConfigInput {
    base_url: String,
    api_token: Option<String>,
    access_token: Option<String>,
}

impl ReadJson for ConfigInput {
    fn read(v: &serde_json::Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(ConfigInput { base_url: f.req("baseUrl")?, api_token: f.opt("apiToken")?, access_token: f.opt("accessToken")? })
    }
}

enum Operation {
    List,
    Create { webhook: NewWebhook },
    Delete { id: f64 },
}

impl ReadJson for Operation {
    fn read(v: &serde_json::Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        match f.kind()? {
            "list" => Ok(Operation::List),
            "create" => Ok(Operation::Create { webhook: f.req("webhook")? }),
            "delete" => Ok(Operation::Delete { id: f.req("id")? }),
            other => Err(unknown_kind(other, "\"list\", \"create\", \"delete\"")),
        }
    }
}

/// Builds a Pipedrive API request (sans-IO): you send it with `fetch`. The token goes in a header
/// (`x-api-token` or `Authorization: Bearer`), never in the URL.
///
/// ```js
/// const req = buildRequest({ baseUrl: "acme", apiToken }, { kind: "list" });
/// const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined });
/// ```
#[wasm_bindgen(js_name = buildRequest, unchecked_return_type = "HttpRequest")]
pub fn build_request(
    #[wasm_bindgen(unchecked_param_type = "ApiConfig")] config: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Operation")] operation: JsValue,
) -> Result<JsValue, JsValue> {
    let config: ConfigInput = from_js(config, "config")?;
    let auth = match (config.api_token, config.access_token) {
        (Some(t), None) if !t.is_empty() => Auth::ApiToken(t),
        (None, Some(t)) if !t.is_empty() => Auth::Bearer(t),
        _ => return Err(error("INVALID_INPUT", "config needs exactly one of apiToken or accessToken", None)),
    };
    let base_url = wire::normalize_base_url(&config.base_url).map_err(|e| error("INVALID_INPUT", &e.0, Some("baseUrl")))?;
    let api = ApiConfig { base_url, auth };
    let req = match from_js::<Operation>(operation, "operation")? {
        Operation::List => api.list_request(),
        Operation::Create { webhook } => api.create_request(&webhook),
        Operation::Delete { id } => api.delete_request(whole(id, "id")?),
    };
    let out = js_sys::Object::new();
    convert::set(&out, "method", &req.method.into());
    convert::set(&out, "url", &req.url.into());
    let hs = js_sys::Object::new();
    for (k, v) in req.headers {
        convert::set(&hs, &k, &v.into());
    }
    convert::set(&out, "headers", &hs);
    convert::set(&out, "body", &req.body.map(JsValue::from).unwrap_or(JsValue::NULL));
    Ok(out.into())
}

enum OperationKind {
    List,
    Create,
    Delete,
}

impl ReadJson for OperationKind {
    fn read(v: &serde_json::Value) -> Result<Self, ReadError> {
        match v.as_str() {
            Some("list") => Ok(OperationKind::List),
            Some("create") => Ok(OperationKind::Create),
            Some("delete") => Ok(OperationKind::Delete),
            _ => Err(ReadError::new("expected \"list\", \"create\" or \"delete\"")),
        }
    }
}

/// Decodes a Pipedrive API response for `kind` ("list", "create", "delete"): the webhooks, the
/// created webhook, or `true`; otherwise throws the API error with `code` (`UNAUTHORIZED`,
/// `FORBIDDEN`, `NOT_FOUND`, `INVALID_FIELD`, `LIMIT_REACHED`, `RATE_LIMITED` with
/// `retryAfterMs`, `SERVER_ERROR`, `UNEXPECTED_RESPONSE`) and `status`.
///
/// ```js
/// const webhooks = decodeResponse("list", { status: res.status, headers: res.headers, body: await res.text() });
/// ```
// The signature is in types.d.ts: one overload per kind, so `decodeResponse("list", …)` is typed
// `DecodedWebhook[]` without a cast.
#[wasm_bindgen(js_name = decodeResponse, skip_typescript)]
pub fn decode_response(
    #[wasm_bindgen(unchecked_param_type = "\"list\" | \"create\" | \"delete\"")] kind: JsValue,
    #[wasm_bindgen(unchecked_param_type = "HttpResponseInput")] response: JsValue,
    now: Option<f64>,
) -> Result<JsValue, JsValue> {
    let kind: OperationKind = from_js(kind, "kind")?;
    let status = js_sys::Reflect::get(&response, &"status".into()).ok().and_then(|s| s.as_f64());
    let status = match status {
        Some(s) if (100.0..=599.0).contains(&s) && s.fract() == 0.0 => s as u16,
        _ => return Err(error("INVALID_INPUT", "response.status must be an HTTP status (100-599)", None)),
    };
    let hs = headers(&js_sys::Reflect::get(&response, &"headers".into()).unwrap_or(JsValue::UNDEFINED))?;
    let body = js_sys::Reflect::get(&response, &"body".into()).unwrap_or(JsValue::UNDEFINED);
    let body = if body.is_undefined() || body.is_null() { Vec::new() } else { bytes(&body, "response.body")? };
    let r = HttpResponse { status, headers: &hs, body: &body };
    let now = now.map(|n| millis(n, "now")).transpose()?.unwrap_or(0);
    let fail = |e: ApiError| {
        // A 429's wait needs `now` for an HTTP-date Retry-After.
        let e = match e {
            ApiError::RateLimited { .. } => wire::decode_error(&r, now),
            other => other,
        };
        api_error(&e)
    };
    match kind {
        OperationKind::List => wire::decode_list(&r).map_err(fail).and_then(|l| to_js(&l.iter().map(remote_json).collect::<Vec<_>>())),
        OperationKind::Create => wire::decode_create(&r).map_err(fail).and_then(|w| to_js(&remote_json(&w))),
        OperationKind::Delete => wire::decode_delete(&r).map_err(fail).map(|()| JsValue::TRUE),
    }
}

/// The webhook as received (Pipedrive's names), plus times in epoch ms, `active` as a boolean,
/// its health as the core judges it from the answer, and the last status in words. Credentials
/// are write-only (R14; Pipedrive answers ciphertext): they are dropped, and `basic_auth` says
/// whether the webhook has them.
fn remote_json(w: &RemoteWebhook) -> serde_json::Value {
    use serde_json::Value;
    let mut v = (*w.raw).clone();
    if let Some(o) = v.as_object_mut() {
        // Blanked rather than removed: `Map::remove` is kilobytes of B-tree code in the wasm.
        for key in ["http_auth_user", "http_auth_password"] {
            if o.contains_key(key) {
                o.insert(key.into(), Value::Null);
            }
        }
        o.insert("basic_auth".into(), Value::from(w.has_basic_auth()));
        for (key, ms) in [("add_time_ms", w.add_time), ("last_delivery_time_ms", w.last_delivery_time)] {
            o.insert(key.into(), ms.map(Value::from).unwrap_or(Value::Null));
        }
        o.insert("active".into(), Value::from(w.is_active));
        o.insert("last_http_status_text".into(), w.last_http_status.as_ref().map(|s| Value::from(s.text())).unwrap_or(Value::Null));
        o.insert("health".into(), Value::from(crate::health::Health::of_remote(w).label()));
    }
    v
}

/// One call's wait-and-retry after 429s (the core's `rate_limit::RateLimitRetry`: the one machine
/// the panel and `syncWebhooks` drive). Send the call; on a `RATE_LIMITED` error ask `after429`,
/// then sleep `waitMs` and send again, or stop (send nothing before `notBefore`). Budget: 3
/// retries, 30 s of waiting in all.
///
/// ```js
/// const retry = new RateLimitRetry();
/// for (;;) {
///   try { return decodeResponse("list", await send(), Date.now()); }
///   catch (e) {
///     if (e.code !== "RATE_LIMITED") throw e;
///     const d = retry.after429(e, Date.now()); // { kind: "retry", waitMs: 10000 } after Pipedrive's burst penalty
///     if (d.kind === "stop") throw e;
///     await sleep(d.waitMs);
///   }
/// }
/// ```
#[wasm_bindgen(js_name = RateLimitRetry)]
pub struct JsRateLimitRetry {
    inner: crate::rate_limit::RateLimitRetry,
}

#[wasm_bindgen(js_class = RateLimitRetry)]
impl JsRateLimitRetry {
    /// A call not yet retried, with the default budget (3 retries, 30 s in all).
    #[wasm_bindgen(constructor)]
    pub fn new() -> JsRateLimitRetry {
        JsRateLimitRetry { inner: crate::rate_limit::RateLimitRetry::new(Default::default()) }
    }

    /// The decision after a 429 at `now` (epoch ms): `error` is the `RATE_LIMITED` error thrown by
    /// `decodeResponse` (its `scope` and `retryAfterMs` are read). A `retry` is counted at once.
    #[wasm_bindgen(js_name = after429, unchecked_return_type = "AfterRateLimit")]
    pub fn after_429(&mut self, #[wasm_bindgen(unchecked_param_type = "{ scope: \"burst\" | \"daily\"; retryAfterMs?: number | null }")] error: JsValue, now: f64) -> Result<JsValue, JsValue> {
        use crate::rate_limit::RateLimitScope;
        let get = |k: &str| js_sys::Reflect::get(&error, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let scope = match get("scope").as_string().as_deref() {
            Some("daily") => RateLimitScope::Daily,
            Some("burst") => RateLimitScope::Burst,
            _ => return Err(convert::error("INVALID_INPUT", "error.scope must be \"burst\" or \"daily\" (pass the RATE_LIMITED error decodeResponse threw)", Some("scope"))),
        };
        let wait = get("retryAfterMs");
        let retry_after_ms = if wait.is_null() || wait.is_undefined() { None } else { Some(millis(wait.as_f64().unwrap_or(f64::NAN), "retryAfterMs")?) };
        to_js(&self.inner.after_429(scope, retry_after_ms, millis(now, "now")?))
    }

    /// Retries decided so far.
    #[wasm_bindgen(getter)]
    pub fn retries(&self) -> u32 {
        self.inner.retries()
    }

    /// The retries this call may make in all.
    #[wasm_bindgen(getter, js_name = maxRetries)]
    pub fn max_retries(&self) -> u32 {
        self.inner.budget().max_retries
    }
}

impl Default for JsRateLimitRetry {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads Pipedrive's rate-limit headers (`x-ratelimit-*`, `x-daily-requests-left`).
///
/// ```js
/// const rl = rateLimit(res.headers); // { limit: 40, remaining: 38, resetS: 2, dailyLeft: 9000 }
/// ```
#[wasm_bindgen(js_name = rateLimit, unchecked_return_type = "RateLimit")]
pub fn rate_limit(#[wasm_bindgen(unchecked_param_type = "HeadersInput")] hs: JsValue) -> Result<JsValue, JsValue> {
    let hs = headers(&hs)?;
    to_js(&wire::RateLimit::from_response(&HttpResponse { status: 200, headers: &hs, body: b"" }))
}

/// Turns a company name, domain, `api_domain` or base URL into the API base URL.
///
/// ```js
/// normalizeBaseUrl("acme"); // "https://acme.pipedrive.com/api/v1"
/// ```
#[wasm_bindgen(js_name = normalizeBaseUrl)]
pub fn normalize_base_url(input: &str) -> Result<String, JsValue> {
    wire::normalize_base_url(input).map_err(|e| error("INVALID_INPUT", &e.0, Some("baseUrl")))
}

/// Whether the local companion (`npx pipedrive-webhooks serve`) relays `method` on `path`, what
/// follows `/_relay/` (`acme.pipedrive.com/api/v1/webhooks`, query string included): the target,
/// or the refusal's HTTP status (400, 403, 404, 405) and reason (`relay::relay_target`).
///
/// ```js
/// relayTarget("DELETE", "acme.pipedrive.com/api/v1/webhooks/5");
/// // { kind: "relay", method: "DELETE", host: "acme.pipedrive.com", path: "/api/v1/webhooks/5", url: "https://acme.pipedrive.com/api/v1/webhooks/5" }
/// relayTarget("GET", "evil.com/api/v1/webhooks"); // { kind: "refuse", status: 403, reason: "evil.com is not Pipedrive: …", allow: null }
/// ```
#[wasm_bindgen(js_name = relayTarget, unchecked_return_type = "RelayDecision")]
pub fn relay_target(method: &str, path: &str) -> JsValue {
    let out = js_sys::Object::new();
    match crate::relay::relay_target(method, path) {
        Ok(t) => {
            convert::set(&out, "kind", &"relay".into());
            convert::set(&out, "method", &t.method.into());
            convert::set(&out, "url", &t.url().into());
            convert::set(&out, "host", &t.host.into());
            convert::set(&out, "path", &t.path.into());
        }
        Err(r) => {
            convert::set(&out, "kind", &"refuse".into());
            convert::set(&out, "status", &JsValue::from(r.status()));
            convert::set(&out, "reason", &r.to_string().into());
            convert::set(&out, "allow", &r.allow().map(JsValue::from).unwrap_or(JsValue::NULL));
        }
    }
    out.into()
}

/// A payload version from JS: `undefined`/`null` is none, else `"1.0"` or `"2.0"`.
fn version_from(value: &JsValue) -> Result<Option<crate::PayloadVersion>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_string().as_deref() {
        Some("1.0") => Ok(Some(crate::PayloadVersion::V1)),
        Some("2.0") => Ok(Some(crate::PayloadVersion::V2)),
        _ => Err(error("INVALID_INPUT", "version must be \"1.0\" or \"2.0\"", Some("version"))),
    }
}

/// The event catalog: every event Pipedrive sends in `version` ("1.0" or "2.0"), or in both (v2
/// first) when omitted. Each entry: `{ event, version, action, object, counterpart, description,
/// notes }`, names in the version's words (`updated.deal` in v1). Throws `INVALID_INPUT` for
/// another version.
///
/// ```js
/// events("2.0").find((e) => e.event === "change.deal").counterpart; // "updated.deal"
/// ```
#[wasm_bindgen(js_name = events, skip_typescript)]
pub fn events(version: JsValue) -> Result<JsValue, JsValue> {
    to_js(&crate::catalog::events(version_from(&version)?))
}

/// The body Pipedrive would POST for `event` (`action.object` in `version`'s words) to a webhook
/// of `version`: the exact JSON text, compact, in Pipedrive's key order. `options`: `{ webhookId,
/// companyId, userId, attempt (1–4), timestamp (epoch ms) }`, each optional. Throws
/// `UNKNOWN_EVENT` (with `nearest`) or `INVALID_INPUT`.
///
/// ```js
/// const body = exampleDelivery("change.deal", "2.0", { attempt: 2 });
/// await fetch("http://localhost:3000/hook", { method: "POST", body, headers: { "content-type": "application/json" } });
/// ```
#[wasm_bindgen(js_name = exampleDelivery, skip_typescript)]
pub fn example_delivery(event: JsValue, version: JsValue, options: JsValue) -> Result<String, JsValue> {
    let event = event.as_string().ok_or_else(|| error("INVALID_INPUT", "event must be a string such as \"change.deal\"", Some("event")))?;
    let version = version_from(&version)?.ok_or_else(|| error("INVALID_INPUT", "version is required: \"1.0\" or \"2.0\"", Some("version")))?;
    let options: crate::catalog::ExampleOptions = if options.is_undefined() || options.is_null() { Default::default() } else { from_js(options, "options")? };
    match crate::catalog::example_delivery(&event, version, &options) {
        Ok(body) => Ok(body),
        Err(crate::catalog::ExampleError::UnknownEvent(u)) => {
            let err = error("UNKNOWN_EVENT", &u.to_string(), Some("event"));
            convert::set(&err, "nearest", &u.nearest.into());
            Err(err)
        }
        Err(other) => Err(error("INVALID_INPUT", &other.to_string(), Some("attempt"))),
    }
}
