//! Delivery bodies (domain reference, section 3) and Basic auth (R14).

use pipedrive_webhooks::payload::*;
use pipedrive_webhooks::{EventAction, PayloadVersion};
use serde_json::json;

#[test]
fn v1_added_deal_with_retry_and_int_ids() {
    let body = json!({
        "v": 1, "event": "added.deal", "retry": 2,
        "current": {"id": 42, "title": "Big deal"}, "previous": null, "matches_filters": {"current": []},
        "meta": {"v": 1, "action": "added", "object": "deal", "id": 42, "company_id": 7, "user_id": 3,
                 "timestamp": 1_700_000_000, "timestamp_micro": 1_700_000_000_123_456_u64, "webhook_id": "11",
                 "is_bulk_update": false, "change_source": "app"}
    });
    let e = decode_delivery(body.to_string().as_bytes()).unwrap();
    assert_eq!(e.version, PayloadVersion::V1);
    assert_eq!((e.action, e.raw_action.as_str(), e.entity.as_str()), (EventAction::Create, "added", "deal"));
    assert_eq!(e.attempt, 3, "retry 2 is the third attempt");
    assert_eq!(e.entity_id.as_deref(), Some("42"));
    assert_eq!(e.timestamp_ms, Some(1_700_000_000_123));
    assert_eq!(e.data["title"], "Big deal");
    assert_eq!(e.actor_user_id.as_deref(), Some("3"));
    // The same event retried keeps its idempotency key.
    let mut again = body.clone();
    again["retry"] = json!(3);
    assert_eq!(decode_delivery(again.to_string().as_bytes()).unwrap().event_id, e.event_id);
}

#[test]
fn v1_user_arrays_and_merges() {
    let user = json!({"v": 1, "event": "updated.user", "current": [{"id": 5, "name": "Ana"}], "previous": [{"id": 5, "name": "Anna"}], "meta": {"id": "5", "timestamp": 1}});
    let e = decode_delivery(user.to_string().as_bytes()).unwrap();
    assert_eq!((e.data["name"].as_str(), e.previous["name"].as_str()), (Some("Ana"), Some("Anna")));
    let merged = json!({"event": "merged.person", "current": {"id": 8}, "meta": {"action": "merged", "object": "person", "id": 8}});
    let m = decode_delivery(merged.to_string().as_bytes()).unwrap();
    assert!(m.merged);
    assert_eq!(m.action, EventAction::Change);
}

#[test]
fn v2_change_with_merge_ids_and_epoch_user_timestamps() {
    let body = json!({
        "meta": {"action": "change", "entity": "person", "entity_id": "8", "id": "c0ffee-1", "attempt": 4,
                 "timestamp": "2025-04-01T10:00:00.250Z", "version": "2.0", "webhook_id": "9", "company_id": "7",
                 "user_id": "3", "merged_from_id": "12", "is_bulk_edit": true, "type": "application"},
        "data": {"id": 8, "name": "Ana"}, "previous": {"name": "Anna"}
    });
    let e = decode_delivery(body.to_string().as_bytes()).unwrap();
    assert_eq!((e.version, e.attempt, e.event_id.as_str()), (PayloadVersion::V2, 4, "c0ffee-1"));
    assert!(e.merged && e.is_bulk);
    assert_eq!(e.merged_from_id.as_deref(), Some("12"));
    assert_eq!(e.timestamp_ms, Some(1_743_501_600_250));
    let user = json!({"meta": {"action": "change", "entity": "user", "entity_id": "5", "id": "u-1", "timestamp": 1_743_501_600, "version": "2.0"}, "data": {"active_flag": false}});
    assert_eq!(decode_delivery(user.to_string().as_bytes()).unwrap().timestamp_ms, Some(1_743_501_600_000));
}

#[test]
fn bad_bodies_get_specific_errors() {
    assert_eq!(decode_delivery(b"not json"), Err(PayloadError::NotJson));
    assert_eq!(decode_delivery(b"[1,2]"), Err(PayloadError::NotAnObject));
    assert_eq!(decode_delivery(b"{}"), Err(PayloadError::UnknownFormat));
    let bad_attempt = json!({"meta": {"action": "create", "entity": "deal", "id": "x", "attempt": 9, "version": "2.0"}});
    assert_eq!(decode_delivery(bad_attempt.to_string().as_bytes()), Err(PayloadError::InvalidField("meta.attempt".into())));
    let v1_in_v2_words = json!({"meta": {"action": "added", "entity": "deal", "id": "x", "version": "2.0"}});
    assert_eq!(decode_delivery(v1_in_v2_words.to_string().as_bytes()), Err(PayloadError::InvalidField("meta.action".into())));
    let no_id = json!({"meta": {"action": "create", "entity": "deal", "version": "2.0"}});
    assert_eq!(decode_delivery(no_id.to_string().as_bytes()), Err(PayloadError::InvalidField("meta.id".into())));
}

