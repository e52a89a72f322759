//! The event catalog: every event Pipedrive sends, per payload version, with a description, its
//! name in the other version, the shape notes a receiver needs, and an example delivery body
//! written by [`delivery_body`] (the text of `payload::encode_delivery`) from one example entity per object (the real-world fixtures'
//! shapes: hashed custom-field keys, string lead and user ids, v1 user arrays).
//!
//! Which pairs exist comes from [`crate::event`]; nothing here is a second list of objects.
//! Pairs Pipedrive accepts in a subscription but never sends are left out: users are deactivated,
//! never deleted (a deactivation is `change.user` / `updated.user` with `active_flag` false).
//!
//! ```
//! use pipedrive_webhooks::catalog::{events, example_delivery, ExampleOptions};
//! use pipedrive_webhooks::PayloadVersion;
//! let v2 = events(Some(PayloadVersion::V2));
//! let change = v2.iter().find(|e| e.event == "change.deal").unwrap();
//! assert_eq!(change.counterpart.as_deref(), Some("updated.deal"));
//! let body = example_delivery("updated.deal", PayloadVersion::V1, &ExampleOptions::default()).unwrap();
//! assert!(body.starts_with(r#"{"v":1,"event":"updated.deal","#));
//! ```

use crate::event::{known_objects, EventAction, MERGEABLE_OBJECTS};
use crate::payload::{delivery_body, Emitted};
use crate::policy::Millis;
use crate::webhook::{PayloadVersion, Webhook};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One event of the catalog.
///
/// ```json
/// {"event": "change.deal", "version": "2.0", "action": "change", "object": "deal",
///  "counterpart": "updated.deal", "description": "A deal was changed.", "notes": ["…"]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// `action.object` in this version's words (`updated.deal` in v1, `change.deal` in v2).
    pub event: String,
    pub version: PayloadVersion,
    pub action: EventAction,
    pub object: String,
    /// The same event's name in the other version, or `None` when the object exists in one version
    /// only. A v1 `merged.X` arrives in v2 as `change.X` (with `meta.merged_from_id`).
    pub counterpart: Option<String>,
    /// One sentence: what happened.
    pub description: String,
    /// The shape's quirks, each a short sentence (empty when there are none).
    pub notes: Vec<String>,
}

/// The actions Pipedrive sends for `object` in `version`, in the order the catalog lists them.
fn actions(object: &str, version: PayloadVersion) -> Vec<EventAction> {
    use EventAction::*;
    let mut out = match version {
        PayloadVersion::V1 => vec![Added, Updated, Deleted],
        PayloadVersion::V2 => vec![Create, Change, Delete],
    };
    if version == PayloadVersion::V1 && MERGEABLE_OBJECTS.contains(&object) {
        out.insert(2, Merged);
    }
    if object == "user" {
        out.pop();
    }
    out
}

/// The catalog: every event of `version`, or of both (v2 first, the default version) when `None`.
/// Objects in [`known_objects`] order, then create, change, (v1: merged), delete.
pub fn events(version: Option<PayloadVersion>) -> Vec<CatalogEntry> {
    // Loops and pushes rather than iterator chains: each chain is code in the JS package.
    let mut out = Vec::new();
    for (v, action, object) in pairs(version) {
        out.push(entry(action, object, v));
    }
    out
}

/// Every event of the catalog as (version, action, object), in its order: what [`events`] lists.
fn pairs(version: Option<PayloadVersion>) -> Vec<(PayloadVersion, EventAction, &'static str)> {
    let versions = match version {
        Some(v) => vec![v],
        None => vec![PayloadVersion::V2, PayloadVersion::V1],
    };
    let mut out = Vec::new();
    for v in versions {
        for object in known_objects(v).into_iter().filter(|o| *o != "*") {
            for action in actions(object, v) {
                out.push((v, action, object));
            }
        }
    }
    out
}

/// `action.object`.
fn name(action: EventAction, object: &str) -> String {
    format!("{}.{object}", action.as_str())
}

fn other(version: PayloadVersion) -> PayloadVersion {
    match version {
        PayloadVersion::V1 => PayloadVersion::V2,
        PayloadVersion::V2 => PayloadVersion::V1,
    }
}

