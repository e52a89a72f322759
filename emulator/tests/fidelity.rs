//! What goes over the wire as Pipedrive sends it: a delivery's exact headers and body key order
//! (domain reference §3), and the headers a browser may read (§2 "Rate limits": CORS exposes
//! the three burst headers only).

mod common;
use common::*;
use pipedrive_webhooks::Policy;
use pipedrive_webhooks_emulator::check::{self, Options, Versions};
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request as it arrived: header names (lower case, in order), values, body.
#[derive(Clone, Debug)]
struct Raw {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn names(&self) -> BTreeSet<String> {
        self.headers.iter().map(|(n, _)| n.clone()).collect()
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A receiver that parses HTTP/1.1 by hand (no framework to add or hide a header): records each
/// request and answers `200`, keeping the connection open.
async fn raw_receiver() -> (String, Arc<Mutex<Vec<Raw>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else { return };
            let record = record.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                loop {
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i;
                        }
                        let mut chunk = [0u8; 4096];
                        match s.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                    let headers: Vec<(String, String)> = head
                        .split("\r\n")
                        .skip(1)
                        .filter_map(|l| l.split_once(':'))
                        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
                        .collect();
                    let len: usize = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
                    while buf.len() < head_end + 4 + len {
                        let mut chunk = [0u8; 4096];
                        match s.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body = buf[head_end + 4..head_end + 4 + len].to_vec();
                    buf.drain(..head_end + 4 + len);
                    record.lock().unwrap().push(Raw { headers, body });
                    if s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, seen)
}

/// A JSON object's top-level keys in the order they were written.
fn top_level_keys(body: &[u8]) -> Vec<String> {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some((k, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                keys.push(k);
            }
            Ok(keys)
        }
    }
    serde_json::Deserializer::from_slice(body).deserialize_map(Keys).unwrap()
}

fn expected(with_auth: bool) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = ["host", "user-agent", "content-type", "accept", "accept-encoding", "content-length"].map(String::from).into();
    if with_auth {
        names.insert("authorization".into());
    }
    names
}

