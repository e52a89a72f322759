//! What a receiving app gets: v1 and v2 delivery bodies decoded into one normalised event
//! (domain reference, section 3), and the Basic-auth check of a delivery (R14).

use crate::event::EventAction;
use crate::policy::Millis;
use crate::time::parse_time;
use crate::webhook::PayloadVersion;
use crate::wire::{as_text, as_u64};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;

/// A delivery, whatever its version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryEvent {
    pub version: PayloadVersion,
    /// In v2 words: create, change or delete (a v1 `merged` is a change with `merged` set).
    pub action: EventAction,
    /// The action as sent (`added`, `merged`, `change`…).
    pub raw_action: String,
    /// The object: deal, person…
    pub entity: String,
    pub entity_id: Option<String>,
    /// The idempotency key: v2's `meta.id`; for v1 (which has none) a key built from the
    /// webhook, event, object id and `timestamp_micro`, stable across retries of one event.
    pub event_id: String,
    /// 1 for the first attempt, up to 4 (v1 `retry` + 1, v2 `meta.attempt`).
    pub attempt: u8,
    pub timestamp_ms: Option<Millis>,
    pub webhook_id: Option<String>,
    pub company_id: Option<String>,
    /// The user who made the change.
    pub actor_user_id: Option<String>,
    pub merged: bool,
    pub merged_from_id: Option<String>,
    pub merged_to_id: Option<String>,
    pub is_bulk: bool,
    pub change_source: Option<String>,
    /// The entity after the change (`current` in v1), `null` on delete.
    pub data: Value,
    /// Before the change: changed fields (v2 change), the full last state (delete), or `null`.
    pub previous: Value,
    /// The fields this change changed, sorted: for a v2 `change`, the keys of `previous` (a v2
    /// `previous` is a diff: an absent key is unchanged, a key set to `null` was empty before),
    /// each `custom_fields` entry as `custom_fields.<key>`; for a v1 `updated` or `merged`, the keys
    /// whose values differ between `current` and `previous`; empty for create and delete.
    /// Ask "did the stage change?" with `changed_fields.contains("stage_id")`, never by comparing
    /// `data.stage_id` with an absent `previous.stage_id`.
    pub changed_fields: Vec<String>,
}

/// The keys of a v2 `previous` (a diff), `custom_fields` entries spelled out. JSON objects read
/// with sorted keys, so the list comes out sorted without a sort (code size: the JS package).
#[inline(never)]
fn changed_v2(previous: &Value) -> Vec<String> {
    let Some(p) = previous.as_object() else { return Vec::new() };
    let mut out = Vec::with_capacity(p.len());
    for (k, v) in p {
        match (k.as_str(), v) {
            ("custom_fields", Value::Object(cf)) if !cf.is_empty() => out.extend(cf.keys().map(|c| format!("custom_fields.{c}"))),
            _ => out.push(k.clone()),
        }
    }
    out
}

/// The keys whose values differ between a v1 `current` and `previous` (both full states), in
/// order: the two sorted key lists merged.
#[inline(never)]
fn changed_v1(current: &Value, previous: &Value) -> Vec<String> {
    let (Some(c), Some(p)) = (current.as_object(), previous.as_object()) else { return Vec::new() };
    let mut out = Vec::new();
    let (mut a, mut b) = (c.iter().peekable(), p.iter().peekable());
    loop {
        let (key, differs) = match (a.peek(), b.peek()) {
            (Some((ka, va)), Some((kb, vb))) if ka == kb => {
                let d = va != vb;
                let k = (*ka).clone();
                a.next();
                b.next();
                (k, d)
            }
            (Some((ka, _)), Some((kb, _))) if ka < kb => (a.next().map(|(k, _)| k.clone()).unwrap_or_default(), true),
            (Some(_), None) => (a.next().map(|(k, _)| k.clone()).unwrap_or_default(), true),
            (_, Some(_)) => (b.next().map(|(k, _)| k.clone()).unwrap_or_default(), true),
            (None, None) => break,
        };
        if differs {
            out.push(key);
        }
    }
    out
}

