//! The local emulator's control API on the wire, sans-IO, for clients such as the panel: where its
//! routes are, and lenient decoding of what they answer (every byte from the network is hostile: a
//! malformed entry is skipped, never a panic). The emulator serves these shapes (`/_emulator/*`).

use crate::json_read::{kind_of, Fields, ReadError, ReadJson};
use crate::policy::Millis;
pub use crate::receiver_check::CheckReport;
use crate::wire::as_u64;
use serde_json::Value;

/// `root/_emulator/<path>` for an API base URL that may be an emulator's
/// (`http://127.0.0.1:8700/v1` → `http://127.0.0.1:8700/_emulator/<path>`); `None` for Pipedrive's
/// own hosts, which have no such routes.
///
/// ```
/// use pipedrive_webhooks::emulator_api::control_url;
/// assert_eq!(control_url("http://127.0.0.1:8700/v1", "deliveries/3/redeliver").as_deref(), Some("http://127.0.0.1:8700/_emulator/deliveries/3/redeliver"));
/// assert_eq!(control_url("http://127.0.0.1:8700/api/v1", "clock").as_deref(), Some("http://127.0.0.1:8700/_emulator/clock"));
/// assert_eq!(control_url("https://acme.pipedrive.com/api/v1", "clock"), None);
/// ```
pub fn control_url(base_url: &str, path: &str) -> Option<String> {
    let base = base_url.trim_end_matches('/');
    let (_, rest) = base.split_once("://")?;
    let host = rest.split('/').next()?.to_ascii_lowercase();
    let host_only = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    if host_only == "pipedrive.com" || host_only.ends_with(".pipedrive.com") {
        return None;
    }
    let root = base.strip_suffix("/api/v1").or_else(|| base.strip_suffix("/v1")).unwrap_or(base);
    Some(format!("{root}/_emulator/{}", path.trim_start_matches('/')))
}

/// An emulator's clock (`GET /_emulator/clock`): its emulated now (epoch ms) and how much faster
/// than real time it runs.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmulatorClock {
    pub now: Millis,
    pub time_scale: f64,
}

impl EmulatorClock {
    /// Reads `GET /_emulator/clock`'s answer (`{"now": …, "timeScale": …}`); `None` for anything
    /// else (a server that is not the emulator).
    ///
    /// ```
    /// use pipedrive_webhooks::emulator_api::EmulatorClock;
    /// let c = EmulatorClock::decode(br#"{"now": 1000, "timeScale": 60}"#).unwrap();
    /// assert_eq!(c.now_after(500), 31_000);
    /// assert!(EmulatorClock::decode(b"<html>").is_none());
    /// ```
    pub fn decode(body: &[u8]) -> Option<EmulatorClock> {
        let v: Value = serde_json::from_slice(body).ok()?;
        let now = v.get("now")?.as_i64()?;
        let time_scale = v.get("timeScale")?.as_f64().filter(|s| s.is_finite() && *s > 0.0)?;
        Some(EmulatorClock { now, time_scale })
    }

    /// The emulated time `real_elapsed_ms` after this reading.
    pub fn now_after(&self, real_elapsed_ms: Millis) -> Millis {
        self.now.saturating_add((real_elapsed_ms.max(0) as f64 * self.time_scale) as Millis)
    }
}

/// One attempt (or an event not sent) in the emulator's delivery log: the one description of its
/// JSON (`GET /_emulator/deliveries` answers `{"deliveries": [...]}` of these, serialised by the
/// emulator with serde; the panel reads them with the lenient [`decode_deliveries`]).
///
/// ```json
/// {"id": 7, "webhookId": 3, "eventId": "5b0c…", "event": "change.deal", "attempt": 1, "at": 1764400000000,
///  "result": "status", "status": 200, "durationMs": 12, "success": true, "counted": false, "banUntil": null,
///  "afterDeletion": false, "duringBan": false, "redelivery": false,
///  "requestBody": "{\"meta\":{…},\"data\":{…},\"previous\":null}",
///  "requestHeaders": [["content-type", "application/json"], ["authorization", "Basic ••••"]]}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LoggedDelivery {
    /// Stable and increasing (1, 2, …), never reused, even after a reset: what
    /// `POST /_emulator/deliveries/{id}/redeliver` takes.
    pub id: u64,
    pub webhook_id: u64,
    pub event_id: String,
    /// The event as its webhook receives it, `action.object`: `change.deal` (v2), `updated.deal`
    /// (v1); v2 words for a webhook already gone.
    pub event: String,
    /// 1–4.
    pub attempt: u8,
    /// Emulated time the attempt started, or the event was lost or dropped (epoch ms).
    pub at: Millis,
    /// `status`, `timeout`, `refused`, `lost` (banned, R12) or `dropped` (deleted, R13).
    pub result: String,
    pub status: Option<u16>,
    pub duration_ms: Millis,
    pub success: bool,
    /// Raised the ban counter (R11).
    pub counted: bool,
    /// This attempt started a ban lasting until then (R12).
    pub ban_until: Option<Millis>,
    /// In flight when its webhook was deleted or removed, and ended after: its result counts for
    /// its event and changed nothing (domain reference, "In flight…").
    pub after_deletion: bool,
    /// In flight when a ban started, and ended during it: a failure did not raise the frozen ban
    /// counter; a success still cleared the deletion clock (R13).
    pub during_ban: bool,
    /// Part of a redelivery: a fresh attempt chain of an event already delivered, with the same
    /// event id (the emulator can redeliver; Pipedrive cannot).
    pub redelivery: bool,
    /// The body that was sent; `null` when nothing was sent (lost or dropped).
    pub request_body: Option<String>,
    /// The headers that were sent, as `[name, value]` pairs; `authorization` masked as
    /// `Basic ••••` (R14). Empty when nothing was sent.
    pub request_headers: Vec<(String, String)>,
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn millis(v: &Value) -> Option<Millis> {
    v.as_i64()
}