fn entry(action: EventAction, object: &str, version: PayloadVersion) -> CatalogEntry {
    let there = other(version);
    let counterpart = known_objects(there).contains(&object).then(|| name(action.in_version(there), object));
    CatalogEntry {
        event: name(action, object),
        version,
        action,
        object: object.to_string(),
        counterpart,
        description: description(action, object),
        notes: notes(action, object, version),
    }
}

/// The object as a sentence names it, and its plural.
fn noun(object: &str) -> (&str, String) {
    let one = match object {
        "activityType" => "activity type",
        "deal_product" => "product line of a deal",
        "deal_installment" => "deal installment",
        "board" => "project board",
        "phase" => "project phase",
        o => o,
    };
    // Bytes, not `str` patterns: each pattern type is code in the JS package.
    let many = match one.as_bytes().last() {
        Some(b'y') => format!("{}ies", &one[..one.len() - 1]),
        _ => format!("{one}s"),
    };
    (one, many)
}

fn description(action: EventAction, object: &str) -> String {
    let (one, many) = noun(object);
    // "An activity", "an organization"; "a user" (no object starts with a vowel sound spelled otherwise).
    let article = if matches!(one.as_bytes().first(), Some(b'a' | b'e' | b'i' | b'o')) { "An" } else { "A" };
    match action.to_v2() {
        _ if action == EventAction::Merged => format!("Two {many} were merged: sent for the one that remains."),
        EventAction::Create => format!("{article} {one} was created."),
        EventAction::Delete => format!("{article} {one} was deleted."),
        _ => format!("{article} {one} was changed."),
    }
}

/// The objects whose examples carry custom fields.
const CUSTOM_FIELD_OBJECTS: [&str; 4] = ["deal", "person", "organization", "product"];
/// One shape note and the events it applies to: `version` (`None`: both), `actions` in the
/// version's words (empty: every action), `objects` (empty: every object).
struct Note {
    version: Option<PayloadVersion>,
    actions: &'static [EventAction],
    objects: &'static [&'static str],
    text: &'static str,
}

const V1: Option<PayloadVersion> = Some(PayloadVersion::V1);
const V2: Option<PayloadVersion> = Some(PayloadVersion::V2);
const ADDED_IN_2026: &[&str] = &["deal_product", "deal_installment", "project", "task", "board", "phase"];

/// The shape notes, from the domain reference (section 3) and the real-world fixtures; a table
/// rather than code (the JS package's size).
const NOTES: &[Note] = {
    use EventAction::*;
    &[
        Note { version: None, actions: &[Create, Added], objects: &[], text: "previous is null." },
        Note { version: V2, actions: &[Change], objects: &[], text: "previous holds only the fields that changed (a diff): a key set to null was empty before, an absent key did not change." },
        Note { version: V1, actions: &[Updated, Merged], objects: &[], text: "previous is the whole object before the change: compare it with current to find what changed." },
        Note { version: V2, actions: &[Delete], objects: &[], text: "data is null; previous is the object's last state." },
        Note { version: V1, actions: &[Deleted], objects: &[], text: "current is null; previous is the object's last state." },
        Note { version: V1, actions: &[Merged], objects: MERGEABLE_OBJECTS, text: "A merge sends two events: merged for the object that remains, deleted for the one merged into it." },
        Note { version: V1, actions: &[Deleted], objects: MERGEABLE_OBJECTS, text: "Also sent for the object merged into another (a merge's second event)." },
        Note { version: V2, actions: &[Change], objects: MERGEABLE_OBJECTS, text: "Also sent on a merge, for the object that remains: meta.merged_from_id names the one merged into it." },
        Note { version: V2, actions: &[Delete], objects: MERGEABLE_OBJECTS, text: "Also sent on a merge, for the object merged into another: meta.merged_to_id names the one that remains." },
        Note { version: V2, actions: &[], objects: &CUSTOM_FIELD_OBJECTS, text: "Custom fields sit in data.custom_fields, keyed by a 40-character hash, each {type, value}." },
        Note { version: V1, actions: &[], objects: &CUSTOM_FIELD_OBJECTS, text: "Custom fields are top-level keys named by a 40-character hash (a money field's currency in <hash>_currency)." },
        Note { version: V1, actions: &[], objects: &["user"], text: "current and previous are arrays of one user." },
        Note { version: V2, actions: &[], objects: &["user"], text: "User ids are strings, in data as in meta." },
        Note { version: V2, actions: &[], objects: &["user"], text: "meta.timestamp was an integer (epoch seconds) until 2025-06-30." },
        Note { version: V2, actions: &[], objects: &["product"], text: "meta.timestamp, add_time and update_time were \"YYYY-MM-DD HH:mm:ss\" (UTC) until 2026-04-01." },
        Note { version: None, actions: &[], objects: &["lead"], text: "Lead ids are UUID strings, not integers. Leads exist in v2 only." },
        Note { version: None, actions: &[], objects: &["activityType"], text: "v1 only: v2 has no activityType events." },
        Note { version: None, actions: &[], objects: ADDED_IN_2026, text: "v2 only (added in 2026)." },
        Note { version: None, actions: &[Change, Updated], objects: &["user"], text: "Users are never deleted: a deactivation arrives as this event, with active_flag false." },
        Note { version: V1, actions: &[Added], objects: &["person", "organization"], text: "Creating one has been seen to send added and then updated within a second." },
        Note { version: V1, actions: &[], objects: &[], text: "v1 has no event id and can deliver an event twice: key on webhook, event, meta.id and meta.timestamp_micro." },
    ]
};

