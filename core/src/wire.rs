//! Pipedrive's webhooks API on the wire, sans-IO: request builders, lenient response decoding into
//! typed values or [`ApiError`]s, rate-limit headers, and the webhook JSON an API answers with.
//! The panel (gloo-net), the emulator and JS callers do the HTTP; this module does everything else.

use crate::delivery::DeliveryState;
use crate::error::{ApiError, FieldMessage};
use crate::policy::Millis;
use crate::rate_limit::RateLimitScope;
use crate::time::{format_iso, parse_time};
use crate::validation::{split_host_port, valid_hostname, NewWebhook};
use crate::webhook::{Webhook, WebhookId, WebhookType};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::fmt;

/// How a caller proves who it is. Never put in a URL.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "token", rename_all = "snake_case")]
pub enum Auth {
    /// A user's API token, sent as `x-api-token`.
    ApiToken(String),
    /// An OAuth access token, sent as `Authorization: Bearer …`.
    Bearer(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::ApiToken(_) => f.write_str("ApiToken(••••)"),
            Auth::Bearer(_) => f.write_str("Bearer(••••)"),
        }
    }
}

/// An HTTP request to send. Its `Debug` masks credentials, so it can be logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), if is_secret_header(k) { "••••".to_string() } else { v.clone() }))
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body.as_ref().map(|b| mask_password_in_body(b)))
            .finish()
    }
}

fn is_secret_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("x-api-token") || name.eq_ignore_ascii_case("authorization")
}

fn mask_password_in_body(body: &str) -> String {
    // As bytes, like every other reader here: one serde_json reader in the wasm, not two.
    match serde_json::from_slice::<Value>(body.as_bytes()) {
        Ok(Value::Object(mut m)) => {
            if m.get("http_auth_password").is_some_and(|v| !v.is_null()) {
                m.insert("http_auth_password".into(), Value::String("••••".into()));
            }
            Value::Object(m).to_string()
        }
        _ => body.to_string(),
    }
}

/// Where the API is and how to authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiConfig {
    /// Ends with the version segment, e.g. `https://acme.pipedrive.com/api/v1`.
    pub base_url: String,
    pub auth: Auth,
}

/// Why a base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{0}")]
pub struct BaseUrlError(pub String);

/// Turns what a user types into the API's base URL: a company name (`acme`), a company domain
/// (`acme.pipedrive.com`), an OAuth `api_domain` (`https://acme.pipedrive.com`), or a full base URL
/// of any Pipedrive-compatible server (`http://127.0.0.1:8700/v1`). Pipedrive itself is https only.
///
/// ```
/// use pipedrive_webhooks::wire::normalize_base_url;
/// assert_eq!(normalize_base_url("acme").unwrap(), "https://acme.pipedrive.com/api/v1");
/// assert_eq!(normalize_base_url("https://acme.pipedrive.com/").unwrap(), "https://acme.pipedrive.com/api/v1");
/// assert_eq!(normalize_base_url("http://127.0.0.1:8700").unwrap(), "http://127.0.0.1:8700/api/v1");
/// assert_eq!(normalize_base_url("http://localhost:8700/v1/").unwrap(), "http://localhost:8700/v1");
/// assert!(normalize_base_url("http://acme.pipedrive.com").is_err());
/// ```
pub fn normalize_base_url(input: &str) -> Result<String, BaseUrlError> {
    let s = input.trim().trim_end_matches('/');
    if s.is_empty() {
        return Err(BaseUrlError("enter a company domain (acme.pipedrive.com) or a base URL".into()));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(BaseUrlError("the address contains spaces or control characters".into()));
    }
    let with_scheme = if s.contains("://") {
        s.to_string()
    } else if s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        format!("https://{s}.pipedrive.com")
    } else {
        format!("https://{s}")
    };
    let (scheme, rest) = with_scheme.split_once("://").expect("has a scheme");
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(BaseUrlError(format!("use an http or https address, not {scheme}://")));
    }
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, String::new()));
    let host_only = match split_host_port(host) {
        Some((h, _)) if h.starts_with('[') || valid_hostname(&h.to_ascii_lowercase()) => h.to_ascii_lowercase(),
        _ => return Err(BaseUrlError("the address has no valid host".into())),
    };
    let is_pipedrive = host_only == "pipedrive.com" || host_only.ends_with(".pipedrive.com");
    if is_pipedrive && scheme != "https" {
        return Err(BaseUrlError("Pipedrive's API is https only".into()));
    }
    let path = if path.is_empty() { "/api/v1".to_string() } else { path };
    Ok(format!("{scheme}://{host}{path}"))
}

