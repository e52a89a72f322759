//! Real shapes from Pipedrive's traffic (integrators' bug reports, Pipedrive's own answers), each a
//! file in `fixtures/real-world/` with its expected decode. Add every odd shape met to that folder:
//! this test reads them all, and the node suite decodes the same files through the JS package.

use pipedrive_webhooks::health::Health;
use pipedrive_webhooks::payload::decode_delivery;
use pipedrive_webhooks::wire::{decode_error, HttpResponse, RemoteWebhook};
use pipedrive_webhooks::{validate, ApiError, NewWebhook, Policy};
use serde_json::{json, Value};
use std::path::PathBuf;

fn fixtures() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-world");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("the fixtures folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every key of `expected` has the same value in `got` (objects compared key by key, recursively
/// only at the top: nested values must match exactly).
fn assert_subset(name: &str, got: &Value, expected: &Value) {
    for (k, want) in expected.as_object().expect("expect is an object") {
        if k == "messageContains" {
            continue;
        }
        assert_eq!(&got[k], want, "{name}: {k} (got {got})");
    }
}

fn check_message(name: &str, message: &str, expected: &Value) {
    if let Some(needle) = expected.get("messageContains").and_then(Value::as_str) {
        assert!(message.contains(needle), "{name}: {message:?} should contain {needle:?}");
    }
}

#[test]
fn every_real_world_fixture_decodes_as_expected() {
    let all = fixtures();
    assert!(all.len() >= 15, "fixtures found: {}", all.len());
    let mut kinds = std::collections::BTreeSet::new();
    for (name, f) in &all {
        let expect = &f["expect"];
        assert!(f["about"].as_str().is_some_and(|a| a.len() > 20), "{name}: say what the shape is and where it comes from");
        let kind = f["kind"].as_str().unwrap_or_else(|| panic!("{name}: kind"));
        kinds.insert(kind.to_string());
        match kind {
            "delivery" => {
                let body = f["body"].to_string();
                let event = decode_delivery(body.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_subset(name, &serde_json::to_value(&event).unwrap(), expect);
            }
            "list_row" => {
                let w = RemoteWebhook::from_json(&f["input"]).unwrap_or_else(|| panic!("{name}: not a webhook"));
                let opaque = [&w.http_auth_user, &w.http_auth_password].iter().all(|v| v.as_deref().is_some_and(pipedrive_webhooks::wire::is_opaque_credential));
                let got = json!({
                    "health": Health::of_remote(&w).label(),
                    "last_http_status": w.last_http_status,
                    "status_text": w.last_http_status.as_ref().map(|s| s.text()),
                    "last_delivery_time_ms": w.last_delivery_time,
                    "basic_auth": w.has_basic_auth(),
                    "credentials_opaque": opaque,
                });
                assert_subset(name, &got, expect);
            }
            "error" => {
                let headers: Vec<(String, String)> =
                    f["headers"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect();
                let body = match &f["body"] {
                    Value::String(s) => s.clone().into_bytes(),
                    other => other.to_string().into_bytes(),
                };
                let status = f["status"].as_u64().unwrap() as u16;
                let e = decode_error(&HttpResponse { status, headers: &headers, body: &body }, 0);
                let mut got = json!({"code": e.code(), "status": e.status()});
                if let ApiError::RateLimited { retry_after_ms, scope } = &e {
                    got["scope"] = json!(scope.as_str());
                    got["retryAfterMs"] = json!(retry_after_ms);
                }
                assert_subset(name, &got, expect);
                check_message(name, &e.to_string(), expect);
            }
            "create_input" => {
                let input: NewWebhook = serde_json::from_value(f["input"].clone()).unwrap();
                match validate(&input, &Policy::default()) {
                    Ok(v) => assert_eq!(expect["ok"], json!(true), "{name}: valid, with warnings {:?}", v.warnings),
                    Err(errors) => {
                        let first = &errors.0[0];
                        let got = serde_json::to_value(first).unwrap();
                        assert_subset(name, &got, expect);
                        check_message(name, &first.message, expect);
                    }
                }
            }
            other => panic!("{name}: unknown kind {other}"),
        }
    }
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["create_input", "delivery", "error", "list_row"]);
}
