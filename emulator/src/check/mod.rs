//! The receiver check (issue #13, #22): real deliveries sent to a receiver's URL and timed; the
//! grading (each check, each version, the real failures named, the projections) is the core's
//! (`pipedrive_webhooks::receiver_check`), and so is the report type.
//!
//! One engine, two fronts: `pipedrive-webhooks-emulator check <URL>` (the CLI, `main.rs`) and
//! `POST /_emulator/checks` (the control API, `control.rs`, through [`Runs`]). Both build
//! [`Options`] and call [`run`].
//!
//! What it sends, and its bounds: only to the URL given, POST with a JSON body and exactly a real
//! delivery's headers ([`crate::delivery_request::delivery_headers`]), never following a redirect.
//! The default battery is [`Options::request_count`] requests (193 with both versions and Basic
//! auth): one first (reachability, TLS), then the payloads, the retry chains and the auth probes
//! [`CONCURRENCY`] at a time, then the burst all at once. Every request gives up
//! [`GIVE_UP_GRACE_MS`] after the policy's timeout (11 s), so even a receiver that never answers
//! ends the battery within 8 × 11 s ≈ 90 s (the first request, six waves of 16, the burst); a
//! healthy local one takes well under a second (`cargo xtask bench`: about 20 ms for the default
//! battery). Of each answer it reads the status and headers and at most [`ANSWER_READ_LIMIT`]
//! bytes of the body, then drops the connection: an answer of any size costs at most that.

mod battery;
mod render;
mod runs;

pub use render::{progress_line, table};
pub use runs::{Refused, Runs, KEPT, MAX_STARTS_PER_MINUTE};

use crate::delivery_request::{delivery_headers, delivery_request, drain_capped};
pub use pipedrive_webhooks::emulator_api::Progress;
use pipedrive_webhooks::projection::MAX_EVENTS_PER_MINUTE;
use pipedrive_webhooks::receiver_check::{grade, Answer, Battery, CheckReport, Observation, Probe, TlsFailure, GIVE_UP_GRACE_MS};
use pipedrive_webhooks::{validate, Field, Millis, NewWebhook, PayloadVersion, Policy};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Deliveries in flight at once outside the burst.
pub const CONCURRENCY: usize = 16;
/// The default burst: a bulk edit's worth of events at once.
pub const DEFAULT_BURST: usize = 100;
/// The largest burst accepted.
pub const MAX_BURST: usize = 500;
/// The most of an answer's body read (then the connection is dropped): grading needs none of it,
/// reading a little lets a receiver that answers before reading finish writing.
pub const ANSWER_READ_LIMIT: usize = 64 * 1024;

/// Which payload versions to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Versions {
    #[serde(rename = "1.0")]
    V1,
    #[serde(rename = "2.0")]
    V2,
    #[serde(rename = "both")]
    Both,
}

impl Versions {
    /// `"1.0"`, `"2.0"` or `"both"`.
    pub fn parse(s: &str) -> Option<Versions> {
        match s {
            "1.0" => Some(Versions::V1),
            "2.0" => Some(Versions::V2),
            "both" => Some(Versions::Both),
            _ => None,
        }
    }

    fn list(self) -> Vec<PayloadVersion> {
        match self {
            Versions::V1 => vec![PayloadVersion::V1],
            Versions::V2 => vec![PayloadVersion::V2],
            Versions::Both => vec![PayloadVersion::V2, PayloadVersion::V1],
        }
    }
}

/// What to check, validated ([`Options::new`]).
#[derive(Debug, Clone)]
pub struct Options {
    /// The receiver: an absolute http(s) URL with a host (R15); every request goes there.
    pub url: String,
    /// Basic-auth credentials (R14) sent with every delivery; with them the auth checks run.
    pub auth: Option<(String, String)>,
    pub versions: Versions,
    /// The traffic projected, in events per minute (default 1).
    pub rate: f64,
    /// Deliveries sent at once by the `burst` check.
    pub burst: usize,
    /// The numbers graded against (the timeout, the retries, bans and deletion of the projection).
    pub policy: Policy,
}