impl ApiConfig {
    fn request(&self, method: &str, path: &str, body: Option<String>) -> HttpRequest {
        let mut headers = vec![("accept".to_string(), "application/json".to_string())];
        match &self.auth {
            Auth::ApiToken(t) => headers.push(("x-api-token".into(), t.clone())),
            Auth::Bearer(t) => headers.push(("authorization".into(), format!("Bearer {t}"))),
        }
        if body.is_some() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        HttpRequest { method: method.into(), url: format!("{}{path}", self.base_url.trim_end_matches('/')), headers, body }
    }

    /// `GET /webhooks`.
    ///
    /// ```
    /// use pipedrive_webhooks::wire::{ApiConfig, Auth};
    /// let cfg = ApiConfig { base_url: "https://acme.pipedrive.com/api/v1".into(), auth: Auth::ApiToken("t0k3n".into()) };
    /// let req = cfg.list_request();
    /// assert_eq!(req.url, "https://acme.pipedrive.com/api/v1/webhooks");
    /// assert!(!req.url.contains("t0k3n") && !format!("{req:?}").contains("t0k3n"));
    /// ```
    pub fn list_request(&self) -> HttpRequest {
        self.request("GET", "/webhooks", None)
    }

    /// `POST /webhooks` with a JSON body. The version is always sent explicitly ("2.0" when the
    /// input has none), since Pipedrive's default changed once and broke receivers.
    pub fn create_request(&self, input: &NewWebhook) -> HttpRequest {
        let mut body = Map::new();
        body.insert("subscription_url".into(), json!(input.subscription_url.trim()));
        body.insert("event_action".into(), json!(input.event_action.trim()));
        body.insert("event_object".into(), json!(input.event_object.trim()));
        body.insert("name".into(), json!(input.name.trim()));
        body.insert("version".into(), json!(input.version.as_deref().map(str::trim).unwrap_or("2.0")));
        if let Some(u) = input.user_id {
            body.insert("user_id".into(), json!(u));
        }
        for (key, value) in [("http_auth_user", &input.http_auth_user), ("http_auth_password", &input.http_auth_password)] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                body.insert(key.into(), json!(v));
            }
        }
        self.request("POST", "/webhooks", Some(Value::Object(body).to_string()))
    }

    /// `DELETE /webhooks/{id}`.
    pub fn delete_request(&self, id: WebhookId) -> HttpRequest {
        self.request("DELETE", &format!("/webhooks/{id}"), None)
    }
}

/// A webhook as an API answered it: every field may be absent (domain reference, section 2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteWebhook {
    pub id: Option<WebhookId>,
    pub company_id: Option<u64>,
    pub owner_id: Option<u64>,
    pub user_id: Option<u64>,
    pub admin_id: Option<u64>,
    pub event_action: Option<String>,
    pub event_object: Option<String>,
    pub subscription_url: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub is_active: Option<bool>,
    pub add_time: Option<Millis>,
    pub remove_time: Option<Millis>,
    pub last_delivery_time: Option<Millis>,
    pub last_http_status: Option<LastHttpStatus>,
    pub remove_reason: Option<String>,
    #[serde(rename = "type")]
    pub webhook_type: Option<WebhookType>,
    pub http_auth_user: Option<String>,
    /// May come back in clear: mask it wherever it is shown.
    pub http_auth_password: Option<String>,
    /// The object as received, for a raw-JSON view (not serialised again: it would repeat the fields).
    /// Shared: lists of a thousand webhooks are handed around, and copying each object cost more
    /// than decoding it.
    #[serde(skip)]
    pub raw: std::sync::Arc<Value>,
}

impl RemoteWebhook {
    /// Whether the webhook sends Basic-auth credentials: all a client may know of them (Pipedrive
    /// answers ciphertext; older answers the value). Show "Basic auth: set", never the value.
    pub fn has_basic_auth(&self) -> bool {
        [&self.http_auth_user, &self.http_auth_password].iter().any(|v| v.as_deref().is_some_and(|s| !s.is_empty()))
    }