/// Why a body is not a Pipedrive delivery.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", content = "detail", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PayloadError {
    #[error("the body is not JSON")]
    NotJson,
    #[error("the body is JSON but not an object")]
    NotAnObject,
    #[error("neither a v1 nor a v2 Pipedrive delivery (no meta, event or data)")]
    UnknownFormat,
    #[error("field {0} is missing or invalid")]
    InvalidField(String),
}

/// Decodes a delivery body (v1 or v2, detected from the body itself).
///
/// ```
/// use pipedrive_webhooks::payload::decode_delivery;
/// let body = br#"{"meta":{"action":"create","entity":"deal","entity_id":"42","id":"5d0c-uuid","attempt":1,
///   "timestamp":"2025-04-01T10:00:00.000Z","version":"2.0","webhook_id":"9"},"data":{"id":42},"previous":null}"#;
/// let e = decode_delivery(body).unwrap();
/// assert_eq!((e.entity.as_str(), e.entity_id.as_deref(), e.attempt), ("deal", Some("42"), 1));
/// assert_eq!(e.event_id, "5d0c-uuid");
/// ```
pub fn decode_delivery(body: &[u8]) -> Result<DeliveryEvent, PayloadError> {
    let v: Value = serde_json::from_slice(body).map_err(|_| PayloadError::NotJson)?;
    let o = v.as_object().ok_or(PayloadError::NotAnObject)?;
    let meta = o.get("meta").and_then(Value::as_object);
    let is_v1 = o.get("v").and_then(as_u64) == Some(1)
        || o.get("event").is_some_and(Value::is_string)
        || meta.and_then(|m| m.get("v")).and_then(as_u64) == Some(1);
    match (is_v1, meta) {
        (true, _) => decode_v1(o),
        (false, Some(m)) if m.contains_key("entity") || m.get("version").and_then(Value::as_str) == Some("2.0") => decode_v2(o, m),
        _ => Err(PayloadError::UnknownFormat),
    }
}

type Obj = serde_json::Map<String, Value>;

fn text(o: Option<&Obj>, k: &str) -> Option<String> {
    o?.get(k).and_then(as_text).filter(|s| !s.is_empty())
}

fn decode_v2(o: &Obj, m: &Obj) -> Result<DeliveryEvent, PayloadError> {
    let m = Some(m);
    let raw_action = text(m, "action").ok_or_else(|| PayloadError::InvalidField("meta.action".into()))?;
    let action = EventAction::parse(&raw_action, PayloadVersion::V2).ok_or_else(|| PayloadError::InvalidField("meta.action".into()))?;
    let entity = text(m, "entity").ok_or_else(|| PayloadError::InvalidField("meta.entity".into()))?;
    let attempt = match m.and_then(|m| m.get("attempt")) {
        None => 1,
        Some(a) => as_u64(a).filter(|n| (1..=4).contains(n)).ok_or_else(|| PayloadError::InvalidField("meta.attempt".into()))? as u8,
    };
    let timestamp_ms = m.and_then(|m| m.get("timestamp")).and_then(|t| match t {
        Value::String(s) => parse_time(s),
        // `user` events carry an integer epoch: seconds or milliseconds.
        other => as_u64(other).and_then(|n| if n < 100_000_000_000 { Some(n as Millis * 1000) } else { Millis::try_from(n).ok() }),
    });
    let entity_id = text(m, "entity_id");
    let event_id = text(m, "id").ok_or_else(|| PayloadError::InvalidField("meta.id".into()))?;
    let merged_from_id = text(m, "merged_from_id");
    let merged_to_id = text(m, "merged_to_id");
    Ok(DeliveryEvent {
        version: PayloadVersion::V2,
        action,
        raw_action,
        entity,
        entity_id,
        event_id,
        attempt,
        timestamp_ms,
        webhook_id: text(m, "webhook_id"),
        company_id: text(m, "company_id"),
        actor_user_id: text(m, "user_id"),
        merged: merged_from_id.is_some() || merged_to_id.is_some(),
        merged_from_id,
        merged_to_id,
        is_bulk: m.and_then(|m| m.get("is_bulk_edit")).and_then(Value::as_bool).unwrap_or(false),
        change_source: text(m, "change_source"),
        data: o.get("data").cloned().unwrap_or(Value::Null),
        changed_fields: if action == EventAction::Change { changed_v2(o.get("previous").unwrap_or(&Value::Null)) } else { Vec::new() },
        previous: o.get("previous").cloned().unwrap_or(Value::Null),
    })
}