/// Reads `GET /_emulator/deliveries` (`{"deliveries": [...]}`), newest last as served. Entries
/// that are not objects or have no id are skipped.
///
/// ```
/// use pipedrive_webhooks::emulator_api::decode_deliveries;
/// let body = br#"{"deliveries":[{"id":1,"webhookId":2,"eventId":"e","attempt":1,"at":5,"result":"status","status":200,"durationMs":12,"success":true,"counted":false,"banUntil":null}, 7]}"#;
/// let log = decode_deliveries(body).unwrap();
/// assert_eq!((log.len(), log[0].status, log[0].success), (1, Some(200), true));
/// assert!(decode_deliveries(b"<html>").is_err());
/// ```
pub fn decode_deliveries(body: &[u8]) -> Result<Vec<LoggedDelivery>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|_| "the delivery log is not JSON".to_string())?;
    let list = match v.get("deliveries") {
        Some(Value::Array(items)) => items,
        Some(other) => return Err(format!("deliveries is {}, not a list", kind_of(other))),
        None => return Err("the answer has no deliveries".into()),
    };
    Ok(list.iter().filter_map(delivery).collect())
}

fn delivery(v: &Value) -> Option<LoggedDelivery> {
    let o = v.as_object()?;
    let get = |k: &str| o.get(k).unwrap_or(&Value::Null);
    let flag = |k: &str| get(k).as_bool().unwrap_or(false);
    let headers = match get("requestHeaders") {
        Value::Array(pairs) => pairs
            .iter()
            .filter_map(|p| match p {
                Value::Array(kv) if kv.len() == 2 => Some((text(&kv[0])?, text(&kv[1])?)),
                _ => None,
            })
            .collect(),
        Value::Object(m) => m.iter().filter_map(|(k, v)| Some((k.clone(), text(v)?))).collect(),
        _ => Vec::new(),
    };
    Some(LoggedDelivery {
        id: as_u64(get("id"))?,
        webhook_id: as_u64(get("webhookId")).unwrap_or(0),
        event_id: text(get("eventId")).unwrap_or_default(),
        event: text(get("event")).unwrap_or_default(),
        attempt: as_u64(get("attempt")).and_then(|a| u8::try_from(a).ok()).unwrap_or(1),
        at: millis(get("at")).unwrap_or(0),
        result: text(get("result")).unwrap_or_default(),
        status: as_u64(get("status")).and_then(|s| u16::try_from(s).ok()),
        duration_ms: millis(get("durationMs")).unwrap_or(0),
        success: flag("success"),
        counted: flag("counted"),
        ban_until: millis(get("banUntil")),
        after_deletion: flag("afterDeletion"),
        during_ban: flag("duringBan"),
        redelivery: flag("redelivery"),
        request_body: text(get("requestBody")),
        request_headers: headers,
    })
}

/// How far a receiver check is: requests done out of the battery's total, and the check of the
/// latest.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    pub current: String,
}

/// A check's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    #[default]
    Running,
    Done,
    Failed,
}

/// A check started through the control API: `GET /_emulator/checks/{id}`'s answer, serialised by
/// the emulator with serde, read by clients with [`decode_check_run`].
///
/// ```json
/// {"id": 1, "state": "running", "progress": {"done": 42, "total": 193, "current": "payloads_v1"}, "report": null, "error": null}
/// ```
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct CheckRun {
    pub id: u64,
    pub state: RunState,
    pub progress: Progress,
    /// The report (as `check --json` writes it) once `done`.
    pub report: Option<CheckReport>,
    /// Why the check could not run, when `failed`.
    pub error: Option<String>,
}