    /// Reads a webhook object leniently: ids as numbers or strings, `is_active` as 0/1 or a bool,
    /// both time formats, unknown fields kept in `raw`. Only a non-object is refused.
    ///
    /// ```
    /// use pipedrive_webhooks::wire::RemoteWebhook;
    /// let w = RemoteWebhook::from_json(&serde_json::json!({"id": "7", "is_active": 1, "add_time": "2019-10-25 08:25:27", "new_field": true})).unwrap();
    /// assert_eq!((w.id, w.is_active), (Some(7), Some(true)));
    /// assert!(w.add_time.is_some());
    /// ```
    pub fn from_json(v: &Value) -> Option<Self> {
        Self::read(v).map(|w| RemoteWebhook { raw: std::sync::Arc::new(v.clone()), ..w })
    }

    /// [`from_json`](Self::from_json), keeping `v` itself as `raw` (no copy).
    ///
    /// ```
    /// use pipedrive_webhooks::wire::RemoteWebhook;
    /// let w = RemoteWebhook::from_value(serde_json::json!({"id": 7, "name": "x"})).unwrap();
    /// assert_eq!((w.id, w.raw["name"].as_str()), (Some(7), Some("x")));
    /// ```
    pub fn from_value(v: Value) -> Option<Self> {
        Self::read(&v).map(|w| RemoteWebhook { raw: std::sync::Arc::new(v), ..w })
    }

    /// The fields of `v`; `raw` left empty.
    fn read(v: &Value) -> Option<Self> {
        let o = v.as_object()?;
        let id = |k: &str| o.get(k).and_then(as_u64);
        let text = |k: &str| o.get(k).and_then(as_text);
        let time = |k: &str| o.get(k).and_then(Value::as_str).and_then(parse_time);
        Some(RemoteWebhook {
            id: id("id"),
            company_id: id("company_id"),
            owner_id: id("owner_id"),
            user_id: id("user_id"),
            admin_id: id("admin_id"),
            event_action: text("event_action"),
            event_object: text("event_object"),
            subscription_url: text("subscription_url"),
            name: text("name"),
            version: text("version"),
            is_active: o.get("is_active").and_then(|v| match v {
                Value::Bool(b) => Some(*b),
                other => as_u64(other).map(|n| n != 0),
            }),
            add_time: time("add_time"),
            remove_time: time("remove_time"),
            last_delivery_time: time("last_delivery_time"),
            last_http_status: o.get("last_http_status").and_then(LastHttpStatus::read),
            remove_reason: text("remove_reason"),
            webhook_type: text("type").map(|t| WebhookType::parse(&t)),
            http_auth_user: text("http_auth_user"),
            http_auth_password: text("http_auth_password"),
            raw: Default::default(),
        })
    }
}

/// What Pipedrive reports as a webhook's `last_http_status`: the receiver's HTTP status, or the
/// string `"Error"` when no status came back (a timeout, a blocked webhook or an internal failure:
/// Pipedrive's own UI shows "Error"). Any other text is kept verbatim.
///
/// ```
/// use pipedrive_webhooks::wire::LastHttpStatus;
/// use serde_json::json;
/// assert_eq!(LastHttpStatus::read(&json!(200)), Some(LastHttpStatus::Code(200)));
/// assert_eq!(LastHttpStatus::read(&json!("Error")), Some(LastHttpStatus::Error));
/// assert!(LastHttpStatus::read(&json!("Error")).unwrap().is_failure());
/// assert_eq!(LastHttpStatus::read(&json!("Error")).unwrap().text(), "Error (timeout or blocked)");
/// assert_eq!(LastHttpStatus::read(&json!(null)), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum LastHttpStatus {
    /// An HTTP status code (also when sent as a numeric string).
    Code(u16),
    /// `"Error"`: no HTTP status (timeout, blocked, or Pipedrive's own failure).
    Error,
    /// Any other text, verbatim (at most 64 characters kept).
    Other(String),
}