fn decode_v1(o: &Obj) -> Result<DeliveryEvent, PayloadError> {
    let m = o.get("meta").and_then(Value::as_object);
    let event = o.get("event").and_then(Value::as_str);
    let (raw_action, entity) = match (text(m, "action"), text(m, "object"), event.and_then(|e| e.split_once('.'))) {
        (Some(a), Some(ob), _) => (a, ob),
        (_, _, Some((a, ob))) => (a.to_string(), ob.to_string()),
        _ => return Err(PayloadError::InvalidField("event".into())),
    };
    let action = EventAction::parse(&raw_action, PayloadVersion::V1).ok_or_else(|| PayloadError::InvalidField("meta.action".into()))?;
    let attempt = match o.get("retry") {
        None => 1,
        Some(r) => as_u64(r).filter(|n| *n <= 3).ok_or_else(|| PayloadError::InvalidField("retry".into()))? as u8 + 1,
    };
    let micro = m.and_then(|m| m.get("timestamp_micro")).and_then(as_u64);
    let timestamp_ms = micro
        .map(|us| (us / 1000) as Millis)
        // A hostile `timestamp` in seconds can overflow once in ms: then there is no time (found by fuzzing).
        .or_else(|| m.and_then(|m| m.get("timestamp")).and_then(as_u64).and_then(|s| Millis::try_from(s).ok()?.checked_mul(1000)));
    let entity_id = text(m, "id");
    let webhook_id = text(m, "webhook_id");
    // v1 has no event id: this key is the same for every retry of one event.
    let event_id = format!(
        "v1:{}:{raw_action}.{entity}:{}:{}",
        webhook_id.as_deref().unwrap_or("-"),
        entity_id.as_deref().unwrap_or("-"),
        micro.map(|n| n.to_string()).or_else(|| timestamp_ms.map(|n| n.to_string())).unwrap_or_else(|| "-".into())
    );
    // `user` events carry arrays of one user: unwrap them so `data` is the entity, as in v2.
    let unwrap_single = |v: Option<&Value>| match v {
        Some(Value::Array(items)) if items.len() == 1 => items[0].clone(),
        Some(other) => other.clone(),
        None => Value::Null,
    };
    let data = unwrap_single(o.get("current"));
    let previous = unwrap_single(o.get("previous"));
    let changed_fields = if action.to_v2() == EventAction::Change { changed_v1(&data, &previous) } else { Vec::new() };
    Ok(DeliveryEvent {
        version: PayloadVersion::V1,
        action: action.to_v2(),
        merged: action == EventAction::Merged,
        raw_action,
        entity,
        entity_id,
        event_id,
        attempt,
        timestamp_ms,
        webhook_id,
        company_id: text(m, "company_id"),
        actor_user_id: text(m, "user_id"),
        merged_from_id: None,
        merged_to_id: None,
        is_bulk: m.and_then(|m| m.get("is_bulk_update")).and_then(Value::as_bool).unwrap_or(false),
        change_source: text(m, "change_source"),
        data,
        previous,
        changed_fields,
    })
}

