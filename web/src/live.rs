//! The panel's HTTP edge: sends the requests the core builds and hands the answers back to the core
//! to decode. Tokens travel in headers only and never appear in messages.

use gloo_net::http::Request;
use pipedrive_webhooks::wire::{self, ApiConfig, HttpRequest, HttpResponse, RateLimit, RemoteWebhook};
use pipedrive_webhooks::{ApiError, NewWebhook, WebhookId};

/// Why a live call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveError {
    /// The API answered with an error.
    Api(ApiError),
    /// No answer: offline, a wrong address, or a server without CORS for this page.
    Network(String),
    /// No answer from Pipedrive itself, called straight from this page (no companion): the
    /// browser refused the call (CORS) or the network failed; a page cannot tell which.
    NoAnswerFromPipedrive(String),
    /// The connection has no token in this browser session.
    MissingToken,
    /// The sandbox's app is not installed for the acting user (R7) or left the Marketplace (R8).
    NotInstalled(&'static str),
}

/// What a call was doing, so an error can name its real cause (a 403 on create is about scopes,
/// on delete about ownership).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doing {
    List,
    Create,
    Delete,
}

impl LiveError {
    /// What went wrong, for people.
    pub fn message(&self) -> String {
        match self {
            LiveError::Api(e) => e.to_string(),
            LiveError::Network(base) => format!("could not reach {base}"),
            LiveError::NoAnswerFromPipedrive(base) => format!("no answer from {base}: the browser refused the call (CORS) or the network failed"),
            LiveError::MissingToken => "this connection has no token in this browser session".into(),
            LiveError::NotInstalled(why) => (*why).into(),
        }
    }

    /// The message and what to do, as one text: "unauthorized: … expired. Reconnect: …".
    pub fn explain(&self, doing: Doing) -> String {
        format!("{}. {}", self.message().trim_end_matches('.'), self.hint_for(doing))
    }

    /// What to do about it, for what the call was doing.
    pub fn hint_for(&self, doing: Doing) -> &'static str {
        match (self, doing) {
            (LiveError::Api(ApiError::Forbidden { missing_scope: None, .. }), Doing::Create | Doing::List) => {
                "The app needs the webhooks:full (or admin) scope to create webhooks (webhooks:read to list): add it to the app and have the user reinstall it (R1)."
            }
            (LiveError::Api(ApiError::Forbidden { .. }), Doing::Delete) => {
                "Only the app that made an app webhook can delete it, acting for the user it made it for; a general webhook only its user or an admin (R6)."
            }
            _ => self.hint(),
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            LiveError::Api(ApiError::Unauthorized) | LiveError::MissingToken => {
                "Reconnect: enter a valid API token or OAuth access token on the Connections page (OAuth tokens expire after 60 minutes)."
            }
            LiveError::Api(ApiError::Forbidden { missing_scope: Some(_), .. }) => {
                "The app needs the webhooks:full (or admin) scope: add it to the app and have the user reinstall it."
            }
            LiveError::Api(ApiError::Forbidden { .. }) => "Only the app that created an app webhook can delete it; a general webhook only its user (or an admin).",
            LiveError::Api(ApiError::NotFound { .. }) => "It no longer exists: it may have been deleted, uninstalled with its app, or removed after 3 days of failures.",
            LiveError::Api(ApiError::LimitReached { .. }) => "Pipedrive allows 40 webhooks per app user: delete one you no longer need first.",
            LiveError::Api(ApiError::RateLimited { scope: pipedrive_webhooks::rate_limit::RateLimitScope::Daily, .. }) => {
                "The company's daily token budget is used up (every call spends it: a list or a create 10 tokens, a delete 6): nothing is sent until it resets. The token was not refused. What you typed is kept."
            }
            LiveError::Api(ApiError::RateLimited { .. }) => "Too many requests: the panel waited as long as Pipedrive asked, a few times, then gave up. Try again in a moment; what you typed is kept.",
            LiveError::Api(ApiError::InvalidField { .. }) => "Fix the marked fields and submit again.",
            LiveError::NotInstalled(_) => "Reinstall the app for this user to create and delete webhooks again.",
            LiveError::Api(ApiError::ServerError { .. } | ApiError::UnexpectedResponse { .. }) => {
                "The server did not answer like Pipedrive's API: check the base URL, then retry."
            }
            LiveError::Network(_) => "Check the address and your network; a local server must allow CORS from this page.",
            LiveError::NoAnswerFromPipedrive(_) => {
                "Pipedrive does not promise to answer pages on other sites. Run `npx pipedrive-webhooks serve` and open the panel it serves: it relays the calls to Pipedrive from this machine, on the panel's own origin, so no CORS is involved."
            }
        }
    }
}