#[test]
fn r14_basic_auth_is_checked_exactly() {
    let header = basic_auth_header("pipedrive", "pässwörd:with:colons");
    assert!(verify_basic_auth(Some(&header), "pipedrive", "pässwörd:with:colons"));
    assert!(verify_basic_auth(Some(&header.replace("Basic", "basic")), "pipedrive", "pässwörd:with:colons"));
    for wrong in [("pipedrive", "pässwörd"), ("Pipedrive", "pässwörd:with:colons"), ("", "")] {
        assert!(!verify_basic_auth(Some(&header), wrong.0, wrong.1));
    }
    for junk in ["", "Basic", "Basic !!!", "Bearer cGlwZWRyaXZlOnM=", "Basic cGlwZWRyaXZl"] {
        assert!(!verify_basic_auth(Some(junk), "pipedrive", "s"), "{junk:?}");
    }
}

#[test]
fn encoded_deliveries_decode_back_in_both_versions_and_keep_their_key_across_retries() {
    use pipedrive_webhooks::{PayloadVersion, Webhook};
    let event = Emitted {
        id: "6b1c2c1e-0000-4000-8000-000000000001".into(),
        action: EventAction::Delete,
        object: "person".into(),
        entity_id: "8".into(),
        company_id: 5,
        user_id: 3,
        at: 1_700_000_000_000,
        data: json!({"id": 8}),
        previous: json!({"id": 8, "name": "Ana"}),
        merge_partner_id: None,
    };
    for version in [PayloadVersion::V1, PayloadVersion::V2] {
        let mut w = Webhook::example();
        w.version = version;
        let first = decode_delivery(encode_delivery(&w, &event, 1).to_string().as_bytes()).unwrap();
        let retry = decode_delivery(encode_delivery(&w, &event, 4).to_string().as_bytes()).unwrap();
        assert_eq!(first.version, version);
        assert_eq!((first.action, first.entity.as_str(), first.entity_id.as_deref()), (EventAction::Delete, "person", Some("8")));
        assert_eq!((first.attempt, retry.attempt), (1, 4));
        assert_eq!(first.event_id, retry.event_id, "{version:?}: one key for every attempt");
        assert_eq!(first.data, serde_json::Value::Null, "a delete carries no current data");
        assert_eq!(first.previous["name"], "Ana");
        assert_eq!(first.webhook_id.as_deref(), Some("1"));
    }
}

/// Issue #22: a v1 `previous` is the whole former object, not a diff: a change the emulator
/// emits with a v2-style diff (`previous: {"title": "Old"}`) reaches a v1 webhook with every
/// unchanged field in `previous` too, so `changed_fields` names only what changed, in both
/// versions alike.
#[test]
fn a_v1_change_carries_the_whole_previous_object_so_only_changed_fields_are_listed() {
    use pipedrive_webhooks::{PayloadVersion, Webhook};
    let hash = "d4de1c1518b4531717c676029a45911c340390a6";
    let event = Emitted {
        id: "6b1c2c1e-0000-4000-8000-000000000002".into(),
        action: EventAction::Change,
        object: "deal".into(),
        entity_id: "42".into(),
        company_id: 5,
        user_id: 3,
        at: 1_700_000_000_000,
        data: json!({"id": 42, "title": "New", "value": 100, "stage_id": 2, "custom_fields": {hash: {"type": "varchar", "value": "gold"}, "other": {"type": "double", "value": 1}}}),
        previous: json!({"title": "Old", "custom_fields": {hash: {"type": "varchar", "value": "silver"}}}),
        merge_partner_id: None,
    };
    let mut w = Webhook::example();
    w.version = PayloadVersion::V1;
    let body = encode_delivery(&w, &event, 1);
    assert_eq!(
        body["previous"],
        json!({"id": 42, "title": "Old", "value": 100, "stage_id": 2, hash: "silver", "other": 1}),
        "the whole former object, custom fields as v1 sends them: top-level keys named by their hash"
    );
    assert_eq!(body["current"][hash], "gold");
    let v1 = decode_delivery(body.to_string().as_bytes()).unwrap();
    assert_eq!(v1.changed_fields, [hash, "title"], "unchanged fields are not listed as changed");
    w.version = PayloadVersion::V2;
    let v2 = decode_delivery(encode_delivery(&w, &event, 1).to_string().as_bytes()).unwrap();
    assert_eq!(v2.previous, event.previous, "v2 keeps the diff");
    assert_eq!(v2.changed_fields, [format!("custom_fields.{hash}"), "title".to_string()]);
    // A create has no previous, a delete the last state as given, in v1 too.
    w.version = PayloadVersion::V1;
    let created = encode_delivery(&w, &Emitted { action: EventAction::Create, ..event.clone() }, 1);
    assert!(created["previous"].is_null());
    let deleted = encode_delivery(&w, &Emitted { action: EventAction::Delete, previous: json!({"id": 42, "title": "Old"}), ..event }, 1);
    assert_eq!(deleted["previous"], json!({"id": 42, "title": "Old"}));
}