/// Checks a delivery's `Authorization` header against the webhook's Basic-auth credentials (R14),
/// comparing in constant time. A missing or malformed header is `false`.
///
/// ```
/// use pipedrive_webhooks::payload::verify_basic_auth;
/// // "pipedrive:s3cret" in base64
/// assert!(verify_basic_auth(Some("Basic cGlwZWRyaXZlOnMzY3JldA=="), "pipedrive", "s3cret"));
/// assert!(!verify_basic_auth(Some("Basic cGlwZWRyaXZlOnMzY3JldA=="), "pipedrive", "guess"));
/// assert!(!verify_basic_auth(None, "pipedrive", "s3cret"));
/// ```
pub fn verify_basic_auth(header: Option<&str>, user: &str, password: &str) -> bool {
    let Some(h) = header.map(str::trim) else { return false };
    let Some((scheme, encoded)) = h.split_once(' ') else { return false };
    if !scheme.eq_ignore_ascii_case("basic") || encoded.len() > 4096 {
        return false;
    }
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else { return false };
    let expected = format!("{user}:{password}");
    given.ct_eq(expected.as_bytes()).into()
}

/// The `Authorization` header value a delivery carries for these credentials.
///
/// ```
/// use pipedrive_webhooks::payload::basic_auth_header;
/// assert_eq!(basic_auth_header("pipedrive", "s3cret"), "Basic cGlwZWRyaXZlOnMzY3JldA==");
/// ```
pub fn basic_auth_header(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// An event to deliver, as the emulator (or a test) emits it. `data` and `previous` are in v2's
/// shape (custom fields in `custom_fields`, user ids as strings); [`encode_delivery`] writes v1's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Emitted {
    /// The event id (a UUID): the same for every attempt and every webhook of one event.
    pub id: String,
    /// In v2 words: create, change or delete; or `merged` for a merge's survivor (v1 names it
    /// `merged.X`, v2 sends a change).
    pub action: EventAction,
    pub object: String,
    pub entity_id: String,
    pub company_id: u64,
    /// The user who made the change.
    pub user_id: u64,
    /// When the change happened (every attempt carries this time, not its own).
    pub at: Millis,
    /// The entity after the change (`null` on delete).
    #[serde(default)]
    pub data: Value,
    /// Before the change: on a change, the changed fields' former values (a v2 diff: an absent
    /// key is unchanged); on a delete, the last state. A v1 body carries the whole former object
    /// instead, `data` with these values put back ([`encode_delivery`]).
    #[serde(default)]
    pub previous: Value,
    /// The other object of a merge (v2 `meta.merged_from_id` on the survivor's change,
    /// `meta.merged_to_id` on the absorbed object's delete); `None` outside merges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_partner_id: Option<String>,
}

impl Emitted {
    /// The event as a webhook of `version` names it: `change.deal` in v2 (`meta.action` and
    /// `meta.entity`), `updated.deal` in v1 (its `event` field).
    ///
    /// ```
    /// use pipedrive_webhooks::payload::Emitted;
    /// use pipedrive_webhooks::{EventAction, PayloadVersion};
    /// let e = Emitted { id: "e".into(), action: EventAction::Create, object: "person".into(), entity_id: "1".into(),
    ///     company_id: 1, user_id: 1, at: 0, data: serde_json::Value::Null, previous: serde_json::Value::Null, merge_partner_id: None };
    /// assert_eq!((e.name(PayloadVersion::V2), e.name(PayloadVersion::V1)), ("create.person".into(), "added.person".into()));
    /// ```
    pub fn name(&self, version: PayloadVersion) -> String {
        let action = match version {
            PayloadVersion::V2 => self.action.to_v2().as_str(),
            PayloadVersion::V1 => v1_word(self.action),
        };
        format!("{action}.{}", self.object)
    }
}

