//! Real deliveries from the emulator to a local receiver, rule by rule (R9–R14). The clock runs
//! 100× faster: retry delays of 3/30/150 s take 30/300/1500 ms, the 10 s timeout 100 ms.

mod common;
use common::*;
use pipedrive_webhooks::payload::{decode_delivery, verify_basic_auth};
use serde_json::{json, Value};

const SCALE: f64 = 100.0;

async fn subscribe(c: &reqwest::Client, base: &str, url: &str, version: &str, extra: Value) -> u64 {
    let mut body = json!({"subscription_url": url, "event_action": "change", "event_object": "deal", "name": "test", "version": version});
    body.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    let r: Value = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").json(&body).send().await.unwrap().json().await.unwrap();
    r["data"]["id"].as_u64().unwrap_or_else(|| panic!("created: {r}"))
}

async fn event(c: &reqwest::Client, base: &str, action: &str) -> Value {
    let r = c.post(format!("{base}/_emulator/events")).json(&json!({"object": "deal", "action": action, "id": 42, "data": {"id": 42, "title": "Deal"}, "previous": {"title": "Old"}})).send().await.unwrap();
    assert_eq!(r.status(), 202);
    r.json().await.unwrap()
}

fn of(log: &[Value], id: u64) -> Vec<Value> {
    log.iter().filter(|d| d["webhookId"] == id).cloned().collect()
}

