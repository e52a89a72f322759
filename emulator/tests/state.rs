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
