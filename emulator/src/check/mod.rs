//! The receiver check (issue #13): real deliveries sent to a receiver's URL, graded against
//! Pipedrive's rules, then projected over days of traffic through the core's simulator.
//!
//! One engine, two fronts: `pipedrive-webhooks-emulator check <URL>` (the CLI, `main.rs`) and
//! `POST /_emulator/checks` (the control API, `control.rs`). Both build [`Options`] and call [`run`].
//!
//! What it sends, and its bounds: only to the URL given, POST with a JSON body and the headers the
//! emulator's deliveries carry ([`crate::deliveries::delivery_headers`]), never following a
//! redirect. The default battery is [`Options::request_count`] requests (193 with both versions
//! and Basic auth): one first (reachability, TLS), then the payloads, the retry chains and the
//! auth probes [`CONCURRENCY`] at a time, then the burst all at once. Every request gives up
//! [`GRACE_MS`] after the policy's timeout (11 s), so even a receiver that never answers ends the
//! battery within 8 × 11 s ≈ 90 s (the first request, six waves of 16, the burst); a healthy local
//! one takes well under a second (`cargo xtask bench`: about 20 ms for the default battery).

mod battery;
mod render;

pub use render::{progress_line, table};

use crate::deliveries::{delivery_headers, delivery_request};
use battery::Probe;
use pipedrive_webhooks::projection::{project, Observations, Projection, MAX_EVENTS_PER_MINUTE};
use pipedrive_webhooks::{validate, Field, Millis, NewWebhook, PayloadVersion, Policy, Response};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Deliveries in flight at once outside the burst.
pub const CONCURRENCY: usize = 16;
/// How long after the policy's timeout a request is given up: an answer in this grace is
/// measured (and fails, R9) rather than lost.
pub const GRACE_MS: Millis = 1_000;
/// The default burst: a bulk edit's worth of events at once.
pub const DEFAULT_BURST: usize = 100;
/// The largest burst accepted.
pub const MAX_BURST: usize = 500;
/// Upper bounds (ms) of the latency histogram's buckets below the timeout; the policy's timeout
/// and the give-up time close it.
const BUCKETS_MS: [Millis; 9] = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000];

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

/// A check's grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

/// One graded check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Stable: `tls`, `payloads_v2`, `payloads_v1`, `retries`, `basic_auth_missing`,
    /// `basic_auth_wrong`, `latency`, `burst`, `redirect`.
    pub id: String,
    pub status: Status,
    /// One line with the evidence (counts, statuses, which deliveries, the rule).
    pub detail: String,
}

/// `pass` when no check failed (warnings allowed), else `fail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

/// One histogram bucket: the attempts that took more than the previous bucket's `le_ms` and at
/// most this one's (not cumulative). The buckets are 10, 25, 50, 100, 250, 500, 1 000, 2 500,
/// 5 000 ms, the policy's timeout (10 000), and the give-up time (11 000: every attempt in it failed, R9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub le_ms: Millis,
    pub count: u64,
}

/// The time to answer of every request (auth probes included), in ms. A request without an answer
/// counts at the time it was given up (timeout + 1 s).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Latency {
    pub p50: Millis,
    pub p95: Millis,
    pub max: Millis,
    /// Requests with no answer within the policy's timeout (each a failed attempt, R9).
    pub timeouts: u64,
    pub histogram: Vec<Bucket>,
}

