//! Durable writes with `--state`: an answered create or delete is on disk before its answer, so a
//! SIGKILL right after the answers loses none of them, and nothing that was refused appears.

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts the emulator binary with `--state path`; the child and its base URL.
fn start(path: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipedrive-webhooks-emulator"))
        .args(["--port", "0", "--rate-limit", "100000", "--state"])
        .arg(path)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the emulator binary starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    // Keep reading what it prints: a closed pipe would kill it on its next line.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let url = first.split_whitespace().find(|w| w.starts_with("http://")).expect("the base URL is printed").trim_end_matches("/v1").to_string();
    (child, url)
}

async fn ids(c: &reqwest::Client, base: &str, token: &str) -> BTreeSet<u64> {
    let v: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    v["data"].as_array().unwrap().iter().map(|w| w["id"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn every_answered_change_survives_a_sigkill() {
    let dir = std::env::temp_dir().join(format!("pw-durable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let _ = std::fs::remove_file(&path);
    let (mut emu, base) = start(&path);
    let c = reqwest::Client::new();

    // Round 1: 60 concurrent creates; app 1 for user 1 may have 40 (R2), so 10 of its 50 get 422,
    // and 5 invalid bodies get 400.
    let mut tasks = Vec::new();
    for n in 0..65 {
        let (c, base) = (c.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let token = if n < 50 { "app-token-admin" } else { "app-token-user" };
            let url = if n >= 60 { "ftp://nope".to_string() } else { format!("https://example.com/{n}") };
            let r = c
                .post(format!("{base}/v1/webhooks"))
                .bearer_auth(token)
                .json(&json!({"subscription_url": url, "event_action": "*", "event_object": "deal", "name": format!("w{n}"), "version": "2.0"}))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            (status, body["data"]["id"].as_u64(), token)
        }));
    }
    let mut created = BTreeSet::new();
    let mut owner = std::collections::BTreeMap::new();
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            (201, Some(id), token) => {
                created.insert(id);
                owner.insert(id, token);
            }
            (422 | 400, None, _) => refused += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!((created.len(), refused), (50, 15));

    // Round 2, concurrently: delete 10 of them and create 10 more; kill as soon as all are answered.
    let doomed: Vec<u64> = created.iter().copied().take(10).collect();
    let mut tasks = Vec::new();
    for (i, id) in doomed.iter().enumerate() {
        let (c, base, id, token) = (c.clone(), base.clone(), *id, owner[id]);
        tasks.push(tokio::spawn(async move {
            let del = c.delete(format!("{base}/v1/webhooks/{id}")).bearer_auth(token).send().await.unwrap().status().as_u16();
            let body = json!({"subscription_url": format!("https://example.com/r2/{i}"), "event_action": "*", "event_object": "deal", "name": "r2", "version": "2.0"});
            let r = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-user").json(&body).send().await.unwrap();
            let status = r.status().as_u16();
            let new = r.json::<Value>().await.unwrap()["data"]["id"].as_u64();
            (id, del, status, new)
        }));
    }
    let mut expected = created.clone();
    for t in tasks {
        let (id, del, status, new) = t.await.unwrap();
        assert_eq!(del, 200, "its own app deletes {id}");
        expected.remove(&id);
        if status == 201 {
            expected.insert(new.unwrap());
        }
    }
    emu.kill().unwrap(); // SIGKILL: no shutdown, no last save
    emu.wait().unwrap();

    let (mut again, base) = start(&path);
    let mut found = ids(&c, &base, "app-token-admin").await;
    found.extend(ids(&c, &base, "app-token-user").await);
    again.kill().unwrap();
    again.wait().unwrap();
    assert_eq!(found, expected, "exactly the answered changes survived the SIGKILL");
    assert_eq!(found.len(), 50, "10 deleted, 10 created");
    assert!(!path.with_extension("tmp").exists(), "no temporary file left");
}

#[test]
fn help_documents_allow_origin() {
    let out = Command::new(env!("CARGO_BIN_EXE_pipedrive-webhooks-emulator")).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("--allow-origin ORIGIN"), "{text}");
    assert!(text.contains("repeatable"), "{text}");
    let bad = Command::new(env!("CARGO_BIN_EXE_pipedrive-webhooks-emulator")).args(["--allow-origin", "http://x/path"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2), "a bad origin is refused at start");
}
