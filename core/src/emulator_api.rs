//! The local emulator's control API on the wire, sans-IO, for clients such as the panel: where its
//! routes are, and lenient decoding of what they answer (every byte from the network is hostile: a
//! malformed entry is skipped, never a panic). The emulator serves these shapes (`/_emulator/*`).

use crate::json_read::kind_of;
use crate::policy::Millis;
use crate::simulator::Scenario;
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

/// One graded check of a receiver check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// Stable: `payloads_v2`, `retries`, `latency`, `burst`, `redirect`, `tls`, …
    pub id: String,
    /// `pass`, `fail` or `warn`.
    pub status: String,
    pub detail: String,
}

/// A receiver check's report (`--json FILE`, and `GET /_emulator/checks/{id}`'s `report`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckReport {
    /// `pass` or `fail`.
    pub verdict: String,
    pub checks: Vec<CheckResult>,
    pub p50_ms: Option<Millis>,
    pub p95_ms: Option<Millis>,
    pub max_ms: Option<Millis>,
    /// Latency buckets: (upper bound in ms, count).
    pub histogram: Vec<(Millis, u64)>,
    /// The projection's figures as sent (numbers per day and the like), for display.
    pub projection: Vec<(String, String)>,
    /// The traffic the projection assumed, to draw with the core's simulator.
    pub scenario: Option<Scenario>,
}

/// Reads a check report leniently: unknown fields ignored, malformed checks skipped.
///
/// ```
/// use pipedrive_webhooks::emulator_api::decode_check_report;
/// let r = decode_check_report(&serde_json::json!({"verdict":"fail","checks":[{"id":"latency","status":"fail","detail":"p95 11.2 s"}],
///   "latency_ms":{"p50":10,"p95":11200,"max":11300,"histogram":[{"le_ms":100,"count":3}]},"projection":{"bans_per_day":4}})).unwrap();
/// assert_eq!((r.verdict.as_str(), r.checks[0].id.as_str(), r.p95_ms, r.histogram[0]), ("fail", "latency", Some(11_200), (100, 3)));
/// assert_eq!(r.projection, vec![("bans_per_day".to_string(), "4".to_string())]);
/// ```
pub fn decode_check_report(v: &Value) -> Result<CheckReport, String> {
    let o = v.as_object().ok_or_else(|| format!("the report is {}, not an object", kind_of(v)))?;
    let verdict = o.get("verdict").and_then(Value::as_str).ok_or("the report has no verdict")?.to_string();
    let checks = o
        .get("checks")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|c| {
                    Some(CheckResult {
                        id: text(c.get("id")?)?,
                        status: text(c.get("status")?)?,
                        detail: c.get("detail").and_then(text).unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let lat = o.get("latency_ms").unwrap_or(&Value::Null);
    let histogram = lat
        .get("histogram")
        .and_then(Value::as_array)
        .map(|b| b.iter().filter_map(|x| Some((millis(x.get("le_ms")?)?, as_u64(x.get("count")?)?))).collect())
        .unwrap_or_default();
    let projection_value = o.get("projection").unwrap_or(&Value::Null);
    let projection = projection_value
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, v)| *k != "scenario" && !v.is_object() && !v.is_array())
                .map(|(k, v)| (k.clone(), match v {
                    Value::String(s) => s.clone(),
                    Value::Null => "none".into(),
                    other => other.to_string(),
                }))
                .collect()
        })
        .unwrap_or_default();
    let scenario = projection_value.get("scenario").and_then(|s| <Scenario as crate::json_read::ReadJson>::read(s).ok());
    Ok(CheckReport {
        verdict,
        checks,
        p50_ms: lat.get("p50").and_then(millis),
        p95_ms: lat.get("p95").and_then(millis),
        max_ms: lat.get("max").and_then(millis),
        histogram,
        projection,
        scenario,
    })
}

/// A check started through the control API (`GET /_emulator/checks/{id}`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckRun {
    pub id: u64,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub done: u64,
    pub total: u64,
    pub current: String,
    pub report: Option<CheckReport>,
    pub error: Option<String>,
}

/// Reads `GET /_emulator/checks/{id}` (and the `{ "id": N }` of `POST /_emulator/checks`).
pub fn decode_check_run(body: &[u8]) -> Result<CheckRun, String> {
    let v: Value = serde_json::from_slice(body).map_err(|_| "the check's answer is not JSON".to_string())?;
    let id = v.get("id").and_then(as_u64).ok_or("the check's answer has no id")?;
    let progress = v.get("progress").unwrap_or(&Value::Null);
    Ok(CheckRun {
        id,
        state: v.get("state").and_then(Value::as_str).unwrap_or("running").to_string(),
        done: progress.get("done").and_then(as_u64).unwrap_or(0),
        total: progress.get("total").and_then(as_u64).unwrap_or(0),
        current: progress.get("current").and_then(Value::as_str).unwrap_or("").to_string(),
        report: v.get("report").filter(|r| !r.is_null()).map(decode_check_report).transpose()?,
        error: v.get("error").and_then(Value::as_str).map(str::to_string),
    })
}
