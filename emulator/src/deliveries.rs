//! Real deliveries: events fan out to matching webhooks; every attempt is a real HTTP POST whose
//! result goes through the core's delivery machine (R9–R13); retries wait on the policy clock.

use crate::delivery_request::{delivery_headers, delivery_request, masked};
use crate::state::Shared;
use crate::world::{DeliveryRecord, Due, EventsFull};
use pipedrive_webhooks::delivery::{Admission, Next, Response};
use pipedrive_webhooks::emulator_api::LoggedDelivery;
use pipedrive_webhooks::payload::{delivery_body, Emitted, EMULATOR_HOST};
use pipedrive_webhooks::{EventAction, PayloadVersion, Webhook, WebhookId};
use std::cmp::Reverse;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An event to fan out: `action` in either version's words.
pub struct EventInput {
    pub action: EventAction,
    pub object: String,
    pub entity_id: String,
    pub user_id: Option<u64>,
    pub data: serde_json::Value,
    pub previous: serde_json::Value,
    /// The other object of a merge (v2's `merged_from_id`/`merged_to_id`).
    pub merge_partner_id: Option<String>,
}

/// Fans an event out to every matching webhook: their first attempts are due now. Returns the
/// event id and the webhooks reached. An event no webhook matches is not kept; one that does is
/// kept until its last attempt, within [`crate::world::EVENTS_BYTES`] (else refused).
pub fn emit(shared: &Shared, input: EventInput) -> Result<(String, Vec<WebhookId>), EventsFull> {
    let mut w = shared.lock();
    let now = w.clock.now();
    let ids = w.account.matching(input.action, &input.object);
    let event = Emitted {
        id: uuid::Uuid::new_v4().to_string(),
        // `merged` stays itself: a v1 webhook is sent `merged.X`, a v2 one a change.
        action: if input.action == EventAction::Merged { input.action } else { input.action.to_v2() },
        object: input.object,
        entity_id: input.entity_id,
        company_id: w.account.company_id,
        user_id: input.user_id.unwrap_or(1),
        at: now,
        data: input.data,
        previous: input.previous,
        merge_partner_id: input.merge_partner_id,
    };
    let id = event.id.clone();
    if ids.is_empty() {
        return Ok((id, ids));
    }
    let index = w.keep_event(Arc::new(event))?;
    for &webhook in &ids {
        w.schedule(now, webhook, 1, index, false);
    }
    drop(w);
    shared.wake.notify_one();
    Ok((id, ids))
}

/// Why a record cannot be redelivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedeliverError {
    #[error("no delivery {0} in the log (it never existed, or the bounded log has dropped it)")]
    UnknownRecord(u64),
    #[error("webhook {0} is gone (deleted or removed): there is nothing to redeliver to")]
    WebhookGone(WebhookId),
    #[error(transparent)]
    EventsFull(#[from] EventsFull),
}

