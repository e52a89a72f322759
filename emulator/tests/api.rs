//! The emulator's webhooks API over real HTTP, rule by rule (R1–R8, R15), plus auth, bodies,
//! rate limits, CORS and concurrency.

mod common;
use common::*;
use serde_json::{json, Value};

fn hook(n: usize) -> Value {
    json!({"subscription_url": format!("https://example.com/h/{n}"), "event_action": "change", "event_object": "deal", "name": format!("hook {n}"), "version": "2.0"})
}

async fn post(c: &reqwest::Client, base: &str, bearer: &str, body: &Value) -> reqwest::Response {
    c.post(format!("{base}/v1/webhooks")).bearer_auth(bearer).json(body).send().await.unwrap()
}

#[tokio::test]
async fn r01_auth_by_header_bearer_or_query_and_unauthorized_bodies() {
    let emu = emulator(1.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let none = c.get(format!("{base}/v1/webhooks")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.json::<Value>().await.unwrap(), json!({"success": false, "error": "unauthorized access", "errorCode": 401}));
    assert_eq!(c.get(format!("{base}/v1/webhooks")).header("x-api-token", "nope").send().await.unwrap().status(), 401);
    // Each kind of token only the way Pipedrive takes it: OAuth as Bearer, API tokens as x-api-token.
    assert_eq!(c.get(format!("{base}/v1/webhooks")).header("x-api-token", "app-token-admin").send().await.unwrap().status(), 401);
    assert_eq!(c.get(format!("{base}/v1/webhooks")).bearer_auth("admin-api-token").send().await.unwrap().status(), 401);
    assert_eq!(c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().status(), 200);
    for req in [
        c.get(format!("{base}/v1/webhooks")).header("x-api-token", "admin-api-token"),
        c.get(format!("{base}/v1/webhooks?api_token=admin-api-token")),
        c.get(format!("{base}/api/v1/webhooks")).bearer_auth("app-token-admin"),
    ] {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"success": true, "status": "ok", "data": []}));
    }
}

#[tokio::test]
async fn r01_an_app_without_webhooks_full_or_admin_gets_403() {
    let emu = emulator(1.0, 1000).await;
    let r = post(&client(), &emu.base_url(), "read-only-app-token", &hook(1)).await;
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"success": false, "message": "Forbidden"}));
}

#[tokio::test]
async fn r02_the_41st_app_webhook_is_a_422_in_pipedrives_words() {
    let emu = emulator(1.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    for n in 0..40 {
        assert_eq!(post(&c, &base, "app-token-admin", &hook(n)).await.status(), 201);
    }
    let r = post(&c, &base, "app-token-admin", &hook(41)).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "Webhooks limit reached");
    // Pipedrive's wording, none of the project's vocabulary (rule numbers).
    assert!(!body.to_string().contains("(R"), "{body}");
    assert_eq!(post(&c, &base, "app-token-user", &hook(41)).await.status(), 201, "per app user");
}

