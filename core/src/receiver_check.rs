//! The receiver check's decisions: what each answer a receiver gave means under Pipedrive's rules,
//! graded check by check and version by version, with the real failures named, and the one report
//! type that says so.
//!
//! Pure: observations in (one per request: which probe, which payload version, what came back and
//! when), a [`CheckReport`] out. The emulator's `check` only sends and times; the panel reads the
//! report with [`ReadJson`] (no serde derive in the wasm build), the emulator writes it with serde;
//! one type, one JSON shape.
//!
//! What is named, beyond pass/warn/fail:
//! - **one version served**: every delivery of one payload version failed while the other passed
//!   ("serves v2 only: fine while every webhook pointing here is version 2.0");
//! - **auth beyond Basic**: a 401 to deliveries whose Basic credentials are right (Pipedrive sends
//!   Basic auth and nothing else, domain reference §3);
//! - **stale answer on a retry**: a 2xx to attempt 1 of an event, then a non-2xx to its attempts 2–4.
//!
//! The projection (R9–R13 over days of traffic, through [`crate::projection`]) is made per version,
//! from that version's deliveries only: a webhook has one version, so a mix is true of none.
//!
//! ```
//! use pipedrive_webhooks::receiver_check::{grade, Answer, Battery, Observation, Probe, Verdict};
//! use pipedrive_webhooks::{PayloadVersion, Policy};
//! let ok = |v, label: &str| Observation::new(Probe::Payload, v, label, Answer::Status(200), 4);
//! let obs = vec![ok(PayloadVersion::V2, "create.deal v2"), ok(PayloadVersion::V2, "change.deal v2")];
//! let battery = Battery { url: "https://example.com/hook", versions: &[PayloadVersion::V2], credentials: false, events_per_minute: 1.0, policy: Policy::default(), elapsed_ms: 9 };
//! let report = grade(&battery, &obs);
//! assert_eq!(report.verdict, Verdict::Pass);
//! assert_eq!(report.versions[0].projection.as_ref().unwrap().bans_per_day, 0.0);
//! ```

use crate::delivery::Response;
use crate::json_read::{Fields, ReadError, ReadJson};
use crate::policy::{Millis, Policy};
use crate::projection::{project, Observations, Projection};
use crate::simulator::Summary;
use crate::time::seconds_text;
use crate::webhook::PayloadVersion;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How long after the policy's timeout a request is given up: an answer in this grace is measured
/// (and fails, R9) rather than lost.
pub const GIVE_UP_GRACE_MS: Millis = 1_000;

/// Upper bounds (ms) of the latency histogram's buckets below the timeout; the policy's timeout
/// and the give-up time close it.
const BUCKETS_MS: [Millis; 9] = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000];

/// The receiver kit's README on npm: where a failed check points.
pub const KIT_README: &str = "https://www.npmjs.com/package/pipedrive-webhooks#receiver-kit";

/// The words for a 401 to deliveries whose credentials are right.
pub const BASIC_ONLY: &str =
    "Pipedrive sends Basic auth and nothing else: a receiver demanding a signature header (x-pipedrive-signature…) answers 401 to every real delivery";

/// What a request was sent for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// One event's delivery (every object's create, change and delete in its version).
    Payload,
    /// An attempt (1–4) of the one event sent as a retry chain.
    Retry,
    /// A delivery without the configured credentials (meant to be refused).
    AuthMissing,
    /// A delivery with a wrong password (meant to be refused).
    AuthWrong,
    /// One of the deliveries sent at once.
    Burst,
}

impl Probe {
    fn graded(self) -> bool {
        !matches!(self, Probe::AuthMissing | Probe::AuthWrong)
    }
}

/// How a TLS connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFailure {
    /// The certificate was refused (self-signed, unknown issuer, expired, another host's): R15.
    Certificate,
    /// Any other handshake failure (no TLS on that port, an alert, no common protocol).
    Handshake,
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A status, whenever it came (a late one too: [`Observation::elapsed_ms`] says when).
    Status(u16),
    /// Nothing by the give-up time (the timeout plus [`GIVE_UP_GRACE_MS`]).
    NoAnswer,
    /// No connection (refused, DNS, TLS), with the error chain.
    Failed { error: String, tls: Option<TlsFailure> },
}

/// One request of the battery and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub probe: Probe,
    pub version: PayloadVersion,
    /// How the report names the delivery: `updated.user v1 (current/previous arrays)`.
    pub label: String,
    /// 1–4 in a retry chain, 1 elsewhere.
    pub attempt: u8,
    pub answer: Answer,
    /// From sending to the answer's status line (or to giving up), ms.
    pub elapsed_ms: Millis,
    /// A redirect's `Location`.
    pub location: Option<String>,
    /// The receiver's own name for its stack: `x-powered-by`, else `server`.
    pub powered_by: Option<String>,
}

impl Observation {
    /// A first attempt with no `Location` nor stack name.
    pub fn new(probe: Probe, version: PayloadVersion, label: &str, answer: Answer, elapsed_ms: Millis) -> Observation {
        Observation { probe, version, label: label.into(), attempt: 1, answer, elapsed_ms, location: None, powered_by: None }
    }

    /// As the core's delivery machine sees it.
    pub fn response(&self) -> Response {
        match &self.answer {
            Answer::Status(code) => Response::Status { code: *code, after_ms: self.elapsed_ms },
            Answer::NoAnswer => Response::NoAnswer,
            Answer::Failed { .. } => Response::Refused { after_ms: self.elapsed_ms },
        }
    }

    /// (status in time, timed out) under R9, through [`Response::resolve`].
    fn resolved(&self, p: &Policy) -> (Option<u16>, bool) {
        let (_, status, timed_out) = self.response().resolve(p, 0);
        (status, timed_out)
    }

    /// A 2xx within the timeout (R9).
    pub fn success(&self, p: &Policy) -> bool {
        self.resolved(p).0.is_some_and(|s| (200..300).contains(&s))
    }

    fn status(&self) -> Option<u16> {
        match self.answer {
            Answer::Status(s) => Some(s),
            _ => None,
        }
    }

    fn error(&self) -> Option<&str> {
        match &self.answer {
            Answer::Failed { error, .. } => Some(error),
            _ => None,
        }
    }

    fn redirected(&self) -> bool {
        self.status().is_some_and(|s| (300..400).contains(&s))
    }

    /// Past the timeout (late or never), not a connection failure.
    fn late(&self, p: &Policy) -> bool {
        self.error().is_none() && self.resolved(p).1
    }

