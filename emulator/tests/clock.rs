//! Time passes by itself (R12, R13): a ban ends and a failing webhook is deleted at their emulated
//! instants, with nobody calling `/_emulator/advance` and no new event, on a scaled clock with real
//! waiting (kept short by a high scale).

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn subscribe(c: &reqwest::Client, base: &str, url: &str) -> u64 {
    let body = json!({"subscription_url": url, "event_action": "change", "event_object": "deal", "name": "t", "version": "2.0"});
    let r: Value = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").json(&body).send().await.unwrap().json().await.unwrap();
    r["data"]["id"].as_u64().unwrap()
}

async fn listed(c: &reqwest::Client, base: &str, id: u64) -> Option<Value> {
    let v: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap();
    v["data"].as_array().unwrap().iter().find(|w| w["id"] == id).cloned()
}

async fn emit(c: &reqwest::Client, base: &str, n: u64) {
    let r = c.post(format!("{base}/_emulator/events")).json(&json!({"object": "deal", "action": "change", "id": n})).send().await.unwrap();
    assert_eq!(r.status(), 202);
}

async fn clock(c: &reqwest::Client, base: &str) -> i64 {
    let v: Value = c.get(format!("{base}/_emulator/clock")).send().await.unwrap().json().await.unwrap();
    v["now"].as_i64().unwrap()
}

/// At 3600×, a 30-minute ban lasts half a real second: it must end by itself.
#[tokio::test]
async fn r12_a_ban_ends_at_its_instant_without_a_new_event() {
    let emu = emulator(3600.0, 10_000).await;
    let (c, base) = (client(), emu.base_url());
    let (rx, _) = receiver().await;
    let id = subscribe(&c, &base, &format!("{rx}/fail")).await;
    for n in 0..10 {
        emit(&c, &base, n).await;
    }
    let started = Instant::now();
    loop {
        if listed(&c, &base, id).await.is_some_and(|w| w["is_active"] == 0) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "the ten failures should ban it");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let banned_at = clock(&c, &base).await;
    // Only waiting: no event, no advance. 30 emulated minutes are 0.5 s; allow 1.5 s.
    let started = Instant::now();
    loop {
        let w = listed(&c, &base, id).await.expect("still there");
        if w["is_active"] == 1 {
            break;
        }
        assert!(started.elapsed() < Duration::from_millis(1_500), "the ban did not end by itself: {w}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(clock(&c, &base).await - banned_at >= 30 * 60 * 1000 - 60_000, "ended after (about) 30 emulated minutes");
}

/// At 100 000×, 72 emulated hours are 2.6 real seconds: the failing webhook must disappear from the
/// list by itself (R13), and the removal is recorded at its exact instant.
#[tokio::test]
async fn r13_a_failing_webhook_is_deleted_at_its_instant_without_a_new_event() {
    let emu = emulator(100_000.0, 10_000).await;
    let (c, base) = (client(), emu.base_url());
    let dead = closed_port().await;
    let id = subscribe(&c, &base, &format!("{dead}/hook")).await;
    emit(&c, &base, 1).await;
    wait_for_log(&c, &base, "the first failed attempt", |l| l.iter().any(|d| d["webhookId"] == id)).await;
    let started = Instant::now();
    loop {
        if listed(&c, &base, id).await.is_none() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(6), "not deleted by itself after 72 emulated hours");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(started.elapsed() > Duration::from_millis(1_000), "not before its time");
}