/// Real traffic: Pipedrive's API (Fastify) answers a form-encoded create with a 415 in Fastify's
/// own shape and creates nothing (fixture `real-world/error-415-form-body.json`).
#[tokio::test]
async fn a_form_or_text_body_is_a_415_in_fastifys_shape_and_creates_nothing() {
    let emu = emulator(1.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let form = "subscription_url=https%3A%2F%2Fexample.com%2Fform&event_action=added&event_object=person&name=Form&version=1.0";
    for (content_type, body) in [
        (Some("application/x-www-form-urlencoded"), form.to_string()),
        (Some("text/plain"), hook(1).to_string()),
        (None, hook(2).to_string()),
    ] {
        let mut req = c.post(format!("{base}/api/v1/webhooks")).bearer_auth("app-token-admin").body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 415, "{content_type:?}");
        let got: Value = r.json().await.unwrap();
        assert_eq!(
            got,
            json!({"statusCode": 415, "code": "FST_ERR_CTP_INVALID_MEDIA_TYPE", "error": "Unsupported Media Type",
                   "message": format!("Unsupported Media Type: {}", content_type.unwrap_or("undefined"))})
        );
    }
    let list: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap();
    assert_eq!(list["data"], json!([]), "nothing was created");
    // JSON with a charset parameter is JSON.
    let ok = c
        .post(format!("{base}/v1/webhooks"))
        .bearer_auth("app-token-admin")
        .header("content-type", "application/json; charset=utf-8")
        .body(hook(3).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
}

/// Pipedrive has no uniqueness rule: identical webhooks are both created, with integer ids.
#[tokio::test]
async fn identical_webhooks_are_accepted_with_integer_ids() {
    let emu = emulator(1.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = post(&c, &base, "app-token-admin", &hook(7)).await;
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        assert!(v["data"]["id"].is_u64(), "{v}");
        ids.push(v["data"]["id"].as_u64().unwrap());
    }
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn r02_two_hundred_parallel_creates_make_exactly_40() {
    let emu = emulator(1.0, 100_000).await;
    let (c, base) = (client(), emu.base_url());
    let tasks: Vec<_> = (0..200).map(|n| {
        let (c, base) = (c.clone(), base.clone());
        tokio::spawn(async move { post(&c, &base, "app-token-user", &hook(n)).await.status().as_u16() })
    }).collect();
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|&&s| s == 201).count(), 40);
    assert_eq!(codes.iter().filter(|&&s| s == 422).count(), 160);
    let list: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-user").send().await.unwrap().json().await.unwrap();
    let ids: std::collections::BTreeSet<u64> = list["data"].as_array().unwrap().iter().map(|w| w["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), 40, "nothing lost or duplicated");
}

#[tokio::test]
async fn r05_r06_apps_see_and_delete_only_their_own() {
    let emu = emulator(1.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let mine: Value = post(&c, &base, "app-token-admin", &hook(1)).await.json().await.unwrap();
    let id = mine["data"]["id"].as_u64().unwrap();
    let general = c.post(format!("{base}/v1/webhooks")).header("x-api-token", "admin-api-token").json(&hook(2)).send().await.unwrap();
    assert_eq!(general.json::<Value>().await.unwrap()["data"]["type"], "general");
    let other: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("other-app-token").send().await.unwrap().json().await.unwrap();
    let types: Vec<&str> = other["data"].as_array().unwrap().iter().map(|w| w["type"].as_str().unwrap()).collect();
    assert_eq!(types, vec!["general"], "R5: never another app's");
    let forbidden = c.delete(format!("{base}/v1/webhooks/{id}")).bearer_auth("other-app-token").send().await.unwrap();
    assert_eq!(forbidden.status(), 403);
    let by_user = c.delete(format!("{base}/v1/webhooks/{id}")).header("x-api-token", "admin-api-token").send().await.unwrap();
    assert_eq!(by_user.status(), 403, "R6: not even an admin user");
    let missing = c.delete(format!("{base}/v1/webhooks/999999")).bearer_auth("app-token-admin").send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json::<Value>().await.unwrap(), json!({"success": false, "status": "error", "errors": {"id": ["not found"]}}));
    let ok = c.delete(format!("{base}/v1/webhooks/{id}")).bearer_auth("app-token-admin").send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.unwrap(), json!({"success": true, "status": "ok"}));
}

#[tokio::test]
async fn r07_r08_uninstall_and_marketplace_removal_cascade() {
    let emu = emulator(1.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    post(&c, &base, "app-token-admin", &hook(1)).await;
    post(&c, &base, "app-token-user", &hook(2)).await;
    let r: Value = c.post(format!("{base}/_emulator/uninstall")).json(&json!({"appId": 1, "userId": 1})).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["removed"].as_array().unwrap().len(), 1);
    assert_eq!(c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().status(), 401, "its token stops working");
    let still: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-user").send().await.unwrap().json().await.unwrap();
    assert_eq!(still["data"].as_array().unwrap().len(), 1, "R7: the other user's stays");
    let r: Value = c.post(format!("{base}/_emulator/remove-app")).json(&json!({"appId": 1})).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["removed"].as_array().unwrap().len(), 1, "R8: everywhere");
}

#[tokio::test]
async fn r15_bad_input_gets_field_errors() {
    let emu = emulator(1.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let r = post(&c, &base, "app-token-admin", &json!({"subscription_url": "https://api.pipedrive.com/v1", "event_action": "added", "event_object": "deal", "name": "x", "version": "2.0"})).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert!(body["errors"]["subscription_url"][0].as_str().unwrap().contains("Pipedrive"));
    assert!(body["errors"]["event_action"][0].as_str().is_some());
    let garbage = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert_eq!(garbage.status(), 400);
}

#[tokio::test]
async fn rate_limit_headers_and_429_after_the_burst() {
    let emu = emulator(1.0, 3).await;
    let (c, base) = (client(), emu.base_url());
    let mut last = None;
    for expected_remaining in [2, 1, 0] {
        let r = c.get(format!("{base}/v1/webhooks")).header("x-api-token", "admin-api-token").send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-ratelimit-limit"], "3");
        assert_eq!(r.headers()["x-ratelimit-remaining"], expected_remaining.to_string().as_str());
        last = Some(r);
    }
    drop(last);
    let limited = c.get(format!("{base}/v1/webhooks")).header("x-api-token", "admin-api-token").send().await.unwrap();
    assert_eq!(limited.status(), 429);
    // Reference §2 "Rate limits": a real burst 429 (2023) had exactly these: a 10 s penalty.
    assert_eq!((limited.headers()["retry-after"].to_str().unwrap(), limited.headers()["x-ratelimit-reset"].to_str().unwrap()), ("10", "10"));
    assert_eq!((limited.headers()["x-ratelimit-limit"].to_str().unwrap(), limited.headers()["x-ratelimit-remaining"].to_str().unwrap()), ("3", "0"));
    // Per token: another token still has its own window.
    assert_eq!(c.get(format!("{base}/v1/webhooks")).header("x-api-token", "user-api-token").send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn cors_preflight_allows_the_panel() {
    let emu = emulator(1.0, 1000).await;
    let r = client()
        .request(reqwest::Method::OPTIONS, format!("{}/v1/webhooks", emu.base_url()))
        .header("origin", "http://127.0.0.1:8080")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-api-token, content-type")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], "http://127.0.0.1:8080");
    let get = client().get(format!("{}/v1/webhooks", emu.base_url())).header("origin", "http://localhost:8080").header("x-api-token", "admin-api-token").send().await.unwrap();
    // Reference §2: Pipedrive's answers expose these three only.
    assert_eq!(get.headers()["access-control-expose-headers"], "X-RateLimit-Remaining, X-RateLimit-Limit, X-RateLimit-Reset");
}
