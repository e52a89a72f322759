//! Web pages cannot drive the emulator: a foreign `Host` (DNS rebinding) or a browser `Origin`
//! that is not allowed gets a 403 and changes nothing; control bodies must be JSON (415); bodies
//! over 64 KB get 413; a client that trickles its body holds nobody up.

mod common;
use common::{client, emulator};
use pipedrive_webhooks_emulator::{start_with, Access, Config, Seed, MAX_BODY};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CREATE: &str = r#"{"subscription_url":"http://192.168.1.1/admin","event_action":"*","event_object":"*","name":"evil","version":"2.0"}"#;

/// Sends `request` as written over a fresh connection; the status and the body.
async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

fn create_with_host(host: &str) -> Vec<u8> {
    format!(
        "POST /v1/webhooks HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer app-token-admin\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{CREATE}",
        CREATE.len()
    )
    .into_bytes()
}

/// How many webhooks app 1 has for user 1 (asked the right way).
async fn app_webhooks(base: &str) -> usize {
    let v: Value = client().get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap();
    v["data"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_foreign_host_is_refused_and_changes_nothing() {
    let emu = emulator(1.0, 1000).await;
    let port = emu.addr.port();
    // A rebound DNS name, the right IP on another port, no port at all.
    for host in [format!("evil.example:{port}"), format!("127.0.0.1:{}", port.wrapping_add(1)), "127.0.0.1".to_string(), format!("192.168.1.5:{port}")] {
        let (status, body) = raw(emu.addr, &create_with_host(&host)).await;
        assert_eq!(status, 403, "Host {host}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("a JSON refusal for {host}: {e}: {body}"));
        assert_eq!(v["success"], false);
        assert!(v["error"].as_str().unwrap().contains("DNS rebinding"), "{body}");
    }
    // No Host at all (HTTP/1.0).
    let (status, _) = raw(emu.addr, b"GET /v1/webhooks?api_token=admin-api-token HTTP/1.0\r\n\r\n").await;
    assert_eq!(status, 403);
    assert_eq!(app_webhooks(&emu.base_url()).await, 0, "nothing was created");
    // The emulator's own names pass.
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}"), format!("LOCALHOST:{port}")] {
        let (status, body) = raw(emu.addr, &create_with_host(&host)).await;
        assert_eq!(status, 201, "Host {host}: {body}");
    }
    assert_eq!(app_webhooks(&emu.base_url()).await, 4);
    emu.stop();
}

#[tokio::test]
async fn a_browser_origin_that_is_not_allowed_is_refused() {
    let emu = emulator(1.0, 1000).await;
    let base = emu.base_url();
    let c = client();
    for origin in ["http://evil.example", "null", "http://127.0.0.1:8081", "https://127.0.0.1:8080", "http://127.0.0.1:8080.evil.example"] {
        let r = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").header("origin", origin).header("content-type", "application/json").body(CREATE).send().await.unwrap();
        assert_eq!(r.status(), 403, "{origin}");
        assert!(r.headers().get("access-control-allow-origin").is_none(), "no CORS headers for {origin}");
        let v: Value = r.json().await.unwrap();
        assert!(v["error"].as_str().unwrap().contains("--allow-origin"), "{v}");
        // A text/plain POST (no preflight in a browser) is refused for the origin before its type.
        let r = c.post(format!("{base}/v1/webhooks?api_token=admin-api-token")).header("origin", origin).header("content-type", "text/plain").body(CREATE).send().await.unwrap();
        assert_eq!(r.status(), 403, "{origin}");
        // Preflights from it get no CORS headers either.
        let pre = c
            .request(reqwest::Method::OPTIONS, format!("{base}/v1/webhooks"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
            .await
            .unwrap();
        assert_eq!(pre.status(), 403, "preflight from {origin}");
        assert!(pre.headers().get("access-control-allow-origin").is_none());
    }
    assert_eq!(app_webhooks(&base).await, 0, "nothing was created");
    // The panel's default origins pass, with CORS headers naming them.
    for origin in ["http://127.0.0.1:8080", "http://localhost:8080"] {
        let r = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").header("origin", origin).header("content-type", "application/json").body(CREATE).send().await.unwrap();
        assert_eq!(r.status(), 201, "{origin}");
        assert_eq!(r.headers()["access-control-allow-origin"], origin);
        let pre = c.request(reqwest::Method::OPTIONS, format!("{base}/v1/webhooks")).header("origin", origin).header("access-control-request-method", "DELETE").send().await.unwrap();
        assert!(pre.status().is_success(), "preflight from {origin}: {}", pre.status());
        assert_eq!(pre.headers()["access-control-allow-origin"], origin);
    }
    emu.stop();
}

#[tokio::test]
async fn allow_origin_adds_origins() {
    let access = Access::allowing(["http://127.0.0.1:5173/", "HTTPS://Panel.Example"]).unwrap();
    assert!(Access::allowing(["http://127.0.0.1:5173/panel"]).is_err(), "an origin has no path");
    let config = Config { port: 0, seed: Seed::default(), state_file: None, time_scale: 1.0, rate_limit: 1000, ..Config::default() };
    let emu = start_with(config, access).await.unwrap();
    let base = emu.base_url();
    for (origin, status) in [("http://127.0.0.1:5173", 200), ("https://panel.example", 200), ("http://127.0.0.1:8080", 200), ("http://127.0.0.1:5174", 403)] {
        let r = client().get(format!("{base}/v1/webhooks")).header("x-api-token", "admin-api-token").header("origin", origin).send().await.unwrap();
        assert_eq!(r.status(), status, "{origin}");
    }
    emu.stop();
}

#[tokio::test]
async fn control_routes_take_json_bodies_only_and_refuse_foreign_origins() {
    let emu = emulator(1.0, 1000).await;
    let base = emu.base_url();
    let c = client();
    let clock = |v: Value| v["now"].as_i64().unwrap();
    let before = clock(c.get(format!("{base}/_emulator/clock")).send().await.unwrap().json().await.unwrap());
    let day = r#"{"ms": 86400000}"#;
    for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let r = c.post(format!("{base}/_emulator/advance")).header("content-type", ct).body(day).send().await.unwrap();
        assert_eq!(r.status(), 415, "{ct}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], "FST_ERR_CTP_INVALID_MEDIA_TYPE");
    }
    // No content type at all with a body: 415 too (a browser's default for a string body is text/plain).
    let r = c.post(format!("{base}/_emulator/uninstall")).body(r#"{"appId":1,"userId":1}"#).send().await.unwrap();
    assert_eq!(r.status(), 415);
    let r = c.post(format!("{base}/_emulator/advance")).header("origin", "http://evil.example").header("content-type", "application/json").body(day).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = c.get(format!("{base}/_emulator/deliveries")).header("origin", "http://evil.example").send().await.unwrap();
    assert_eq!(r.status(), 403, "not even readable from a foreign page");
    let after = clock(c.get(format!("{base}/_emulator/clock")).send().await.unwrap().json().await.unwrap());
    assert!(after - before < 86_400_000, "the clock did not jump a day");
    // Still usable the right way.
    let r = c.post(format!("{base}/_emulator/events")).json(&json!({"object": "deal", "action": "change", "id": 1})).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let r = c.post(format!("{base}/_emulator/events")).header("content-type", "text/plain").body(r#"{"object":"deal","action":"change","id":1}"#).send().await.unwrap();
    assert_eq!(r.status(), 415);
    emu.stop();
}

#[tokio::test]
async fn a_body_over_64_kb_gets_413_and_the_emulator_lives_on() {
    let emu = emulator(1.0, 1000).await;
    let base = emu.base_url();
    let c = client();
    let pad = "x".repeat(MAX_BODY);
    let big = format!(r#"{{"subscription_url":"https://example.com/h","event_action":"*","event_object":"*","name":"big","version":"2.0","pad":"{pad}"}}"#);
    let r = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").header("content-type", "application/json").body(big.clone()).send().await.unwrap();
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "FST_ERR_CTP_BODY_TOO_LARGE");
    // Chunked (no Content-Length): read up to the limit, then refused.
    let mut chunked = format!("POST /_emulator/events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", emu.addr.port());
    for piece in big.as_bytes().chunks(4096) {
        chunked.push_str(&format!("{:x}\r\n{}\r\n", piece.len(), String::from_utf8_lossy(piece)));
    }
    chunked.push_str("0\r\n\r\n");
    let (status, body) = raw(emu.addr, chunked.as_bytes()).await;
    assert_eq!(status, 413, "{body}");
    // A body just under the limit is read (and then judged on its content).
    let fits = format!(r#"{{"subscription_url":"https://example.com/h","event_action":"*","event_object":"*","name":"fits","version":"2.0","pad":"{}"}}"#, "x".repeat(MAX_BODY - 200));
    let r = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").header("content-type", "application/json").body(fits).send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(app_webhooks(&base).await, 1, "the emulator still answers");
    emu.stop();
}

#[tokio::test]
async fn a_client_trickling_its_body_holds_nobody_up() {
    let emu = emulator(1.0, 100_000).await;
    let base = emu.base_url();
    let port = emu.addr.port();
    let body = CREATE.replace("evil", "slow");
    // Headers and the first byte now, then one byte every 40 ms: about 4 s in all.
    let mut slow = TcpStream::connect(emu.addr).await.unwrap();
    let head = format!(
        "POST /v1/webhooks HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer app-token-user\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let bytes = body.clone().into_bytes();
    let trickle = tokio::spawn(async move {
        for b in bytes {
            slow.write_all(&[b]).await.unwrap();
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        let mut answer = Vec::new();
        slow.read_to_end(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Meanwhile everyone else is answered at once: creates, lists, deletes.
    let c = client();
    for n in 0..20 {
        let t = Instant::now();
        let r = c
            .post(format!("{base}/v1/webhooks"))
            .bearer_auth("app-token-admin")
            .json(&json!({"subscription_url": format!("https://example.com/{n}"), "event_action": "*", "event_object": "*", "name": "fast", "version": "2.0"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let id = r.json::<Value>().await.unwrap()["data"]["id"].as_u64().unwrap();
        assert_eq!(c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().status(), 200);
        assert_eq!(c.delete(format!("{base}/v1/webhooks/{id}")).bearer_auth("app-token-admin").send().await.unwrap().status(), 200);
        assert!(t.elapsed() < Duration::from_millis(1000), "request {n} waited {:?} behind the slow client", t.elapsed());
    }
    assert!(!trickle.is_finished(), "the slow client was still sending while the others were answered");
    let answer = trickle.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "the slow client is answered too once its body is in: {answer}");
    emu.stop();
}