impl LastHttpStatus {
    /// Reads the field leniently: a number, a numeric string, `"Error"` (any case), other text;
    /// `null`, an empty string or another JSON type is no status.
    pub fn read(v: &Value) -> Option<Self> {
        match v {
            Value::Number(_) => as_u64(v).map(|n| u16::try_from(n).map_or_else(|_| LastHttpStatus::Other(n.to_string()), LastHttpStatus::Code)),
            Value::String(s) => {
                let t = s.trim();
                if t.is_empty() {
                    None
                } else if let Ok(n) = t.parse::<u16>() {
                    Some(LastHttpStatus::Code(n))
                } else if t.eq_ignore_ascii_case("error") {
                    Some(LastHttpStatus::Error)
                } else {
                    Some(LastHttpStatus::Other(t.chars().filter(|c| !c.is_control()).take(64).collect()))
                }
            }
            _ => None,
        }
    }

    /// Whether the last attempt failed: a non-2xx status, `"Error"`, or any other non-numeric text
    /// (a status Pipedrive could not express as a number is no success).
    pub fn is_failure(&self) -> bool {
        !matches!(self, LastHttpStatus::Code(200..=299))
    }

    /// For people: `HTTP 503`, `Error (timeout or blocked)`, or the text as Pipedrive sent it.
    pub fn text(&self) -> String {
        match self {
            LastHttpStatus::Code(c) => format!("HTTP {c}"),
            LastHttpStatus::Error => "Error (timeout or blocked)".into(),
            LastHttpStatus::Other(s) => s.clone(),
        }
    }
}

/// A non-negative integer given as a number or a numeric string.
pub(crate) fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A string, or a number written as one.
pub(crate) fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The webhook object an API answers with for `w` (the emulator's and the sandbox's answers).
///
/// ```
/// use pipedrive_webhooks::{wire::webhook_json, DeliveryState, Webhook};
/// let v = webhook_json(&Webhook::example(), &DeliveryState::default());
/// assert_eq!(v["is_active"], 1);
/// assert_eq!(v["type"], "application");
/// ```
pub fn webhook_json(w: &Webhook, d: &DeliveryState) -> Value {
    json!({
        "id": w.id,
        "company_id": w.company_id,
        "owner_id": w.owner_id,
        "user_id": w.user_id,
        "event_action": w.event_action,
        "event_object": w.event_object,
        "subscription_url": w.subscription_url,
        "name": w.name,
        "version": w.version.as_str(),
        "is_active": if d.banned_until.is_some() || d.deleted_at.is_some() { 0 } else { 1 },
        "add_time": format_iso(w.add_time),
        "remove_time": null,
        "type": w.webhook_type.as_str(),
        // Write-only, as Pipedrive answers them (a 2026 capture): opaque ciphertext, never the
        // credentials sent.
        "http_auth_user": w.http_auth_user.as_ref().map(|_| opaque_credential(w.id, 'u')),
        "http_auth_password": w.http_auth_password.as_ref().map(|_| opaque_credential(w.id, 'p')),
        "remove_reason": null,
        "last_delivery_time": d.last_attempt_at.map(format_iso),
        // An attempt without a status (a timeout, a refused connection) reads "Error", as
        // Pipedrive reports it.
        "last_http_status": match (d.last_attempt_at, d.last_status) {
            (_, Some(code)) => json!(code),
            (Some(_), None) => json!("Error"),
            (None, None) => Value::Null,
        },
        "admin_id": w.owner_id,
    })
}

/// What Pipedrive answers in place of a Basic-auth credential: `v1u:<246 chars>:<112 chars>`, the
/// middle part the same for the user and the password (domain reference, "Webhook object"). Made
/// from the webhook's id and which field it is, never from the secret: nothing to reverse.
pub fn opaque_credential(id: WebhookId, field: char) -> String {
    // Hex digits from the id (the middle, shared by both fields) and the field (the tail).
    let hex = |seed: u64, n: usize| -> String {
        let mut rng = crate::rng::SplitMix64::new(seed);
        (0..n).map(|_| b"0123456789abcdef"[(rng.next_u64() & 15) as usize] as char).collect()
    };
    format!("v1u:{}:{}", hex(id, 246), hex(id ^ u64::from(field) << 32, 112))
}

