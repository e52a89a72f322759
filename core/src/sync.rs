//! Planning an idempotent sync of an app's webhooks (there is no update endpoint and no idempotency
//! key): keep what matches, create what is missing, delete duplicates and leftovers (only when
//! pruning), touch only the app's own webhooks, and refuse a plan that would exceed the limit (R2).
//!
//! A webhook matches a desired entry on URL (normalised as duplicate detection does), action,
//! object, version and user. Never on credentials: Pipedrive returns them as ciphertext
//! (domain reference, "Webhook object"), so comparing them would replace or duplicate the webhook
//! on every run. An entry asks for new credentials with `replace_credentials`.

use crate::desired::DesiredWebhook;
use crate::policy::Policy;
use crate::validation::{validate, NewWebhook, ValidationErrors};
use crate::webhook::{PayloadVersion, WebhookId, WebhookType};
use crate::wire::RemoteWebhook;
use serde::{Deserialize, Serialize};

/// The plan: delete first (freeing slots), then create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPlan {
    /// Own webhooks that already match a desired subscription.
    pub keep: Vec<WebhookId>,
    /// Own webhooks to delete: duplicates and subscriptions no longer desired (only when pruning),
    /// and webhooks replaced because their entry asks for new credentials (`replace_credentials`).
    pub delete: Vec<WebhookId>,
    /// Subscriptions to create, version always explicit.
    pub create: Vec<NewWebhook>,
    /// Webhooks that are not this app's (general, automation): never touched.
    pub untouched: Vec<WebhookId>,
    /// Own webhooks not desired (leftovers, duplicates) that stay because the plan does not prune.
    #[serde(default)]
    pub surplus: Vec<WebhookId>,
    /// Of `surplus`, the duplicates of a desired (kept) webhook: each event reaches the receiver
    /// twice while they stay, so the plan is not in sync.
    #[serde(default)]
    pub duplicates: Vec<WebhookId>,
    /// Every line of the plan with its reason, in the order to apply: deletes, creates, then what
    /// stays (keep, surplus, untouched).
    #[serde(default)]
    pub steps: Vec<PlanStep>,
}

impl SyncPlan {
    /// Whether the webhooks are as desired: nothing to create or delete, and no duplicate of a
    /// desired webhook left in place.
    pub fn in_sync(&self) -> bool {
        self.create.is_empty() && self.delete.is_empty() && self.duplicates.is_empty()
    }
}

/// What a plan does with one webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanAction {
    Create,
    Delete,
    Keep,
    /// Not desired, but kept: the plan does not prune.
    Surplus,
    /// Not this app's: never touched.
    Untouched,
}

/// One line of a plan: the action, the webhook (an id, or the subscription to create) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanStep {
    pub action: PlanAction,
    /// The existing webhook's id (`None` for a create).
    pub id: Option<WebhookId>,
    /// For a create: the desired subscription's index in the desired list.
    pub desired_index: Option<usize>,
    /// `change.deal → https://…` (v2), for tables.
    pub subscription: String,
    pub reason: String,
}

/// Out of line: the plan pushes steps from many places (code size: the JS package).
#[inline(never)]
fn push_step(to: &mut Vec<PlanStep>, action: PlanAction, id: Option<WebhookId>, desired_index: Option<usize>, subscription: String, reason: String) {
    to.push(PlanStep { action, id, desired_index, subscription, reason });
}

/// `change.deal v2 → https://…`. Out of line: the plan builds many (code size: the JS package).
#[inline(never)]
fn describe(action: &str, object: &str, version: &str, url: &str) -> String {
    format!("{action}.{object} v{} → {url}", version.trim_end_matches(".0"))
}

#[inline(never)]
fn subscription_of(w: &RemoteWebhook) -> String {
    let text = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
    describe(&text(&w.event_action), &text(&w.event_object), w.version.as_deref().unwrap_or("2.0"), &text(&w.subscription_url))
}

/// Why no plan was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SyncError {
    #[error("desired subscription #{index} is invalid: {errors}")]
    Invalid { index: usize, errors: ValidationErrors },
    /// `surplus`: the app's own webhooks the plan keeps only because it does not prune;
    /// `desired`: what the desired set alone needs (kept and created).
    #[error("{}", limit_text(*needed, *limit, *surplus, *desired))]
    LimitExceeded { needed: usize, limit: u32, surplus: usize, #[serde(default)] desired: usize },
}

