//! One visibility and deletion rule over HTTP (R5, R6): a caller deletes only what it may list.

mod common;
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn r05_r06_the_app_for_user_2_neither_lists_nor_deletes_its_webhook_for_user_1() {
    let emu = emulator(1.0, 1000).await;
    let (c, base) = (client(), emu.base_url());
    let body = json!({"subscription_url": "https://example.com/h", "event_action": "change", "event_object": "deal", "name": "for user 1", "version": "2.0"});
    let created: Value = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").json(&body).send().await.unwrap().json().await.unwrap();
    let id = created["data"]["id"].as_u64().unwrap();
    let as_user_2: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-user").send().await.unwrap().json().await.unwrap();
    assert_eq!(as_user_2["data"], json!([]), "app 1 acting for user 2 lists none of its webhooks for user 1");
    let del = c.delete(format!("{base}/v1/webhooks/{id}")).bearer_auth("app-token-user").send().await.unwrap();
    assert_eq!(del.status(), 403);
    assert_eq!(del.json::<Value>().await.unwrap(), json!({"success": false, "message": "Forbidden"}));
    let still: Value = c.get(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").send().await.unwrap().json().await.unwrap();
    assert_eq!(still["data"].as_array().unwrap().len(), 1, "nothing deleted");
    assert_eq!(c.delete(format!("{base}/v1/webhooks/{id}")).bearer_auth("app-token-admin").send().await.unwrap().status(), 200);
}