/// Whether a credential read back from the API is Pipedrive's opaque ciphertext (`v1u:…`) rather
/// than the value once sent: either way it is only "set", never shown or compared.
pub fn is_opaque_credential(v: &str) -> bool {
    v.starts_with("v1u:") && v.len() > 100
}

/// The `{"success": true, "status": "ok", "data": …}` envelope of a successful answer.
pub fn ok_envelope(data: Option<Value>) -> Value {
    match data {
        Some(d) => json!({"success": true, "status": "ok", "data": d}),
        None => json!({"success": true, "status": "ok"}),
    }
}

/// An HTTP response as received. Header names match case-insensitively.
#[derive(Debug, Clone, Copy)]
pub struct HttpResponse<'a> {
    pub status: u16,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl HttpResponse<'_> {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
    }
}

/// Pipedrive's rate-limit headers (any may be absent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// Requests allowed per 2 s window.
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Seconds until the window resets.
    pub reset_s: Option<u64>,
    /// API-token requests left today (`x-daily-requests-left`, on POST/PUT with an API token only).
    pub daily_left: Option<u64>,
    /// The company's daily token budget left (`x-daily-ratelimit-token-remaining`): each call
    /// spends tokens from it ([`crate::rate_limit::token_cost`]). Not readable by a page that
    /// calls Pipedrive directly (CORS exposes only the three `x-ratelimit-*` headers).
    #[serde(default)]
    pub daily_tokens_left: Option<u64>,
    /// The company's daily token budget (`x-daily-ratelimit-token-limit`).
    #[serde(default)]
    pub daily_token_limit: Option<u64>,
}

impl RateLimit {
    /// Reads `x-ratelimit-limit`, `-remaining`, `-reset`, `x-daily-requests-left` and
    /// `x-daily-ratelimit-token-remaining` / `-limit`. An absent or unreadable header is `None`
    /// (unknown), never 0.
    pub fn from_response(r: &HttpResponse) -> Self {
        let n = |name| r.header(name).and_then(seconds_as_ms).map(|ms| ms.div_ceil(1000));
        RateLimit {
            limit: n("x-ratelimit-limit"),
            remaining: n("x-ratelimit-remaining"),
            reset_s: n("x-ratelimit-reset"),
            daily_left: n("x-daily-requests-left"),
            daily_tokens_left: n("x-daily-ratelimit-token-remaining"),
            daily_token_limit: n("x-daily-ratelimit-token-limit"),
        }
    }

    /// Whether any figure is known (a page that reads no header learns nothing).
    pub fn is_known(&self) -> bool {
        *self != RateLimit::default()
    }

    /// `remaining / limit`, when both are known.
    pub fn share_left(&self) -> Option<f64> {
        match (self.remaining, self.limit) {
            (Some(r), Some(l)) if l > 0 => Some(r as f64 / l as f64),
            _ => None,
        }
    }
}

/// A header's count of seconds (`"3"`, `"1.5"`) in whole milliseconds, saturating; `None` unless it
/// is digits with at most one decimal point. Hand-parsed: `str::parse::<f64>` brings ~12 KB of
/// float-parsing tables into every wasm that decodes responses.
fn seconds_as_ms(v: &str) -> Option<u64> {
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) {
        return None;
    }
    let mut ms: u64 = 0;
    for b in whole.bytes() {
        ms = ms.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    ms = ms.saturating_mul(1000);
    for (scale, b) in [100, 10, 1].into_iter().zip(frac.bytes()) {
        ms = ms.saturating_add(scale * u64::from(b - b'0'));
    }
    // Below a millisecond still counts as time to wait.
    if frac.bytes().skip(3).any(|b| b != b'0') {
        ms = ms.saturating_add(1);
    }
    Some(ms)
}