    /// How it failed, in a few words.
    fn why(&self, p: &Policy) -> String {
        if let Some(e) = self.error() {
            return format!("no connection ({e}) on {}", self.label);
        }
        match self.resolved(p) {
            (Some(s), _) => format!("{s} on {}", self.label),
            (None, true) if self.status().is_some() => {
                format!("answered after {} (past the {} timeout) on {}", secs(self.elapsed_ms), secs(p.timeout_ms), self.label)
            }
            _ => format!("no answer within {} on {}", secs(p.timeout_ms), self.label),
        }
    }

    /// How it ended, for a tally: `400`, `no answer`, `no connection`.
    fn ending(&self, p: &Policy) -> String {
        match (self.error(), self.resolved(p)) {
            (Some(_), _) => "no connection".into(),
            (_, (Some(s), _)) => s.to_string(),
            _ => "no answer in time".into(),
        }
    }
}

/// `850 ms`, `10.0 s` (integer arithmetic: no float printing in the wasm builds).
fn secs(ms: Millis) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{} s", seconds_text(ms))
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

/// `400 ×33, no answer in time ×2`: how the failures ended, most frequent first.
fn tally(p: &Policy, outs: &[&Observation]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for o in outs {
        let e = o.ending(p);
        match counts.iter_mut().find(|(k, _)| *k == e) {
            Some((_, n)) => *n += 1,
            None => counts.push((e, 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts.iter().map(|(k, n)| format!("{k} ×{n}")).collect::<Vec<_>>().join(", ")
}

/// `v2`, `v1`.
fn short(v: PayloadVersion) -> &'static str {
    match v {
        PayloadVersion::V1 => "v1",
        PayloadVersion::V2 => "v2",
    }
}

// ---------------------------------------------------------------------------------------------
// The report.

/// A check's grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    /// `pass`, `warn`, `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// `pass` when no check failed (warnings allowed), else `fail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        }
    }
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

/// One histogram bucket: the requests that took more than the previous bucket's `le_ms` and at
/// most this one's (not cumulative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub le_ms: Millis,
    pub count: u64,
}

/// The time to answer of every request (auth probes included), in ms. A request without an answer
/// counts at the time it was given up (timeout + 1 s). The buckets are 10, 25, 50, 100, 250, 500,
/// 1 000, 2 500, 5 000 ms, the policy's timeout (10 000), and the give-up time (11 000: every
/// request in it failed, R9).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Latency {
    pub p50: Millis,
    pub p95: Millis,
    pub max: Millis,
    /// Requests with no answer within the policy's timeout (each a failed attempt, R9).
    pub timeouts: u64,
    pub histogram: Vec<Bucket>,
}

/// A real failure the report names, beyond a check's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Every version 1.0 delivery failed, every version 2.0 one passed.
    ServesV2Only,
    /// Every version 2.0 delivery failed, every version 1.0 one passed.
    ServesV1Only,
    /// 401 to deliveries whose Basic credentials are right (or to deliveries without credentials
    /// when none were given): it wants a header Pipedrive never sends.
    AuthBeyondBasic,
    /// A 2xx to attempt 1 of an event, then a non-2xx to a retry of it.
    StaleRetry,
}

/// The verdict for webhooks of one payload version pointing at the receiver, and what their
/// traffic would cost there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionVerdict {
    pub version: PayloadVersion,
    /// `fail` when a failed check failed on this version's deliveries.
    pub verdict: Verdict,
    /// One line: how many of its deliveries failed and how, which checks, and, when only the other
    /// version is served, "serves v2 only: fine while every webhook pointing here is version 2.0".
    pub detail: String,
    /// From this version's deliveries only (the auth probes left out); `null` when none was observed.
    pub projection: Option<Projection>,
}

/// A receiver check's report: what `check --json FILE` writes and `GET /_emulator/checks/{id}`
/// returns as `report`.
///
/// ```json
/// {
///   "verdict": "fail",
///   "url": "http://127.0.0.1:3000/hook",
///   "requests": 193,
///   "elapsed_ms": 412,
///   "checks": [{"id": "payloads_v1", "status": "fail", "detail": "33 of 33 deliveries failed: 400 on added.activity v1, …; serves v2 only: fine while every webhook pointing here is version 2.0"}],
///   "latency_ms": {"p50": 2, "p95": 6, "max": 31, "timeouts": 0, "histogram": [{"le_ms": 10, "count": 180}]},
///   "versions": [
///     {"version": "2.0", "verdict": "pass", "detail": "no check failed on its 130 deliveries", "projection": {"events_per_minute": 1.0, "bans_per_day": 0.0, "…": 0}},
///     {"version": "1.0", "verdict": "fail", "detail": "serves v2 only: …", "projection": {"bans_per_day": 24.0, "deletion_after_ms": 259200002, "…": 0}}
///   ],
///   "faults": ["serves_v2_only"],
///   "powered_by": "Express"
/// }
/// ```
///
/// A projection is [`Projection`]'s JSON: `events_per_minute`, `simulated_ms`, `events_per_day`,
/// `first_try_failures_per_day`, `bans_per_day`, `lost_during_ban_per_day`,
/// `failed_all_attempts_per_day`, `dropped_after_deletion_per_day`, `lost_events_per_day`,
/// `deletion_after_ms` (or `null`), `totals` and `scenario` (the simulator's camelCase shapes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub verdict: Verdict,
    pub url: String,
    /// Requests sent.
    pub requests: u64,
    /// How long the battery took, ms.
    pub elapsed_ms: u64,
    pub checks: Vec<CheckResult>,
    pub latency_ms: Latency,
    /// One per payload version sent, in the order sent (2.0 first).
    pub versions: Vec<VersionVerdict>,
    /// The real failures named (in the details too), for clients that act on them.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// The receiver's `x-powered-by` (else `server`) header, as first seen: which kit example is
    /// closest. `null` when it sent neither.
    #[serde(default)]
    pub powered_by: Option<String>,
}

impl CheckReport {
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

    /// The verdict for this payload version, when it was sent.
    pub fn version(&self, v: PayloadVersion) -> Option<&VersionVerdict> {
        self.versions.iter().find(|x| x.version == v)
    }