/// The notes of one event, in the table's order.
fn notes(action: EventAction, object: &str, version: PayloadVersion) -> Vec<String> {
    let mut out = Vec::new();
    for n in NOTES {
        if n.version.is_none_or(|v| v == version) && (n.actions.is_empty() || n.actions.contains(&action)) && (n.objects.is_empty() || n.objects.contains(&object)) {
            out.push(n.text.to_string());
        }
    }
    out
}

/// Why [`find`] has no entry: the name, and the nearest event that exists (by edit distance).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("unknown event {}{hint}", crate::text::quoted(event))]
pub struct UnknownEvent {
    pub event: String,
    /// The nearest event of the catalog, in either version's words.
    pub nearest: String,
    /// `: did you mean "change.deal"?`, or why the pair is never sent.
    pub hint: String,
}

/// The entry named `event` (`action.object`) in `version`; with `None`, in either version (v2
/// first: `change.deal` is v2's, `updated.deal` v1's). Errors name the nearest event.
///
/// ```
/// use pipedrive_webhooks::catalog::find;
/// use pipedrive_webhooks::PayloadVersion;
/// assert_eq!(find("updated.deal", None).unwrap().version, PayloadVersion::V1);
/// let e = find("chnage.deal", None).unwrap_err();
/// assert_eq!(e.nearest, "change.deal");
/// assert_eq!(e.to_string(), "unknown event \"chnage.deal\": did you mean \"change.deal\"?");
/// ```
pub fn find(event: &str, version: Option<PayloadVersion>) -> Result<CatalogEntry, UnknownEvent> {
    let named = |list: Vec<(PayloadVersion, EventAction, &'static str)>| list.into_iter().find(|(_, a, o)| name(*a, o) == event);
    if let Some((v, action, object)) = named(pairs(version)) {
        return Ok(entry(action, object, v));
    }
    // At most 64 characters compared: `edit_distance` bounds its work, and a long name still gets a suggestion.
    let lower: String = event.chars().take(64).collect::<String>().to_ascii_lowercase();
    let (mut nearest, mut best) = (String::new(), usize::MAX);
    for (_, a, o) in pairs(version) {
        let n = name(a, o);
        let d = crate::text::edit_distance(&lower, &n.to_ascii_lowercase());
        if d < best {
            (nearest, best) = (n, d);
        }
    }
    let place = version.map(|v| format!(" in v{}", v.as_str())).unwrap_or_default();
    let elsewhere = version.and_then(|v| named(pairs(Some(other(v)))));
    // An object of one version only (`lead`: v2; `activityType`: v1), named with any action word.
    let (word, object) = event.split_once('.').unwrap_or((event, ""));
    let only_in = [PayloadVersion::V1, PayloadVersion::V2].into_iter().find(|v| crate::event::version_with_object(object, other(*v)) == Some(*v));
    let (nearest, hint) = match (word, elsewhere, only_in) {
        ("delete" | "deleted", _, _) if object == "user" => {
            let change = if version == Some(PayloadVersion::V1) { "updated.user" } else { "change.user" };
            (change.to_string(), format!("{place}: Pipedrive never sends it (users are deactivated: {change} with active_flag false)"))
        }
        (_, _, Some(v)) if version != Some(v) => {
            // The same action in v's words (`updated.lead` → `change.lead`), when v sends it.
            let action = EventAction::parse(word, other(v)).or(EventAction::parse(word, v)).map(|a| a.in_version(v));
            let there = action.map(|a| name(a, object)).filter(|n| pairs(Some(v)).iter().any(|(_, a, o)| &name(*a, o) == n)).unwrap_or(nearest);
            let hint = format!("{place}: {object} events exist in v{} only; there it is \"{there}\"", v.as_str());
            (there, hint)
        }
        (_, Some((there, action, object)), _) => {
            let here = other(there);
            let name = name(action.in_version(here), object);
            let hint = format!("{place}: it is a v{} event; here it is \"{name}\"", there.as_str());
            (name, hint)
        }
        _ => (nearest.clone(), format!("{place}: did you mean \"{nearest}\"?")),
    };
    Err(UnknownEvent { event: event.chars().take(80).collect(), nearest, hint })
}

/// Who and when an example delivery names: the webhook, the company, the user (who made the
/// change, and whose app webhook it is), the attempt (1–4) and the event's time (epoch ms). Defaults: webhook 55, company 12, user 3,
/// attempt 1, 2026-11-02T10:15:30.000Z.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExampleOptions {
    pub webhook_id: u64,
    pub company_id: u64,
    pub user_id: u64,
    pub attempt: u8,
    /// Epoch ms.
    pub timestamp: Millis,
}