/// What to do about a plan past the limit, said once: prune only when pruning would make it fit.
fn limit_text(needed: usize, limit: u32, surplus: usize, desired: usize) -> String {
    if desired > limit as usize {
        format!("the desired set has more than {limit} distinct subscriptions, but an app may have {limit} webhooks per user (R2), pruned or not: desire at most {limit}")
    } else {
        format!("the plan needs {needed} webhooks but an app may have {limit} per user (R2): prune ({surplus} of the app's own webhooks here are not desired)")
    }
}

/// What makes two subscriptions the same (domain reference: compare url, action, object, version,
/// user before creating). Not the credentials: Pipedrive returns them as ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    url: String,
    action: String,
    object: String,
    version: PayloadVersion,
    user_id: Option<u64>,
}

/// Plans a sync of the app's webhooks for one user, without pruning (the one default everywhere):
/// `current` is what `GET /webhooks` returned (as this app: only its own application webhooks and
/// the user's general ones, R5).
///
/// ```
/// use pipedrive_webhooks::{sync::plan_sync, NewWebhook, Policy};
/// let want = vec![NewWebhook::new("https://example.com/h", "change", "deal", "Deals").with_version("2.0")];
/// let plan = plan_sync(&[], &want, &Policy::default()).unwrap();
/// assert_eq!(plan.create.len(), 1);
/// assert!(plan.delete.is_empty());
/// ```
pub fn plan_sync(current: &[RemoteWebhook], desired: &[NewWebhook], policy: &Policy) -> Result<SyncPlan, SyncError> {
    let desired: Vec<DesiredWebhook> = desired.iter().cloned().map(DesiredWebhook::new).collect();
    plan_sync_with(current, &desired, policy, false)
}