    /// Where a failed check points: the receiver kit's README, the example closest to this
    /// receiver (by the stack it names: Express, Fastify, Next.js, Hono, else node:http), and what
    /// the kit does about each failure. `None` when the check passed.
    ///
    /// ```
    /// use pipedrive_webhooks::receiver_check::{CheckReport, Verdict, KIT_README};
    /// let mut r: CheckReport = serde_json::from_str(r#"{"verdict":"fail","url":"http://x/","requests":1,"elapsed_ms":1,
    ///   "checks":[{"id":"latency","status":"fail","detail":"…"}],"latency_ms":{"p50":0,"p95":0,"max":0,"timeouts":0,"histogram":[]},
    ///   "versions":[],"powered_by":"Express"}"#).unwrap();
    /// let link = r.kit_link().unwrap();
    /// assert_eq!((link.readme, link.example), (KIT_README, "examples/receiver-express.mjs"));
    /// assert!(link.advice[0].contains("answers first"));
    /// r.verdict = Verdict::Pass;
    /// assert!(r.kit_link().is_none());
    /// ```
    pub fn kit_link(&self) -> Option<KitLink> {
        if self.verdict == Verdict::Pass {
            return None;
        }
        let stack = self.powered_by.as_deref().unwrap_or("").to_ascii_lowercase();
        let example = if stack.contains("express") {
            "examples/receiver-express.mjs"
        } else if stack.contains("next") || stack.contains("vercel") {
            "examples/receiver-next-route.mjs"
        } else if stack.contains("fastify") {
            "examples/receiver-fastify.mjs"
        } else if ["hono", "cloudflare", "deno", "bun"].iter().any(|s| stack.contains(s)) {
            "examples/receiver-hono.mjs"
        } else {
            "examples/receiver-node-http.mjs"
        };
        let mut advice: Vec<&'static str> = Vec::new();
        let mut say = |a: &'static str| {
            if !advice.contains(&a) {
                advice.push(a);
            }
        };
        for f in &self.faults {
            say(match f {
                Fault::ServesV2Only | Fault::ServesV1Only => "createReceiver decodes both payload versions and answers 2xx to every real delivery",
                Fault::AuthBeyondBasic => "it checks Basic auth in constant time and requires no other header",
                Fault::StaleRetry => "it keys on the event id and answers 200 to an event it already handled",
            });
        }
        // One version served explains its payloads' and retries' failures: said once, above.
        let one_version = self.faults.iter().any(|f| matches!(f, Fault::ServesV2Only | Fault::ServesV1Only));
        for c in self.checks.iter().filter(|c| c.status == Status::Fail) {
            match c.id.as_str() {
                "payloads_v1" | "payloads_v2" | "retries" if one_version => {}
                "payloads_v1" | "payloads_v2" => say("it decodes every object and shape of both versions and answers 2xx, handled or not"),
                "retries" => say("a retry gets the same 2xx as a first attempt"),
                "latency" | "burst" => say("it answers first, then runs your onEvent, so slow work never meets the 10 s timeout"),
                "redirect" => say("mount it at the exact URL the webhook names: Pipedrive follows no redirect"),
                "tls" => say("serve it over https with a certificate from a public CA (the kit cannot fix TLS)"),
                _ => {}
            }
        }
        Some(KitLink { readme: KIT_README, example, stack: self.powered_by.clone(), advice })
    }
}

/// Where a failed check points: see [`CheckReport::kit_link`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KitLink {
    /// The kit's README section on npm.
    pub readme: &'static str,
    /// The example's path in the package (`examples/receiver-express.mjs`).
    pub example: &'static str,
    /// The stack the receiver named, if any (why this example).
    pub stack: Option<String>,
    /// What the kit does about each failure, in the order found.
    pub advice: Vec<&'static str>,
}

// ---------------------------------------------------------------------------------------------
// Grading.

/// What was sent, besides the observations.
#[derive(Debug, Clone)]
pub struct Battery<'a> {
    pub url: &'a str,
    /// The payload versions sent, in the order sent.
    pub versions: &'a [PayloadVersion],
    /// Basic credentials were configured (and sent with every graded delivery).
    pub credentials: bool,
    /// The traffic projected.
    pub events_per_minute: f64,
    pub policy: Policy,
    /// How long the battery took, ms.
    pub elapsed_ms: u64,
}

/// A check being graded, with the versions its failure is about.
struct Graded {
    id: &'static str,
    status: Status,
    detail: String,
    blamed: Vec<PayloadVersion>,
}

const ORDER: [&str; 9] = ["tls", "payloads_v2", "payloads_v1", "retries", "basic_auth_missing", "basic_auth_wrong", "latency", "burst", "redirect"];

const BAN_NOTE: &str = "each failed first attempt raises the ban counter (R11), 10 ban the webhook for 30 min (R12)";

fn payloads_id(v: PayloadVersion) -> &'static str {
    match v {
        PayloadVersion::V2 => "payloads_v2",
        PayloadVersion::V1 => "payloads_v1",
    }
}

fn versions_of(outs: &[&Observation]) -> Vec<PayloadVersion> {
    let mut v: Vec<PayloadVersion> = Vec::new();
    for o in outs {
        if !v.contains(&o.version) {
            v.push(o.version);
        }
    }
    v
}