impl Default for ExampleOptions {
    fn default() -> Self {
        ExampleOptions { webhook_id: 55, company_id: 12, user_id: 3, attempt: 1, timestamp: 1_793_614_530_000 }
    }
}

/// Why [`example_delivery`] wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExampleError {
    #[error(transparent)]
    UnknownEvent(#[from] UnknownEvent),
    #[error("attempt must be 1 to 4 (R10: the first attempt and three retries); got {0}")]
    Attempt(u8),
}

/// The delivery body Pipedrive would POST for `event` to a webhook of `version`, as the exact JSON
/// text (compact, Pipedrive's key order): the catalog's example entity, with `options`' ids.
/// `event` is in `version`'s words (`updated.deal` for v1); the event id is stable per event.
///
/// Errors: an event the version does not have (with the nearest one), an attempt outside 1–4.
pub fn example_delivery(event: &str, version: PayloadVersion, options: &ExampleOptions) -> Result<String, ExampleError> {
    let entry = find(event, Some(version))?;
    if !(1..=4).contains(&options.attempt) {
        return Err(ExampleError::Attempt(options.attempt));
    }
    let mut e = example_event(entry.action, &entry.object, &example_id(&entry.object), options.timestamp);
    e.id = stable_uuid(&format!("{}/{}", entry.event, version.as_str()));
    e.company_id = options.company_id;
    e.user_id = options.user_id;
    // Only what a body names: built here, not from `Webhook::example` (code in the JS package).
    let hook = Webhook {
        id: options.webhook_id,
        company_id: options.company_id,
        owner_id: options.user_id,
        user_id: options.user_id,
        app_id: None,
        webhook_type: crate::webhook::WebhookType::Application,
        event_action: String::new(),
        event_object: String::new(),
        subscription_url: String::new(),
        name: String::new(),
        version,
        http_auth_user: None,
        http_auth_password: None,
        add_time: 0,
    };
    // A company's host, as Pipedrive names it (the emulator names itself there).
    Ok(delivery_body(&hook, &e, options.attempt, "acme.pipedrive.com"))
}