/// The v1 word a delivery uses for an action.
fn v1_word(action: EventAction) -> &'static str {
    if action == EventAction::Merged {
        return "merged";
    }
    match action.to_v2() {
        EventAction::Create => "added",
        EventAction::Delete => "deleted",
        _ => "updated",
    }
}

/// Top-level keys of a delivery body in the order Pipedrive sends them (domain reference §3):
/// v2 `data`, `previous`, then `meta` last; v1 `v`, `event`, `retry`, `current`, `previous`,
/// `matches_filters`, `meta`. Other keys go just before `meta`.
const DELIVERY_KEY_ORDER: [&str; 7] = ["v", "event", "retry", "data", "current", "previous", "matches_filters"];

/// A delivery body (from [`encode_delivery`]) as the compact JSON text Pipedrive POSTs, its
/// top-level keys in Pipedrive's order (v2: `data`, `previous`, `meta` last). Why not
/// `to_string()`: without serde_json's `preserve_order` (which would grow the wasm builds) a map's
/// keys come out sorted, `meta` before `previous`.
pub fn delivery_text(body: &Value) -> String {
    let Value::Object(map) = body else { return body.to_string() };
    // Pipedrive's keys in its order, then any other key, then `meta` (no sort: code size).
    let known = DELIVERY_KEY_ORDER.iter().filter_map(|k| map.get_key_value(*k));
    let others = map.iter().filter(|(k, _)| k.as_str() != "meta" && !DELIVERY_KEY_ORDER.contains(&k.as_str()));
    let mut out = String::from("{");
    for (k, v) in known.chain(others).chain(map.get_key_value("meta")) {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&Value::String(k.clone()).to_string());
        out.push(':');
        out.push_str(&v.to_string());
    }
    out.push('}');
    out
}

/// The host the emulator names in its deliveries' `meta.host`.
pub const EMULATOR_HOST: &str = "localhost.pipedrive-emulator";

/// The body Pipedrive POSTs for `event` to `webhook` on `attempt` (1–4), in the
/// webhook's payload version (domain reference, section 3), as a JSON tree; [`delivery_body`]
/// writes the same body as text. [`decode_delivery`] reads it back; send it as [`delivery_text`]
/// writes it.
///
/// ```
/// use pipedrive_webhooks::payload::{decode_delivery, encode_delivery, Emitted};
/// use pipedrive_webhooks::{EventAction, Webhook};
/// let e = Emitted { id: "3f0c…".into(), action: EventAction::Change, object: "deal".into(), entity_id: "42".into(),
///     company_id: 1, user_id: 1, at: 1_700_000_000_000, data: serde_json::json!({"id": 42}), previous: serde_json::json!({"value": 1}), merge_partner_id: None };
/// let body = encode_delivery(&Webhook::example(), &e, 2);
/// let back = decode_delivery(body.to_string().as_bytes()).unwrap();
/// assert_eq!((back.event_id.as_str(), back.attempt, back.entity.as_str()), ("3f0c…", 2, "deal"));
/// ```
pub fn encode_delivery(webhook: &crate::webhook::Webhook, event: &Emitted, attempt: u8) -> Value {
    serde_json::from_slice(delivery_body(webhook, event, attempt, EMULATOR_HOST).as_bytes()).unwrap_or(Value::Null)
}