impl Options {
    /// Options with the defaults (both versions, 1 event a minute, a burst of 100), or why `url`
    /// is not a receiver URL (the core's R15 shape check: absolute http(s), a host, not Pipedrive's).
    ///
    /// ```
    /// use pipedrive_webhooks_emulator::check::Options;
    /// use pipedrive_webhooks::Policy;
    /// assert!(Options::new("http://127.0.0.1:3000/hook", Policy::default()).is_ok());
    /// assert!(Options::new("ftp://example.com", Policy::default()).is_err());
    /// ```
    pub fn new(url: &str, policy: Policy) -> Result<Options, String> {
        let input = NewWebhook::new(url, "change", "deal", "receiver check").with_version("2.0");
        if let Err(errors) = validate(&input, &policy) {
            if let Some(e) = errors.for_field(Field::SubscriptionUrl) {
                return Err(format!("{url:?} is not a receiver URL: {}", e.message));
            }
        }
        Ok(Options { url: url.trim().to_string(), auth: None, versions: Versions::Both, rate: 1.0, burst: DEFAULT_BURST, policy })
    }

    /// Checks the rate and the burst size (the URL was checked by [`Options::new`]).
    pub fn validate(&self) -> Result<(), String> {
        if !(self.rate.is_finite() && self.rate > 0.0 && self.rate <= MAX_EVENTS_PER_MINUTE) {
            return Err(format!("the rate is events per minute, above 0 and at most {MAX_EVENTS_PER_MINUTE}, not {}", self.rate));
        }
        if !(1..=MAX_BURST).contains(&self.burst) {
            return Err(format!("the burst is 1 to {MAX_BURST} deliveries, not {}", self.burst));
        }
        Ok(())
    }

    /// How many requests the battery sends: its bound.
    pub fn request_count(&self) -> usize {
        let per_version = |v| battery::payloads("http://x/", v, 0).len() + self.policy.max_attempts() as usize;
        self.versions.list().into_iter().map(per_version).sum::<usize>() + self.burst + if self.auth.is_some() { 2 } else { 0 }
    }
}

type OnProgress = Arc<dyn Fn(Progress) + Send + Sync>;

struct Sender {
    http: reqwest::Client,
    url: String,
    give_up: Duration,
    done: Mutex<u64>,
    total: u64,
    on_progress: OnProgress,
    limit: tokio::sync::Semaphore,
}

/// How a probe authenticates.
#[derive(Debug, Clone, Copy)]
enum Auth {
    /// The configured credentials, if any.
    Given,
    None,
    Wrong,
}

/// The check a request counts toward, for the progress line.
fn check_id(kind: Probe, version: PayloadVersion) -> &'static str {
    match (kind, version) {
        (Probe::Payload, PayloadVersion::V2) => "payloads_v2",
        (Probe::Payload, PayloadVersion::V1) => "payloads_v1",
        (Probe::Retry, _) => "retries",
        (Probe::AuthMissing, _) => "basic_auth_missing",
        (Probe::AuthWrong, _) => "basic_auth_wrong",
        (Probe::Burst, _) => "burst",
    }
}

/// What a request is: its kind, its version and its attempt (1–4 in a retry chain).
#[derive(Debug, Clone, Copy)]
struct Sent {
    kind: Probe,
    version: PayloadVersion,
    attempt: u8,
}