/// [`plan_sync`], choosing whether to `prune`: without it, own webhooks that are not desired
/// (leftovers, duplicates) stay, listed as `surplus`, and still count against the limit (R2).
///
/// ```
/// use pipedrive_webhooks::sync::{plan_sync_with, PlanAction};
/// use pipedrive_webhooks::{desired::DesiredWebhook, wire::RemoteWebhook, NewWebhook, Policy, WebhookType};
/// let old = RemoteWebhook { id: Some(7), webhook_type: Some(WebhookType::Application), subscription_url: Some("https://example.com/old".into()),
///     event_action: Some("change".into()), event_object: Some("deal".into()), version: Some("2.0".into()), ..Default::default() };
/// let want = vec![DesiredWebhook::new(NewWebhook::new("https://example.com/h", "change", "deal", "Deals").with_version("2.0"))];
/// let plan = plan_sync_with(&[old.clone()], &want, &Policy::default(), false).unwrap();
/// assert_eq!((plan.delete.len(), plan.surplus, plan.create.len()), (0, vec![7], 1));
/// assert!(plan.steps.iter().any(|s| s.action == PlanAction::Surplus && s.reason.contains("prune to delete")));
/// let pruned = plan_sync_with(&[old], &want, &Policy::default(), true).unwrap();
/// assert_eq!(pruned.delete, vec![7]);
/// ```
pub fn plan_sync_with(current: &[RemoteWebhook], desired: &[DesiredWebhook], policy: &Policy, prune: bool) -> Result<SyncPlan, SyncError> {
    let mut wanted: Vec<(Key, NewWebhook)> = Vec::new();
    let mut wanted_index: Vec<usize> = Vec::new();
    let mut replace: Vec<bool> = Vec::new();
    let limit = policy.max_app_webhooks_per_user;
    for (index, d) in desired.iter().enumerate() {
        let valid = validate(&d.webhook, policy).map_err(|errors| SyncError::Invalid { index, errors })?;
        let key = Key {
            url: crate::duplicate::url_key(&valid.subscription_url),
            action: valid.event_action.as_str().to_string(),
            object: valid.event_object.clone(),
            version: valid.version,
            user_id: valid.user_id,
        };
        if !wanted.iter().any(|(k, _)| *k == key) {
            // More distinct subscriptions than the limit can never fit, pruned or not: refuse now,
            // so the scan stays linear in the set's size (at most `limit` kept to compare with).
            if wanted.len() == limit as usize {
                return Err(SyncError::LimitExceeded { needed: wanted.len() + 1, limit, surplus: 0, desired: wanted.len() + 1 });
            }
            let mut explicit = d.webhook.clone();
            explicit.version = Some(valid.version.as_str().to_string());
            wanted.push((key, explicit));
            wanted_index.push(index);
            replace.push(d.replace_credentials);
        }
    }
    let mut deletes = Vec::new();
    let mut stays = Vec::new();

    let mut plan = SyncPlan::default();
    let mut matched = vec![false; wanted.len()];
    let mut own: Vec<&RemoteWebhook> = Vec::new();
    let sub_of = subscription_of;
    for w in current {
        match (w.webhook_type.as_ref(), w.id) {
            (Some(WebhookType::Application), Some(_)) => own.push(w),
            (kind, Some(id)) => {
                plan.untouched.push(id);
                let kind = kind.map(|k| k.as_str().to_string()).unwrap_or_else(|| "unknown".into());
                push_step(&mut stays, PlanAction::Untouched, Some(id), None, sub_of(w), format!("not this app's: type {kind} (R5, R6)"));
            }
            (_, None) => {}
        }
    }
    let mut kept_by_slot: Vec<Option<WebhookId>> = vec![None; wanted.len()];
    let mut replaced: Vec<Option<WebhookId>> = vec![None; wanted.len()];
    crate::text::sort_small_by_key(&mut own, |w| w.id);
    for w in own {
        let id = w.id.expect("filtered");
        let key = Key {
            url: crate::duplicate::url_key(w.subscription_url.as_deref().unwrap_or_default()),
            action: w.event_action.clone().unwrap_or_default(),
            object: w.event_object.clone().unwrap_or_default(),
            version: w.version.as_deref().and_then(PayloadVersion::parse).unwrap_or(PayloadVersion::V2),
            user_id: w.user_id,
        };
        // A desired subscription without a user matches whichever user the webhook has.
        let slot = wanted.iter().position(|(k, _)| {
            k.url == key.url && k.action == key.action && k.object == key.object && k.version == key.version && (k.user_id.is_none() || k.user_id == key.user_id)
        });
        let sub = sub_of(w);
        match slot {
            Some(i) if !matched[i] && !replace[i] => {
                matched[i] = true;
                kept_by_slot[i] = Some(id);
                plan.keep.push(id);
                push_step(&mut stays, PlanAction::Keep, Some(id), Some(wanted_index[i]), sub, format!("matches desired #{}", wanted_index[i]));
            }
            // Credentials cannot be updated in place: replace it when the entry asks, prune or not.
            Some(i) if !matched[i] => {
                replaced[i] = Some(id);
                plan.delete.push(id);
                push_step(&mut deletes, PlanAction::Delete, Some(id), Some(wanted_index[i]), sub, format!("replaced: desired #{} sets replace_credentials (credentials cannot be updated in place, nor read back)", wanted_index[i]));
            }
            // The lowest id of identical webhooks stays; the rest are duplicates.
            other => {
                let original = other.and_then(|i| kept_by_slot[i].or(replaced[i]));
                let why = match original {
                    Some(original) => format!("a duplicate of #{original}: every event is delivered twice"),
                    None => "not in the desired set".into(),
                };
                if prune {
                    plan.delete.push(id);
                    push_step(&mut deletes, PlanAction::Delete, Some(id), None, sub, why);
                } else {
                    plan.surplus.push(id);
                    if original.is_some() {
                        plan.duplicates.push(id);
                        push_step(&mut stays, PlanAction::Surplus, Some(id), None, sub, format!("{why}; not in sync while it stays: prune, or delete it"));
                    } else {
                        push_step(&mut stays, PlanAction::Surplus, Some(id), None, sub, format!("{why}; kept (prune to delete it)"));
                    }
                }
            }
        }
    }
    let mut creates = Vec::new();
    for (i, ((_, n), m)) in wanted.into_iter().zip(matched).enumerate() {
        if m {
            continue;
        }
        let reason = match replaced[i] {
            Some(old) => format!("replaces #{old} (replace_credentials: new Basic-auth credentials)"),
            None => "missing".into(),
        };
        creates.push(PlanStep {
            action: PlanAction::Create,
            id: None,
            desired_index: Some(wanted_index[i]),
            subscription: describe(n.event_action.trim(), n.event_object.trim(), n.version.as_deref().unwrap_or("2.0"), n.subscription_url.trim()),
            reason,
        });
        plan.create.push(n);
    }
    plan.steps = deletes.into_iter().chain(creates).chain(stays).collect();
    let desired = plan.keep.len() + plan.create.len();
    let needed = desired + plan.surplus.len();
    if needed > limit as usize {
        return Err(SyncError::LimitExceeded { needed, limit, surplus: plan.surplus.len(), desired });
    }
    Ok(plan)
}