/// Sends the event of log record `record` again to its webhook as a fresh delivery: a new attempt
/// chain (attempt 1 due now, then R10's retries), the same event id, every attempt marked
/// `redelivery`. It goes through the delivery machine like any event (a failed first attempt
/// raises the ban counter, R11; a ban loses it, R12). Returns the event id and the webhook.
pub fn redeliver(shared: &Shared, record: u64) -> Result<(String, WebhookId), RedeliverError> {
    let mut w = shared.lock();
    let (webhook_id, event) = match w.log.iter().find(|r| r.delivery.id == record) {
        Some(DeliveryRecord { delivery, emitted: Some(event) }) => (delivery.webhook_id, event.clone()),
        _ => return Err(RedeliverError::UnknownRecord(record)),
    };
    if w.account.entry(webhook_id).is_none() {
        return Err(RedeliverError::WebhookGone(webhook_id));
    }
    let now = w.clock.now();
    let event_id = event.id.clone();
    let index = w.keep_event(event)?;
    w.schedule(now, webhook_id, 1, index, true);
    drop(w);
    shared.wake.notify_one();
    Ok((event_id, webhook_id))
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

/// The log entry of attempt `d` of `event` before its result: which webhook, event and attempt.
/// `version` names the event as the webhook receives it (`updated.person` for v1).
fn logged(d: &Due, event: &Emitted, version: PayloadVersion) -> LoggedDelivery {
    LoggedDelivery {
        webhook_id: d.webhook_id,
        event_id: event.id.clone(),
        event: event.name(version),
        attempt: d.attempt,
        at: d.at,
        redelivery: d.redelivery,
        ..Default::default()
    }
}

/// Admits an attempt that fell due; sends it, or records the event as lost or dropped.
fn start(shared: &Arc<Shared>, d: Due) {
    let mut w = shared.lock();
    let Some(event) = w.events.get(&d.event).map(|e| e.event.clone()) else { return };
    // A webhook already gone (R13) names its event in v2 words.
    let version = w.account.entry(d.webhook_id).map_or(PayloadVersion::V2, |e| e.webhook.version);
    let record = |result: &str| DeliveryRecord {
        delivery: LoggedDelivery { result: result.into(), ..logged(&d, &event, version) },
        emitted: Some(event.clone()),
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

/// How an attempt went on the wire.
enum Sent {
    Status(u16),
    Timeout,
    Refused,
}

/// One real HTTP POST, its result through the delivery machine, and the retry it may schedule.
async fn attempt(shared: Arc<Shared>, d: Due, webhook: Webhook, event: Arc<Emitted>, timeout: Duration) {
    let body = delivery_body(&webhook, &event, d.attempt, EMULATOR_HOST);
    let headers = delivery_headers(webhook.http_auth_user.as_deref().map(|u| (u, webhook.http_auth_password.as_deref().unwrap_or(""))));
    let started = Instant::now();
    // Never into the emulator's own API (a webhook from before this check, in a state file):
    // refused as a connection would be.
    let sent = if crate::api::points_at_self(&webhook.subscription_url, shared.port) {
        Sent::Refused
    } else {
        match delivery_request(&shared.http, &webhook.subscription_url, &headers, body.clone(), timeout).send().await {
            Ok(r) => Sent::Status(r.status().as_u16()),
            Err(e) if e.is_timeout() => Sent::Timeout,
            Err(_) => Sent::Refused,
        }
    };
    let elapsed = started.elapsed();
    let mut w = shared.lock();
    let response = match sent {
        Sent::Status(code) => Response::Status { code, after_ms: w.clock.policy(elapsed) },
        Sent::Timeout => Response::NoAnswer,
        Sent::Refused => Response::Refused { after_ms: w.clock.policy(elapsed) },
    };
    // Reported even when the webhook went while the attempt was in flight (marked as such).
    let Some(out) = w.account.attempt_ended(d.webhook_id, d.attempt, d.at, response) else {
        w.finish(d.event);
        return;
    };
    let result_word = match (&sent, out.status) {
        (_, Some(_)) => "status",
        (Sent::Refused, None) => "refused",
        _ => "timeout",
    };
    w.record(DeliveryRecord {
        delivery: LoggedDelivery {
            result: result_word.into(),
            status: out.status,
            duration_ms: out.end - d.at,
            success: out.success,
            counted: out.counted,
            ban_until: out.ban_until,
            after_deletion: out.after_deletion,
            during_ban: out.during_ban,
            request_body: Some(body),
            request_headers: masked(&headers),
            ..logged(&d, &event, webhook.version)
        },
        emitted: Some(event.clone()),
    });
    if let Next::Retry { attempt, at } = out.next {
        w.schedule(at, d.webhook_id, attempt, d.event, d.redelivery);
    }
    w.finish(d.event);
    let _ = w.save();
    drop(w);
    shared.wake.notify_one();
}