/// The body Pipedrive POSTs for `event` to `webhook` on `attempt` (1–4), as the exact text it
/// sends: compact JSON, its keys in Pipedrive's order (v2 `data`, `previous`, `meta` last; v1 `v`,
/// `event`, `retry`, `current`, `previous`, `matches_filters`, `meta`). `host` is `meta.host`
/// (the company's domain; [`EMULATOR_HOST`] from the emulator). `data` and `previous` are taken in
/// v2's shape and written in the webhook's version's (v1: custom fields as hash keys, users as
/// arrays, the whole former object on a change).
///
/// ```
/// use pipedrive_webhooks::payload::{decode_delivery, delivery_body, Emitted};
/// use pipedrive_webhooks::{EventAction, Webhook};
/// let e = Emitted { id: "3f0c…".into(), action: EventAction::Create, object: "deal".into(), entity_id: "42".into(),
///     company_id: 1, user_id: 1, at: 1_700_000_000_000, data: serde_json::json!({"id": 42}), previous: serde_json::Value::Null, merge_partner_id: None };
/// let text = delivery_body(&Webhook::example(), &e, 1, "acme.pipedrive.com");
/// assert!(text.starts_with(r#"{"data":{"id":42},"previous":null,"meta":{"action":"create""#));
/// assert_eq!(decode_delivery(text.as_bytes()).unwrap().entity_id.as_deref(), Some("42"));
/// ```
pub fn delivery_body(webhook: &crate::webhook::Webhook, event: &Emitted, attempt: u8, host: &str) -> String {
    let now = event.at;
    let action = event.action.to_v2();
    let empty_on = |what: EventAction, v: &Value| if action == what { Value::Null } else { v.clone() };
    // Written field by field, not through `json!` and a sorted map: in Pipedrive's order, and
    // small in the JS package.
    let mut meta = JsonObject::new();
    let mut body = JsonObject::new();
    match webhook.version {
        PayloadVersion::V2 => {
            meta.str("action", action.as_str())
                .str("entity", &event.object)
                .str("entity_id", &event.entity_id)
                .str("id", &event.id)
                .num("attempt", attempt.into())
                .str("timestamp", &crate::time::format_iso(now))
                .str("version", "2.0")
                .id("webhook_id", webhook.id)
                .id("webhook_owner_id", webhook.owner_id)
                .id("company_id", event.company_id)
                .id("user_id", event.user_id)
                .str("correlation_id", &event.id)
                .str("type", webhook.webhook_type.as_str())
                .str("host", host)
                .str("change_source", "api")
                .raw("is_bulk_edit", "false")
                .raw("permitted_user_ids", &format!("[\"{}\"]", webhook.user_id));
            // A merge's other object: the survivor's change names the absorbed one, its delete the survivor.
            match (action, &event.merge_partner_id) {
                (EventAction::Change, Some(p)) => meta.str("merged_from_id", p),
                (EventAction::Delete, Some(p)) => meta.str("merged_to_id", p),
                _ => &mut meta,
            };
            body.value("data", &empty_on(EventAction::Delete, &event.data)).value("previous", &empty_on(EventAction::Create, &event.previous));
        }
        PayloadVersion::V1 => {
            let previous = match action {
                EventAction::Create => Value::Null,
                EventAction::Change => whole_previous(&event.data, &event.previous),
                _ => event.previous.clone(),
            };
            meta.num("v", 1).str("action", v1_word(event.action)).str("object", &event.object);
            match event.entity_id.parse::<u64>() {
                Ok(n) => meta.num("id", n),
                Err(_) => meta.str("id", &event.entity_id),
            };
            meta.num("company_id", event.company_id)
                .num("user_id", event.user_id)
                .str("host", host)
                .raw("timestamp", &now.div_euclid(1000).to_string())
                // The event's time in µs, stable across retries (v1 decoders key on it).
                .num("timestamp_micro", stable_micro(&event.id, now))
                .raw("permitted_user_ids", &format!("[{}]", webhook.user_id))
                .raw("trans_pending", "false")
                .raw("is_bulk_update", "false")
                .raw("pipedrive_service_name", "false")
                .str("change_source", "api")
                .id("webhook_id", webhook.id);
            body.num("v", 1)
                .str("event", &event.name(PayloadVersion::V1))
                .num("retry", attempt.saturating_sub(1).into())
                .value("current", &v1_entity(&event.object, empty_on(EventAction::Delete, &event.data)))
                .value("previous", &v1_entity(&event.object, previous))
                .raw("matches_filters", "{\"current\":[]}");
        }
    }
    body.raw("meta", &meta.end());
    body.end()
}

