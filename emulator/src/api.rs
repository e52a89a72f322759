//! The webhooks API, as Pipedrive answers it: `GET`, `POST` (JSON only: 415 otherwise) and `DELETE` on
//! `/v1/webhooks` and `/api/v1/webhooks`, with auth, the per-token burst limit, the company's daily
//! token budget and exact bodies.

use crate::state::Shared;
use crate::ratelimit::{self, DailyVerdict, Verdict};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Router;
use pipedrive_webhooks::error::PIPEDRIVE_ERROR_INFO;
use pipedrive_webhooks::rate_limit::{token_cost, RateLimitScope};
use pipedrive_webhooks::wire::{ok_envelope, webhook_json};
use pipedrive_webhooks::{ApiError, Caller, FieldMessage, NewWebhook};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn routes() -> Router<Arc<Shared>> {
    let api = Router::new().route("/webhooks", get(list).post(create)).route("/webhooks/{id}", delete(remove));
    Router::new().nest("/v1", api.clone()).nest("/api/v1", api)
}

fn json(status: u16, body: Value) -> Response {
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(body)).into_response()
}

fn error(e: &ApiError) -> Response {
    json(e.status(), e.body())
}

/// The token of a request, and whether it came as an OAuth access token: `Authorization: Bearer`
/// (OAuth), or `x-api-token` / `?api_token=` (a user's API token).
fn token(headers: &HeaderMap, uri: &Uri) -> Option<(String, bool)> {
    if let Some(t) = headers.get("x-api-token").and_then(|v| v.to_str().ok()) {
        return Some((t.trim().to_string(), false));
    }
    if let Some(b) = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")) {
        return Some((b.trim().to_string(), true));
    }
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).find(|(k, _)| k == "api_token").map(|(_, v)| (v.into_owned(), false))
}

/// A request let through: who calls, and what the two limits said (their headers go on the answer).
struct Admitted {
    caller: Caller,
    burst: Verdict,
    daily: DailyVerdict,
}

impl Admitted {
    fn answer(&self, mut resp: Response) -> Response {
        rate_headers(&mut resp, self.burst);
        daily_headers(&mut resp, self.daily);
        resp
    }
}

/// Authenticates and rate-limits a request of `method`: the caller and the limits' verdicts, or
/// the answer. As Pipedrive: an app's OAuth access token works only as `Authorization: Bearer`, a
/// user's API token only as `x-api-token` (or the query); the other way round is a 401, so a
/// client that sends a token the wrong way fails here as it would in production.
///
/// Then the burst limit (per token), then the daily budget (per company), which charges the
/// call's cost (`token_cost`) whatever its answer. Decision: a request refused by auth or by the
/// burst limit costs nothing (it never reached the API); one refused by the budget neither.
// A handler helper's error is the answer itself; boxing it would buy nothing on this path.
#[allow(clippy::result_large_err)]
fn admit(shared: &Shared, headers: &HeaderMap, uri: &Uri, method: &str) -> Result<Admitted, Response> {
    let mut w = shared.lock();
    let found = token(headers, uri).and_then(|(t, bearer)| w.tokens.get(&t).map(|c| (t, *c, bearer)));
    let Some((token, caller)) = found.filter(|(_, c, bearer)| matches!(c, Caller::App { .. }) == *bearer).map(|(t, c, _)| (t, c)) else {
        return Err(error(&ApiError::Unauthorized));
    };
    let burst = ratelimit::check(w.windows.entry(token).or_default(), shared.rate_limit, shared.burst_penalty, Instant::now());
    let now = w.clock.now();
    if !burst.allowed {
        let daily = w.daily.charge(shared.daily_budget, 0, now);
        let mut resp = error(&ApiError::RateLimited { retry_after_ms: Some(burst.reset_s as i64 * 1000), scope: RateLimitScope::Burst });
        rate_headers(&mut resp, burst);
        daily_headers(&mut resp, daily);
        resp.headers_mut().insert("retry-after", HeaderValue::from(burst.reset_s));
        return Err(resp);
    }
    let daily = w.daily.charge(shared.daily_budget, u64::from(token_cost(method)), now);
    if !daily.allowed {
        let body = serde_json::json!({"success": false, "error": "Daily request budget exceeded", "error_info": PIPEDRIVE_ERROR_INFO});
        let mut resp = json(429, body);
        rate_headers(&mut resp, burst);
        daily_headers(&mut resp, daily);
        // On the emulator's clock (scaled like every policy time): the seconds to midnight UTC.
        resp.headers_mut().insert("retry-after", HeaderValue::from(daily.reset_s));
        return Err(resp);
    }
    Ok(Admitted { caller, burst, daily })
}