impl Sender {
    async fn send(&self, opts: &Options, what: Sent, probe: battery::Probe, auth: Auth, limited: bool) -> Observation {
        let _permit = if limited { Some(self.limit.acquire().await.expect("never closed")) } else { None };
        let creds = match (auth, &opts.auth) {
            (Auth::Given, Some((u, p))) => Some((u.clone(), p.clone())),
            (Auth::Wrong, Some((u, p))) => Some((u.clone(), format!("{p}-wrong"))),
            _ => None,
        };
        let headers = delivery_headers(creds.as_ref().map(|(u, p)| (u.as_str(), p.as_str())));
        let started = Instant::now();
        let result = delivery_request(&self.http, &self.url, &headers, probe.body, self.give_up).send().await;
        let elapsed_ms = started.elapsed().as_millis() as Millis;
        let mut out = Observation {
            probe: what.kind,
            version: what.version,
            label: probe.label,
            attempt: what.attempt,
            answer: Answer::NoAnswer,
            elapsed_ms,
            location: None,
            powered_by: None,
        };
        let header = |resp: &reqwest::Response, name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(200).collect::<String>());
        match result {
            Ok(resp) => {
                out.answer = Answer::Status(resp.status().as_u16());
                out.location = header(&resp, "location");
                out.powered_by = header(&resp, "x-powered-by").or_else(|| header(&resp, "server"));
                // A little of the body (so a receiver that answers before reading finishes), never all of it.
                drain_capped(resp, ANSWER_READ_LIMIT).await;
            }
            Err(e) if e.is_timeout() => out.answer = Answer::NoAnswer,
            Err(e) => {
                let tls = tls_failure(&e);
                out.answer = Answer::Failed { error: chain(&e.without_url()), tls };
            }
        }
        let done = {
            let mut d = self.done.lock().unwrap_or_else(|p| p.into_inner());
            *d += 1;
            *d
        };
        (self.on_progress)(Progress { done, total: self.total, current: check_id(what.kind, what.version).to_string() });
        out
    }
}

/// An error and its sources, so a certificate problem shows its cause.
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ").chars().take(300).collect()
}

/// Finds rustls's error in `e`'s sources (reqwest wraps it in `io::Error`s, which hide their
/// inner error from `source()`, so each is opened with `get_ref`).
fn tls_failure(e: &reqwest::Error) -> Option<TlsFailure> {
    fn find(e: &(dyn std::error::Error + 'static)) -> Option<TlsFailure> {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(match r {
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => TlsFailure::Certificate,
                _ => TlsFailure::Handshake,
            });
        }
        let inner = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).map(|i| i as &(dyn std::error::Error + 'static));
        inner.and_then(find).or_else(|| e.source().and_then(find))
    }
    std::error::Error::source(e).and_then(find)
}

