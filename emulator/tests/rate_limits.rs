//! Pipedrive's two limits over HTTP (domain reference §2 "Rate limits"): the per-token burst
//! window with its 10 s penalty, and the company's daily token budget (GET 10, POST 10,
//! DELETE 6) reset at midnight UTC of the emulator's clock.

mod common;
use common::client;
use pipedrive_webhooks_emulator::{start, Config, Running};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DAY_MS: i64 = 86_400_000;

async fn emulator(budget: u64, rate_limit: u32) -> Running {
    start(Config { port: 0, rate_limit, daily_token_budget: budget, ..Config::default() }).await.unwrap()
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers().get(name).unwrap_or_else(|| panic!("no {name} header")).to_str().unwrap().to_string()
}

fn daily(r: &reqwest::Response) -> (String, String) {
    (header(r, "x-daily-ratelimit-token-limit"), header(r, "x-daily-ratelimit-token-remaining"))
}

async fn now(c: &reqwest::Client, base: &str) -> i64 {
    let v: Value = c.get(format!("{base}/_emulator/clock")).send().await.unwrap().json().await.unwrap();
    v["now"].as_i64().unwrap()
}

async fn list(c: &reqwest::Client, base: &str, token: &str) -> reqwest::Response {
    c.get(format!("{base}/v1/webhooks")).header("x-api-token", token).send().await.unwrap()
}

fn hook() -> Value {
    json!({"subscription_url": "https://example.com/h", "event_action": "*", "event_object": "deal", "name": "b", "version": "2.0"})
}

/// §2: each call costs its tokens; the answers say what is left; at 0 a 429 with Pipedrive's
/// words, `x-daily-ratelimit-token-remaining: 0` and `Retry-After` to midnight UTC.
#[tokio::test]
async fn s2_the_daily_budget_costs_10_10_6_and_refuses_when_spent() {
    let emu = emulator(26, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let r = list(&c, &base, "admin-api-token").await;
    assert_eq!((r.status().as_u16(), daily(&r)), (200, ("26".into(), "16".into())), "GET costs 10");
    let r = c.post(format!("{base}/v1/webhooks")).header("x-api-token", "admin-api-token").json(&hook()).send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(daily(&r).1, "6", "POST costs 10");
    let id = r.json::<Value>().await.unwrap()["data"]["id"].as_u64().unwrap();
    let r = c.delete(format!("{base}/v1/webhooks/{id}")).header("x-api-token", "admin-api-token").send().await.unwrap();
    assert_eq!((r.status().as_u16(), daily(&r).1.as_str()), (200, "0"), "DELETE costs 6: the budget is spent");
    for token in ["admin-api-token", "user-api-token"] {
        let t = now(&c, &base).await;
        let r = list(&c, &base, token).await;
        assert_eq!(r.status(), 429, "per company: every token of it");
        assert_eq!(daily(&r), ("26".into(), "0".into()));
        let midnight = (t.div_euclid(DAY_MS) + 1) * DAY_MS;
        let wait: i64 = header(&r, "retry-after").parse().unwrap();
        let expected = (midnight - t + 999) / 1000;
        assert!((expected - 1..=expected).contains(&wait), "Retry-After {wait} s, midnight UTC in {expected} s");
        assert!(r.headers().contains_key("x-ratelimit-remaining"), "the burst headers too");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["success"], false);
        assert_eq!(body["error"], "Daily request budget exceeded");
        assert!(body["error_info"].as_str().is_some_and(|s| !s.is_empty()), "{body}");
        assert!(!body.to_string().contains("(R"), "Pipedrive's words only: {body}");
    }
    emu.stop();
}