fn rate_headers(resp: &mut Response, v: Verdict) {
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(v.limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(v.remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(v.reset_s));
}

fn daily_headers(resp: &mut Response, v: DailyVerdict) {
    let h = resp.headers_mut();
    h.insert("x-daily-ratelimit-token-limit", HeaderValue::from(v.limit));
    h.insert("x-daily-ratelimit-token-remaining", HeaderValue::from(v.remaining));
}

async fn list(State(shared): State<Arc<Shared>>, headers: HeaderMap, uri: Uri) -> Response {
    let admitted = match admit(&shared, &headers, &uri, "GET") {
        Ok(ok) => ok,
        Err(resp) => return resp,
    };
    let w = shared.lock();
    let resp = match w.account.list(&admitted.caller) {
        Ok(entries) => json(200, ok_envelope(Some(Value::Array(entries.iter().map(|e| webhook_json(&e.webhook, &e.delivery)).collect())))),
        Err(e) => error(&e),
    };
    admitted.answer(resp)
}

async fn create(State(shared): State<Arc<Shared>>, headers: HeaderMap, uri: Uri, body: Bytes) -> Response {
    let admitted = match admit(&shared, &headers, &uri, "POST") {
        Ok(ok) => ok,
        Err(resp) => return resp,
    };
    if let Err(resp) = require_json(&headers, &body) {
        return admitted.answer(resp);
    }
    let resp = match parse_new_webhook(&body) {
        Err(message) => error(&ApiError::InvalidField { errors: vec![FieldMessage { field: "body".into(), message }] }),
        Ok(input) if points_at_self(&input.subscription_url, shared.port) => {
            let policy = shared.lock().account.policy;
            error(&self_url_errors(&input, &policy))
        }
        Ok(input) => {
            let mut w = shared.lock();
            let now = w.clock.now();
            match w.account.create(&admitted.caller, &input, now) {
                Ok(webhook) => {
                    let saved = w.save();
                    match saved {
                        Ok(()) => json(201, ok_envelope(Some(webhook_json(&webhook, &Default::default())))),
                        Err(e) => error(&ApiError::ServerError { status: 500, message: e.to_string() }),
                    }
                }
                Err(e) => error(&e),
            }
        }
    };
    admitted.answer(resp)
}

async fn remove(State(shared): State<Arc<Shared>>, headers: HeaderMap, uri: Uri, Path(id): Path<String>) -> Response {
    let admitted = match admit(&shared, &headers, &uri, "DELETE") {
        Ok(ok) => ok,
        Err(resp) => return resp,
    };
    let resp = match id.parse::<u64>() {
        Err(_) => error(&ApiError::NotFound { id: None }),
        Ok(id) => {
            let mut w = shared.lock();
            let now = w.clock.now();
            match w.account.delete(&admitted.caller, id, now) {
                Ok(_) => match w.save() {
                    Ok(()) => json(200, ok_envelope(None)),
                    Err(e) => error(&ApiError::ServerError { status: 500, message: e.to_string() }),
                },
                Err(e) => error(&e),
            }
        }
    };
    admitted.answer(resp)
}

/// The field error for a subscription URL that points at the emulator itself.
pub(crate) const SELF_URL: &str = "invalid or non-reachable URL (it points at this emulator)";

/// A webhook on the emulator's own address would deliver into its own API (one on
/// `/_emulator/reset` would wipe it, any other loops): refused like any unreachable URL, with
/// the input's other field errors (the core's validation) beside it.
fn self_url_errors(input: &NewWebhook, policy: &pipedrive_webhooks::Policy) -> ApiError {
    let mut errors = match pipedrive_webhooks::validate(input, policy) {
        Ok(_) => Vec::new(),
        Err(v) => match ApiError::from(v) {
            ApiError::InvalidField { errors } => errors,
            _ => Vec::new(),
        },
    };
    errors.retain(|e| e.field != "subscription_url");
    errors.insert(0, FieldMessage { field: "subscription_url".into(), message: SELF_URL.into() });
    ApiError::InvalidField { errors }
}

/// Whether `raw` (read as reqwest reads it, the WHATWG way: `127.1`, `0x7f.0.0.1` and
/// `2130706433` are all 127.0.0.1) names this emulator: its `port` on a loopback or unspecified
/// address, or `localhost` (and `*.localhost`). Any other name that resolves to loopback reaches
/// the guard with a foreign `Host`, which it refuses.
pub(crate) fn points_at_self(raw: &str, port: u16) -> bool {
    let Ok(url) = url::Url::parse(raw.trim()) else { return false };
    if url.port_or_known_default() != Some(port) {
        return false;
    }
    let v4 = |ip: std::net::Ipv4Addr| ip.is_loopback() || ip.is_unspecified();
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => v4(ip),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.is_unspecified() || ip.to_ipv4_mapped().is_some_and(v4),
        None => false,
    }
}

