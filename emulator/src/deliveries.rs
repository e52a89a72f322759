//! Real deliveries: events fan out to matching webhooks; every attempt is a real HTTP POST whose
//! result goes through the core's delivery machine (R9–R13); retries wait on the policy clock.

use crate::world::{DeliveryRecord, Due, World};
use pipedrive_webhooks::delivery::{Admission, Next, Response};
use pipedrive_webhooks::payload::{basic_auth_header, encode_delivery, Emitted};
use pipedrive_webhooks::{EventAction, Webhook, WebhookId};
use std::cmp::Reverse;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// State shared by the API, the control routes and the delivery tasks.
pub struct Shared {
    pub world: Mutex<World>,
    /// Wakes the scheduler when something new is due or the clock jumped.
    pub wake: Notify,
    pub http: reqwest::Client,
    /// Requests per token per 2 s.
    pub rate_limit: u32,
}

impl Shared {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, World> {
        // A panic while holding the lock would be a bug; the state stays usable for inspection.
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// An event to fan out: `action` in either version's words.
pub struct EventInput {
    pub action: EventAction,
    pub object: String,
    pub entity_id: String,
    pub user_id: Option<u64>,
    pub data: serde_json::Value,
    pub previous: serde_json::Value,
}

/// Fans an event out to every matching webhook: their first attempts are due now. Returns the
/// event id and the webhooks reached.
pub fn emit(shared: &Shared, input: EventInput) -> (String, Vec<WebhookId>) {
    let mut w = shared.lock();
    let now = w.clock.now();
    let ids = w.account.matching(input.action, &input.object);
    let event = Emitted {
        id: uuid::Uuid::new_v4().to_string(),
        action: input.action.to_v2(),
        object: input.object,
        entity_id: input.entity_id,
        company_id: w.account.company_id,
        user_id: input.user_id.unwrap_or(1),
        at: now,
        data: input.data,
        previous: input.previous,
    };
    let id = event.id.clone();
    let index = w.next_event;
    w.next_event += 1;
    w.events.insert(index, (Arc::new(event), 0));
    for &webhook in &ids {
        w.schedule(now, webhook, 1, index);
    }
    drop(w);
    shared.wake.notify_one();
    (id, ids)
}

/// Runs forever: starts attempts as they fall due, applies time (bans end, deletions).
pub async fn scheduler(shared: Arc<Shared>) {
    loop {
        let (ready, wait) = {
            let mut w = shared.lock();
            let now = w.clock.now();
            if !w.account.tick(now).is_empty() {
                let _ = w.save();
            }
            let mut ready = Vec::new();
            while w.due.peek().is_some_and(|Reverse(d)| d.at <= now) {
                let Reverse(d) = w.due.pop().expect("peeked");
                ready.push(d);
            }
            // Wake for the next attempt due, and also for the next ban end or deletion (R12, R13):
            // they take effect at their emulated instant, whoever looks, not at the next event.
            let next = [w.due.peek().map(|Reverse(d)| d.at), w.account.next_timed_change()].into_iter().flatten().min();
            let wait = next.map_or(Duration::from_secs(3600), |at| w.clock.real(at - now));
            (ready, wait)
        };
        for d in ready {
            start(&shared, d);
        }
        tokio::select! {
            _ = tokio::time::sleep(wait.max(Duration::from_millis(1))) => {}
            _ = shared.wake.notified() => {}
        }
    }
}

/// Admits an attempt that fell due; sends it, or records the event as lost or dropped.
fn start(shared: &Arc<Shared>, d: Due) {
    let mut w = shared.lock();
    let Some(event) = w.events.get(&d.event).map(|(e, _)| e.clone()) else { return };
    let record = |result: &str| DeliveryRecord {
        webhook_id: d.webhook_id,
        event_id: event.id.clone(),
        attempt: d.attempt,
        at: d.at,
        result: result.into(),
        status: None,
        duration_ms: 0,
        success: false,
        counted: false,
        ban_until: None,
        after_deletion: false,
        during_ban: false,
    };
    match w.account.admit(d.webhook_id, d.at) {
        Some((Admission::Send, _)) => {
            let webhook = w.account.entry(d.webhook_id).expect("admitted").webhook.clone();
            let timeout = w.clock.real(w.account.policy.timeout_ms);
            drop(w);
            tokio::spawn(attempt(shared.clone(), d, webhook, event, timeout));
        }
        // Not sent: banned (R12), or the webhook is gone (R13 or removed).
        other => {
            let result = if matches!(other, Some((Admission::Lost { .. }, _))) { "lost" } else { "dropped" };
            w.record(record(result));
            w.finish(d.event);
            let _ = w.save();
        }
    }
}

/// One real HTTP POST, its result through the delivery machine, and the retry it may schedule.
async fn attempt(shared: Arc<Shared>, d: Due, webhook: Webhook, event: Arc<Emitted>, timeout: Duration) {
    let body = encode_delivery(&webhook, &event, d.attempt).to_string();
    let mut req = shared.http.post(&webhook.subscription_url).header("content-type", "application/json").body(body).timeout(timeout.max(Duration::from_millis(1)));
    if let Some(user) = &webhook.http_auth_user {
        req = req.header("authorization", basic_auth_header(user, webhook.http_auth_password.as_deref().unwrap_or("")));
    }
    let started = Instant::now();
    let result = req.send().await;
    let elapsed = started.elapsed();
    let mut w = shared.lock();
    let response = match &result {
        Ok(r) => Response::Status { code: r.status().as_u16(), after_ms: w.clock.policy(elapsed) },
        Err(e) if e.is_timeout() => Response::NoAnswer,
        Err(_) => Response::Refused { after_ms: w.clock.policy(elapsed) },
    };
    // Reported even when the webhook went while the attempt was in flight (marked as such).
    let Some(out) = w.account.attempt_ended(d.webhook_id, d.attempt, d.at, response) else {
        w.finish(d.event);
        return;
    };
    let result_word = match (&result, out.status) {
        (_, Some(_)) => "status",
        (Err(e), None) if !e.is_timeout() => "refused",
        _ => "timeout",
    };
    w.record(DeliveryRecord {
        webhook_id: d.webhook_id,
        event_id: event.id.clone(),
        attempt: d.attempt,
        at: d.at,
        result: result_word.into(),
        status: out.status,
        duration_ms: out.end - d.at,
        success: out.success,
        counted: out.counted,
        ban_until: out.ban_until,
        after_deletion: out.after_deletion,
        during_ban: out.during_ban,
    });
    if let Next::Retry { attempt, at } = out.next {
        w.schedule(at, d.webhook_id, attempt, d.event);
    }
    w.finish(d.event);
    let _ = w.save();
    drop(w);
    shared.wake.notify_one();
}