impl ReadJson for RunState {
    fn read(v: &Value) -> Result<Self, ReadError> {
        match v.as_str() {
            Some("running") => Ok(RunState::Running),
            Some("done") => Ok(RunState::Done),
            Some("failed") => Ok(RunState::Failed),
            _ => Err(ReadError::new("expected \"running\", \"done\" or \"failed\"")),
        }
    }
}

impl ReadJson for Progress {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(Progress { done: f.or("done", 0)?, total: f.or("total", 0)?, current: f.or("current", String::new())? })
    }
}

/// Reads a check report (`check --json FILE`, and `GET /_emulator/checks/{id}`'s `report`): the
/// one [`CheckReport`] type, read without serde's derive (size: the panel).
pub fn decode_check_report(v: &Value) -> Result<CheckReport, String> {
    CheckReport::read(v).map_err(|e| format!("the check report is not readable: {e}"))
}

/// Reads `GET /_emulator/checks/{id}` (and the `{ "id": N }` of `POST /_emulator/checks`: a
/// running check without progress yet).
///
/// ```
/// use pipedrive_webhooks::emulator_api::{decode_check_run, RunState};
/// let r = decode_check_run(br#"{"id": 3}"#).unwrap();
/// assert_eq!((r.id, r.state, r.report.is_none()), (3, RunState::Running, true));
/// let r = decode_check_run(br#"{"id": 3, "state": "running", "progress": {"done": 42, "total": 193, "current": "payloads_v1"}, "report": null, "error": null}"#).unwrap();
/// assert_eq!((r.progress.done, r.progress.total, r.progress.current.as_str()), (42, 193, "payloads_v1"));
/// assert!(decode_check_run(b"<html>").is_err());
/// ```
pub fn decode_check_run(body: &[u8]) -> Result<CheckRun, String> {
    let v: Value = serde_json::from_slice(body).map_err(|_| "the check's answer is not JSON".to_string())?;
    let read = || -> Result<CheckRun, ReadError> {
        let f = Fields::of(&v)?;
        Ok(CheckRun {
            id: f.req("id")?,
            state: f.or("state", RunState::Running)?,
            progress: f.or("progress", Progress::default())?,
            report: f.opt("report")?,
            error: f.opt("error")?,
        })
    };
    read().map_err(|e| format!("the check's answer is not readable: {e}"))
}

/// `10 s`, `167 ms`, `1.5 s`: a policy duration for people (integer arithmetic: no float printing
/// in the wasm builds).
fn duration_text(ms: Millis) -> String {
    if ms < 1000 {
        format!("{} ms", ms.max(0))
    } else if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{} s", crate::time::seconds_text(ms))
    }
}

/// `60`, `2.5`: a clock scale for people (to a tenth, without float printing).
pub fn scale_text(scale: f64) -> String {
    let t = (scale * 10.0).round() as i64;
    if t % 10 == 0 {
        (t / 10).to_string()
    } else {
        format!("{}.{}", t / 10, t % 10)
    }
}

/// A policy duration in real time on an emulator whose clock runs `time_scale` times faster.
///
/// ```
/// use pipedrive_webhooks::emulator_api::real_ms;
/// assert_eq!((real_ms(10_000, 60.0), real_ms(10_000, 1.0), real_ms(10_000, 0.5)), (167, 10_000, 20_000));
/// ```
pub fn real_ms(policy_ms: Millis, time_scale: f64) -> Millis {
    if !(time_scale.is_finite() && time_scale > 0.0) {
        return policy_ms;
    }
    (policy_ms as f64 / time_scale).round() as Millis
}

/// What the delivery timeout (R9) is in real time on an emulator: `10 s` at ×1, else
/// `10 s on the emulator's clock = 167 ms real at ×60`. The emulator's start line, the Deliveries
/// page and the Check page say it in these words.
///
/// ```
/// use pipedrive_webhooks::emulator_api::timeout_text;
/// assert_eq!(timeout_text(10_000, 60.0), "10 s on the emulator's clock = 167 ms real at ×60");
/// assert_eq!(timeout_text(10_000, 2.5), "10 s on the emulator's clock = 4 s real at ×2.5");
/// assert_eq!(timeout_text(10_000, 1.0), "10 s");
/// ```
pub fn timeout_text(timeout_ms: Millis, time_scale: f64) -> String {
    let real = real_ms(timeout_ms, time_scale);
    if real == timeout_ms {
        duration_text(timeout_ms)
    } else {
        format!("{} on the emulator's clock = {} real at ×{}", duration_text(timeout_ms), duration_text(real), scale_text(time_scale))
    }
}
