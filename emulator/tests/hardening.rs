//! What a hostile or careless client cannot do to the emulator: fill its memory with events, hold
//! its connections, wrap its clock, or make it deliver into its own control API.

mod common;
use common::*;
use pipedrive_webhooks_emulator::{start, Config, Running, EVENTS_BYTES};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn clock(c: &reqwest::Client, base: &str) -> Value {
    c.get(format!("{base}/_emulator/clock")).send().await.unwrap().json().await.unwrap()
}

/// A `/_emulator/events` body of about `size` bytes.
fn big_event(size: usize) -> String {
    json!({"object": "deal", "action": "change", "id": 1, "data": {"id": 1, "pad": "x".repeat(size)}}).to_string()
}

async fn post_event(c: &reqwest::Client, base: &str, body: &str) -> reqwest::Response {
    c.post(format!("{base}/_emulator/events")).header("content-type", "application/json").body(body.to_string()).send().await.unwrap()
}

/// A receiver that accepts connections and never answers (an attempt stays in flight 10 s).
async fn silent_receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    url
}

#[tokio::test]
async fn events_that_match_no_webhook_are_not_kept() {
    let emu = emulator(1.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let body = big_event(60_000);
    for _ in 0..400 {
        let r = post_event(&c, &base, &body).await;
        assert_eq!(r.status(), 202);
        assert_eq!(r.json::<Value>().await.unwrap()["webhooks"], json!([]));
    }
    assert_eq!(clock(&c, &base).await["eventsInFlight"], 0, "nothing to deliver: nothing kept");
    emu.stop();
}

#[tokio::test]
async fn events_waiting_for_their_attempts_are_bounded() {
    let emu = emulator(1.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let hook = json!({"subscription_url": silent_receiver().await, "event_action": "change", "event_object": "deal", "name": "slow", "version": "2.0"});
    assert_eq!(c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").json(&hook).send().await.unwrap().status(), 201);
    let size = 60_000;
    let body = big_event(size);
    let most = EVENTS_BYTES / size + 1;
    let mut accepted = 0;
    let refused = loop {
        let r = post_event(&c, &base, &body).await;
        if r.status() != 202 {
            break r;
        }
        accepted += 1;
        assert!(accepted <= most, "{accepted} events of {size} bytes kept: the store is not bounded");
    };
    assert_eq!(refused.status(), 429);
    let v: Value = refused.json().await.unwrap();
    assert!(v["error"].as_str().unwrap().contains("too many events"), "{v}");
    assert!(accepted > most / 2, "only {accepted} accepted");
    assert_eq!(clock(&c, &base).await["eventsInFlight"], accepted);
    // An event no webhook matches is still taken: it is never kept.
    let other = json!({"object": "person", "action": "create", "id": 1}).to_string();
    assert_eq!(post_event(&c, &base, &other).await.status(), 202);
    emu.stop();
}

async fn short_timeouts(timeout: Duration) -> Running {
    start(Config { port: 0, rate_limit: 100_000, io_timeout: timeout, ..Config::default() }).await.unwrap()
}

/// Reads until the server closes the connection; what it sent, or `None` when it kept it open
/// past `within`.
async fn closed_within(s: &mut TcpStream, within: Duration) -> Option<String> {
    let mut got = Vec::new();
    match tokio::time::timeout(within, s.read_to_end(&mut got)).await {
        Ok(_) => Some(String::from_utf8_lossy(&got).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn stalled_connections_are_closed_within_the_timeout_while_others_are_served() {
    let timeout = Duration::from_millis(500);
    let emu = short_timeouts(timeout).await;
    let (c, base, port) = (client(), emu.base_url(), emu.addr.port());
    // 200 clients that send half a request line and stop.
    let started = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..200 {
        let mut s = TcpStream::connect(emu.addr).await.unwrap();
        s.write_all(b"GET /v1/webh").await.unwrap();
        stalled.push(s);
    }
    let t = Instant::now();
    let r = c.get(format!("{base}/v1/webhooks")).header("x-api-token", "admin-api-token").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(t.elapsed() < Duration::from_millis(400), "served at once beside them: {:?}", t.elapsed());
    for s in &mut stalled {
        let left = (timeout * 4).saturating_sub(started.elapsed());
        assert!(closed_within(s, left).await.is_some(), "a half-sent request line is closed within the timeout");
    }
    // A body that stalls after its headers: 408, then closed.
    let mut s = TcpStream::connect(emu.addr).await.unwrap();
    let head = format!("POST /_emulator/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"object\":");
    s.write_all(head.as_bytes()).await.unwrap();
    let answer = closed_within(&mut s, timeout * 4).await.expect("a stalled body is closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // An idle keep-alive connection: answered, then closed once idle for the timeout.
    let mut s = TcpStream::connect(emu.addr).await.unwrap();
    s.write_all(format!("GET /_emulator/clock HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes()).await.unwrap();
    let idle_since = Instant::now();
    let answer = closed_within(&mut s, timeout * 4).await.expect("an idle keep-alive connection is closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "it was answered first: {answer}");
    assert!(idle_since.elapsed() >= timeout - Duration::from_millis(100), "not before the timeout: {:?}", idle_since.elapsed());
    emu.stop();
}

#[tokio::test]
async fn advance_refuses_what_overflows_the_clock() {
    let emu = emulator(1.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let before = clock(&c, &base).await["now"].as_i64().unwrap();
    for (ms, says) in [(json!(i64::MAX), "9999"), (json!(-1), "0 or more"), (json!(1e300), "invalid body"), (json!(u64::MAX), "invalid body")] {
        let r = c.post(format!("{base}/_emulator/advance")).json(&json!({"ms": ms})).send().await.unwrap();
        assert_eq!(r.status(), 400, "{ms}");
        let v: Value = r.json().await.unwrap();
        assert!(v["error"].as_str().unwrap().contains(says), "{ms}: {v}");
    }
    let after = clock(&c, &base).await["now"].as_i64().unwrap();
    assert!((before..before + 60_000).contains(&after), "the clock did not move: {before} → {after}");
    // A long but representable jump is fine.
    let r = c.post(format!("{base}/_emulator/advance")).json(&json!({"ms": 100 * 365 * 86_400_000_i64})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(clock(&c, &base).await["now"].as_i64().unwrap() > after + 99 * 365 * 86_400_000);
    emu.stop();
}

/// R15 as the emulator must apply it to itself: a webhook on its own address would deliver into
/// its control API (one on `/_emulator/reset` wiping it), so the URL is refused like any
/// unreachable one, in Pipedrive's field-error shape.
#[tokio::test]
async fn r15_a_subscription_url_on_the_emulator_itself_is_refused() {
    let emu = emulator(1.0, 1000).await;
    let (c, base, port) = (client(), emu.base_url(), emu.addr.port());
    let create = |url: String| {
        let (c, base) = (c.clone(), base.clone());
        async move {
            let body = json!({"subscription_url": url, "event_action": "*", "event_object": "*", "name": "loop", "version": "2.0"});
            c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").json(&body).send().await.unwrap()
        }
    };
    for url in [
        format!("http://127.0.0.1:{port}/_emulator/reset"),
        format!("http://localhost:{port}/v1/webhooks"),
        format!("HTTP://LOCALHOST.:{port}/"),
        format!("http://app.localhost:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://0.0.0.0:{port}/"),
        format!("http://127.0.0.2:{port}/"),
        format!("http://127.1:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
    ] {
        let r = create(url.clone()).await;
        assert_eq!(r.status(), 400, "{url}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["success"], false);
        assert_eq!(v["status"], "error");
        assert_eq!(v["errors"].as_object().unwrap().keys().collect::<Vec<_>>(), ["subscription_url"], "{url}: {v}");
        assert!(v["errors"]["subscription_url"][0].as_str().unwrap().contains("this emulator"), "{v}");
    }
    // Its other field errors come with it.
    let body = json!({"subscription_url": format!("http://127.0.0.1:{port}/"), "event_object": "*", "name": "loop", "version": "2.0"});
    let v: Value = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").json(&body).send().await.unwrap().json().await.unwrap();
    assert!(v["errors"]["subscription_url"].is_array() && v["errors"]["event_action"].is_array(), "{v}");
    let listed: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["data"], json!([]), "none was created");
    // Other ports on loopback are receivers like any other.
    let (rx, _) = receiver().await;
    assert_eq!(create(format!("{rx}/ok")).await.status(), 201);
    // Nor may a receiver check post into the control API.
    let r = c.post(format!("{base}/_emulator/checks")).json(&json!({"url": format!("http://127.0.0.1:{port}/_emulator/reset")})).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("this emulator"));
    emu.stop();
}

/// `--help` states the connection limits the server applies.
#[test]
fn help_states_the_connection_limits() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pipedrive-webhooks-emulator")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stderr).replace('\n', " ");
    let secs = pipedrive_webhooks_emulator::DEFAULT_IO_TIMEOUT.as_secs();
    assert!(help.contains(&format!("within {secs} s of connecting")) && help.contains(&format!("at most {} connections", pipedrive_webhooks_emulator::MAX_CONNECTIONS)), "{help}");
}
