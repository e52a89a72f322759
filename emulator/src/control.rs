//! `/_emulator/*`: emit events (or trigger one of the catalog's), read the delivery log, redeliver a logged event, uninstall or
//! remove an app, move the clock, reset, check a receiver. Not part of Pipedrive's API; unauthenticated (the emulator listens on loopback, and the
//! guard in `api.rs` refuses foreign `Host`s and browser origins that are not allowed). Bodies are
//! JSON only (`content-type: application/json`, else 415), so no form or `text/plain` post from a
//! page can drive them.

use crate::deliveries::{emit, EventInput};
use crate::state::Shared;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pipedrive_webhooks::{EventAction, PayloadVersion};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/events", post(events))
        .route("/_emulator/trigger", post(trigger))
        .route("/_emulator/deliveries", get(deliveries))
        .route("/_emulator/deliveries/{id}/redeliver", post(redeliver))
        .route("/_emulator/checks", post(start_check))
        .route("/_emulator/checks/{id}", get(check_status))
        .route("/_emulator/uninstall", post(uninstall))
        .route("/_emulator/remove-app", post(remove_app))
        .route("/_emulator/advance", post(advance))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/clock", get(clock))
}

fn bad(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"success": false, "error": message}))).into_response()
}

#[allow(clippy::result_large_err)] // the error is the answer (as `api::require_json`)
fn body<T: for<'de> Deserialize<'de>>(headers: &HeaderMap, bytes: &Bytes) -> Result<T, Response> {
    crate::api::require_json(headers, bytes)?;
    serde_json::from_slice(bytes).map_err(|e| bad(format!("invalid body: {e}")))
}

/// The answer once the state is on disk, or a 500 saying why it is not.
fn saved(w: &crate::world::World, answer: Value) -> Response {
    match w.save() {
        Ok(()) => Json(answer).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"success": false, "error": e.to_string()}))).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventBody {
    object: String,
    action: String,
    /// The object's id.
    id: Value,
    #[serde(default, alias = "user_id")]
    user_id: Option<u64>,
    #[serde(default)]
    data: Value,
    #[serde(default)]
    previous: Value,
}

