//! The deliveries a receiver check sends: every object's create, change and delete (and v1's
//! merged) in both payload versions: the core catalog's example entities, encoded by the core's
//! `payload::encode_delivery` in Pipedrive's real shapes (core/tests/fixtures/real-world: `user`
//! events with arrays in v1 and string ids in v2, lead ids as UUID strings, custom fields keyed
//! by 40-character hashes, merges), plus the check's own: bulk deletes, and v2 `user` events
//! with the integer timestamp they carried until 2025-06-30.

use pipedrive_webhooks::event::{known_objects, MERGEABLE_OBJECTS};
use pipedrive_webhooks::catalog::example_event;
use pipedrive_webhooks::payload::{delivery_text, encode_delivery};
use pipedrive_webhooks::{EventAction, Millis, PayloadVersion, Webhook};
use serde_json::{json, Value};

/// One delivery to send: what it is (for details), its version and its JSON body.
#[derive(Debug, Clone)]
pub struct Probe {
    /// `change.user v1 (current/previous arrays)`: how the report names it.
    pub label: String,
    pub body: String,
}

/// Objects that Pipedrive's bulk edit touches: their deletes carry the bulk flag.
const BULK_OBJECTS: [&str; 6] = ["deal", "person", "organization", "activity", "product", "lead"];
/// Objects whose example entities carry custom fields (the catalog's).
const CUSTOM_FIELD_OBJECTS: [&str; 4] = ["deal", "person", "organization", "product"];

