//! Shared by the emulator's HTTP tests: start an emulator, a scriptable receiver, a client.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use pipedrive_webhooks_emulator::{start, Config, Running, Seed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub async fn emulator(time_scale: f64, rate_limit: u32) -> Running {
    start(Config { port: 0, seed: Seed::default(), state_file: None, time_scale, rate_limit, ..Config::default() }).await.expect("emulator starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// One request the receiver got: path, Authorization header, body.
pub type Request = (String, Option<String>, Vec<u8>);

/// What the receiver got.
#[derive(Clone, Default)]
pub struct Received(pub Arc<Mutex<Vec<Request>>>);

impl Received {
    pub fn all(&self) -> Vec<Request> {
        self.0.lock().unwrap().clone()
    }
    pub fn count(&self, path: &str) -> usize {
        self.all().iter().filter(|(p, _, _)| p == path).count()
    }
}

/// A receiver on 127.0.0.1: `/ok` answers 200, `/fail` 500, `/redirect` 302, `/slow` sleeps a
/// second before its 200, `/target` is where the redirect points.
pub async fn receiver() -> (String, Received) {
    async fn handle(State(r): State<Received>, Path(path): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
        r.0.lock().unwrap().push((format!("/{path}"), auth, body.to_vec()));
        match path.as_str() {
            "fail" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            "redirect" => (StatusCode::FOUND, [("location", "/target")]).into_response(),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                StatusCode::OK.into_response()
            }
            _ => StatusCode::OK.into_response(),
        }
    }
    let received = Received::default();
    let app = Router::new().route("/{path}", post(handle)).with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

/// A port nothing listens on.
pub async fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

/// Polls until `cond` holds on the delivery log (up to 10 s).
pub async fn wait_for_log(c: &reqwest::Client, base: &str, what: &str, cond: impl Fn(&[serde_json::Value]) -> bool) -> Vec<serde_json::Value> {
    for _ in 0..500 {
        let v: serde_json::Value = c.get(format!("{base}/_emulator/deliveries")).send().await.unwrap().json().await.unwrap();
        let list = v["deliveries"].as_array().cloned().unwrap_or_default();
        if cond(&list) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}