/// Pipedrive's API (Fastify) parses JSON bodies only: any other content type, form-encoded
/// included, is a 415 with Fastify's own body, and nothing is created. An empty body without a
/// content type passes (its fields are then missing: a 400).
#[allow(clippy::result_large_err)]
pub(crate) fn require_json(headers: &HeaderMap, body: &[u8]) -> Result<(), Response> {
    let given = headers.get("content-type").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let essence = given.as_deref().map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/json") => Ok(()),
        None if body.iter().all(u8::is_ascii_whitespace) => Ok(()),
        _ => {
            let shown: String = given.as_deref().unwrap_or("undefined").chars().filter(|c| !c.is_control()).take(100).collect();
            Err(json(
                415,
                serde_json::json!({
                    "statusCode": 415,
                    "code": "FST_ERR_CTP_INVALID_MEDIA_TYPE",
                    "error": "Unsupported Media Type",
                    "message": format!("Unsupported Media Type: {shown}"),
                }),
            ))
        }
    }
}

/// A JSON create body into the core's input. Numbers may come as strings. Public only for the
/// fuzzer (`fuzz/`): it reads hostile bytes from the network.
#[doc(hidden)]
pub fn parse_new_webhook(body: &[u8]) -> Result<NewWebhook, String> {
    let fields: Vec<(String, Value)> = if body.iter().all(u8::is_ascii_whitespace) {
        Vec::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m.into_iter().collect(),
            Ok(_) => return Err("the body must be a JSON object".into()),
            Err(_) => return Err("the body is not valid JSON".into()),
        }
    };
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let mut input = NewWebhook::default();
    for (k, v) in &fields {
        match k.as_str() {
            "subscription_url" => input.subscription_url = text(v).unwrap_or_default(),
            "event_action" => input.event_action = text(v).unwrap_or_default(),
            "event_object" => input.event_object = text(v).unwrap_or_default(),
            "name" => input.name = text(v).unwrap_or_default(),
            "version" => input.version = text(v),
            "user_id" => {
                input.user_id = match text(v) {
                    None => None,
                    Some(s) => Some(s.trim().parse().map_err(|_| "user_id must be a number".to_string())?),
                }
            }
            "http_auth_user" => input.http_auth_user = text(v),
            "http_auth_password" => input.http_auth_password = text(v),
            _ => {}
        }
    }
    Ok(input)
}

