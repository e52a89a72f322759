//! `--state FILE`: the state survives a restart; a corrupt file is refused and left untouched.

mod common;
use common::client;
use pipedrive_webhooks_emulator::{start, Config, Seed, StateError};
use serde_json::{json, Value};

fn config(path: &std::path::Path) -> Config {
    Config { port: 0, seed: Seed::default(), state_file: Some(path.to_path_buf()), time_scale: 1.0, rate_limit: 1000, ..Config::default() }
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

/// A state written by the emulator itself: two webhooks (ids 1 and 2), stopped.
async fn written_state(name: &str) -> (std::path::PathBuf, Value) {
    let path = temp(name);
    let _ = std::fs::remove_file(&path);
    let emu = start(config(&path)).await.unwrap();
    for n in 0..2 {
        let body = json!({"subscription_url": format!("https://example.com/{n}"), "event_action": "*", "event_object": "deal", "name": "w", "version": "2.0"});
        let r = client().post(format!("{}/v1/webhooks", emu.base_url())).bearer_auth("app-token-admin").json(&body).send().await.unwrap();
        assert_eq!(r.status(), 201);
    }
    emu.stop();
    let saved = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    (path, saved)
}

/// A hand-edited state is checked before use: a lowered `next_id` gave a new webhook an id in use
/// (it overwrote one). Each inconsistency is refused by name, and the file is left as it was.
#[tokio::test]
async fn a_hand_edited_state_file_is_checked_on_load() {
    let (path, good) = written_state("edited").await;
    type Edit = fn(&mut Value);
    let edits: [(&str, Edit); 6] = [
        ("next_id", |s| s["account"]["next_id"] = json!(2)),
        ("own id", |s| {
            let w = s["account"]["webhooks"].as_object_mut().unwrap().remove("2").unwrap();
            s["account"]["webhooks"]["7"] = w;
            s["account"]["next_id"] = json!(8);
        }),
        ("own id", |s| s["account"]["webhooks"]["2"]["webhook"]["id"] = json!(1)),
        ("clock", |s| s["clock"] = json!(i64::MAX)),
        ("not a user", |s| s["account"]["webhooks"]["1"]["webhook"]["user_id"] = json!(999)),
        ("policy", |s| s["account"]["policy"]["retryDelaysMs"] = json!([3000, -1, i64::MAX])),
    ];
    for (says, edit) in edits {
        let mut state = good.clone();
        edit(&mut state);
        let bytes = serde_json::to_vec(&state).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        let err = start(config(&path)).await.err().unwrap_or_else(|| panic!("accepted an edit ({says})"));
        assert!(matches!(err, pipedrive_webhooks_emulator::StartError::State(StateError::Invalid(..))), "{err}");
        assert!(err.to_string().contains(says) && err.to_string().contains("left untouched"), "{says}: {err}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "unchanged");
    }
    std::fs::write(&path, serde_json::to_vec(&good).unwrap()).unwrap();
    start(config(&path)).await.expect("the emulator's own state loads").stop();
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

/// The state holds tokens and Basic-auth passwords: 0600, even when an older 0644 file was there.
/// Its temporary file is new each time (random name, O_EXCL), so a symlink planted at a
/// predictable name (the old `state.tmp`) is never written through.
#[cfg(unix)]
#[tokio::test]
async fn the_state_file_is_private_and_never_written_through_a_planted_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let (path, _) = written_state("private").await;
    let dir = path.parent().unwrap().to_path_buf();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let planted = [path.with_extension("tmp"), dir.join(".state.json.tmp"), dir.join("state.json.tmp")];
    for p in &planted {
        let _ = std::fs::remove_file(p);
        std::os::unix::fs::symlink(&victim, p).unwrap();
    }
    let emu = start(config(&path)).await.unwrap();
    let body = json!({"subscription_url": "https://example.com/s", "event_action": "*", "event_object": "deal", "name": "s", "version": "2.0"});
    assert_eq!(client().post(format!("{}/v1/webhooks", emu.base_url())).bearer_auth("app-token-admin").json(&body).send().await.unwrap().status(), 201);
    assert_eq!((mode(&path), mode(&dir.join("state.json.lock"))), (0o600, 0o600), "owner only");
    emu.stop();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious", "nothing written through a symlink");
    assert!(planted.iter().all(|p| std::fs::symlink_metadata(p).unwrap().file_type().is_symlink()), "the planted links are left alone");
    let mut names: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, [".state.json.tmp", "state.json", "state.json.lock", "state.json.tmp", "state.tmp", "victim.txt"], "no temporary file left");
    let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["account"]["webhooks"].as_object().unwrap().len(), 3, "the save went to the state file");
    // A symlink planted as the lock file is refused, not followed.
    let lock = dir.join("state.json.lock");
    std::fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&victim, &lock).unwrap();
    let err = start(config(&path)).await.err().expect("refused");
    assert!(matches!(err, pipedrive_webhooks_emulator::StartError::State(StateError::Unwritable(..))), "{err}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
}

/// Two emulators on one state file would overwrite each other's changes: the second refuses to
/// start, and the file is free again once the first stops.
#[tokio::test]
async fn a_second_emulator_on_the_same_state_file_refuses_to_start() {
    let path = temp("locked");
    let _ = std::fs::remove_file(&path);
    let first = start(config(&path)).await.unwrap();
    let err = start(config(&path)).await.err().expect("the second is refused");
    assert!(matches!(err, pipedrive_webhooks_emulator::StartError::State(StateError::Locked(..))), "{err}");
    assert!(err.to_string().contains("another emulator is using the state file"), "{err}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pipedrive-webhooks-emulator")).args(["--port", "0", "--state"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "the binary too");
    assert!(String::from_utf8_lossy(&out.stderr).contains("another emulator"), "{}", String::from_utf8_lossy(&out.stderr));
    let r = client().get(format!("{}/v1/webhooks", first.base_url())).bearer_auth("app-token-admin").send().await.unwrap();
    assert_eq!(r.status(), 200, "the first one is untouched");
    first.stop();
    start(config(&path)).await.expect("free once the first stopped").stop();
}
