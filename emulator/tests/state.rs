//! `--state FILE`: the state survives a restart; a corrupt file is refused and left untouched.

mod common;
use common::client;
use pipedrive_webhooks_emulator::{start, Config, Seed, StateError};
use serde_json::{json, Value};

fn config(path: &std::path::Path) -> Config {
    Config { port: 0, seed: Seed::default(), state_file: Some(path.to_path_buf()), time_scale: 1.0, rate_limit: 1000 }
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pw-emulator-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.json")
}

#[tokio::test]
async fn the_state_survives_a_restart() {
    let path = temp("restart");
    let _ = std::fs::remove_file(&path);
    let emu = start(config(&path)).await.unwrap();
    let body = json!({"subscription_url": "https://example.com/h", "event_action": "change", "event_object": "deal", "name": "kept", "version": "2.0"});
    let created: Value = client().post(format!("{}/v1/webhooks", emu.base_url())).bearer_auth("app-token-admin").json(&body).send().await.unwrap().json().await.unwrap();
    emu.stop();
    assert!(!path.with_extension("tmp").exists(), "written atomically: no temporary file left");
    let again = start(config(&path)).await.unwrap();
    let listed: Value = client().get(format!("{}/v1/webhooks", again.base_url())).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["data"][0]["id"], created["data"]["id"]);
    assert_eq!(listed["data"][0]["name"], "kept");
    // Ids keep increasing after a restart.
    let next: Value = client().post(format!("{}/v1/webhooks", again.base_url())).bearer_auth("app-token-admin").json(&body).send().await.unwrap().json().await.unwrap();
    assert!(next["data"]["id"].as_u64() > created["data"]["id"].as_u64());
    again.stop();
}

#[tokio::test]
async fn a_corrupt_state_file_is_refused_and_never_overwritten() {
    let path = temp("corrupt");
    std::fs::write(&path, b"{\"account\": 42, truncated").unwrap();
    let err = start(config(&path)).await.err().expect("refused");
    assert!(matches!(err, pipedrive_webhooks_emulator::StartError::State(StateError::Corrupt(..))), "{err}");
    assert!(err.to_string().contains("left untouched"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"{\"account\": 42, truncated", "unchanged");
}

#[tokio::test]
async fn many_concurrent_clients_leave_a_consistent_state_file() {
    let path = temp("concurrent");
    let _ = std::fs::remove_file(&path);
    let emu = start(Config { rate_limit: 100_000, ..config(&path) }).await.unwrap();
    let base = emu.base_url();
    let tasks: Vec<_> = (0..100)
        .map(|n| {
            let base = base.clone();
            tokio::spawn(async move {
                let token = if n % 2 == 0 { "app-token-admin" } else { "app-token-user" };
                let body = json!({"subscription_url": format!("https://example.com/{n}"), "event_action": "change", "event_object": "deal", "name": "c", "version": "2.0"});
                client().post(format!("{base}/v1/webhooks")).bearer_auth(token).json(&body).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        created += usize::from(t.await.unwrap() == 201);
    }
    assert_eq!(created, 80, "40 per app user (R2)");
    emu.stop();
    let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).expect("the state file is valid JSON");
    assert_eq!(saved["account"]["webhooks"].as_object().unwrap().len(), 80, "every create is in the file");
}