/// The largest request body the emulator reads (Pipedrive's create bodies are well under 1 KB).
pub const MAX_BODY: usize = 64 * 1024;

/// Who may reach the emulator: requests must name its address (`Host`), and a browser request
/// (one with an `Origin`) must come from an allowed origin. Why: the default tokens are public, so
/// without this any web page the developer visits could create webhooks that make the emulator
/// POST to hosts on the developer's network (by a cross-origin request, or by DNS rebinding).
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    /// The port the emulator listens on (`Host` must be 127.0.0.1, localhost or [::1] with it).
    pub port: u16,
    /// Normalised origins (`http://127.0.0.1:8080`) allowed to call from a browser.
    pub origins: Vec<String>,
    /// How long a body may take to arrive after its headers.
    pub body_timeout: Duration,
}

impl Gate {
    fn host_ok(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        ["127.0.0.1", "localhost", "[::1]"].iter().any(|name| host == format!("{name}:{}", self.port))
    }

    fn origin_ok(&self, origin: &str) -> bool {
        crate::normalize_origin(origin).is_ok_and(|o| self.origins.contains(&o))
    }
}

fn refuse(status: u16, message: String) -> Response {
    json(status, serde_json::json!({"success": false, "error": message, "errorCode": status}))
}

/// Fastify's answer to a body over its limit (Pipedrive's API runs on Fastify).
fn too_large() -> Response {
    json(
        413,
        serde_json::json!({"statusCode": 413, "code": "FST_ERR_CTP_BODY_TOO_LARGE", "error": "Payload Too Large", "message": "Request body is too large"}),
    )
}

/// Runs before every route (and before CORS): refuses a foreign `Host` (DNS rebinding) or a
/// browser `Origin` that is not allowed (403, preflights included), and a body over [`MAX_BODY`]
/// (413). It reads the whole body here, before any handler takes the world's lock, so a client
/// that trickles its body holds nobody up; one that has not sent it all within the body timeout
/// gets a 408 and its connection closes.
pub(crate) async fn guard(State(gate): State<Arc<Gate>>, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let host = req.headers().get(axum::http::header::HOST).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).or_else(|| req.uri().authority().map(|a| a.to_string()));
    match host {
        Some(h) if gate.host_ok(&h) => {}
        other => {
            let shown: String = other.as_deref().unwrap_or("(none)").chars().filter(|c| !c.is_control()).take(100).collect();
            return refuse(
                403,
                format!("Host {shown:?} is not this emulator's address (127.0.0.1:{p}, localhost:{p} or [::1]:{p}): refused (DNS rebinding)", p = gate.port),
            );
        }
    }
    if let Some(origin) = req.headers().get(axum::http::header::ORIGIN) {
        let origin = String::from_utf8_lossy(origin.as_bytes()).into_owned();
        if !gate.origin_ok(&origin) {
            let shown: String = origin.chars().filter(|c| !c.is_control()).take(100).collect();
            return refuse(403, format!("web pages from {shown:?} may not call the emulator; start it with --allow-origin {shown} to allow them"));
        }
    }
    let declared = req.headers().get(axum::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    // Over the limit (chunked, no length) or cut off: either way nothing is applied.
    let bytes = match tokio::time::timeout(gate.body_timeout, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return too_large(),
        Err(_) => {
            let mut resp = refuse(408, format!("the request body did not arrive within {} ms", gate.body_timeout.as_millis()));
            resp.headers_mut().insert(axum::http::header::CONNECTION, HeaderValue::from_static("close"));
            return resp;
        }
    };
    next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await
}