#[tokio::test]
async fn r14_deliveries_carry_basic_auth_and_decode_in_both_versions() {
    let emu = emulator(SCALE, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let (rx, received) = receiver().await;
    let v2 = subscribe(&c, &base, &format!("{rx}/ok"), "2.0", json!({"http_auth_user": "pipedrive", "http_auth_password": "s3cret"})).await;
    let v1 = subscribe(&c, &base, &format!("{rx}/ok"), "1.0", json!({"event_action": "updated"})).await;
    let sent = event(&c, &base, "change").await;
    assert_eq!(sent["webhooks"], json!([v2, v1]));
    let log = wait_for_log(&c, &base, "two deliveries", |l| l.iter().filter(|d| d["success"] == true).count() == 2).await;
    // The log names the event as each webhook received it: v1's `event` field, v2's action.entity.
    assert_eq!((of(&log, v2)[0]["event"].as_str(), of(&log, v1)[0]["event"].as_str()), (Some("change.deal"), Some("updated.deal")));
    let got = received.all();
    let (_, auth, body) = got.iter().find(|(_, a, _)| a.is_some()).expect("the v2 delivery");
    assert!(verify_basic_auth(auth.as_deref(), "pipedrive", "s3cret"));
    let e2 = decode_delivery(body).unwrap();
    assert_eq!((e2.version.as_str(), e2.entity.as_str(), e2.entity_id.as_deref(), e2.attempt), ("2.0", "deal", Some("42"), 1));
    assert_eq!(e2.event_id, sent["eventId"].as_str().unwrap());
    assert_eq!(e2.webhook_id, Some(v2.to_string()));
    let (_, no_auth, body1) = got.iter().find(|(_, a, _)| a.is_none()).expect("the v1 delivery");
    assert!(no_auth.is_none());
    let e1 = decode_delivery(body1).unwrap();
    assert_eq!((e1.version.as_str(), e1.raw_action.as_str(), e1.attempt), ("1.0", "updated", 1));
}

#[tokio::test]
async fn r09_r10_r11_a_failing_endpoint_gets_four_attempts_and_only_the_first_counts() {
    let emu = emulator(SCALE, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let (rx, received) = receiver().await;
    let id = subscribe(&c, &base, &format!("{rx}/fail"), "2.0", json!({})).await;
    event(&c, &base, "change").await;
    let log = wait_for_log(&c, &base, "four attempts", |l| of(l, id).len() == 4).await;
    let attempts = of(&log, id);
    assert_eq!(attempts.iter().map(|d| d["attempt"].as_u64().unwrap()).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    assert_eq!(attempts.iter().map(|d| d["counted"] == true).collect::<Vec<_>>(), vec![true, false, false, false]);
    assert!(attempts.iter().all(|d| d["status"] == 500 && d["success"] == false));
    // R10: 3 s, 30 s, 150 s between the end of one attempt and the start of the next.
    let at: Vec<i64> = attempts.iter().map(|d| d["at"].as_i64().unwrap() + d["durationMs"].as_i64().unwrap()).collect();
    let starts: Vec<i64> = attempts.iter().map(|d| d["at"].as_i64().unwrap()).collect();
    assert_eq!((starts[1] - at[0], starts[2] - at[1], starts[3] - at[2]), (3_000, 30_000, 150_000));
    assert_eq!(received.count("/fail"), 4);
    let bodies: Vec<u8> = received.all().iter().map(|(_, _, b)| decode_delivery(b).unwrap().attempt).collect();
    assert_eq!(bodies, vec![1, 2, 3, 4], "meta.attempt follows the attempt");
    let clock: Value = c.get(format!("{base}/_emulator/clock")).send().await.unwrap().json().await.unwrap();
    assert_eq!((clock["eventsInFlight"].as_u64(), clock["attemptsDue"].as_u64()), (Some(0), Some(0)), "the finished event is forgotten");
}

#[tokio::test]
async fn r09_redirects_timeouts_and_closed_ports_fail() {
    let emu = emulator(SCALE, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let (rx, received) = receiver().await;
    let redirect = subscribe(&c, &base, &format!("{rx}/redirect"), "2.0", json!({})).await;
    let slow = subscribe(&c, &base, &format!("{rx}/slow"), "2.0", json!({})).await;
    let closed = subscribe(&c, &base, &closed_port().await, "2.0", json!({})).await;
    event(&c, &base, "change").await;
    let log = wait_for_log(&c, &base, "first attempts", |l| [redirect, slow, closed].iter().all(|id| !of(l, *id).is_empty())).await;
    let first = |id| of(&log, id)[0].clone();
    assert_eq!((first(redirect)["status"].as_u64(), first(redirect)["success"].as_bool()), (Some(302), Some(false)));
    assert_eq!(received.count("/target"), 0, "the redirect is not followed");
    assert_eq!((first(slow)["result"].as_str(), first(slow)["durationMs"].as_i64()), (Some("timeout"), Some(10_000)));
    assert_eq!(first(closed)["result"], "refused");
    assert!([redirect, slow, closed].iter().all(|id| first(*id)["counted"] == true));
}

#[tokio::test]
async fn r12_ten_failed_first_attempts_ban_and_events_meanwhile_are_lost() {
    let emu = emulator(SCALE, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let (rx, _) = receiver().await;
    let id = subscribe(&c, &base, &format!("{rx}/fail"), "2.0", json!({})).await;
    for _ in 0..10 {
        event(&c, &base, "change").await;
    }
    let log = wait_for_log(&c, &base, "the ban", |l| of(l, id).iter().any(|d| !d["banUntil"].is_null())).await;
    let counted = of(&log, id).iter().filter(|d| d["counted"] == true).count();
    assert_eq!(counted, 10);
    let listed: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["data"][0]["is_active"], 0, "banned: inactive");
    event(&c, &base, "change").await;
    wait_for_log(&c, &base, "a lost event", |l| of(l, id).iter().any(|d| d["result"] == "lost")).await;
    // 30 minutes later the ban is over and the counter is 0: the next event is sent again.
    c.post(format!("{base}/_emulator/advance")).json(&json!({"ms": 31 * 60_000})).send().await.unwrap();
    let listed: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["data"][0]["is_active"], 1);
    let before = of(&wait_for_log(&c, &base, "log", |_| true).await, id).len();
    event(&c, &base, "change").await;
    let log = wait_for_log(&c, &base, "a sent attempt after the ban", |l| of(l, id).len() > before && of(l, id).last().unwrap()["result"] == "status").await;
    assert_eq!(of(&log, id).last().unwrap()["counted"], true);
}

#[tokio::test]
async fn r13_a_webhook_failing_for_72_hours_is_deleted() {
    let emu = emulator(SCALE, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let (rx, _) = receiver().await;
    let failing = subscribe(&c, &base, &format!("{rx}/fail"), "2.0", json!({})).await;
    let healthy = subscribe(&c, &base, &format!("{rx}/ok"), "2.0", json!({"event_action": "create"})).await;
    event(&c, &base, "change").await;
    event(&c, &base, "create").await;
    wait_for_log(&c, &base, "first attempts", |l| !of(l, failing).is_empty() && !of(l, healthy).is_empty()).await;
    c.post(format!("{base}/_emulator/advance")).json(&json!({"ms": 71 * 3_600_000})).send().await.unwrap();
    let ids = |v: Value| v["data"].as_array().unwrap().iter().map(|w| w["id"].as_u64().unwrap()).collect::<Vec<_>>();
    let listed = ids(c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap());
    assert!(listed.contains(&failing), "71 h: not yet");
    c.post(format!("{base}/_emulator/advance")).json(&json!({"ms": 3_600_000})).send().await.unwrap();
    let listed = ids(c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap());
    assert_eq!(listed, vec![healthy], "72 h: deleted; the healthy one stays");
}

/// "In flight at a ban or a deletion": an attempt still running when its webhook is deleted is
/// logged with its real result, marked `afterDeletion`, and the webhook stays deleted.
#[tokio::test]
async fn an_attempt_in_flight_at_a_deletion_is_logged_after_it() {
    let emu = emulator(1.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let (rx, received) = receiver().await;
    let id = subscribe(&c, &base, &format!("{rx}/slow"), "2.0", json!({})).await;
    event(&c, &base, "change").await;
    // The receiver holds the attempt for a second; delete the webhook meanwhile.
    for _ in 0..100 {
        if received.count("/slow") == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let del = c.delete(format!("{base}/v1/webhooks/{id}")).bearer_auth("app-token-admin").send().await.unwrap();
    assert_eq!(del.status(), 200);
    let log = wait_for_log(&c, &base, "the in-flight attempt", |l| !of(l, id).is_empty()).await;
    let d = &of(&log, id)[0];
    assert_eq!((d["success"].as_bool(), d["afterDeletion"].as_bool(), d["status"].as_u64()), (Some(true), Some(true), Some(200)), "{d}");
    let list: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap();
    assert!(list["data"].as_array().unwrap().iter().all(|w| w["id"] != id), "still deleted");
}

/// Pipedrive reports an attempt that got no status (a timeout, a refused connection) as
/// `last_http_status: "Error"`; the emulator answers the same, and the core reads it as failing.
#[tokio::test]
async fn an_attempt_without_a_status_is_listed_as_error() {
    let emu = emulator(SCALE, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let dead = closed_port().await;
    let id = subscribe(&c, &base, &format!("{dead}/hook"), "2.0", json!({})).await;
    let fresh: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap();
    let row = fresh["data"].as_array().unwrap().iter().find(|w| w["id"] == id).cloned().unwrap();
    assert_eq!((row["last_http_status"].clone(), row["last_delivery_time"].clone()), (Value::Null, Value::Null), "never delivered");
    let decoded = pipedrive_webhooks::wire::RemoteWebhook::from_json(&row).unwrap();
    assert_eq!(pipedrive_webhooks::health::Health::of_remote(&decoded).label(), "no_deliveries");
    event(&c, &base, "change").await;
    wait_for_log(&c, &base, "a refused attempt", |l| !of(l, id).is_empty()).await;
    let list: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap();
    let row = list["data"].as_array().unwrap().iter().find(|w| w["id"] == id).cloned().unwrap();
    assert_eq!(row["last_http_status"], "Error", "{row}");
    let decoded = pipedrive_webhooks::wire::RemoteWebhook::from_json(&row).unwrap();
    assert_eq!(pipedrive_webhooks::health::Health::of_remote(&decoded).label(), "failing");
}