/// Grades deliveries that must each get a 2xx in time. A 3xx is the `redirect` check's fault and
/// a late answer the `latency` check's (each graded there): here they only warn, so every fault
/// fails exactly one check. With `strict` (the burst) a late answer fails here too. Returns the
/// failures that are this check's own.
fn deliveries_grade<'a>(p: &Policy, outs: &[&'a Observation], strict: bool, what: &str, pass_note: &str, fail_note: &str) -> (Status, String, Vec<&'a Observation>) {
    let n = outs.len();
    let (own, elsewhere): (Vec<&Observation>, Vec<&Observation>) =
        outs.iter().copied().filter(|o| !o.success(p)).partition(|o| !o.redirected() && (strict || !o.late(p)));
    let own_why: Vec<String> = own.iter().map(|o| o.why(p)).collect();
    let elsewhere_why: Vec<String> = elsewhere.iter().map(|o| o.why(p)).collect();
    if !own.is_empty() {
        let also = if elsewhere.is_empty() { String::new() } else { format!(" (and {} graded under redirect or latency)", elsewhere.len()) };
        (Status::Fail, format!("{} of {n} {what} failed: {}{also}; {fail_note}", own.len(), some(&own_why)), own)
    } else if !elsewhere.is_empty() {
        (Status::Warn, format!("{} of {n} {what} failed by a redirect or a timeout (graded under redirect and latency): {}", elsewhere.len(), some(&elsewhere_why)), own)
    } else {
        (Status::Pass, format!("all {n} {what} got a 2xx{pass_note}"), own)
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

/// The latency figures and histogram over `outs`.
pub fn latency(p: &Policy, outs: &[Observation]) -> Latency {
    let times: Vec<Millis> = outs.iter().map(|o| o.elapsed_ms).collect();
    let mut bounds: Vec<Millis> = BUCKETS_MS.iter().copied().filter(|b| *b < p.timeout_ms).collect();
    bounds.extend([p.timeout_ms, p.timeout_ms + GIVE_UP_GRACE_MS]);
    let mut histogram: Vec<Bucket> = bounds.iter().map(|&le_ms| Bucket { le_ms, count: 0 }).collect();
    for &t in &times {
        let i = bounds.iter().position(|b| t <= *b).unwrap_or(bounds.len() - 1);
        histogram[i].count += 1;
    }
    Latency {
        p50: percentile(&times, 0.5),
        p95: percentile(&times, 0.95),
        max: times.iter().copied().max().unwrap_or(0),
        timeouts: outs.iter().filter(|o| o.late(p)).count() as u64,
        histogram,
    }
}

/// What the projection reads from `outs` (graded deliveries only).
pub fn observations(p: &Policy, outs: &[&Observation]) -> Observations {
    let in_time: Vec<Millis> = outs.iter().filter(|o| !o.resolved(p).1 && o.status().is_some()).map(|o| o.elapsed_ms).collect();
    Observations {
        attempts: outs.len() as u64,
        failures: outs.iter().filter(|o| !o.success(p)).count() as u64,
        timeouts: outs.iter().filter(|o| o.late(p)).count() as u64,
        latency_p50_ms: percentile(&in_time, 0.5),
    }
}

/// Grades a battery's observations (the first one is the first request sent, alone: when it could
/// not connect, nothing else was sent) into the report.
pub fn grade(b: &Battery, outs: &[Observation]) -> CheckReport {
    let p = &b.policy;
    let of = |probe: Probe, v: Option<PayloadVersion>| outs.iter().filter(|o| o.probe == probe && v.is_none_or(|v| o.version == v)).collect::<Vec<_>>();
    let unreachable = outs.len() == 1 && outs[0].error().is_some();
    // Latency and redirects are judged on answers only: none means "not judged", never "pass".
    let answered = outs.iter().filter(|o| o.status().is_some()).count();
    let mut checks: Vec<Graded> = Vec::new();
    let mut faults: Vec<Fault> = Vec::new();
    let all = b.versions.to_vec();

    // tls
    let https = b.url.trim().to_ascii_lowercase().starts_with("https://");
    let first_failure = outs.first().and_then(|o| match &o.answer {
        Answer::Failed { error, tls } => Some((error.clone(), *tls)),
        _ => None,
    });
    let (status, detail, blamed) = match (first_failure, https) {
        (_, false) => (Status::Warn, "plain http: not checked; Pipedrive delivers to public https URLs and refuses self-signed certificates (R15)".into(), vec![]),
        (Some((e, Some(TlsFailure::Certificate))), true) => (Status::Fail, format!("Pipedrive would refuse this certificate (R15): {e}"), all.clone()),
        (Some((e, Some(TlsFailure::Handshake))), true) => (Status::Fail, format!("the TLS handshake failed, as it would for Pipedrive: {e}"), all.clone()),
        (Some((e, None)), true) => (Status::Warn, format!("not checked: could not connect ({e})"), vec![]),
        (None, true) => (Status::Pass, "certificate accepted by standard verification (webpki roots, host name, dates)".into(), vec![]),
    };
    checks.push(Graded { id: "tls", status, detail, blamed });

    // A 401 to deliveries whose credentials are right: said once, in full, in the first check it fails.
    let mut told_401: Option<&'static str> = None;
    let mut auth_note = |id: &'static str, own: &[&Observation], faults: &mut Vec<Fault>| -> String {
        if !own.iter().any(|o| o.resolved(p).0 == Some(401)) {
            return String::new();
        }
        if !faults.contains(&Fault::AuthBeyondBasic) {
            faults.push(Fault::AuthBeyondBasic);
        }
        match told_401 {
            Some(first) => format!("; 401: see {first}"),
            None => {
                told_401 = Some(id);
                if b.credentials {
                    format!("; 401 although its Basic credentials are right: {BASIC_ONLY}")
                } else {
                    format!("; 401 to deliveries sent without credentials (none were given: if it wants Basic auth, check with --user and --password); {BASIC_ONLY}")
                }
            }
        }
    };

    if unreachable {
        let e = outs[0].error().unwrap_or_default().to_string();
        for &v in b.versions {
            checks.push(Graded { id: payloads_id(v), status: Status::Fail, detail: format!("not reachable: {e}; nothing else was sent"), blamed: all.clone() });
        }
        checks.push(Graded { id: "retries", status: Status::Fail, detail: "not reachable: not sent".into(), blamed: all.clone() });
        checks.push(Graded { id: "burst", status: Status::Fail, detail: "not reachable: not sent".into(), blamed: all.clone() });
    } else {
        for &v in b.versions {
            let id = payloads_id(v);
            let (status, mut detail, own) = deliveries_grade(
                p,
                &of(Probe::Payload, Some(v)),
                false,
                "deliveries",
                " (create, change, delete of every object; user arrays, string lead ids, bulk deletes, custom fields, integer and ISO timestamps)",
                BAN_NOTE,
            );
            detail.push_str(&auth_note(id, &own, &mut faults));
            checks.push(Graded { id, status, detail, blamed: versions_of(&own) });
        }
        // retries: attempts 2–4 of one event per version.
        let chain = of(Probe::Retry, None);
        let again: Vec<&Observation> = chain.iter().copied().filter(|o| o.attempt > 1).collect();
        let (mut status, mut detail, own) = deliveries_grade(
            p,
            &again,
            false,
            "retried attempts (2–4, same event id)",
            ": a duplicate is answered like the first",
            "a retry comes only after a failed attempt, and a non-2xx to it fails it too: after 4 the event is lost (R10)",
        );
        // Stale: attempt 1 of the chain got a 2xx, a later attempt of the same event did not.
        let mut stale: Vec<String> = Vec::new();
        for &v in b.versions {
            let firsts = chain.iter().filter(|o| o.version == v && o.attempt == 1).collect::<Vec<_>>();
            let Some(first) = firsts.first() else { continue };
            let refused: Vec<&&Observation> = own.iter().filter(|o| o.version == v && o.resolved(p).0.is_some()).collect();
            if first.success(p) && !refused.is_empty() {
                let codes = tally(p, &refused.iter().map(|o| **o).collect::<Vec<_>>());
                let first_code = first.status().unwrap_or(200);
                stale.push(format!("{} to attempt 1, then {codes} to attempts 2–4 of the same event ({})", first_code, short(v)));
            }
        }
        if !stale.is_empty() {
            faults.push(Fault::StaleRetry);
            detail.push_str(&format!(
                "; stale answer on a retry: {}. Pipedrive retries when an answer came late or got lost, so the event may be processed already: a retry of an event already processed must still get a 2xx, else the event counts as failed after 4 attempts (R10)",
                stale.join("; ")
            ));
        }
        if let Some(bad) = chain.iter().find(|o| o.attempt == 1 && !o.success(p)) {
            if status == Status::Pass {
                status = Status::Warn;
                detail = format!("the first attempt failed ({}), so the retries prove little; {detail}", bad.why(p));
            }
        }
        detail.push_str(&auth_note("retries", &own, &mut faults));
        checks.push(Graded { id: "retries", status, detail, blamed: versions_of(&own) });
    }
    if b.credentials && !unreachable {
        for (id, probe, what) in [("basic_auth_missing", Probe::AuthMissing, "without credentials"), ("basic_auth_wrong", Probe::AuthWrong, "with a wrong password")] {
            let Some(o) = of(probe, None).first().copied() else { continue };
            let (status, detail) = match o.resolved(p) {
                (Some(s @ (401 | 403)), _) => (Status::Pass, format!("refused a delivery {what} with {s}")),
                (Some(s), _) if (200..300).contains(&s) => {
                    (Status::Warn, format!("accepted a delivery {what} ({s}): anyone who knows the URL can post to it; check Basic auth (R14)"))
                }
                _ => (Status::Warn, format!("expected 401 or 403 for a delivery {what}, got {}", o.why(p))),
            };
            checks.push(Graded { id, status, detail, blamed: vec![] });
        }
    }

    // latency, over every request
    let lat = latency(p, outs);
    {
        let late_outs: Vec<&Observation> = outs.iter().filter(|o| o.late(p)).collect();
        let late: Vec<String> = late_outs.iter().map(|o| o.why(p)).collect();
        let warn_ms = p.timeout_ms / 2;
        let summary = format!("p50 {}, p95 {}, max {} over {} requests", secs(lat.p50), secs(lat.p95), secs(lat.max), outs.len());
        let (status, detail, blamed) = if answered == 0 {
            (Status::Warn, format!("not judged: none of the {} requests got an answer", outs.len()), vec![])
        } else if !late.is_empty() {
            (
                Status::Fail,
                format!("{} past the {} timeout, each a failed attempt (R9): {}; {summary}", late.len(), secs(p.timeout_ms), some(&late)),
                versions_of(&late_outs),
            )
        } else if lat.max > warn_ms {
            (Status::Warn, format!("{summary}: over half of the {} timeout (R9), little margin under load", secs(p.timeout_ms)), vec![])
        } else {
            (Status::Pass, format!("{summary}; timeout {} (R9)", secs(p.timeout_ms)), vec![])
        };
        checks.push(Graded { id: "latency", status, detail, blamed });
    }
    if !unreachable {
        let (status, mut detail, own) = deliveries_grade(p, &of(Probe::Burst, None), true, "deliveries sent at once (a bulk edit)", " within the timeout", BAN_NOTE);
        detail.push_str(&auth_note("burst", &own, &mut faults));
        checks.push(Graded { id: "burst", status, detail, blamed: versions_of(&own) });
    }
    // redirect, over every answer
    let redirected: Vec<&Observation> = outs.iter().filter(|o| o.redirected()).collect();
    let redirects: Vec<String> =
        redirected.iter().map(|o| format!("{} → {} on {}", o.status().unwrap_or(0), o.location.as_deref().unwrap_or("(no Location)"), o.label)).collect();
    let (status, detail, blamed) = if answered == 0 {
        (Status::Warn, format!("not judged: none of the {} requests got an answer", outs.len()), vec![])
    } else if redirects.is_empty() {
        (Status::Pass, format!("no 3xx in {answered} answers"), vec![])
    } else {
        (
            Status::Fail,
            format!("{} answers were redirects, which Pipedrive does not follow: each is a failed attempt (R9, R15): {}", redirects.len(), some(&redirects)),
            versions_of(&redirected),
        )
    };
    checks.push(Graded { id: "redirect", status, detail, blamed });
    checks.sort_by_key(|c| ORDER.iter().position(|id| *id == c.id).unwrap_or(ORDER.len()));

    // By version: failed when a failed check failed on its deliveries; projected from them alone.
    let failing_by: Vec<(PayloadVersion, Vec<&'static str>)> =
        b.versions.iter().map(|&v| (v, checks.iter().filter(|c| c.status == Status::Fail && c.blamed.contains(&v)).map(|c| c.id).collect())).collect();
    let failed_for = |v: PayloadVersion| failing_by.iter().find(|(x, _)| *x == v).map(|(_, ids)| ids.clone()).unwrap_or_default();
    let mut notes: Vec<(&'static str, String)> = Vec::new();
    let graded_of = |v: PayloadVersion| outs.iter().filter(|o| o.probe.graded() && o.version == v).collect::<Vec<_>>();
    let mut versions = Vec::new();
    for &v in b.versions {
        let mine = graded_of(v);
        let failing = failed_for(v);
        let bad: Vec<&Observation> = mine.iter().copied().filter(|o| !o.success(p)).collect();
        let n = mine.len();
        let projection = project(&observations(p, &mine), b.events_per_minute, p).ok();
        let (verdict, mut detail) = if failing.is_empty() {
            (Verdict::Pass, format!("no check failed on its {n} deliveries"))
        } else if unreachable {
            (Verdict::Fail, "not reachable: nothing was delivered".to_string())
        } else if bad.is_empty() {
            (Verdict::Fail, format!("failed {}", failing.join(", ")))
        } else {
            (Verdict::Fail, format!("{} of {n} deliveries failed ({}); failed {}", bad.len(), tally(p, &bad), failing.join(", ")))
        };
        // Wholesale: every delivery of this version failed, and another version passed entirely.
        let other = b.versions.iter().copied().find(|o| *o != v && failed_for(*o).is_empty() && !graded_of(*o).is_empty());
        if let (Some(served), true) = (other, !unreachable && n > 0 && bad.len() == n) {
            let served_only = format!("serves {} only: fine while every webhook pointing here is version {}", short(served), served.as_str());
            detail = format!(
                "{served_only}; a version {} webhook pointing here fails every delivery ({}) and is banned after its first {} events (R12)",
                v.as_str(),
                tally(p, &bad),
                p.ban_threshold
            );
            faults.push(if served == PayloadVersion::V2 { Fault::ServesV2Only } else { Fault::ServesV1Only });
            notes.push((payloads_id(v), format!("; {served_only}")));
        }
        versions.push(VersionVerdict { version: v, verdict, detail, projection });
    }
    for (id, note) in notes {
        if let Some(c) = checks.iter_mut().find(|c| c.id == id) {
            c.detail.push_str(&note);
        }
    }

    let verdict = if checks.iter().any(|c| c.status == Status::Fail) { Verdict::Fail } else { Verdict::Pass };
    CheckReport {
        verdict,
        url: b.url.trim().to_string(),
        requests: outs.len() as u64,
        elapsed_ms: b.elapsed_ms,
        checks: checks.into_iter().map(|c| CheckResult { id: c.id.into(), status: c.status, detail: c.detail }).collect(),
        latency_ms: lat,
        versions,
        faults,
        powered_by: outs.iter().find_map(|o| o.powered_by.clone()),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading a report (the panel's way: no serde derive in the wasm build). Unknown fields are
// ignored; a wrong type is an error with its path.

impl ReadJson for Status {
    fn read(v: &Value) -> Result<Self, ReadError> {
        match v.as_str() {
            Some("pass") => Ok(Status::Pass),
            Some("warn") => Ok(Status::Warn),
            Some("fail") => Ok(Status::Fail),
            _ => Err(ReadError::new("expected \"pass\", \"warn\" or \"fail\"")),
        }
    }
}

impl ReadJson for Verdict {
    fn read(v: &Value) -> Result<Self, ReadError> {
        match v.as_str() {
            Some("pass") => Ok(Verdict::Pass),
            Some("fail") => Ok(Verdict::Fail),
            _ => Err(ReadError::new("expected \"pass\" or \"fail\"")),
        }
    }
}

impl ReadJson for Fault {
    fn read(v: &Value) -> Result<Self, ReadError> {
        match v.as_str() {
            Some("serves_v2_only") => Ok(Fault::ServesV2Only),
            Some("serves_v1_only") => Ok(Fault::ServesV1Only),
            Some("auth_beyond_basic") => Ok(Fault::AuthBeyondBasic),
            Some("stale_retry") => Ok(Fault::StaleRetry),
            _ => Err(ReadError::new("expected a known fault")),
        }
    }
}

impl ReadJson for CheckResult {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(CheckResult { id: f.req("id")?, status: f.req("status")?, detail: f.or("detail", String::new())? })
    }
}

impl ReadJson for Bucket {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(Bucket { le_ms: f.req("le_ms")?, count: f.req("count")? })
    }
}

impl ReadJson for Latency {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(Latency { p50: f.or("p50", 0)?, p95: f.or("p95", 0)?, max: f.or("max", 0)?, timeouts: f.or("timeouts", 0)?, histogram: f.or("histogram", Vec::new())? })
    }
}

impl ReadJson for Summary {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(Summary {
            events: f.or("events", 0)?,
            delivered_first_try: f.or("deliveredFirstTry", 0)?,
            delivered_after_retry: f.or("deliveredAfterRetry", 0)?,
            failed_all_attempts: f.or("failedAllAttempts", 0)?,
            lost_during_ban: f.or("lostDuringBan", 0)?,
            dropped_after_deletion: f.or("droppedAfterDeletion", 0)?,
            first_try_failures: f.or("firstTryFailures", 0)?,
            retries_succeeded: f.or("retriesSucceeded", 0)?,
            retries_failed: f.or("retriesFailed", 0)?,
            attempts: f.or("attempts", 0)?,
            bans: f.or("bans", 0)?,
            deleted_webhooks: f.or("deletedWebhooks", 0)?,
        })
    }
}

impl ReadJson for Projection {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(Projection {
            events_per_minute: f.req("events_per_minute")?,
            simulated_ms: f.or("simulated_ms", 0)?,
            events_per_day: f.or("events_per_day", 0.0)?,
            first_try_failures_per_day: f.or("first_try_failures_per_day", 0.0)?,
            bans_per_day: f.or("bans_per_day", 0.0)?,
            lost_during_ban_per_day: f.or("lost_during_ban_per_day", 0.0)?,
            failed_all_attempts_per_day: f.or("failed_all_attempts_per_day", 0.0)?,
            dropped_after_deletion_per_day: f.or("dropped_after_deletion_per_day", 0.0)?,
            lost_events_per_day: f.or("lost_events_per_day", 0.0)?,
            deletion_after_ms: f.opt("deletion_after_ms")?,
            totals: f.or("totals", Summary::default())?,
            scenario: f.req("scenario")?,
        })
    }
}

impl ReadJson for VersionVerdict {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(VersionVerdict { version: f.req("version")?, verdict: f.req("verdict")?, detail: f.or("detail", String::new())?, projection: f.opt("projection")? })
    }
}

