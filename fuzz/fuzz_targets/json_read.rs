//! The `json_read` readers (what the JS package and the panel read from JSON: inputs, scenarios,
//! saved accounts and sandboxes from localStorage): any JSON is a value or a `ReadError` with a
//! path, never a panic. What was read is then used a little (a tick, a list, a health), because a
//! hostile saved state must not crash the code that loads it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipedrive_webhooks::delivery::Response;
use pipedrive_webhooks::health::Health;
use pipedrive_webhooks::json_read::ReadJson;
use pipedrive_webhooks::sandbox::{LogEntry, LogResult, Sandbox};
use pipedrive_webhooks::simulator::{Endpoint, Scenario, SimWebhook, Traffic, Window};
use pipedrive_webhooks::{validate, Account, App, Caller, DeliveryState, Entry, NewWebhook, PayloadVersion, Policy, Removal, User, Webhook, WebhookType};
use serde_json::Value;

const NOW: i64 = 1_750_000_000_000;

fn all<T: ReadJson>(v: &Value) -> Option<T> {
    match T::read(v) {
        Ok(t) => Some(t),
        Err(e) => {
            let _ = (e.path(), e.to_string());
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<Value>(data) else { return };
    // Every reader on every input: the fuzzer finds the shapes each one accepts.
    let policy = all::<Policy>(&v);
    if let Some(input) = all::<NewWebhook>(&v) {
        let _ = validate(&input, &policy.unwrap_or_default());
    }
    let _ = all::<Caller>(&v);
    let _ = all::<User>(&v);
    let _ = all::<App>(&v);
    if let Some(r) = all::<Response>(&v) {
        let _ = r.resolve(&policy.unwrap_or_default(), NOW);
    }
    let _ = all::<Window>(&v);
    let _ = all::<Endpoint>(&v);
    let _ = all::<Traffic>(&v);
    let _ = all::<SimWebhook>(&v);
    let _ = all::<Scenario>(&v);
    let _ = all::<WebhookType>(&v);
    let _ = all::<PayloadVersion>(&v);
    let _ = all::<Webhook>(&v);
    if let Some(mut d) = all::<DeliveryState>(&v) {
        let p = policy.unwrap_or_default();
        let _ = Health::of_state(&d, &p, NOW);
        let _ = d.tick(&p, NOW);
    }
    let _ = all::<Entry>(&v);
    let _ = all::<Removal>(&v);
    if let Some(mut a) = all::<Account>(&v) {
        for caller in [Caller::User { user_id: 1 }, Caller::App { app_id: 1, user_id: 1 }] {
            let _ = a.list(&caller);
            let _ = a.quota(&caller);
        }
        let _ = a.tick(NOW);
    }
    let _ = all::<LogResult>(&v);
    let _ = all::<LogEntry>(&v);
    let _ = all::<Sandbox>(&v);
});