/// How long to wait before retrying a 429: `Retry-After` (seconds or an HTTP date, against `now`),
/// else `x-ratelimit-reset` but never less than 1 s (a page cannot read `Retry-After`, and a
/// reset of 0 is no reason to call again at once); `None` when neither says (back off
/// exponentially then).
///
/// ```
/// use pipedrive_webhooks::wire::{retry_wait_ms, HttpResponse};
/// let h = vec![("Retry-After".to_string(), "3".to_string()), ("x-ratelimit-reset".to_string(), "1".to_string())];
/// assert_eq!(retry_wait_ms(&HttpResponse { status: 429, headers: &h, body: b"" }, 0), Some(3_000));
/// ```
pub fn retry_wait_ms(r: &HttpResponse, now: Millis) -> Option<Millis> {
    if let Some(v) = r.header("retry-after") {
        if let Some(ms) = seconds_as_ms(v) {
            return Some(ms.min(86_400_000) as Millis);
        }
        if let Some(at) = parse_http_date(v) {
            return Some((at - now).clamp(0, 86_400_000));
        }
    }
    RateLimit::from_response(r).reset_s.map(|s| (s.clamp(1, 86_400) * 1000) as Millis)
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate) to [`Millis`].
fn parse_http_date(s: &str) -> Option<Millis> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, clock, "GMT"] = parts[..] else { return None };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = MONTHS.iter().position(|&x| x == month)? + 1;
    let day: u32 = day.parse().ok()?;
    parse_time(&format!("{year}-{m:02}-{day:02} {clock}"))
}

/// Decodes `GET /webhooks`: the webhooks, or the error. `data: null` is an empty list; entries that
/// are not objects are skipped.
pub fn decode_list(r: &HttpResponse) -> Result<Vec<RemoteWebhook>, ApiError> {
    let mut body = success_body(r)?;
    match body.get_mut("data").map(Value::take) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items.into_iter().filter_map(RemoteWebhook::from_value).collect()),
        Some(_) => Err(ApiError::UnexpectedResponse { status: r.status, detail: "data is not a list".into() }),
    }
}

/// Decodes `POST /webhooks`: the created webhook, or the error.
pub fn decode_create(r: &HttpResponse) -> Result<RemoteWebhook, ApiError> {
    let body = success_body(r)?;
    body.get("data")
        .and_then(RemoteWebhook::from_json)
        .ok_or_else(|| ApiError::UnexpectedResponse { status: r.status, detail: "the answer has no webhook in data".into() })
}

/// Decodes `DELETE /webhooks/{id}`.
pub fn decode_delete(r: &HttpResponse) -> Result<(), ApiError> {
    success_body(r).map(|_| ())
}

/// The JSON body of a 2xx answer with `success` not false; every other answer as its [`ApiError`].
fn success_body(r: &HttpResponse) -> Result<Value, ApiError> {
    if !(200..300).contains(&r.status) {
        return Err(decode_error(r, 0));
    }
    let body: Value = serde_json::from_slice(r.body).map_err(|_| ApiError::UnexpectedResponse { status: r.status, detail: describe_non_json(r.body) })?;
    if !body.is_object() {
        return Err(ApiError::UnexpectedResponse { status: r.status, detail: "the body is JSON but not an object".into() });
    }
    if body.get("success") == Some(&Value::Bool(false)) {
        return Err(ApiError::ServerError { status: r.status, message: error_message(&body).unwrap_or_else(|| "success: false".into()) });
    }
    Ok(body)
}