/// §2: the budget resets at midnight UTC of the emulator's clock, so moving the clock past it resets it.
#[tokio::test]
async fn s2_the_daily_budget_resets_at_midnight_utc_of_the_emulators_clock() {
    let emu = emulator(10, 1000).await;
    let (c, base) = (client(), emu.base_url());
    assert_eq!(list(&c, &base, "admin-api-token").await.status(), 200);
    assert_eq!(list(&c, &base, "admin-api-token").await.status(), 429);
    let t = now(&c, &base).await;
    let to_midnight = (t.div_euclid(DAY_MS) + 1) * DAY_MS - t;
    // Just before midnight: still spent.
    if to_midnight > 5_000 {
        let r = c.post(format!("{base}/_emulator/advance")).json(&json!({"ms": to_midnight - 5_000})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let r = list(&c, &base, "admin-api-token").await;
        assert_eq!(r.status(), 429);
        assert!(header(&r, "retry-after").parse::<u64>().unwrap() <= 5, "{}", header(&r, "retry-after"));
    }
    let r = c.post(format!("{base}/_emulator/advance")).json(&json!({"ms": 6_000})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = list(&c, &base, "admin-api-token").await;
    assert_eq!((r.status().as_u16(), daily(&r)), (200, ("10".into(), "0".into())), "a new day, a new budget");
    emu.stop();
}

/// Decision (documented on `--daily-token-budget`): requests refused by auth or by the burst
/// limit cost nothing.
#[tokio::test]
async fn s2_requests_refused_by_auth_or_the_burst_limit_cost_nothing() {
    let emu = emulator(30, 2).await;
    let (c, base) = (client(), emu.base_url());
    assert_eq!(daily(&list(&c, &base, "admin-api-token").await).1, "20");
    assert_eq!(daily(&list(&c, &base, "admin-api-token").await).1, "10");
    let burst = list(&c, &base, "admin-api-token").await;
    assert_eq!((burst.status().as_u16(), daily(&burst).1.as_str()), (429, "10"), "a burst 429 costs nothing");
    assert_eq!(list(&c, &base, "no-such-token").await.status(), 401);
    let r = list(&c, &base, "user-api-token").await;
    assert_eq!((r.status().as_u16(), daily(&r).1.as_str()), (200, "0"), "another token of the company spends the last 10");
    let r = list(&c, &base, "user-api-token").await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "Daily request budget exceeded", "the budget's 429, not the burst's");
    emu.stop();
}

/// §2: a real burst 429 (2023) had `Retry-After: 10` and `x-ratelimit-reset: 10`; the penalty
/// outlasts the 2 s window.
#[tokio::test]
async fn s2_a_burst_429_is_pipedrives_10_s_penalty() {
    let emu = emulator(30_000, 2).await;
    let (c, base) = (client(), emu.base_url());
    for left in ["1", "0"] {
        let r = list(&c, &base, "admin-api-token").await;
        assert_eq!((r.status().as_u16(), header(&r, "x-ratelimit-remaining")), (200, left.to_string()));
    }
    for _ in 0..2 {
        let r = list(&c, &base, "admin-api-token").await;
        assert_eq!(r.status(), 429);
        assert_eq!((header(&r, "retry-after"), header(&r, "x-ratelimit-reset")), ("10".into(), "10".into()));
        assert_eq!((header(&r, "x-ratelimit-limit"), header(&r, "x-ratelimit-remaining")), ("2".into(), "0".into()));
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "Request over limit");
    }
    emu.stop();
}

/// The penalty runs on real time and ends by itself; a shorter one (tests only) shows it holds
/// after the 2 s window has rolled.
#[tokio::test]
async fn s2_the_burst_penalty_holds_past_the_window_then_ends() {
    let emu = start(Config { port: 0, rate_limit: 1, burst_penalty: Duration::from_millis(2_600), ..Config::default() }).await.unwrap();
    let (c, base) = (client(), emu.base_url());
    assert_eq!(list(&c, &base, "admin-api-token").await.status(), 200);
    let started = Instant::now();
    let r = list(&c, &base, "admin-api-token").await;
    assert_eq!((r.status().as_u16(), header(&r, "retry-after")), (429, "3".to_string()), "2.6 s, rounded up");
    tokio::time::sleep(Duration::from_millis(2_200).saturating_sub(started.elapsed())).await;
    let r = list(&c, &base, "admin-api-token").await;
    assert_eq!((r.status().as_u16(), header(&r, "retry-after")), (429, "1".to_string()), "the window rolled; the penalty holds");
    tokio::time::sleep(Duration::from_millis(2_700).saturating_sub(started.elapsed())).await;
    let r = list(&c, &base, "admin-api-token").await;
    assert_eq!(r.status(), 200, "the penalty is over");
    assert_eq!(header(&r, "x-ratelimit-remaining"), "0");
    emu.stop();
}

/// `--daily-token-budget N` sets the budget, and `--help` says what it is.
#[test]
fn s2_the_daily_token_budget_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_pipedrive-webhooks-emulator")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stderr);
    assert!(help.contains("--daily-token-budget <N>"), "{help}");
    assert!(help.contains("in tokens") && help.contains("DELETE 6") && help.contains("[default: 30000]"), "{help}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipedrive-webhooks-emulator"))
        .args(["--port", "0", "--daily-token-budget", "10"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.as_mut().unwrap()), &mut first).unwrap();
    let base = first.split_whitespace().find(|w| w.starts_with("http://")).unwrap().trim_end_matches("/v1").to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let codes = rt.block_on(async {
        let c = client();
        let a = list(&c, &base, "admin-api-token").await;
        let limit = header(&a, "x-daily-ratelimit-token-limit");
        (a.status().as_u16(), limit, list(&c, &base, "admin-api-token").await.status().as_u16())
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(codes, (200, "10".to_string(), 429));
    let bad = Command::new(env!("CARGO_BIN_EXE_pipedrive-webhooks-emulator")).args(["--daily-token-budget", "-1"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