/// An answer: status, headers, body.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn response(&self) -> HttpResponse<'_> {
        HttpResponse { status: self.status, headers: &self.headers, body: &self.body }
    }

    pub fn rate_limit(&self) -> RateLimit {
        RateLimit::from_response(&self.response())
    }
}

/// Whether this page is served by the local companion (`npx pipedrive-webhooks serve`), which
/// relays calls to Pipedrive on the page's own origin. Asked once, of the page's own origin (it
/// costs no Pipedrive tokens): `GET /_companion` answers its JSON there, and a static host a 404
/// or the page itself.
pub async fn companion_present() -> bool {
    let Some(bytes) = get_bytes("/_companion").await else { return false };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .is_some_and(|v| v.get("companion").and_then(|c| c.as_str()) == Some("pipedrive-webhooks"))
}

/// Sends one request; through the companion's relay (same origin) when `relay` and the URL is
/// Pipedrive's, else straight to the URL.
pub async fn send(req: &HttpRequest, relay: bool) -> Result<Answer, LiveError> {
    let base = req.url.split("/webhooks").next().unwrap_or(&req.url).to_string();
    let relayed = if relay { pipedrive_webhooks::relay::relay_path(&req.url) } else { None };
    // Straight to Pipedrive from a page: a failure without a status is CORS or the network.
    let direct_to_pipedrive = relayed.is_none() && pipedrive_webhooks::relay::relay_path(&req.url).is_some();
    let no_answer = |base: String| if direct_to_pipedrive { LiveError::NoAnswerFromPipedrive(base) } else { LiveError::Network(base) };
    let url = relayed.as_deref().unwrap_or(&req.url);
    let mut builder = match req.method.as_str() {
        "POST" => Request::post(url),
        "DELETE" => Request::delete(url),
        _ => Request::get(url),
    };
    for (k, v) in &req.headers {
        builder = builder.header(k, v);
    }
    let request = match &req.body {
        Some(body) => builder.body(body.as_str()),
        None => builder.build(),
    }
    .map_err(|_| no_answer(base.clone()))?;
    let resp = request.send().await.map_err(|_| no_answer(base.clone()))?;
    let headers = resp.headers().entries().collect();
    let body = resp.binary().await.unwrap_or_default();
    Ok(Answer { status: resp.status(), headers, body })
}

/// A GET without credentials (an emulator's clock); `None` on any failure or a non-2xx.
pub async fn get_bytes(url: &str) -> Option<Vec<u8>> {
    let resp = Request::get(url).send().await.ok()?;
    if !(200..300).contains(&resp.status()) {
        return None;
    }
    resp.binary().await.ok()
}

/// A POST of a JSON body without credentials (the emulator's control routes): the status and the
/// body, or `None` when the server could not be reached.
pub async fn post_json(url: &str, body: String) -> Option<(u16, Vec<u8>)> {
    let resp = Request::post(url).header("content-type", "application/json").body(body).ok()?.send().await.ok()?;
    let status = resp.status();
    Some((status, resp.binary().await.unwrap_or_default()))
}

/// An error body's `error` text (`{"success":false,"error":"…"}`, as Pipedrive and the emulator
/// send), else the body's first 200 characters.
pub fn error_text(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect())
}

/// The three calls, decoded by the core.
pub enum Call {
    List,
    Create(NewWebhook),
    Delete(WebhookId),
}

pub enum Outcome {
    Listed(Vec<RemoteWebhook>),
    Created(RemoteWebhook),
    Deleted,
}

impl Call {
    pub fn request(&self, api: &ApiConfig) -> HttpRequest {
        match self {
            Call::List => api.list_request(),
            Call::Create(input) => api.create_request(input),
            Call::Delete(id) => api.delete_request(*id),
        }
    }

    pub fn decode(&self, answer: &Answer, now: i64) -> Result<Outcome, ApiError> {
        let r = answer.response();
        let rate_limited = |e: ApiError| match e {
            ApiError::RateLimited { .. } => wire::decode_error(&r, now),
            other => other,
        };
        match self {
            Call::List => wire::decode_list(&r).map(Outcome::Listed).map_err(rate_limited),
            Call::Create(_) => wire::decode_create(&r).map(Outcome::Created).map_err(rate_limited),
            Call::Delete(_) => wire::decode_delete(&r).map(|()| Outcome::Deleted).map_err(rate_limited),
        }
    }
}