/// Decodes an error answer leniently (`error`, then `message`, then `errors`, then `error_info`);
/// an HTML or empty body still gives the error its status means. `now` dates a `Retry-After`.
///
/// ```
/// use pipedrive_webhooks::{wire::{decode_error, HttpResponse}, ApiError};
/// let body = br#"{"success":false,"status":"error","errors":{"subscription_url":["invalid or non-reachable URL"]}}"#;
/// let e = decode_error(&HttpResponse { status: 400, headers: &[], body }, 0);
/// assert_eq!(e.field(), Some("subscription_url"));
/// let html = decode_error(&HttpResponse { status: 502, headers: &[], body: b"<html>Bad gateway</html>" }, 0);
/// assert_eq!(html.code(), "UNEXPECTED_RESPONSE");
/// ```
pub fn decode_error(r: &HttpResponse, now: Millis) -> ApiError {
    let json = serde_json::from_slice::<Value>(r.body).ok().filter(Value::is_object);
    let message = json.as_ref().and_then(error_message);
    match r.status {
        401 => ApiError::Unauthorized,
        403 => match (&json, message) {
            (Some(_), Some(m)) => {
                let missing_scope = ["webhooks:full", "webhooks:read", "admin"].into_iter().find(|s| m.contains(s)).map(str::to_string);
                let reason = if m.eq_ignore_ascii_case("forbidden") {
                    "this token may not do that: the webhook belongs to another app or user (R6), or the app lacks the webhooks:full or admin scope (R1)".to_string()
                } else {
                    m
                };
                ApiError::Forbidden { reason, missing_scope }
            }
            _ => ApiError::Forbidden {
                reason: format!("Pipedrive answered with a non-JSON 403 ({}); this usually means the client is blocked for sending too many requests: slow down", describe_non_json(r.body)),
                missing_scope: None,
            },
        },
        404 => ApiError::NotFound { id: None },
        400 => {
            let errors = json.as_ref().map(field_messages).unwrap_or_default();
            if errors.is_empty() {
                ApiError::InvalidField { errors: vec![FieldMessage { field: "request".into(), message: message.unwrap_or_else(|| "the request was refused as invalid".into()) }] }
            } else {
                ApiError::InvalidField { errors }
            }
        }
        // Pipedrive's 422 says only "Webhooks limit reached": say whose limit and what it means.
        422 => ApiError::LimitReached {
            limit: 40,
            message: match message {
                Some(m) if !m.eq_ignore_ascii_case("webhooks limit reached") => m,
                _ => "Pipedrive refused another webhook for this app user (HTTP 422): the limit is reached".into(),
            },
        },
        429 => ApiError::RateLimited { retry_after_ms: retry_wait_ms(r, now), scope: rate_limit_scope(r, message.as_deref()) },
        status => match (json, message) {
            (Some(_), Some(m)) => ApiError::ServerError { status, message: m },
            _ => ApiError::UnexpectedResponse { status, detail: describe_non_json(r.body) },
        },
    }
}

/// Which limit a 429 hit: the daily budget when the body says so (`"daily request budget
/// exceeded"`), or `x-daily-requests-left` or `x-daily-ratelimit-token-remaining` is 0 (even with a
/// short `Retry-After`); otherwise the burst window.
fn rate_limit_scope(r: &HttpResponse, message: Option<&str>) -> RateLimitScope {
    let says_daily = message.is_some_and(|m| {
        let m = m.to_ascii_lowercase();
        m.contains("daily") || m.contains("budget")
    });
    let zero = |name| r.header(name).is_some_and(|v| v.trim() == "0");
    let none_left_today = zero("x-daily-requests-left") || zero("x-daily-ratelimit-token-remaining");
    if says_daily || none_left_today {
        RateLimitScope::Daily
    } else {
        RateLimitScope::Burst
    }
}

fn error_message(body: &Value) -> Option<String> {
    let pick = |k: &str| body.get(k).and_then(as_text).filter(|s| !s.trim().is_empty());
    // Fastify's bodies (`{"error":"Unsupported Media Type","message":"Unsupported Media Type: text/plain"}`)
    // say more in `message`.
    let fuller = match (pick("error"), pick("message")) {
        (Some(e), Some(m)) if m.len() > e.len() && m.starts_with(&e) => Some(m),
        (e, _) => e,
    };
    fuller.or_else(|| pick("message")).or_else(|| {
        let fields = field_messages(body);
        (!fields.is_empty()).then(|| fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "))
    }).or_else(|| pick("error_info"))
}

fn field_messages(body: &Value) -> Vec<FieldMessage> {
    let Some(errors) = body.get("errors").and_then(Value::as_object) else { return Vec::new() };
    let mut out = Vec::new();
    for (field, msgs) in errors {
        match msgs {
            Value::Array(list) => out.extend(list.iter().filter_map(as_text).map(|m| FieldMessage { field: field.clone(), message: m })),
            other => out.extend(as_text(other).map(|m| FieldMessage { field: field.clone(), message: m })),
        }
    }
    out
}

/// A short, safe description of a body that is not JSON (never echoes more than a snippet).
fn describe_non_json(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return "empty body".into();
    }
    let lower = trimmed.to_ascii_lowercase();
    if lower.starts_with("<!doctype") || lower.starts_with("<html") || lower.contains("<body") {
        return "an HTML page instead of JSON".into();
    }
    let snippet: String = trimmed.chars().filter(|c| !c.is_control()).take(80).collect();
    format!("not JSON: {}", crate::text::quoted(&snippet))
}