/// The report: what `--json FILE` writes and `GET /_emulator/checks/{id}` returns as `report`.
///
/// ```json
/// {
///   "verdict": "fail",
///   "url": "http://127.0.0.1:3000/hook",
///   "requests": 193,
///   "elapsed_ms": 412,
///   "checks": [{"id": "payloads_v1", "status": "fail", "detail": "2 of 33 deliveries failed: 500 on updated.user v1 (current/previous arrays), 500 on deleted.user v1"}],
///   "latency_ms": {"p50": 2, "p95": 6, "max": 31, "timeouts": 0, "histogram": [{"le_ms": 10, "count": 180}, {"le_ms": 25, "count": 12}]},
///   "projection": {"events_per_minute": 1.0, "simulated_ms": 345600000,
///     "events_per_day": 1440.0, "first_try_failures_per_day": 14.9, "bans_per_day": 1.2, "lost_during_ban_per_day": 37.5,
///     "failed_all_attempts_per_day": 0.0, "dropped_after_deletion_per_day": 0.0, "lost_events_per_day": 37.5,
///     "totals": {"events": 5760, "deliveredFirstTry": 5655, "…": 0},
///     "deletion_after_ms": null,
///     "scenario": {"policy": {"…": 0}, "start": 0, "durationMs": 345600000, "seed": 13, "webhooks": [{"endpoint": {"latencyMs": 2, "failureRate": 0.01, "slowRate": 0.0, "failureStatus": 500, "outages": []}, "traffic": {"kind": "every", "intervalMs": 60000}}], "timeline": true}}
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub verdict: Verdict,
    pub url: String,
    /// Requests sent.
    pub requests: u64,
    /// How long the battery took, ms.
    pub elapsed_ms: u64,
    pub checks: Vec<CheckResult>,
    pub latency_ms: Latency,
    /// `null` only when no graded delivery was observed.
    pub projection: Option<Projection>,
}

impl Report {
    /// The process exit code: 0 when no check fails, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self.verdict {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
        }
    }

    /// The check with this id.
    pub fn check(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// How far a check is: requests done out of the battery's total, and the check of the latest.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub current: String,
}

/// What one request got.
#[derive(Debug, Clone)]
struct Outcome {
    check: &'static str,
    label: String,
    /// The status, whenever one came (late ones too).
    status: Option<u16>,
    location: Option<String>,
    elapsed_ms: Millis,
    /// No answer by the give-up time.
    no_answer: bool,
    /// The connection failed (refused, DNS, TLS), with the error chain.
    error: Option<String>,
    /// The failure was TLS's: a certificate refused, or another handshake failure.
    tls: Option<TlsFailure>,
    /// Attempt 2–4 of a retry chain.
    retry: bool,
}

impl Outcome {
    /// As the core's delivery machine sees it.
    fn response(&self) -> Response {
        match (self.status, self.no_answer) {
            (Some(code), _) => Response::Status { code, after_ms: self.elapsed_ms },
            (None, true) => Response::NoAnswer,
            (None, false) => Response::Refused { after_ms: self.elapsed_ms },
        }
    }

    /// (status in time, timed out) under R9, through the core's `Response::resolve`.
    fn resolved(&self, p: &Policy) -> (Option<u16>, bool) {
        let (_, status, timed_out) = self.response().resolve(p, 0);
        (status, timed_out)
    }

    fn success(&self, p: &Policy) -> bool {
        self.resolved(p).0.is_some_and(|s| (200..300).contains(&s))
    }

    fn redirected(&self) -> bool {
        self.status.is_some_and(|s| (300..400).contains(&s))
    }

    /// How it failed, in a few words.
    fn why(&self, p: &Policy) -> String {
        match (self.resolved(p), &self.error) {
            (_, Some(e)) => format!("no connection ({e}) on {}", self.label),
            ((Some(s), _), _) => format!("{s} on {}", self.label),
            ((None, true), _) if self.status.is_some() => format!("answered after {} (past the {} timeout) on {}", secs(self.elapsed_ms), secs(p.timeout_ms), self.label),
            _ => format!("no answer within {} on {}", secs(p.timeout_ms), self.label),
        }
    }
}

fn secs(ms: Millis) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// Up to 4 items, then "+N more".
fn some(items: &[String]) -> String {
    let mut s = items.iter().take(4).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 4 {
        s.push_str(&format!(", +{} more", items.len() - 4));
    }
    s
}

type OnProgress = Arc<dyn Fn(Progress) + Send + Sync>;