impl ReadJson for CheckReport {
    /// ```
    /// use pipedrive_webhooks::json_read::ReadJson;
    /// use pipedrive_webhooks::receiver_check::{CheckReport, Status};
    /// let r = CheckReport::read(&serde_json::json!({"verdict": "fail", "url": "http://x/", "checks": [{"id": "latency", "status": "fail", "detail": "p95 11.2 s"}],
    ///   "latency_ms": {"p50": 10, "p95": 11200, "max": 11300, "histogram": [{"le_ms": 100, "count": 3}]}, "versions": []})).unwrap();
    /// assert_eq!((r.checks[0].status, r.latency_ms.p95, r.latency_ms.histogram[0].count), (Status::Fail, 11_200, 3));
    /// assert_eq!(CheckReport::read(&serde_json::json!({"verdict": "maybe"})).unwrap_err().to_string(), "verdict: expected \"pass\" or \"fail\"");
    /// ```
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(CheckReport {
            verdict: f.req("verdict")?,
            url: f.or("url", String::new())?,
            requests: f.or("requests", 0)?,
            elapsed_ms: f.or("elapsed_ms", 0)?,
            checks: f.or("checks", Vec::new())?,
            latency_ms: f.or("latency_ms", Latency::default())?,
            versions: f.or("versions", Vec::new())?,
            faults: f.or("faults", Vec::new())?,
            powered_by: f.opt("powered_by")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PayloadVersion::{V1, V2};

    fn obs(probe: Probe, version: PayloadVersion, label: &str, status: Option<u16>, ms: Millis) -> Observation {
        let answer = match status {
            Some(s) => Answer::Status(s),
            None => Answer::NoAnswer,
        };
        Observation::new(probe, version, label, answer, ms)
    }

    /// A battery as the emulator sends it: every version's payloads, a retry chain per version,
    /// the auth probes and a burst in the first version; `answer(probe, version, attempt)` decides.
    fn battery(versions: &[PayloadVersion], answer: impl Fn(Probe, PayloadVersion, u8) -> u16) -> Vec<Observation> {
        let mut out = Vec::new();
        for &v in versions {
            for i in 0..20 {
                out.push(obs(Probe::Payload, v, &format!("event {i} {}", short(v)), Some(answer(Probe::Payload, v, 1)), 5));
            }
            for attempt in 1..=4 {
                let label = format!("change.deal {} attempt {attempt}", short(v));
                out.push(Observation { attempt, ..obs(Probe::Retry, v, &label, Some(answer(Probe::Retry, v, attempt)), 5) });
            }
        }
        out.push(obs(Probe::AuthMissing, versions[0], "no credentials", Some(401), 2));
        out.push(obs(Probe::AuthWrong, versions[0], "wrong password", Some(401), 2));
        for i in 0..10 {
            out.push(obs(Probe::Burst, versions[0], &format!("bulk #{i}"), Some(answer(Probe::Burst, versions[0], 1)), 8));
        }
        out
    }

    fn run(versions: &[PayloadVersion], outs: &[Observation]) -> CheckReport {
        let b = Battery { url: "https://example.com/hook", versions, credentials: true, events_per_minute: 1.0, policy: Policy::default(), elapsed_ms: 40 };
        grade(&b, outs)
    }

    fn failed(r: &CheckReport) -> Vec<&str> {
        r.checks.iter().filter(|c| c.status == Status::Fail).map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn r09_success_goes_through_the_core_resolve() {
        let p = Policy::default();
        assert!(obs(Probe::Payload, V2, "x", Some(204), p.timeout_ms).success(&p), "exactly the timeout succeeds");
        assert!(!obs(Probe::Payload, V2, "x", Some(200), p.timeout_ms + 1).success(&p), "later fails");
        assert!(!obs(Probe::Payload, V2, "x", Some(302), 5).success(&p));
        assert!(!obs(Probe::Payload, V2, "x", None, p.timeout_ms + GIVE_UP_GRACE_MS).success(&p));
    }

    #[test]
    fn each_fault_fails_one_check() {
        let p = Policy::default();
        let late = obs(Probe::Payload, V2, "probe", Some(200), 10_500);
        let redirect = obs(Probe::Payload, V2, "probe", Some(301), 3);
        let err = obs(Probe::Payload, V2, "probe", Some(500), 3);
        assert_eq!(deliveries_grade(&p, &[&late, &redirect], false, "d", "", "").0, Status::Warn);
        assert_eq!(deliveries_grade(&p, &[&late], true, "d", "", "").0, Status::Fail);
        let (s, d, own) = deliveries_grade(&p, &[&err, &late], false, "deliveries", "", "");
        assert_eq!((s, own.len()), (Status::Fail, 1));
        assert!(d.contains("500 on probe") && d.contains("1 graded under"), "{d}");
        assert!(late.why(&p).contains("answered after 10.5 s (past the 10.0 s timeout)"), "{}", late.why(&p));
    }

    #[test]
    fn the_histogram_holds_every_request_once() {
        let p = Policy::default();
        let outs = vec![obs(Probe::Payload, V2, "a", Some(200), 3), obs(Probe::Payload, V2, "a", Some(200), 40), obs(Probe::Payload, V2, "a", Some(200), 7_000), obs(Probe::Payload, V2, "a", None, 11_000)];
        let l = latency(&p, &outs);
        assert_eq!(l.histogram.iter().map(|b| b.count).sum::<u64>(), 4);
        assert_eq!(l.histogram.last().unwrap(), &Bucket { le_ms: 11_000, count: 1 });
        assert_eq!(l.histogram.iter().find(|b| b.le_ms == 10_000).unwrap().count, 1);
        assert_eq!((l.max, l.timeouts), (11_000, 1));
    }

    #[test]
    fn a_good_receiver_passes_in_both_versions_with_clean_projections() {
        let r = run(&[V2, V1], &battery(&[V2, V1], |_, _, _| 200));
        assert_eq!((r.verdict, failed(&r)), (Verdict::Pass, vec![]));
        assert_eq!(r.versions.iter().map(|v| (v.version, v.verdict)).collect::<Vec<_>>(), [(V2, Verdict::Pass), (V1, Verdict::Pass)]);
        assert!(r.faults.is_empty() && r.kit_link().is_none());
        for v in &r.versions {
            let p = v.projection.as_ref().unwrap();
            assert_eq!((p.first_try_failures_per_day, p.bans_per_day, p.deletion_after_ms), (0.0, 0.0, None));
        }
    }

    #[test]
    fn a_v2_only_receiver_is_named_and_passes_when_only_v2_is_sent() {
        let v2_only = |_: Probe, v: PayloadVersion, _: u8| if v == V1 { 400 } else { 200 };
        let r = run(&[V2, V1], &battery(&[V2, V1], v2_only));
        assert_eq!(r.verdict, Verdict::Fail, "both versions asked: a failure is a failure");
        assert_eq!(failed(&r), ["payloads_v1", "retries"]);
        let d = &r.check("payloads_v1").unwrap().detail;
        assert!(d.contains("serves v2 only: fine while every webhook pointing here is version 2.0"), "{d}");
        let (v2, v1) = (r.version(V2).unwrap(), r.version(V1).unwrap());
        assert_eq!((v2.verdict, v1.verdict), (Verdict::Pass, Verdict::Fail));
        assert!(v1.detail.starts_with("serves v2 only: fine while every webhook pointing here is version 2.0;") && v1.detail.contains("400 ×24"), "{}", v1.detail);
        assert!(v1.detail.contains("banned after its first 10 events (R12)"), "{}", v1.detail);
        assert_eq!(v2.detail, "no check failed on its 34 deliveries");
        assert_eq!(r.faults, [Fault::ServesV2Only]);
        assert!(!r.faults.contains(&Fault::StaleRetry), "attempt 1 failed too: not stale");
        // Only v2 sent: the same receiver passes.
        let only = run(&[V2], &battery(&[V2], v2_only));
        assert_eq!((only.verdict, only.versions.len()), (Verdict::Pass, 1));
        // The v1 counterpart.
        let v1_only = run(&[V2, V1], &battery(&[V2, V1], |_, v, _| if v == V2 { 400 } else { 200 }));
        assert!(v1_only.check("payloads_v2").unwrap().detail.contains("serves v1 only: fine while every webhook pointing here is version 1.0"));
        assert_eq!(v1_only.faults, [Fault::ServesV1Only]);
    }

    #[test]
    fn r12_r13_projections_are_per_version_never_mixed() {
        let r = run(&[V2, V1], &battery(&[V2, V1], |_, v, _| if v == V1 { 400 } else { 200 }));
        let v2 = r.version(V2).unwrap().projection.as_ref().unwrap();
        let v1 = r.version(V1).unwrap().projection.as_ref().unwrap();
        assert_eq!((v2.first_try_failures_per_day, v2.bans_per_day, v2.deletion_after_ms), (0.0, 0.0, None), "v2 is served: nothing lost");
        assert_eq!(v2.scenario.webhooks[0].endpoint.failure_rate, 0.0);
        assert_eq!(v1.scenario.webhooks[0].endpoint.failure_rate, 1.0, "v1's own deliveries only (the auth probes left out)");
        assert!(v1.bans_per_day > 20.0 && v1.deletion_after_ms.is_some(), "{v1:?}");
    }

    #[test]
    fn r14_a_401_to_right_credentials_is_named_once() {
        let r = run(&[V2, V1], &battery(&[V2, V1], |_, _, _| 401));
        let d = &r.check("payloads_v2").unwrap().detail;
        assert!(d.contains("401 although its Basic credentials are right: Pipedrive sends Basic auth and nothing else: a receiver demanding a signature header (x-pipedrive-signature…) answers 401 to every real delivery"), "{d}");
        assert!(r.check("payloads_v1").unwrap().detail.ends_with("; 401: see payloads_v2"));
        assert_eq!(r.faults, [Fault::AuthBeyondBasic]);
        assert!(r.kit_link().unwrap().advice.iter().any(|a| a.contains("requires no other header")));
        // Without credentials given, the 401 says to give them, and still names the rule.
        let b = Battery { url: "http://x/h", versions: &[V2], credentials: false, events_per_minute: 1.0, policy: Policy::default(), elapsed_ms: 1 };
        let outs: Vec<Observation> = battery(&[V2], |_, _, _| 401).into_iter().filter(|o| o.probe.graded()).collect();
        let d = grade(&b, &outs).check("payloads_v2").unwrap().detail.clone();
        assert!(d.contains("none were given") && d.contains(BASIC_ONLY), "{d}");
    }

    #[test]
    fn r10_a_stale_answer_on_a_retry_is_named() {
        let r = run(&[V2, V1], &battery(&[V2, V1], |probe, _, attempt| if probe == Probe::Retry && attempt > 1 { 409 } else { 200 }));
        assert_eq!(failed(&r), ["retries"]);
        let d = &r.check("retries").unwrap().detail;
        assert!(d.starts_with("6 of 6 retried attempts"), "{d}");
        assert!(d.contains("stale answer on a retry: 200 to attempt 1, then 409 ×3 to attempts 2–4 of the same event (v2)"), "{d}");
        assert!(d.contains("a retry of an event already processed must still get a 2xx"), "{d}");
        assert_eq!(r.faults, [Fault::StaleRetry]);
        assert_eq!(r.versions.iter().filter(|v| v.verdict == Verdict::Fail).count(), 2, "both versions' retries failed");
    }

    #[test]
    fn latency_and_redirect_blame_the_versions_they_happened_in() {
        let mut outs = battery(&[V2, V1], |_, _, _| 200);
        outs[3] = obs(Probe::Payload, V2, "note v2", Some(200), 10_500);
        let r = run(&[V2, V1], &outs);
        assert_eq!(failed(&r), ["latency"]);
        assert!(r.check("latency").unwrap().detail.contains("1 past the 10.0 s timeout"));
        assert_eq!((r.version(V2).unwrap().verdict, r.version(V1).unwrap().verdict), (Verdict::Fail, Verdict::Pass));
        assert!(r.kit_link().unwrap().advice[0].contains("answers first"));
    }

    #[test]
    fn an_unreachable_receiver_fails_every_version_after_one_request() {
        let first = Observation::new(Probe::Payload, V2, "create.activity v2", Answer::Failed { error: "connection refused".into(), tls: None }, 1);
        let r = run(&[V2, V1], &[first]);
        assert_eq!(failed(&r), ["payloads_v2", "payloads_v1", "retries", "burst"]);
        assert!(r.versions.iter().all(|v| v.verdict == Verdict::Fail && v.detail.starts_with("not reachable")));
        assert!(r.check("latency").unwrap().detail.starts_with("not judged"));
    }

    #[test]
    fn the_kit_link_names_the_closest_example() {
        let mut r = run(&[V2], &battery(&[V2], |_, _, _| 500));
        for (stack, example) in [
            (Some("Express"), "examples/receiver-express.mjs"),
            (Some("Next.js"), "examples/receiver-next-route.mjs"),
            (Some("fastify"), "examples/receiver-fastify.mjs"),
            (Some("cloudflare"), "examples/receiver-hono.mjs"),
            (Some("nginx"), "examples/receiver-node-http.mjs"),
            (None, "examples/receiver-node-http.mjs"),
        ] {
            r.powered_by = stack.map(str::to_string);
            assert_eq!(r.kit_link().unwrap().example, example, "{stack:?}");
        }
        let mut outs = battery(&[V2], |_, _, _| 200);
        outs[0].powered_by = Some("Express".into());
        assert_eq!(run(&[V2], &outs).powered_by.as_deref(), Some("Express"));
    }

    #[test]
    fn the_serde_form_reads_back_with_read_json() {
        let r = run(&[V2, V1], &battery(&[V2, V1], |probe, v, attempt| if v == V1 || (probe == Probe::Retry && attempt > 1) { 409 } else { 200 }));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(CheckReport::read(&json).unwrap(), r);
        let back: CheckReport = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, r);
        assert_eq!(json["versions"][1]["version"], "1.0");
        assert!(json["versions"][0]["projection"]["bans_per_day"].is_number());
        assert!(json["versions"][0]["projection"]["scenario"]["durationMs"].is_number(), "the simulator's own shape");
        assert!(json.get("projection").is_none(), "no mixed projection");
    }
}
