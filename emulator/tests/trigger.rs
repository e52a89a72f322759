//! `POST /_emulator/trigger` (issue #23): the core catalog's example of an event, delivered for
//! real to every matching webhook in its own version, through the delivery machine; an unknown
//! event is a 400 that names the nearest one.

mod common;
use common::*;
use pipedrive_webhooks::catalog::{example_id, CUSTOM_FIELD_KEYS};
use pipedrive_webhooks::payload::decode_delivery;
use serde_json::{json, Value};

async fn subscribe(c: &reqwest::Client, base: &str, url: &str, action: &str, object: &str, version: &str) -> u64 {
    let body = json!({"subscription_url": url, "event_action": action, "event_object": object, "name": "trigger test", "version": version});
    let r: Value = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").json(&body).send().await.unwrap().json().await.unwrap();
    r["data"]["id"].as_u64().unwrap_or_else(|| panic!("created: {r}"))
}

async fn trigger(c: &reqwest::Client, base: &str, event: &str) -> (u16, Value) {
    let r = c.post(format!("{base}/_emulator/trigger")).json(&json!({"event": event})).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn a_trigger_reaches_every_matching_webhook_in_its_version_and_the_log_records_it() {
    let emu = emulator(100.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let (rx, received) = receiver().await;
    let v2 = subscribe(&c, &base, &format!("{rx}/ok"), "change", "deal", "2.0").await;
    let v1 = subscribe(&c, &base, &format!("{rx}/ok"), "updated", "deal", "1.0").await;
    let any = subscribe(&c, &base, &format!("{rx}/ok"), "*", "*", "2.0").await;
    let person = subscribe(&c, &base, &format!("{rx}/ok"), "change", "person", "2.0").await;

    let (status, sent) = trigger(&c, &base, "change.deal").await;
    assert_eq!(status, 202, "{sent}");
    assert_eq!(sent["event"], "change.deal");
    let mut reached: Vec<u64> = sent["webhooks"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    reached.sort();
    assert_eq!(reached, vec![v2, v1, any], "the person webhook ({person}) is not reached");

    let log = wait_for_log(&c, &base, "three deliveries", |l| l.iter().filter(|d| d["success"] == true).count() == 3).await;
    let name = |id: u64| log.iter().find(|d| d["webhookId"] == id).map(|d| d["event"].as_str().unwrap().to_string());
    assert_eq!((name(v2).as_deref(), name(v1).as_deref()), (Some("change.deal"), Some("updated.deal")));
    assert!(log.iter().all(|d| d["eventId"] == sent["eventId"]), "one event, one id");

    // The bodies are the catalog's example, in each webhook's version, decodable by the core.
    let bodies: Vec<_> = received.all().into_iter().map(|(_, _, b)| b).collect();
    assert_eq!(bodies.len(), 3);
    for body in &bodies {
        let e = decode_delivery(body).unwrap();
        assert_eq!((e.entity.as_str(), e.entity_id.as_deref()), ("deal", Some(example_id("deal").as_str())));
        assert_eq!(e.event_id.starts_with("v1:"), e.version.as_str() == "1.0");
        assert!(!e.changed_fields.is_empty(), "the example changes something");
        let v: Value = serde_json::from_slice(body).unwrap();
        match e.version.as_str() {
            "2.0" => assert!(v["data"]["custom_fields"][CUSTOM_FIELD_KEYS[0]].is_object(), "{v}"),
            _ => assert!(v["current"][CUSTOM_FIELD_KEYS[0]].is_string(), "v1 custom fields are top-level: {v}"),
        }
    }
}

#[tokio::test]
async fn a_v1_merge_is_two_events_and_v1_names_are_accepted() {
    let emu = emulator(100.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let (rx, received) = receiver().await;
    let v1 = subscribe(&c, &base, &format!("{rx}/ok"), "*", "deal", "1.0").await;
    let v2 = subscribe(&c, &base, &format!("{rx}/ok"), "*", "deal", "2.0").await;
    let (status, sent) = trigger(&c, &base, "merged.deal").await;
    assert_eq!(status, 202, "{sent}");
    let names: Vec<&str> = sent["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(names, ["merged.deal", "deleted.deal"]);
    let log = wait_for_log(&c, &base, "four deliveries", |l| l.iter().filter(|d| d["success"] == true).count() == 4).await;
    let mut v1_names: Vec<&str> = log.iter().filter(|d| d["webhookId"] == v1).map(|d| d["event"].as_str().unwrap()).collect();
    v1_names.sort();
    assert_eq!(v1_names, ["deleted.deal", "merged.deal"]);
    let decoded: Vec<_> = received.all().into_iter().map(|(_, _, b)| decode_delivery(&b).unwrap()).collect();
    let survivor = decoded.iter().find(|e| e.version.as_str() == "2.0" && e.raw_action == "change").expect("v2 change");
    let absorbed = decoded.iter().find(|e| e.version.as_str() == "2.0" && e.raw_action == "delete").expect("v2 delete");
    assert_eq!(survivor.merged_from_id, absorbed.entity_id, "v2: the survivor names the absorbed one");
    assert_eq!(absorbed.merged_to_id, survivor.entity_id);
    assert!(decoded.iter().any(|e| e.version.as_str() == "1.0" && e.merged));
    let _ = v2;
}

#[tokio::test]
async fn an_unknown_event_is_a_400_naming_the_nearest_and_nothing_is_sent() {
    let emu = emulator(100.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let (rx, received) = receiver().await;
    subscribe(&c, &base, &format!("{rx}/ok"), "*", "*", "2.0").await;
    let (status, body) = trigger(&c, &base, "chnage.deal").await;
    assert_eq!(status, 400);
    assert_eq!(body["nearest"], "change.deal");
    assert!(body["error"].as_str().unwrap().contains("did you mean \"change.deal\""), "{body}");
    let (status, body) = trigger(&c, &base, "delete.user").await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("never sends it"), "{body}");
    let r = c.post(format!("{base}/_emulator/trigger")).json(&json!({"evnt": "change.deal"})).send().await.unwrap();
    assert_eq!(r.status(), 400, "a body without event");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(received.all().len(), 0);
    let log: Value = c.get(format!("{base}/_emulator/deliveries")).send().await.unwrap().json().await.unwrap();
    assert_eq!(log["deliveries"], json!([]));
}

/// `pipedrive-webhooks-emulator trigger` (what `cargo xtask emulate -- trigger` runs), from a shell.
#[tokio::test]
async fn the_trigger_command_fires_at_a_running_emulator_and_refuses_unknown_events_before_the_network() {
    let emu = emulator(100.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let (rx, received) = receiver().await;
    let id = subscribe(&c, &base, &format!("{rx}/ok"), "added", "person", "1.0").await;
    let bin = env!("CARGO_BIN_EXE_pipedrive-webhooks-emulator");
    // Blocking, off the runtime: the emulator under test runs on it.
    let run = |args: Vec<String>| async move { tokio::task::spawn_blocking(move || std::process::Command::new(bin).args(args).output().unwrap()).await.unwrap() };
    let out = run(vec!["trigger".into(), "create.person".into(), "--base-url".into(), format!("{base}/v1")]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("create.person (event ") && stdout.contains(&format!("1 webhook(s): #{id}")), "{stdout}");
    wait_for_log(&c, &base, "the delivery", |l| l.iter().any(|d| d["event"] == "added.person" && d["success"] == true)).await;
    assert_eq!(received.all().len(), 1);

    let out = run(vec!["trigger".into(), "added.persn".into(), "--base-url".into(), base.clone()]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean \"added.person\""), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(vec!["trigger".into(), "change.deal".into(), "--base-url".into(), "https://acme.pipedrive.com/api/v1".into()]).await;
    assert_eq!(out.status.code(), Some(2), "Pipedrive has no trigger");
    let help = run(vec!["trigger".into(), "--help".into()]).await;
    let help_text = String::from_utf8_lossy(&help.stdout).to_string() + &String::from_utf8_lossy(&help.stderr);
    assert!(help_text.contains("merged.deal") && help_text.contains("change.deal_installment"), "every event listed: {help_text}");
}