/// Why a check cannot start.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{0}")]
    Options(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// Runs the battery against `opts.url` and has the core grade it; `on_progress` hears about every
/// request. Errors only when it cannot start (bad options, no HTTP client); a receiver's failures
/// are grades.
pub async fn run(opts: &Options, on_progress: OnProgress) -> Result<CheckReport, CheckError> {
    opts.validate().map_err(CheckError::Options)?;
    // Pipedrive does not follow redirects (R9, R15); certificates are verified with the
    // webpki roots (rustls), so a self-signed, expired or wrong-host certificate is refused.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(|e| CheckError::Client(e.to_string()))?;
    let p = opts.policy;
    let sender = Arc::new(Sender {
        http,
        url: opts.url.clone(),
        give_up: Duration::from_millis((p.timeout_ms + GIVE_UP_GRACE_MS).max(1) as u64),
        done: Mutex::new(0),
        total: opts.request_count() as u64,
        on_progress,
        limit: tokio::sync::Semaphore::new(CONCURRENCY),
    });
    let started = Instant::now();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as Millis).unwrap_or(0);
    let versions = opts.versions.list();
    let first_of = |kind, version| Sent { kind, version, attempt: 1 };

    let mut payloads: Vec<(Sent, battery::Probe)> =
        versions.iter().flat_map(|&v| battery::payloads(&opts.url, v, now).into_iter().map(move |pr| (first_of(Probe::Payload, v), pr))).collect();
    // The first delivery goes alone: when it cannot connect (refused, DNS, TLS), nothing else is sent.
    let (first_sent, first_probe) = payloads.remove(0);
    let first = sender.send(opts, first_sent, first_probe, Auth::Given, false).await;
    let connected = !matches!(first.answer, Answer::Failed { .. });
    let mut outcomes = vec![first];
    if connected {
        let mut tasks = tokio::task::JoinSet::new();
        for (sent, probe) in payloads {
            let (s, o) = (sender.clone(), opts.clone());
            tasks.spawn(async move { vec![s.send(&o, sent, probe, Auth::Given, true).await] });
        }
        for &v in &versions {
            // Attempts 2–4 follow attempt 1 of the same event, in order, as Pipedrive's retries do.
            let chain_probes = battery::retries(&opts.url, v, now, p.max_attempts());
            let (s, o) = (sender.clone(), opts.clone());
            tasks.spawn(async move {
                let mut got = Vec::new();
                for (i, probe) in chain_probes.into_iter().enumerate() {
                    got.push(s.send(&o, Sent { kind: Probe::Retry, version: v, attempt: i as u8 + 1 }, probe, Auth::Given, true).await);
                }
                got
            });
        }
        if opts.auth.is_some() {
            let v = versions[0];
            for (kind, auth) in [(Probe::AuthMissing, Auth::None), (Probe::AuthWrong, Auth::Wrong)] {
                let mut all = battery::payloads(&opts.url, v, now);
                let i = all.iter().position(|pr| pr.label.starts_with("change.deal") || pr.label.starts_with("updated.deal")).unwrap_or(0);
                let mut probe = all.swap_remove(i);
                probe.label = format!("{} ({})", probe.label, if matches!(auth, Auth::None) { "no credentials" } else { "wrong password" });
                let (s, o) = (sender.clone(), opts.clone());
                tasks.spawn(async move { vec![s.send(&o, first_of(kind, v), probe, auth, true).await] });
            }
        }
        while let Some(r) = tasks.join_next().await {
            outcomes.extend(r.unwrap_or_default());
        }
        // The burst: every delivery at once, past the concurrency limit, as a bulk edit sends them.
        let mut burst = tokio::task::JoinSet::new();
        let v = versions[0];
        for probe in battery::burst(&opts.url, v, now, opts.burst) {
            let (s, o) = (sender.clone(), opts.clone());
            burst.spawn(async move { s.send(&o, first_of(Probe::Burst, v), probe, Auth::Given, false).await });
        }
        while let Some(r) = burst.join_next().await {
            outcomes.extend(r.ok());
        }
    }
    let battery = Battery {
        url: &opts.url,
        versions: &versions,
        credentials: opts.auth.is_some(),
        events_per_minute: opts.rate,
        policy: p,
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    Ok(grade(&battery, &outcomes))
}

/// `POST /_emulator/checks`'s body.
///
/// ```json
/// {"url": "http://127.0.0.1:3000/hook", "user": "pipedrive", "password": "s3cret", "version": "both", "rate": 1}
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    pub url: String,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// `"1.0"`, `"2.0"` or `"both"` (the default).
    #[serde(default)]
    pub version: Option<String>,
    /// Events per minute for the projection (default 1).
    #[serde(default)]
    pub rate: Option<f64>,
}

impl CheckRequest {
    /// Validated options, or the message of a 400.
    pub fn into_options(self, policy: Policy) -> Result<Options, String> {
        let mut o = Options::new(&self.url, policy)?;
        o.versions = match self.version.as_deref() {
            None => Versions::Both,
            Some(v) => Versions::parse(v).ok_or_else(|| format!("version must be \"1.0\", \"2.0\" or \"both\", not {v:?}"))?,
        };
        o.auth = match (self.user, self.password) {
            (Some(u), p) => Some((u, p.unwrap_or_default())),
            (None, Some(_)) => return Err("a password needs a user".into()),
            (None, None) => None,
        };
        o.rate = self.rate.unwrap_or(1.0);
        o.validate()?;
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_refuse_what_is_not_a_receiver() {
        let p = Policy::default();
        assert!(Options::new("https://acme.pipedrive.com/hook", p).is_err(), "R15: Pipedrive's own hosts");
        assert!(Options::new("not a url", p).is_err());
        let mut o = Options::new("http://127.0.0.1:1/h", p).unwrap();
        o.rate = 0.0;
        assert!(o.validate().is_err());
        o.rate = 1.0;
        o.burst = MAX_BURST + 1;
        assert!(o.validate().is_err());
        let req: CheckRequest = serde_json::from_str(r#"{"url": "http://127.0.0.1:1/h", "version": "3.0"}"#).unwrap();
        assert!(req.into_options(p).is_err());
    }
}