/// A JSON object written as text, key by key, in the order given.
struct JsonObject(String);

impl JsonObject {
    fn new() -> Self {
        JsonObject(String::from("{"))
    }

    #[inline(never)]
    fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        push_json_str(&mut self.0, key);
        self.0.push(':');
        self.0.push_str(json);
        self
    }

    #[inline(never)]
    fn str(&mut self, key: &str, value: &str) -> &mut Self {
        let mut v = String::with_capacity(value.len() + 2);
        push_json_str(&mut v, value);
        self.raw(key, &v)
    }

    /// A number written as a string, as v2 writes ids.
    #[inline(never)]
    fn id(&mut self, key: &str, value: u64) -> &mut Self {
        self.raw(key, &format!("\"{value}\""))
    }

    #[inline(never)]
    fn num(&mut self, key: &str, value: u64) -> &mut Self {
        self.raw(key, &value.to_string())
    }

    #[inline(never)]
    fn value(&mut self, key: &str, value: &Value) -> &mut Self {
        self.raw(key, &value.to_string())
    }

    fn end(&mut self) -> String {
        self.0.push('}');
        std::mem::take(&mut self.0)
    }
}

/// `s` as a JSON string, escaped by serde_json (its escaping is in every build already).
fn push_json_str(out: &mut String, s: &str) {
    out.push_str(&Value::String(s.to_owned()).to_string());
}

/// An entity in v1's shape, from v2's: custom fields as top-level keys named by their hash (each
/// its `value`, a money field's currency beside it as `<hash>_currency`), and a `user` as an array
/// of one with a numeric id (real-world fixture `delivery-v1-user-arrays`). `null` stays `null`.
fn v1_entity(object: &str, entity: Value) -> Value {
    let Value::Object(fields) = entity else { return entity };
    // A new map rather than `remove`: BTreeMap removal is KBs of the JS package's code.
    let mut o = serde_json::Map::new();
    for (key, value) in fields {
        match (key.as_str(), value) {
            ("custom_fields", Value::Object(custom)) => {
                for (hash, field) in custom {
                    let value = match field {
                        Value::Object(f) => {
                            if let Some(c) = f.get("currency") {
                                o.insert(format!("{hash}_currency"), c.clone());
                            }
                            f.get("value").or_else(|| f.get("id")).cloned().unwrap_or(Value::Null)
                        }
                        other => other,
                    };
                    o.insert(hash, value);
                }
            }
            ("id", Value::String(id)) if object == "user" => {
                o.insert(key, id.parse::<u64>().map(Value::from).unwrap_or(Value::String(id)));
            }
            (_, value) => {
                o.insert(key, value);
            }
        }
    }
    match object {
        "user" => Value::Array(vec![Value::Object(o)]),
        _ => Value::Object(o),
    }
}

/// A v1 `previous` on a change: the whole former object, as Pipedrive sends it (not a diff):
/// `current` with the diff's former values put back (`custom_fields` entry by entry). A diff that
/// is not an object, or a `current` that is not one, is sent as given.
fn whole_previous(current: &Value, diff: &Value) -> Value {
    let (Value::Object(now), Value::Object(changed)) = (current, diff) else { return diff.clone() };
    let mut before = now.clone();
    for (k, v) in changed {
        match (before.get_mut(k), v) {
            (Some(Value::Object(fields)), Value::Object(old)) if k == "custom_fields" => {
                for (f, value) in old {
                    fields.insert(f.clone(), value.clone());
                }
            }
            _ => {
                before.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(before)
}

/// The event time in µs; the sub-millisecond digits come from the event id so that two events in
/// the same millisecond still differ.
fn stable_micro(event_id: &str, at: Millis) -> u64 {
    let h = event_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    (at.max(0) as u64) * 1000 + h % 1000
}
