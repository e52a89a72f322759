//! `cargo xtask bench`: the emulator under local load. Prints requests/s and p99 latency for GET and
//! POST+DELETE, and the delivery fan-out rate to a local receiver. Asserts nothing about time.

use axum::routing::post;
use pipedrive_webhooks_emulator::{start, Config, Seed};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 32;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Runs `total` calls of `op` from CONCURRENCY workers; returns (wall time, sorted latencies).
async fn load<F, Fut>(total: usize, op: F) -> (Duration, Vec<Duration>)
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|w| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut lat = Vec::new();
                for i in (w..total).step_by(CONCURRENCY) {
                    let t = Instant::now();
                    op(i).await;
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all.sort();
    (started.elapsed(), all)
}

fn report(label: &str, n: usize, (wall, lat): (Duration, Vec<Duration>)) {
    println!(
        "  {label:<26} {n} requests, {CONCURRENCY} concurrent: {:>7.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
        n as f64 / wall.as_secs_f64(),
        percentile(&lat, 0.5).as_secs_f64() * 1000.0,
        percentile(&lat, 0.99).as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() {
    let emu = start(Config { port: 0, seed: Seed::default(), state_file: None, time_scale: 1.0, rate_limit: u32::MAX, daily_token_budget: u64::MAX, ..Config::default() }).await.unwrap();
    let base = emu.base_url();
    let c = reqwest::Client::new();
    println!("emulator under local load (optimised build, loopback, client and server sharing the machine):");
    // A realistic list: 40 app webhooks.
    for n in 0..40 {
        let body = json!({"subscription_url": format!("https://example.com/{n}"), "event_action": "change", "event_object": "deal", "name": "n", "version": "2.0"});
        c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").json(&body).send().await.unwrap();
    }
    let (c1, b1) = (c.clone(), base.clone());
    let get = load(20_000, move |_| {
        let (c, b) = (c1.clone(), b1.clone());
        async move {
            let r = c.get(format!("{b}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap();
        }
    })
    .await;
    report("GET /v1/webhooks (40)", 20_000, get);
    let (c2, b2) = (c.clone(), base.clone());
    let post_delete = load(5_000, move |i| {
        let (c, b) = (c2.clone(), b2.clone());
        async move {
            let body = json!({"subscription_url": format!("https://example.com/pd/{i}"), "event_action": "create", "event_object": "person", "name": "pd", "version": "2.0"});
            let created: Value = c.post(format!("{b}/v1/webhooks")).header("x-api-token", "user-api-token").json(&body).send().await.unwrap().json().await.unwrap();
            let id = created["data"]["id"].as_u64().expect("created");
            let r = c.delete(format!("{b}/v1/webhooks/{id}")).header("x-api-token", "user-api-token").send().await.unwrap();
            assert_eq!(r.status(), 200);
        }
    })
    .await;
    report("POST + DELETE pairs", 5_000, post_delete);

    // Fan-out: 40 webhooks to a local receiver, 100 events → 4,000 real deliveries.
    let app = axum::Router::new().route("/hook", post(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let rx = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    for n in 0..40 {
        let body = json!({"subscription_url": rx, "event_action": "create", "event_object": "deal", "name": format!("fan {n}"), "version": "2.0"});
        c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-user").json(&body).send().await.unwrap();
    }
    let started = Instant::now();
    for i in 0..100 {
        c.post(format!("{base}/_emulator/events")).json(&json!({"object": "deal", "action": "create", "id": i})).send().await.unwrap();
    }
    loop {
        let log: Value = c.get(format!("{base}/_emulator/deliveries")).send().await.unwrap().json().await.unwrap();
        let done = log["deliveries"].as_array().unwrap().iter().filter(|d| d["success"] == true).count();
        if done >= 4_000 || started.elapsed() > Duration::from_secs(60) {
            println!("  delivery fan-out            {done} deliveries in {:.2} s: {:.0} deliveries/s", started.elapsed().as_secs_f64(), done as f64 / started.elapsed().as_secs_f64());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    emu.stop();
}