/// Reference §3: a real delivery carries exactly these headers, `authorization` only with
/// credentials (R14), no signature or id header; the body is compact JSON, v2 keys `data`,
/// `previous`, `meta` last.
#[tokio::test]
async fn s3_a_delivery_carries_exactly_pipedrives_headers_and_body_order() {
    let emu = emulator(100.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let (url, seen) = raw_receiver().await;
    for (version, auth) in [("2.0", true), ("2.0", false), ("1.0", false)] {
        let mut body = json!({"subscription_url": url, "event_action": "*", "event_object": "deal", "name": "raw", "version": version});
        if auth {
            body["http_auth_user"] = json!("pipedrive");
            body["http_auth_password"] = json!("s3cret");
        }
        let r = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").json(&body).send().await.unwrap();
        assert_eq!(r.status(), 201);
    }
    let r = c.post(format!("{base}/_emulator/events")).json(&json!({"object": "deal", "action": "change", "id": 7, "data": {"id": 7, "meta": "x"}, "previous": {"title": "Old"}})).send().await.unwrap();
    assert_eq!(r.status(), 202);
    for _ in 0..250 {
        if seen.lock().unwrap().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 3, "three deliveries");
    for raw in &got {
        let with_auth = raw.get("authorization").is_some();
        assert_eq!(raw.names(), expected(with_auth), "exactly Pipedrive's headers: {:?}", raw.headers);
        assert_eq!(raw.headers.len(), raw.names().len(), "none twice: {:?}", raw.headers);
        assert_eq!(raw.get("user-agent"), Some("Pipedrive Webhooks"));
        assert_eq!(raw.get("content-type"), Some("application/json"));
        assert_eq!(raw.get("accept"), Some("application/json, text/plain, */*"));
        assert_eq!(raw.get("accept-encoding"), Some("gzip, compress, deflate, br"));
        assert_eq!(raw.get("content-length"), Some(raw.body.len().to_string().as_str()));
        assert!(raw.get("authorization").is_none_or(|a| a.starts_with("Basic ")));
        let text = std::str::from_utf8(&raw.body).unwrap();
        let parsed: Value = serde_json::from_str(text).unwrap();
        // Compact: as long as serde_json's own compact writing of the same value.
        assert_eq!(text.len(), serde_json::to_string(&parsed).unwrap().len(), "compact JSON: {text}");
        let keys = top_level_keys(&raw.body);
        if parsed["meta"]["version"] == "2.0" {
            assert_eq!(keys, ["data", "previous", "meta"], "v2: meta last");
        } else {
            assert_eq!(keys.last().map(String::as_str), Some("meta"), "v1: meta last too: {keys:?}");
            assert_eq!(&keys[..3], ["v", "event", "retry"], "{keys:?}");
        }
    }
    assert_eq!(got.iter().filter(|r| r.get("authorization").is_some()).count(), 1, "Basic auth only for the webhook with credentials");
    emu.stop();
}

/// Reference §3, issue #22: a v1 delivery's `previous` is the whole former object. An event
/// emitted with a v2-style diff reaches a v1 webhook with the unchanged fields in `previous` too,
/// so a decoder lists only what changed (it listed every field `previous` lacked).
#[tokio::test]
async fn s3_a_v1_change_carries_the_whole_previous_object() {
    let emu = emulator(100.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let (url, seen) = raw_receiver().await;
    for version in ["1.0", "2.0"] {
        let body = json!({"subscription_url": url, "event_action": "*", "event_object": "deal", "name": "shape", "version": version});
        assert_eq!(c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").json(&body).send().await.unwrap().status(), 201);
    }
    let event = json!({"object": "deal", "action": "change", "id": 7, "data": {"id": 7, "title": "New", "value": 500, "stage_id": 3}, "previous": {"title": "Old"}});
    assert_eq!(c.post(format!("{base}/_emulator/events")).json(&event).send().await.unwrap().status(), 202);
    for _ in 0..250 {
        if seen.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    for raw in &got {
        let e = pipedrive_webhooks::payload::decode_delivery(&raw.body).unwrap();
        assert_eq!(e.changed_fields, ["title"], "{:?}: only the title changed", e.version);
        let sent: Value = serde_json::from_slice(&raw.body).unwrap();
        match e.version {
            pipedrive_webhooks::PayloadVersion::V1 => assert_eq!(sent["previous"], json!({"id": 7, "title": "Old", "value": 500, "stage_id": 3}), "v1: the whole object"),
            pipedrive_webhooks::PayloadVersion::V2 => assert_eq!(sent["previous"], json!({"title": "Old"}), "v2: the diff"),
        }
    }
    emu.stop();
}

/// The receiver check sends the deliveries' own headers (reference §3), with and without
/// credentials, and the same body order.
#[tokio::test]
async fn s3_the_receiver_check_sends_the_same_headers() {
    let (url, seen) = raw_receiver().await;
    let mut o = Options::new(&url, Policy::default()).unwrap();
    o.auth = Some(("pipedrive".into(), "s3cret".into()));
    o.versions = Versions::parse("2.0").unwrap();
    o.burst = 5;
    check::run(&o, Arc::new(|_| {})).await.unwrap();
    let got = seen.lock().unwrap().clone();
    assert!(got.len() > 20, "{} requests", got.len());
    for raw in &got {
        assert_eq!(raw.names(), expected(raw.get("authorization").is_some()), "{:?}", raw.headers);
        assert_eq!(raw.get("user-agent"), Some("Pipedrive Webhooks"));
    }
    assert!(got.iter().any(|r| r.get("authorization").is_none()), "the missing-credentials probe sends none");
    let v2 = got.iter().find(|r| top_level_keys(&r.body).contains(&"meta".to_string())).unwrap();
    assert_eq!(top_level_keys(&v2.body).last().map(String::as_str), Some("meta"));
}

/// Reference §2: from a browser only `X-RateLimit-Remaining`, `-Limit` and `-Reset` are readable;
/// `Retry-After` and the daily headers are not, on a success or on a 429.
#[tokio::test]
async fn s2_cors_exposes_only_the_three_rate_limit_headers() {
    let emu = emulator(1.0, 2).await;
    let (c, base) = (client(), emu.base_url());
    let origin = "http://127.0.0.1:8080";
    let exposed = |r: &reqwest::Response| r.headers().get("access-control-expose-headers").map(|v| v.to_str().unwrap().to_string());
    let list = c.get(format!("{base}/v1/webhooks")).header("origin", origin).header("x-api-token", "admin-api-token").send().await.unwrap();
    let body = json!({"subscription_url": "https://example.com/h", "event_action": "*", "event_object": "deal", "name": "c", "version": "2.0"});
    let created = c.post(format!("{base}/v1/webhooks")).header("origin", origin).header("x-api-token", "admin-api-token").json(&body).send().await.unwrap();
    let limited = c.get(format!("{base}/v1/webhooks")).header("origin", origin).header("x-api-token", "admin-api-token").send().await.unwrap();
    assert_eq!((list.status().as_u16(), created.status().as_u16(), limited.status().as_u16()), (200, 201, 429));
    assert!(limited.headers().contains_key("retry-after") && limited.headers().contains_key("x-daily-ratelimit-token-remaining"), "sent, but not exposed");
    for r in [&list, &created, &limited] {
        let value = exposed(r).expect("an expose list");
        assert_eq!(value, "X-RateLimit-Remaining, X-RateLimit-Limit, X-RateLimit-Reset");
        let names: BTreeSet<String> = value.split(',').map(|n| n.trim().to_ascii_lowercase()).collect();
        assert!(!names.contains("retry-after") && !names.iter().any(|n| n.contains("daily")), "{names:?}");
    }
    let pre = c
        .request(reqwest::Method::OPTIONS, format!("{base}/v1/webhooks"))
        .header("origin", origin)
        .header("access-control-request-method", "DELETE")
        .send()
        .await
        .unwrap();
    assert!(pre.status().is_success());
    assert!(exposed(&pre).is_none(), "a preflight lists no exposed headers");
    let no_origin = c.get(format!("{base}/v1/webhooks")).header("x-api-token", "user-api-token").send().await.unwrap();
    assert!(exposed(&no_origin).is_none(), "no CORS headers without an Origin");
    emu.stop();
}