/// A UUID-shaped id (version 4 layout) that is the same for the same seed: examples stay stable.
fn stable_uuid(seed: &str) -> String {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut hex = String::new();
    while hex.len() < 32 {
        h = seed.bytes().fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        hex.push_str(&format!("{h:016x}"));
    }
    format!("{}-{}-4{}-8{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

/// Custom-field keys: 40-character hashes, as Pipedrive names them.
pub const CUSTOM_FIELD_KEYS: [&str; 2] = ["d4de1c1518b4531717c676029a45911c340390a6", "e3a1b7c9f0d2a4b6c8e0f1a3b5c7d9e1f2a4b6c8"];

/// Per object: the example entity's id (a UUID string for leads, a number otherwise), the entity
/// after the change (v2's shape) and the change's diff (the changed fields' former values). Custom
/// fields use [`CUSTOM_FIELD_KEYS`], written out (a test checks). A table, not code: the JS
/// package's size.
const EXAMPLES: &[(&str, &str, &str, &str)] = &[
    ("activity", "7", r#"{"subject":"Call Ana about the renewal","type":"call","owner_id":3,"deal_id":42,"person_id":88,"org_id":5,"due_date":"2026-11-05","due_time":"10:00","duration":"00:30","done":true}"#, r#"{"done":false}"#),
    ("deal", "42", r#"{"title":"Acme renewal","owner_id":3,"person_id":88,"org_id":5,"pipeline_id":1,"stage_id":2,"value":12000,"currency":"EUR","status":"open","label_ids":[4],"custom_fields":{"d4de1c1518b4531717c676029a45911c340390a6":{"type":"varchar","value":"gold"},"e3a1b7c9f0d2a4b6c8e0f1a3b5c7d9e1f2a4b6c8":{"type":"monetary","value":500,"currency":"EUR"}}}"#, r#"{"stage_id":1,"label_ids":null,"custom_fields":{"d4de1c1518b4531717c676029a45911c340390a6":{"type":"varchar","value":"silver"},"e3a1b7c9f0d2a4b6c8e0f1a3b5c7d9e1f2a4b6c8":null}}"#),
    ("note", "501", r#"{"content":"<p>Ana asked for a quote.</p>","deal_id":42,"person_id":88,"org_id":5,"user_id":3,"pinned_to_deal_flag":false}"#, r#"{"content":"<p>Ana asked.</p>"}"#),
    ("organization", "5", r#"{"name":"Acme Ltd","owner_id":3,"address":{"value":"1 Rua Augusta, Lisbon","country":"Portugal"},"label_ids":[],"custom_fields":{"d4de1c1518b4531717c676029a45911c340390a6":{"type":"varchar","value":"enterprise"}}}"#, r#"{"name":"Acme"}"#),
    ("person", "88", r#"{"name":"Ana Silva","owner_id":3,"org_id":5,"emails":[{"value":"ana@example.com","primary":true,"label":"work"}],"phones":[{"value":"+351 210 000 000","primary":true,"label":"work"}],"custom_fields":{"d4de1c1518b4531717c676029a45911c340390a6":{"type":"varchar","value":"gold"},"e3a1b7c9f0d2a4b6c8e0f1a3b5c7d9e1f2a4b6c8":{"type":"double","value":12.5}}}"#, r#"{"name":"Ana","custom_fields":{"e3a1b7c9f0d2a4b6c8e0f1a3b5c7d9e1f2a4b6c8":null}}"#),
    ("pipeline", "1", r#"{"name":"Sales","order_nr":1,"is_deal_probability_enabled":true}"#, r#"{"name":"Pipeline"}"#),
    ("product", "17", r#"{"name":"Support plan","code":"SUP-1","unit":"month","tax":0,"owner_id":3,"prices":[{"currency":"EUR","price":99,"cost":20}],"custom_fields":{"d4de1c1518b4531717c676029a45911c340390a6":{"type":"varchar","value":"annual"}}}"#, r#"{"prices":[{"currency":"EUR","price":89,"cost":20}]}"#),
    ("stage", "2", r#"{"name":"Proposal made","pipeline_id":1,"order_nr":2,"deal_probability":60}"#, r#"{"deal_probability":50}"#),
    ("user", "3", r#"{"name":"Ana Silva","email":"ana@example.com","active_flag":true,"is_admin":false,"timezone_name":"Europe/Lisbon"}"#, r#"{"name":"Ana"}"#),
    ("activityType", "9", r#"{"name":"Demo","key_string":"demo","icon_key":"presentation","active_flag":true,"is_custom_flag":true,"order_nr":9}"#, r#"{"name":"Product demo"}"#),
    ("lead", "adf21080-0e10-11eb-879b-05d71fb426ec", r#"{"title":"Acme: support plan","owner_id":3,"person_id":88,"organization_id":5,"value":{"amount":5000,"currency":"EUR"},"label_ids":[],"is_archived":false}"#, r#"{"value":null}"#),
    ("deal_product", "310", r#"{"deal_id":42,"product_id":17,"item_price":99,"quantity":12,"discount":0,"currency":"EUR","sum":1188}"#, r#"{"quantity":10,"sum":990}"#),
    ("deal_installment", "12", r#"{"deal_id":42,"amount":500,"billing_date":"2026-12-01","description":"First payment"}"#, r#"{"billing_date":"2026-11-15"}"#),
    ("project", "21", r#"{"title":"Acme onboarding","owner_id":3,"board_id":2,"phase_id":4,"status":"open","deal_ids":[42],"start_date":"2026-11-02","end_date":"2026-12-15"}"#, r#"{"phase_id":3}"#),
    ("task", "77", r#"{"title":"Send the welcome pack","project_id":21,"assignee_id":3,"done":false,"due_date":"2026-11-09"}"#, r#"{"due_date":"2026-11-06"}"#),
    ("board", "2", r#"{"name":"Onboarding","order_nr":1}"#, r#"{"name":"Customer onboarding"}"#),
    ("phase", "4", r#"{"name":"Kick-off","board_id":2,"order_nr":1}"#, r#"{"order_nr":2}"#),
];

/// The example of `object` (a generic one for an object the catalog does not know).
fn example(object: &str) -> (&'static str, &'static str, &'static str) {
    let (_, id, after, diff) = EXAMPLES.iter().find(|e| e.0 == object).copied().unwrap_or(("", "1", r#"{"name":"Example"}"#, r#"{"name":"Before"}"#));
    (id, after, diff)
}

/// The example entity's id for `object`: a UUID string for leads, a number otherwise.
pub fn example_id(object: &str) -> String {
    example(object).0.into()
}

/// Parses one of the example texts (ours: they parse; a test reads them all).
fn parse(text: &str) -> Value {
    // As bytes: the package's one serde_json reader (SliceRead), not a second one for `&str`.
    serde_json::from_slice(text.as_bytes()).unwrap_or(Value::Null)
}

/// The example event `action` on `object` with id `entity_id` at `at` (epoch ms), in v2's shape,
/// for `payload::encode_delivery` (which writes v1's shape): create carries the entity, change the entity
/// and its diff, delete the last state, a merge's survivor (`merged`) the entity and its whole
/// diff. Ids in `data` are integers except users' and leads' (strings). The event id is empty:
/// the caller names the event.
///
/// ```
/// use pipedrive_webhooks::catalog::example_event;
/// use pipedrive_webhooks::EventAction;
/// let e = example_event(EventAction::Change, "lead", "adf21080-0e10-11eb-879b-05d71fb426ec", 0);
/// assert_eq!(e.data["id"], "adf21080-0e10-11eb-879b-05d71fb426ec");
/// assert!(e.previous.is_object());
/// ```
pub fn example_event(action: EventAction, object: &str, entity_id: &str, at: Millis) -> Emitted {
    let (_, after, diff) = example(object);
    let mut entity = parse(after);
    let id = match object {
        "user" | "lead" => Value::String(entity_id.into()),
        _ => entity_id.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::String(entity_id.into())),
    };
    if let Value::Object(o) = &mut entity {
        // `id` first, as Pipedrive writes it (the map keeps keys sorted; insertion is enough).
        o.insert("id".into(), id);
    }
    let (data, previous) = match action.to_v2() {
        EventAction::Create => (entity, Value::Null),
        EventAction::Delete => (Value::Null, entity),
        _ => (entity, parse(diff)),
    };
    Emitted {
        id: String::new(),
        action: if action == EventAction::Merged { action } else { action.to_v2() },
        object: object.into(),
        entity_id: entity_id.into(),
        company_id: 12,
        user_id: 3,
        at,
        data,
        previous,
        merge_partner_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::decode_delivery;

    #[test]
    fn every_example_decodes_to_its_entry_in_its_version() {
        let all = events(None);
        assert!(all.len() > 60, "{}", all.len());
        for e in &all {
            for attempt in 1..=4 {
                let options = ExampleOptions { attempt, ..ExampleOptions::default() };
                let body = example_delivery(&e.event, e.version, &options).unwrap_or_else(|err| panic!("{}: {err}", e.event));
                let d = decode_delivery(body.as_bytes()).unwrap_or_else(|err| panic!("{} v{}: {err}: {body}", e.event, e.version.as_str()));
                assert_eq!(d.version, e.version, "{}", e.event);
                assert_eq!(d.raw_action, e.action.as_str(), "{}", e.event);
                assert_eq!(d.action, e.action.to_v2(), "{}", e.event);
                assert_eq!(d.entity, e.object, "{}", e.event);
                assert_eq!(d.entity_id.as_deref(), Some(example_id(&e.object).as_str()), "{}", e.event);
                assert_eq!(d.attempt, attempt);
                assert_eq!(d.merged, e.action == EventAction::Merged, "{}", e.event);
                assert_eq!(d.timestamp_ms, Some(options.timestamp), "{}", e.event);
                match e.action.to_v2() {
                    EventAction::Create => assert!(d.previous.is_null() && d.data.is_object(), "{}", e.event),
                    EventAction::Delete => assert!(d.data.is_null() && d.previous.is_object(), "{}", e.event),
                    _ => assert!(!d.changed_fields.is_empty(), "{}: a change changes something", e.event),
                }
                assert!(!e.description.is_empty() && e.description.ends_with('.'));
            }
        }
    }

    #[test]
    fn every_subscribable_pair_is_listed_except_user_deletes() {
        for v in [PayloadVersion::V1, PayloadVersion::V2] {
            let listed = events(Some(v));
            for object in known_objects(v).into_iter().filter(|o| *o != "*") {
                for action in EventAction::all(v).iter().filter(|a| **a != EventAction::Any) {
                    if *action == EventAction::Merged && !MERGEABLE_OBJECTS.contains(&object) {
                        continue;
                    }
                    let name = format!("{}.{object}", action.as_str());
                    let expected = !(object == "user" && action.to_v2() == EventAction::Delete);
                    assert_eq!(listed.iter().any(|e| e.event == name), expected, "{name} v{}", v.as_str());
                }
            }
        }
    }

    #[test]
    fn the_2026_objects_are_v2_objects() {
        assert!(ADDED_IN_2026.iter().all(|o| crate::event::V2_ONLY_OBJECTS.contains(o)));
        for k in CUSTOM_FIELD_KEYS {
            assert_eq!(k.len(), 40);
            assert!(events(None).iter().filter(|e| CUSTOM_FIELD_OBJECTS.contains(&e.object.as_str())).all(|e| {
                let body = example_delivery(&e.event, e.version, &ExampleOptions::default()).unwrap();
                e.action.to_v2() != EventAction::Create || body.contains(k) || e.object != "person"
            }));
        }
        let deal = example_delivery("create.deal", PayloadVersion::V2, &ExampleOptions::default()).unwrap();
        assert!(CUSTOM_FIELD_KEYS.iter().all(|k| deal.contains(k)), "the examples use CUSTOM_FIELD_KEYS: {deal}");
    }

    #[test]
    fn counterparts_are_a_bijection_for_added_updated_deleted() {
        let v1 = events(Some(PayloadVersion::V1));
        let v2 = events(Some(PayloadVersion::V2));
        for e in &v2 {
            match &e.counterpart {
                Some(c) => {
                    let back = v1.iter().find(|x| &x.event == c).unwrap_or_else(|| panic!("{} → {c} is not a v1 event", e.event));
                    assert_eq!(back.counterpart.as_deref(), Some(e.event.as_str()), "{} ↔ {c}", e.event);
                }
                None => assert!(!known_objects(PayloadVersion::V1).contains(&e.object.as_str()), "{}", e.event),
            }
        }
        let merged = v1.iter().find(|e| e.event == "merged.deal").unwrap();
        assert_eq!(merged.counterpart.as_deref(), Some("change.deal"), "a v1 merge is a v2 change");
        assert_eq!(v1.iter().find(|e| e.event == "added.activityType").unwrap().counterpart, None);
        assert_eq!(v2.iter().find(|e| e.event == "create.lead").unwrap().counterpart, None);
        let said = |name: &str| v2.iter().chain(&v1).find(|e| e.event == name).unwrap().description.clone();
        assert_eq!(said("create.user"), "A user was created.");
        assert_eq!(said("change.organization"), "An organization was changed.");
        assert_eq!(said("merged.person"), "Two persons were merged: sent for the one that remains.");
        assert_eq!(said("delete.activity"), "An activity was deleted.");
    }

    #[test]
    fn unknown_events_name_the_nearest_and_the_version_they_belong_to() {
        assert_eq!(find("change.dael", None).unwrap_err().nearest, "change.deal");
        let wrong_version = find("updated.deal", Some(PayloadVersion::V2)).unwrap_err();
        assert_eq!(wrong_version.to_string(), "unknown event \"updated.deal\" in v2.0: it is a v1.0 event; here it is \"change.deal\"");
        assert_eq!(wrong_version.nearest, "change.deal");
        let user = find("delete.user", None).unwrap_err();
        assert!(user.to_string().contains("never sends it"), "{user}");
        let long = find(&"x".repeat(10_000), None).unwrap_err();
        assert!(long.event.len() <= 80 && !long.nearest.is_empty(), "a long name still gets a suggestion: {long}");
        // One version's objects: said so, with the name there.
        let lead = find("create.lead", Some(PayloadVersion::V1)).unwrap_err();
        assert_eq!(lead.to_string(), "unknown event \"create.lead\" in v1.0: lead events exist in v2.0 only; there it is \"create.lead\"");
        let lead_v1_word = find("updated.lead", None).unwrap_err();
        assert_eq!((lead_v1_word.nearest.as_str(), lead_v1_word.hint.contains("v2.0 only")), ("change.lead", true));
        let activity_type = find("added.activityType", Some(PayloadVersion::V2)).unwrap_err();
        assert_eq!(activity_type.nearest, "added.activityType");
        assert!(activity_type.hint.contains("activityType events exist in v1.0 only"), "{activity_type}");
        assert_eq!(
            example_delivery("change.deal", PayloadVersion::V2, &ExampleOptions { attempt: 5, ..ExampleOptions::default() }),
            Err(ExampleError::Attempt(5))
        );
    }

    #[test]
    fn examples_have_the_real_world_shapes() {
        let o = ExampleOptions::default();
        let user: Value = serde_json::from_str(&example_delivery("updated.user", PayloadVersion::V1, &o).unwrap()).unwrap();
        assert!(user["current"].is_array() && user["previous"].is_array(), "v1 user arrays: {user}");
        assert_eq!(user["current"][0]["id"], 3);
        let user2: Value = serde_json::from_str(&example_delivery("change.user", PayloadVersion::V2, &o).unwrap()).unwrap();
        assert_eq!(user2["data"]["id"], "3", "v2 user ids are strings");
        let lead: Value = serde_json::from_str(&example_delivery("create.lead", PayloadVersion::V2, &o).unwrap()).unwrap();
        assert!(lead["data"]["id"].as_str().is_some_and(|s| s.len() == 36));
        let deal: Value = serde_json::from_str(&example_delivery("change.deal", PayloadVersion::V2, &o).unwrap()).unwrap();
        assert_eq!(deal["data"]["custom_fields"][CUSTOM_FIELD_KEYS[0]]["value"], "gold");
        assert!(deal["previous"].get("title").is_none(), "a v2 previous is a diff");
        let deal1: Value = serde_json::from_str(&example_delivery("updated.deal", PayloadVersion::V1, &o).unwrap()).unwrap();
        assert_eq!(deal1["current"][CUSTOM_FIELD_KEYS[0]], "gold", "v1 custom fields are top-level hash keys");
        assert_eq!(deal1["current"][format!("{}_currency", CUSTOM_FIELD_KEYS[1])], "EUR");
        assert_eq!(deal1["previous"]["title"], "Acme renewal", "a v1 previous is the whole object");
        let text = example_delivery("change.deal", PayloadVersion::V2, &o).unwrap();
        assert!(text.starts_with(r#"{"data":"#) && text.contains(r#""meta":{"#), "Pipedrive's key order: {text}");
        assert_eq!(text, example_delivery("change.deal", PayloadVersion::V2, &o).unwrap(), "stable");
        assert!(text.contains(r#""host":"acme.pipedrive.com""#), "{text}");
    }
}
