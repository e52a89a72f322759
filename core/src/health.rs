//! A webhook's health as the panel shows it, from what is known: the full delivery state (sandbox,
//! emulator) or only what Pipedrive's API returns (`is_active`, `last_http_status`).

use crate::delivery::{DeliveryState, Standing};
use crate::policy::{Millis, Policy, DAY};
use crate::wire::RemoteWebhook;
use serde::{Deserialize, Serialize};

/// Healthy, no deliveries yet, failing (with its deletion time when known), banned (with its end
/// when known), or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Health {
    Healthy,
    /// Active, and nothing has been delivered yet: neither failing nor healthy with a history,
    /// and nothing predicts a deletion.
    NoDeliveries,
    /// The last delivery failed. `deletion_at` is known only with the full delivery state (R13).
    Failing { since: Option<Millis>, deletion_at: Option<Millis> },
    /// Not delivering: banned (R12). `until` is known only with the full delivery state.
    Banned { until: Option<Millis> },
    Deleted { at: Millis },
}

impl Health {
    /// From the full delivery state at `now`.
    ///
    /// ```
    /// use pipedrive_webhooks::{health::Health, DeliveryState, Policy};
    /// assert_eq!(Health::of_state(&DeliveryState::default(), &Policy::default(), 0), Health::NoDeliveries);
    /// let delivered = DeliveryState { last_attempt_at: Some(5), last_status: Some(200), ..Default::default() };
    /// assert_eq!(Health::of_state(&delivered, &Policy::default(), 10), Health::Healthy);
    /// ```
    pub fn of_state(d: &DeliveryState, p: &Policy, now: Millis) -> Health {
        match d.standing(p, now) {
            Standing::Healthy if d.last_attempt_at.is_none() => Health::NoDeliveries,
            Standing::Healthy => Health::Healthy,
            Standing::Failing { since, deletion_at } => Health::Failing { since: Some(since), deletion_at: Some(deletion_at) },
            Standing::Banned { until } => Health::Banned { until: Some(until) },
            Standing::Deleted { at } => Health::Deleted { at },
        }
    }

    /// From an API answer: `is_active: 0` means not delivering (banned); a `last_http_status` that
    /// is not a 2xx (a status, `"Error"` for a timeout or block, or other text) means failing;
    /// neither a `last_delivery_time` nor a status means no deliveries yet.
    ///
    /// ```
    /// use pipedrive_webhooks::{health::Health, wire::{LastHttpStatus, RemoteWebhook}};
    /// let w = RemoteWebhook { is_active: Some(true), last_http_status: Some(LastHttpStatus::Code(503)), ..Default::default() };
    /// assert_eq!(Health::of_remote(&w), Health::Failing { since: None, deletion_at: None });
    /// let error = RemoteWebhook { is_active: Some(true), last_http_status: Some(LastHttpStatus::Error), ..Default::default() };
    /// assert_eq!(Health::of_remote(&error).label(), "failing");
    /// let fresh = RemoteWebhook { is_active: Some(true), ..Default::default() };
    /// assert_eq!(Health::of_remote(&fresh), Health::NoDeliveries);
    /// ```
    pub fn of_remote(w: &RemoteWebhook) -> Health {
        match (w.is_active, &w.last_http_status) {
            (Some(false), _) => Health::Banned { until: None },
            (_, Some(s)) if s.is_failure() => Health::Failing { since: None, deletion_at: None },
            (_, None) if w.last_delivery_time.is_none() => Health::NoDeliveries,
            _ => Health::Healthy,
        }
    }

    /// Failing and due for deletion within a day of `now` (the panel's "deletion due" filter).
    pub fn deletion_due_within_a_day(&self, now: Millis) -> bool {
        matches!(self, Health::Failing { deletion_at: Some(at), .. } if *at - now < DAY)
    }

    /// A word for filters and badges: healthy, no_deliveries, failing, banned, deleted.
    pub fn label(&self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::NoDeliveries => "no_deliveries",
            Health::Failing { .. } => "failing",
            Health::Banned { .. } => "banned",
            Health::Deleted { .. } => "deleted",
        }
    }
}