async fn events(State(shared): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Response {
    let b: EventBody = match body(&headers, &bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(action) = EventAction::parse(&b.action, PayloadVersion::V2).or_else(|| EventAction::parse(&b.action, PayloadVersion::V1)).filter(|a| *a != EventAction::Any) else {
        return bad(format!("unknown action {:?}: use create, change or delete (or added, updated, merged, deleted)", b.action));
    };
    let entity_id = match &b.id {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return bad("id must be the object's id (a number or a string)".into()),
    };
    match emit(&shared, EventInput { action, object: b.object, entity_id, user_id: b.user_id, data: b.data, previous: b.previous, merge_partner_id: None }) {
        Ok((event_id, webhooks)) => (StatusCode::ACCEPTED, Json(json!({"eventId": event_id, "webhooks": webhooks}))).into_response(),
        Err(full) => busy(full.to_string()),
    }
}

#[derive(Deserialize)]
struct TriggerBody {
    /// `action.object`, in either version's words (`change.deal` or `updated.deal`).
    event: String,
}

/// `POST /_emulator/trigger {"event": "change.deal"}`: the core catalog's example of that event,
/// now, to every matching webhook, through the delivery machine like any event (each webhook gets
/// it in its own version). A merge (`merged.deal`) is two events, as Pipedrive sends it: the
/// survivor's merge (a v2 change with `merged_from_id`) and the absorbed object's delete
/// (`merged_to_id`). 202 `{"event", "eventId", "webhooks": [ids], "events": [{"event", "eventId",
/// "webhooks"}]}`; 400 `{"success": false, "error", "nearest"}` for an unknown event; 429 when too
/// many events wait for their attempts.
async fn trigger(State(shared): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Response {
    let b: TriggerBody = match body(&headers, &bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let entry = match pipedrive_webhooks::catalog::find(&b.event, None) {
        Ok(e) => e,
        Err(e) => return (StatusCode::BAD_REQUEST, Json(json!({"success": false, "error": e.to_string(), "nearest": e.nearest}))).into_response(),
    };
    let id = pipedrive_webhooks::catalog::example_id(&entry.object);
    let mut inputs = vec![(entry.event.clone(), input(entry.action, &entry.object, &id, None))];
    if entry.action == EventAction::Merged {
        // The absorbed object: another id of the same object, merged into `id`.
        let absorbed = id.parse::<u64>().map(|n| (n + 1).to_string()).unwrap_or_else(|_| format!("{id}-merged"));
        inputs[0].1.merge_partner_id = Some(absorbed.clone());
        inputs.push((format!("deleted.{}", entry.object), input(EventAction::Delete, &entry.object, &absorbed, Some(id))));
    }
    let mut events = Vec::new();
    for (name, i) in inputs {
        match emit(&shared, i) {
            Ok((event_id, webhooks)) => events.push(json!({"event": name, "eventId": event_id, "webhooks": webhooks})),
            Err(full) => return busy(full.to_string()),
        }
    }
    let first = events[0].clone();
    (StatusCode::ACCEPTED, Json(json!({"event": first["event"], "eventId": first["eventId"], "webhooks": first["webhooks"], "events": events}))).into_response()
}

/// The catalog's example event as the emulator's input (the clock and event id are the emulator's).
fn input(action: EventAction, object: &str, id: &str, merge_partner_id: Option<String>) -> EventInput {
    let e = pipedrive_webhooks::catalog::example_event(action, object, id, 0);
    EventInput { action: e.action, object: e.object, entity_id: e.entity_id, user_id: None, data: e.data, previous: e.previous, merge_partner_id }
}

/// 429: too many events wait for their attempts ([`crate::world::EVENTS_BYTES`]).
fn busy(message: String) -> Response {
    (StatusCode::TOO_MANY_REQUESTS, Json(json!({"success": false, "error": message}))).into_response()
}

async fn deliveries(State(shared): State<Arc<Shared>>) -> Response {
    let w = shared.lock();
    Json(json!({"deliveries": w.log.iter().collect::<Vec<_>>()})).into_response()
}

/// `POST /_emulator/deliveries/{id}/redeliver` (no body, or a JSON one): 202
/// `{"redeliveryOf": id, "eventId": "…", "webhookId": N}`; the new attempts appear in the log with
/// `redelivery: true`. Unknown id: 404; the webhook is gone: 409; too many events in flight: 429
/// (each `{"success": false, "error": "…"}`).
async fn redeliver(State(shared): State<Arc<Shared>>, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> Response {
    if let Err(resp) = crate::api::require_json(&headers, &bytes) {
        return resp;
    }
    let not_found = |message: String| (StatusCode::NOT_FOUND, Json(json!({"success": false, "error": message}))).into_response();
    let Ok(id) = id.parse::<u64>() else { return not_found(format!("no delivery {id:?} in the log: ids are numbers")) };
    match crate::deliveries::redeliver(&shared, id) {
        Ok((event_id, webhook_id)) => (StatusCode::ACCEPTED, Json(json!({"redeliveryOf": id, "eventId": event_id, "webhookId": webhook_id}))).into_response(),
        Err(e @ crate::deliveries::RedeliverError::UnknownRecord(_)) => not_found(e.to_string()),
        Err(e @ crate::deliveries::RedeliverError::WebhookGone(_)) => (StatusCode::CONFLICT, Json(json!({"success": false, "error": e.to_string()}))).into_response(),
        Err(e @ crate::deliveries::RedeliverError::EventsFull(_)) => busy(e.to_string()),
    }
}

/// `POST /_emulator/checks` `{"url", "user"?, "password"?, "version"?, "rate"?}`: 202 `{"id": N}`,
/// the check running in the background; 400 for a bad body or URL (the emulator's own address
/// included: the check would post into its control API); 409 while another check runs (one at a
/// time); 429 with `Retry-After` (seconds) after [`crate::check::MAX_STARTS_PER_MINUTE`] starts
/// within a minute. Loopback and private receivers are allowed: reaching them is the check's job.
async fn start_check(State(shared): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Response {
    let b: crate::check::CheckRequest = match body(&headers, &bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if crate::api::points_at_self(&b.url, shared.port) {
        return bad(format!("{:?} points at this emulator: check a receiver elsewhere", b.url.chars().take(200).collect::<String>()));
    }
    let policy = shared.lock().account.policy;
    let options = match b.into_options(policy) {
        Ok(o) => o,
        Err(message) => return bad(message),
    };
    match crate::check::Runs::start(&shared.checks, options) {
        Ok(id) => (StatusCode::ACCEPTED, Json(json!({"id": id}))).into_response(),
        Err(e @ crate::check::Refused::Running(_)) => (StatusCode::CONFLICT, Json(json!({"success": false, "error": e.to_string()}))).into_response(),
        Err(e @ crate::check::Refused::TooMany { retry_after_s }) => {
            (StatusCode::TOO_MANY_REQUESTS, [("retry-after", retry_after_s.to_string())], Json(json!({"success": false, "error": e.to_string()}))).into_response()
        }
    }
}

/// `GET /_emulator/checks/{id}`: `{"id", "state", "progress", "report", "error"}` (the core's
/// [`pipedrive_webhooks::emulator_api::CheckRun`]); 404 when unknown.
async fn check_status(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let found = id.parse::<u64>().ok().and_then(|id| shared.checks.lock().unwrap_or_else(|p| p.into_inner()).status(id));
    match found {
        Some(status) => Json(status).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"success": false, "error": format!("no check {id:?}: checks are kept while the emulator runs, the last {} of them", crate::check::KEPT)})))
            .into_response(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppUser {
    app_id: u64,
    #[serde(default)]
    user_id: u64,
}

async fn uninstall(State(shared): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Response {
    let b: AppUser = match body(&headers, &bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut w = shared.lock();
    let now = w.clock.now();
    let removed = w.account.uninstall(b.app_id, b.user_id, now);
    saved(&w, json!({"removed": removed}))
}

async fn remove_app(State(shared): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Response {
    let b: AppUser = match body(&headers, &bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut w = shared.lock();
    let now = w.clock.now();
    let removed = w.account.remove_app(b.app_id, now);
    saved(&w, json!({"removed": removed}))
}

#[derive(Deserialize)]
struct Advance {
    ms: i64,
}

async fn advance(State(shared): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Response {
    let b: Advance = match body(&headers, &bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let now = {
        let mut w = shared.lock();
        // Negative, or past the year 9999: refused, the clock unchanged.
        let now = match w.clock.advance(b.ms) {
            Ok(now) => now,
            Err(message) => return bad(message),
        };
        w.account.tick(now);
        let _ = w.save();
        now
    };
    shared.wake.notify_one();
    Json(json!({"now": now})).into_response()
}

async fn reset(State(shared): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Response {
    // No body is needed; one that is sent must still be JSON (as for every control route).
    if let Err(resp) = crate::api::require_json(&headers, &bytes) {
        return resp;
    }
    let mut w = shared.lock();
    match w.reset() {
        Ok(()) => Json(json!({"ok": true})).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"success": false, "error": e.to_string()}))).into_response(),
    }
}

async fn clock(State(shared): State<Arc<Shared>>) -> Response {
    let w = shared.lock();
    Json(json!({"now": w.clock.now(), "timeScale": w.clock.scale(), "eventsInFlight": w.events.len(), "attemptsDue": w.due.len()})).into_response()
}