struct Sender {
    http: reqwest::Client,
    url: String,
    give_up: Duration,
    done: Mutex<usize>,
    total: usize,
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

impl Sender {
    async fn send(&self, opts: &Options, check: &'static str, probe: Probe, auth: Auth, retry: bool, limited: bool) -> Outcome {
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
        let mut out = Outcome { check, label: probe.label, status: None, location: None, elapsed_ms, no_answer: false, error: None, tls: None, retry };
        match result {
            Ok(resp) => {
                out.status = Some(resp.status().as_u16());
                out.location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(|s| s.chars().take(200).collect());
                // Read the body so the connection can be reused; its content does not matter.
                let _ = resp.bytes().await;
            }
            Err(e) if e.is_timeout() => out.no_answer = true,
            Err(e) => {
                out.tls = tls_failure(&e);
                out.error = Some(chain(&e.without_url()));
            }
        }
        let done = {
            let mut d = self.done.lock().unwrap_or_else(|p| p.into_inner());
            *d += 1;
            *d
        };
        (self.on_progress)(Progress { done, total: self.total, current: check.to_string() });
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

/// How a TLS connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TlsFailure {
    /// The certificate was refused (self-signed, unknown issuer, expired, another host's): R15.
    Certificate,
    /// Any other handshake failure (no TLS on that port, an alert, no common protocol).
    Handshake,
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

/// Runs the battery against `opts.url` and grades it; `on_progress` hears about every request.
/// Errors only when it cannot start (bad options, no HTTP client); a receiver's failures are grades.
pub async fn run(opts: &Options, on_progress: OnProgress) -> Result<Report, CheckError> {
    opts.validate().map_err(CheckError::Options)?;
    // Pipedrive does not follow redirects (R9, R15); certificates are verified with the
    // webpki roots (rustls), so a self-signed, expired or wrong-host certificate is refused.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(|e| CheckError::Client(e.to_string()))?;
    let p = opts.policy;
    let total = opts.request_count();
    let sender = Arc::new(Sender {
        http,
        url: opts.url.clone(),
        give_up: Duration::from_millis((p.timeout_ms + GRACE_MS).max(1) as u64),
        done: Mutex::new(0),
        total,
        on_progress,
        limit: tokio::sync::Semaphore::new(CONCURRENCY),
    });
    let started = Instant::now();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as Millis).unwrap_or(0);
    let versions = opts.versions.list();
    let check_of = |v: PayloadVersion| if v == PayloadVersion::V2 { "payloads_v2" } else { "payloads_v1" };

    let mut payloads: Vec<(&'static str, Probe)> = versions.iter().flat_map(|&v| battery::payloads(&opts.url, v, now).into_iter().map(move |pr| (check_of(v), pr))).collect();
    // The first delivery goes alone: when it cannot connect (refused, DNS, TLS), nothing else is sent.
    let (first_check, first_probe) = payloads.remove(0);
    let first = sender.send(opts, first_check, first_probe, Auth::Given, false, false).await;
    let mut outcomes = vec![first.clone()];
    if first.error.is_none() {
        let mut tasks = tokio::task::JoinSet::new();
        for (check, probe) in payloads {
            let (s, o) = (sender.clone(), opts.clone());
            tasks.spawn(async move { vec![s.send(&o, check, probe, Auth::Given, false, true).await] });
        }
        for &v in &versions {
            // Attempts 2–4 follow attempt 1 of the same event, in order, as Pipedrive's retries do.
            let chain_probes = battery::retries(&opts.url, v, now, p.max_attempts());
            let (s, o) = (sender.clone(), opts.clone());
            tasks.spawn(async move {
                let mut got = Vec::new();
                for (i, probe) in chain_probes.into_iter().enumerate() {
                    got.push(s.send(&o, "retries", probe, Auth::Given, i > 0, true).await);
                }
                got
            });
        }
        if opts.auth.is_some() {
            let v = versions[0];
            for (check, auth) in [("basic_auth_missing", Auth::None), ("basic_auth_wrong", Auth::Wrong)] {
                let mut all = battery::payloads(&opts.url, v, now);
                let i = all.iter().position(|pr| pr.label.starts_with("change.deal") || pr.label.starts_with("updated.deal")).unwrap_or(0);
                let mut probe = all.swap_remove(i);
                probe.label = format!("{} ({})", probe.label, if matches!(auth, Auth::None) { "no credentials" } else { "wrong password" });
                let (s, o) = (sender.clone(), opts.clone());
                tasks.spawn(async move { vec![s.send(&o, check, probe, auth, false, true).await] });
            }
        }
        while let Some(r) = tasks.join_next().await {
            outcomes.extend(r.unwrap_or_default());
        }
        // The burst: every delivery at once, past the concurrency limit, as a bulk edit sends them.
        let mut burst = tokio::task::JoinSet::new();
        for probe in battery::burst(&opts.url, versions[0], now, opts.burst) {
            let (s, o) = (sender.clone(), opts.clone());
            burst.spawn(async move { s.send(&o, "burst", probe, Auth::Given, false, false).await });
        }
        while let Some(r) = burst.join_next().await {
            outcomes.extend(r.ok());
        }
    }
    let elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(grade(opts, &versions, &outcomes, elapsed_ms))
}

fn grade(opts: &Options, versions: &[PayloadVersion], outcomes: &[Outcome], elapsed_ms: u64) -> Report {
    let p = &opts.policy;
    let of = |check: &str| outcomes.iter().filter(|o| o.check == check).collect::<Vec<_>>();
    let unreachable = outcomes.len() == 1 && outcomes[0].error.is_some();
    // Latency and redirects are judged on answers only: none means "not judged", never "pass".
    let answered = outcomes.iter().filter(|o| o.status.is_some()).count();
    let mut checks = Vec::new();
    let mut add = |id: &str, status: Status, detail: String| checks.push(CheckResult { id: id.into(), status, detail });

    // tls
    let https = opts.url.to_ascii_lowercase().starts_with("https://");
    match (&outcomes[0].error, outcomes[0].tls, https) {
        (_, _, false) => add("tls", Status::Warn, "plain http: not checked; Pipedrive delivers to public https URLs and refuses self-signed certificates (R15)".into()),
        (Some(e), Some(TlsFailure::Certificate), true) => add("tls", Status::Fail, format!("Pipedrive would refuse this certificate (R15): {e}")),
        (Some(e), Some(TlsFailure::Handshake), true) => add("tls", Status::Fail, format!("the TLS handshake failed, as it would for Pipedrive: {e}")),
        (Some(e), None, true) => add("tls", Status::Warn, format!("not checked: could not connect ({e})")),
        (None, _, true) => add("tls", Status::Pass, "certificate accepted by standard verification (webpki roots, host name, dates)".into()),
    }
    if unreachable {
        let e = outcomes[0].error.clone().unwrap_or_default();
        for v in versions {
            add(if *v == PayloadVersion::V2 { "payloads_v2" } else { "payloads_v1" }, Status::Fail, format!("not reachable: {e}; nothing else was sent"));
        }
        add("retries", Status::Fail, "not reachable: not sent".into());
        add("burst", Status::Fail, "not reachable: not sent".into());
    } else {
        for v in versions {
            let id = if *v == PayloadVersion::V2 { "payloads_v2" } else { "payloads_v1" };
            let (status, detail) = deliveries_grade(
                p,
                &of(id),
                false,
                "deliveries",
                " (create, change, delete of every object; user arrays, string lead ids, bulk deletes, custom fields, integer and ISO timestamps)",
                BAN_NOTE,
            );
            add(id, status, detail);
        }
        let retries = of("retries");
        let firsts: Vec<&Outcome> = retries.iter().copied().filter(|o| !o.retry).collect();
        let again: Vec<&Outcome> = retries.iter().copied().filter(|o| o.retry).collect();
        let (mut status, mut detail) = deliveries_grade(
            p,
            &again,
            false,
            "retried attempts (2–4, same event id)",
            ": a duplicate is answered like the first",
            "a retry comes only after a failed attempt, and a non-2xx to it fails it too: after 4 the event is lost (R10)",
        );
        if let Some(bad) = firsts.iter().find(|o| !o.success(p)) {
            if status == Status::Pass {
                status = Status::Warn;
                detail = format!("the first attempt failed ({}), so the retries prove little; {detail}", bad.why(p));
            }
        }
        add("retries", status, detail);
    }
    if opts.auth.is_some() && !unreachable {
        for (id, what) in [("basic_auth_missing", "without credentials"), ("basic_auth_wrong", "with a wrong password")] {
            let Some(o) = of(id).first().copied() else { continue };
            let (status, detail) = match o.resolved(p) {
                (Some(s @ (401 | 403)), _) => (Status::Pass, format!("refused a delivery {what} with {s}")),
                (Some(s), _) if (200..300).contains(&s) => (Status::Warn, format!("accepted a delivery {what} ({s}): anyone who knows the URL can post to it; check Basic auth (R14)")),
                _ => (Status::Warn, format!("expected 401 or 403 for a delivery {what}, got {}", o.why(p))),
            };
            add(id, status, detail);
        }
    }

    // latency, over every request
    let latency = latency(p, outcomes);
    {
        let late: Vec<String> = outcomes.iter().filter(|o| o.error.is_none() && o.resolved(p).1).map(|o| o.why(p)).collect();
        let warn_ms = p.timeout_ms / 2;
        let summary = format!("p50 {}, p95 {}, max {} over {} requests", secs(latency.p50), secs(latency.p95), secs(latency.max), outcomes.len());
        if answered == 0 {
            add("latency", Status::Warn, format!("not judged: none of the {} requests got an answer", outcomes.len()));
        } else if !late.is_empty() {
            add("latency", Status::Fail, format!("{} past the {} timeout, each a failed attempt (R9): {}; {summary}", late.len(), secs(p.timeout_ms), some(&late)));
        } else if latency.max > warn_ms {
            add("latency", Status::Warn, format!("{summary}: over half of the {} timeout (R9), little margin under load", secs(p.timeout_ms)));
        } else {
            add("latency", Status::Pass, format!("{summary}; timeout {} (R9)", secs(p.timeout_ms)));
        }
    }
    if !unreachable {
        let (status, detail) = deliveries_grade(p, &of("burst"), true, "deliveries sent at once (a bulk edit)", " within the timeout", BAN_NOTE);
        add("burst", status, detail);
    }
    // redirect, over every answer
    let redirects: Vec<String> =
        outcomes.iter().filter(|o| o.redirected()).map(|o| format!("{} → {} on {}", o.status.unwrap_or(0), o.location.as_deref().unwrap_or("(no Location)"), o.label)).collect();
    if answered == 0 {
        add("redirect", Status::Warn, format!("not judged: none of the {} requests got an answer", outcomes.len()));
    } else if redirects.is_empty() {
        add("redirect", Status::Pass, format!("no 3xx in {answered} answers"));
    } else {
        add("redirect", Status::Fail, format!("{} answers were redirects, which Pipedrive does not follow: each is a failed attempt (R9, R15): {}", redirects.len(), some(&redirects)));
    }
    let order = ["tls", "payloads_v2", "payloads_v1", "retries", "basic_auth_missing", "basic_auth_wrong", "latency", "burst", "redirect"];
    checks.sort_by_key(|c| order.iter().position(|id| *id == c.id).unwrap_or(order.len()));

    // The projection: the deliveries graded (not the auth probes, meant to be refused).
    let graded: Vec<&Outcome> = outcomes.iter().filter(|o| !o.check.starts_with("basic_auth")).collect();
    let in_time: Vec<Millis> = graded.iter().filter(|o| !o.resolved(p).1 && o.status.is_some()).map(|o| o.elapsed_ms).collect();
    let obs = Observations {
        attempts: graded.len() as u64,
        failures: graded.iter().filter(|o| !o.success(p)).count() as u64,
        timeouts: graded.iter().filter(|o| o.error.is_none() && o.resolved(p).1).count() as u64,
        latency_p50_ms: percentile(&in_time, 0.5),
    };
    let projection = project(&obs, opts.rate, p).ok();
    let verdict = if checks.iter().any(|c| c.status == Status::Fail) { Verdict::Fail } else { Verdict::Pass };
    Report { verdict, url: opts.url.clone(), requests: outcomes.len() as u64, elapsed_ms, checks, latency_ms: latency, projection }
}

/// Grades deliveries that must each get a 2xx in time. A 3xx is the `redirect` check's fault and
/// a late answer the `latency` check's (each graded there): here they only warn, so every fault
/// fails exactly one check. With `strict` (the burst) a late answer fails here too.
const BAN_NOTE: &str = "each failed first attempt raises the ban counter (R11), 10 ban the webhook for 30 min (R12)";

fn deliveries_grade(p: &Policy, outs: &[&Outcome], strict: bool, what: &str, pass_note: &str, fail_note: &str) -> (Status, String) {
    let n = outs.len();
    let (own, elsewhere): (Vec<&&Outcome>, Vec<&&Outcome>) = outs.iter().filter(|o| !o.success(p)).partition(|o| !o.redirected() && (strict || !o.resolved(p).1 || o.error.is_some()));
    let own: Vec<String> = own.iter().map(|o| o.why(p)).collect();
    let elsewhere: Vec<String> = elsewhere.iter().map(|o| o.why(p)).collect();
    if !own.is_empty() {
        let also = if elsewhere.is_empty() { String::new() } else { format!(" (and {} graded under redirect or latency)", elsewhere.len()) };
        (Status::Fail, format!("{} of {n} {what} failed: {}{also}; {fail_note}", own.len(), some(&own)))
    } else if !elsewhere.is_empty() {
        (Status::Warn, format!("{} of {n} {what} failed by a redirect or a timeout (graded under redirect and latency): {}", elsewhere.len(), some(&elsewhere)))
    } else {
        (Status::Pass, format!("all {n} {what} got a 2xx{pass_note}"))
    }
}

fn percentile(values: &[Millis], q: f64) -> Millis {
    if values.is_empty() {
        return 0;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn latency(p: &Policy, outcomes: &[Outcome]) -> Latency {
    let times: Vec<Millis> = outcomes.iter().map(|o| o.elapsed_ms).collect();
    let mut bounds: Vec<Millis> = BUCKETS_MS.iter().copied().filter(|b| *b < p.timeout_ms).collect();
    bounds.extend([p.timeout_ms, p.timeout_ms + GRACE_MS]);
    let mut histogram: Vec<Bucket> = bounds.iter().map(|&le_ms| Bucket { le_ms, count: 0 }).collect();
    for &t in &times {
        let i = bounds.iter().position(|b| t <= *b).unwrap_or(bounds.len() - 1);
        histogram[i].count += 1;
    }
    Latency {
        p50: percentile(&times, 0.5),
        p95: percentile(&times, 0.95),
        max: times.iter().copied().max().unwrap_or(0),
        timeouts: outcomes.iter().filter(|o| o.error.is_none() && o.resolved(p).1).count() as u64,
        histogram,
    }
}

// ---------------------------------------------------------------------------------------------
// Checks run by the control API.

/// How many finished checks the emulator keeps (the oldest go first).
pub const KEPT: usize = 20;
/// How many checks may run at once.
pub const MAX_RUNNING: usize = 2;

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

/// A check's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Running,
    Done,
    Failed,
}

/// `GET /_emulator/checks/{id}`'s answer.
///
/// ```json
/// {"id": 1, "state": "running", "progress": {"done": 42, "total": 193, "current": "payloads_v1"}, "report": null, "error": null}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckStatus {
    pub id: u64,
    pub state: State,
    pub progress: Progress,
    /// The report (as `--json` writes it) once `done`.
    pub report: Option<Report>,
    /// Why the check could not run, when `failed`.
    pub error: Option<String>,
}

/// The checks started from the control API: the running ones and the last [`KEPT`] finished.
#[derive(Debug, Default)]
pub struct Registry {
    next: u64,
    checks: VecDeque<CheckStatus>,
}

impl Registry {
    pub fn status(&self, id: u64) -> Option<CheckStatus> {
        self.checks.iter().find(|c| c.id == id).cloned()
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut CheckStatus> {
        self.checks.iter_mut().find(|c| c.id == id)
    }

    fn running(&self) -> usize {
        self.checks.iter().filter(|c| c.state == State::Running).count()
    }
}

/// Starts a check in the background; its id, or why not (already [`MAX_RUNNING`] running).
pub(crate) fn start_background(shared: &Arc<crate::deliveries::Shared>, options: Options) -> Result<u64, String> {
    let id = {
        let mut r = shared.checks.lock().unwrap_or_else(|p| p.into_inner());
        if r.running() >= MAX_RUNNING {
            return Err(format!("{MAX_RUNNING} checks are already running: wait for one to finish"));
        }
        r.next += 1;
        let id = r.next;
        let total = options.request_count();
        r.checks.push_back(CheckStatus { id, state: State::Running, progress: Progress { done: 0, total, current: "tls".into() }, report: None, error: None });
        while r.checks.len() > KEPT + MAX_RUNNING {
            let Some(i) = r.checks.iter().position(|c| c.state != State::Running) else { break };
            r.checks.remove(i);
        }
        id
    };
    let s = shared.clone();
    let on_progress: OnProgress = Arc::new(move |p: Progress| {
        if let Some(c) = s.checks.lock().unwrap_or_else(|p| p.into_inner()).get_mut(id) {
            c.progress = p;
        }
    });
    let s = shared.clone();
    tokio::spawn(async move {
        let result = run(&options, on_progress).await;
        let mut r = s.checks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = r.get_mut(id) {
            match result {
                Ok(report) => {
                    c.state = State::Done;
                    c.report = Some(report);
                }
                Err(e) => {
                    c.state = State::Failed;
                    c.error = Some(e.to_string());
                }
            }
        }
    });
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(check: &'static str, status: Option<u16>, ms: Millis) -> Outcome {
        Outcome { check, label: format!("{check} probe"), status, location: None, elapsed_ms: ms, no_answer: status.is_none(), error: None, tls: None, retry: false }
    }

    #[test]
    fn r09_grading_goes_through_the_core_resolve() {
        let p = Policy::default();
        assert!(out("x", Some(204), p.timeout_ms).success(&p), "exactly the timeout succeeds");
        assert!(!out("x", Some(200), p.timeout_ms + 1).success(&p), "later fails");
        assert!(!out("x", Some(302), 5).success(&p));
        assert!(!out("x", None, p.timeout_ms + GRACE_MS).success(&p));
    }

    #[test]
    fn each_fault_fails_one_check() {
        let p = Policy::default();
        let late = out("payloads_v2", Some(200), 10_500);
        let redirect = out("payloads_v2", Some(301), 3);
        let err = out("payloads_v2", Some(500), 3);
        assert_eq!(deliveries_grade(&p, &[&late, &redirect], false, "d", "", "").0, Status::Warn);
        assert_eq!(deliveries_grade(&p, &[&late], true, "d", "", "").0, Status::Fail);
        let (s, d) = deliveries_grade(&p, &[&err, &late], false, "deliveries", "", "");
        assert_eq!(s, Status::Fail);
        assert!(d.contains("500 on payloads_v2 probe") && d.contains("1 graded under"), "{d}");
    }

    #[test]
    fn the_histogram_holds_every_request_once() {
        let p = Policy::default();
        let outs = vec![out("a", Some(200), 3), out("a", Some(200), 40), out("a", Some(200), 7_000), out("a", None, 11_000)];
        let l = latency(&p, &outs);
        assert_eq!(l.histogram.iter().map(|b| b.count).sum::<u64>(), 4);
        assert_eq!(l.histogram.last().unwrap(), &Bucket { le_ms: 11_000, count: 1 });
        assert_eq!(l.histogram.iter().find(|b| b.le_ms == 10_000).unwrap().count, 1);
        assert_eq!((l.max, l.timeouts), (11_000, 1));
    }

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