/// The webhook the bodies name (id 1, an app webhook of user 1, company 1).
pub fn webhook(url: &str, version: PayloadVersion) -> Webhook {
    Webhook { event_action: "*".into(), event_object: "*".into(), subscription_url: url.into(), name: "receiver check".into(), version, add_time: 0, ..Webhook::example() }
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The entity id of `object`'s test record: a UUID for leads, a number otherwise.
fn entity_id(object: &str, n: u64) -> String {
    if object == "lead" {
        format!("adf21080-0e10-11eb-879b-{n:012x}")
    } else {
        n.to_string()
    }
}

/// The event `action` on `object`, at `at`: the catalog's example entity (core `catalog`),
/// encoded for `webhook` on `attempt` (v1's shape by the core: user arrays, custom fields as hash
/// keys, `merged.X`), then flagged as this check's real traffic: bulk deletes, and v2 `user`
/// events with the integer timestamp they carried until 2025-06-30. Returns the body.
fn body(hook: &Webhook, action: EventAction, object: &str, n: u64, at: Millis, attempt: u8, event_id: &str) -> Value {
    let mut event = example_event(action, object, &entity_id(object, n), at);
    event.id = event_id.into();
    event.company_id = 1;
    let mut b = encode_delivery(hook, &event, attempt);
    let bulk = action.to_v2() == EventAction::Delete && BULK_OBJECTS.contains(&object);
    match hook.version {
        PayloadVersion::V2 => {
            b["meta"]["is_bulk_edit"] = json!(bulk);
            if object == "user" {
                b["meta"]["timestamp"] = json!(at.div_euclid(1000));
            }
        }
        PayloadVersion::V1 => b["meta"]["is_bulk_update"] = json!(bulk),
    }
    b
}

fn label(hook: &Webhook, action: EventAction, object: &str) -> String {
    let word = action.in_version(hook.version).as_str();
    let v = hook.version.as_str().trim_end_matches(".0");
    let shape = match (object, hook.version, action.to_v2()) {
        ("user", PayloadVersion::V1, _) => " (current/previous arrays)",
        ("user", PayloadVersion::V2, _) => " (integer timestamp, string ids)",
        ("lead", _, _) => " (string id)",
        (o, _, EventAction::Delete) if BULK_OBJECTS.contains(&o) => " (bulk)",
        (o, _, EventAction::Change) if CUSTOM_FIELD_OBJECTS.contains(&o) => " (custom fields)",
        _ => "",
    };
    format!("{word}.{object} v{v}{shape}")
}

/// Every object's create, change and delete in `version` (and v1's merged; a v2 merge pair),
/// each a new event. `at` is the events' time (epoch ms).
pub fn payloads(url: &str, version: PayloadVersion, at: Millis) -> Vec<Probe> {
    let hook = webhook(url, version);
    let mut out = Vec::new();
    let objects: Vec<&str> = known_objects(version).into_iter().filter(|o| *o != "*").collect();
    for (i, object) in objects.iter().enumerate() {
        for action in [EventAction::Create, EventAction::Change, EventAction::Delete] {
            let b = body(&hook, action, object, 100 + i as u64, at, 1, &uuid());
            out.push(Probe { label: label(&hook, action, object), body: delivery_text(&b) });
        }
    }
    match version {
        PayloadVersion::V1 => {
            for (i, object) in MERGEABLE_OBJECTS.iter().enumerate() {
                let b = body(&hook, EventAction::Merged, object, 200 + i as u64, at, 1, &uuid());
                out.push(Probe { label: format!("merged.{object} v1"), body: delivery_text(&b) });
            }
        }
        PayloadVersion::V2 => {
            // A merge: the survivor changes (merged_from_id), the absorbed one is deleted (merged_to_id).
            let mut survivor = example_event(EventAction::Change, "deal", "300", at);
            (survivor.id, survivor.company_id, survivor.merge_partner_id) = (uuid(), 1, Some("301".into()));
            let mut absorbed = example_event(EventAction::Delete, "deal", "301", at);
            (absorbed.id, absorbed.company_id, absorbed.merge_partner_id) = (uuid(), 1, Some("300".into()));
            let (survivor, absorbed) = (encode_delivery(&hook, &survivor, 1), encode_delivery(&hook, &absorbed, 1));
            out.push(Probe { label: "change.deal v2 (merged_from_id)".into(), body: delivery_text(&survivor) });
            out.push(Probe { label: "delete.deal v2 (merged_to_id)".into(), body: delivery_text(&absorbed) });
        }
    }
    out
}

/// One event (a deal change) as attempts 1 to `policy.max_attempts()`: the same event id (v2
/// `meta.id`; v1's key from `timestamp_micro`), `meta.attempt` 1–4 (v2) or `retry` 0–3 (v1).
pub fn retries(url: &str, version: PayloadVersion, at: Millis, attempts: u8) -> Vec<Probe> {
    let hook = webhook(url, version);
    let id = uuid();
    (1..=attempts)
        .map(|attempt| {
            let b = body(&hook, EventAction::Change, "deal", 400, at, attempt, &id);
            let which = match version {
                PayloadVersion::V2 => format!("meta.attempt {attempt}"),
                PayloadVersion::V1 => format!("retry {}", attempt - 1),
            };
            Probe { label: format!("change.deal v{} {which}", version.as_str().trim_end_matches(".0")), body: delivery_text(&b) }
        })
        .collect()
}

/// A bulk edit: `size` deal changes at once, each its own event, flagged bulk.
pub fn burst(url: &str, version: PayloadVersion, at: Millis, size: usize) -> Vec<Probe> {
    let hook = webhook(url, version);
    (0..size)
        .map(|i| {
            let mut b = body(&hook, EventAction::Change, "deal", 1000 + i as u64, at, 1, &uuid());
            match version {
                PayloadVersion::V2 => b["meta"]["is_bulk_edit"] = json!(true),
                PayloadVersion::V1 => b["meta"]["is_bulk_update"] = json!(true),
            }
            Probe { label: format!("bulk change.deal #{}", i + 1), body: delivery_text(&b) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipedrive_webhooks::catalog::CUSTOM_FIELD_KEYS;
    use pipedrive_webhooks::payload::decode_delivery;

    #[test]
    fn every_body_decodes_as_the_core_reads_real_traffic() {
        for version in [PayloadVersion::V1, PayloadVersion::V2] {
            let all: Vec<Probe> = [payloads("http://x/h", version, 1_700_000_000_000), retries("http://x/h", version, 0, 4), burst("http://x/h", version, 0, 3)].concat();
            for p in &all {
                let e = decode_delivery(p.body.as_bytes()).unwrap_or_else(|err| panic!("{}: {err}", p.label));
                assert_eq!(e.version, version, "{}", p.label);
            }
        }
    }

    #[test]
    fn the_real_world_shapes_are_there() {
        let v1 = payloads("http://x/h", PayloadVersion::V1, 1_700_000_000_000);
        let user = v1.iter().find(|p| p.label.starts_with("updated.user")).unwrap();
        let b: Value = serde_json::from_str(&user.body).unwrap();
        assert!(b["current"].is_array() && b["previous"].is_array(), "{b}");
        assert!(v1.iter().any(|p| p.label.starts_with("merged.deal")));
        assert!(v1.iter().any(|p| p.body.contains("\"is_bulk_update\":true")));
        assert_eq!(v1.iter().filter(|p| p.label.contains("activityType")).count(), 3);
        let v2 = payloads("http://x/h", PayloadVersion::V2, 1_700_000_000_000);
        let lead: Value = serde_json::from_str(&v2.iter().find(|p| p.label.starts_with("create.lead")).unwrap().body).unwrap();
        assert!(lead["meta"]["entity_id"].is_string() && lead["data"]["id"].is_string());
        let user: Value = serde_json::from_str(&v2.iter().find(|p| p.label.starts_with("change.user")).unwrap().body).unwrap();
        assert_eq!(user["meta"]["timestamp"], json!(1_700_000_000));
        assert!(user["data"]["id"].is_string());
        let deal: Value = serde_json::from_str(&v2.iter().find(|p| p.label.starts_with("change.deal v2 (custom")).unwrap().body).unwrap();
        assert!(deal["data"]["custom_fields"][CUSTOM_FIELD_KEYS[0]].is_object() && deal["previous"]["custom_fields"][CUSTOM_FIELD_KEYS[1]].is_null());
        assert!(deal["meta"]["timestamp"].is_string());
        assert!(v2.iter().any(|p| p.body.contains("\"is_bulk_edit\":true")));
        assert!(v2.iter().any(|p| p.body.contains("merged_to_id")));
    }

    #[test]
    fn retries_repeat_one_event() {
        for version in [PayloadVersion::V1, PayloadVersion::V2] {
            let r = retries("http://x/h", version, 1_700_000_000_000, 4);
            let decoded: Vec<_> = r.iter().map(|p| decode_delivery(p.body.as_bytes()).unwrap()).collect();
            assert_eq!(decoded.iter().map(|e| e.attempt).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
            assert!(decoded.iter().all(|e| e.event_id == decoded[0].event_id));
        }
    }
}
