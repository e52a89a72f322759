//! Planning an idempotent sync of an app's webhooks (there is no update endpoint and no idempotency
//! key): keep what matches, create what is missing, delete duplicates and leftovers, touch only the
//! app's own webhooks, and refuse a plan that would exceed the limit (R2).

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
    /// Own webhooks to delete: duplicates, and subscriptions no longer desired.
    pub delete: Vec<WebhookId>,
    /// Subscriptions to create, version always explicit.
    pub create: Vec<NewWebhook>,
    /// Webhooks that are not this app's (general, automation): never touched.
    pub untouched: Vec<WebhookId>,
}

/// Why no plan was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SyncError {
    #[error("desired subscription #{index} is invalid: {errors}")]
    Invalid { index: usize, errors: ValidationErrors },
    #[error("the plan needs {needed} webhooks but an app may have {limit} per user (R2); desire fewer subscriptions")]
    LimitExceeded { needed: usize, limit: u32 },
}

/// What makes two subscriptions the same (domain reference: compare url, action, object, version,
/// user before creating), plus the Basic-auth user, since credentials cannot be updated in place.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    url: String,
    action: String,
    object: String,
    version: PayloadVersion,
    user_id: Option<u64>,
    auth_user: Option<String>,
}

/// Plans a sync of the app's webhooks for one user: `current` is what `GET /webhooks` returned
/// (as this app: only its own application webhooks and the user's general ones, R5).
///
/// ```
/// use pipedrive_webhooks::{sync::plan_sync, NewWebhook, Policy};
/// let want = vec![NewWebhook::new("https://example.com/h", "change", "deal", "Deals").with_version("2.0")];
/// let plan = plan_sync(&[], &want, &Policy::default()).unwrap();
/// assert_eq!(plan.create.len(), 1);
/// assert!(plan.delete.is_empty());
/// ```
pub fn plan_sync(current: &[RemoteWebhook], desired: &[NewWebhook], policy: &Policy) -> Result<SyncPlan, SyncError> {
    let mut wanted: Vec<(Key, NewWebhook)> = Vec::new();
    for (index, d) in desired.iter().enumerate() {
        let valid = validate(d, policy).map_err(|errors| SyncError::Invalid { index, errors })?;
        let key = Key {
            url: valid.subscription_url.clone(),
            action: valid.event_action.as_str().to_string(),
            object: valid.event_object.clone(),
            version: valid.version,
            user_id: valid.user_id,
            auth_user: valid.http_auth_user.clone(),
        };
        if !wanted.iter().any(|(k, _)| *k == key) {
            let mut explicit = d.clone();
            explicit.version = Some(valid.version.as_str().to_string());
            wanted.push((key, explicit));
        }
    }

    let mut plan = SyncPlan::default();
    let mut matched = vec![false; wanted.len()];
    let mut own: Vec<&RemoteWebhook> = Vec::new();
    for w in current {
        match (w.webhook_type.as_ref(), w.id) {
            (Some(WebhookType::Application), Some(_)) => own.push(w),
            (_, Some(id)) => plan.untouched.push(id),
            (_, None) => {}
        }
    }
    own.sort_by_key(|w| w.id);
    for w in own {
        let id = w.id.expect("filtered");
        let key = Key {
            url: w.subscription_url.clone().unwrap_or_default(),
            action: w.event_action.clone().unwrap_or_default(),
            object: w.event_object.clone().unwrap_or_default(),
            version: w.version.as_deref().and_then(PayloadVersion::parse).unwrap_or(PayloadVersion::V2),
            user_id: w.user_id,
            auth_user: w.http_auth_user.clone().filter(|u| !u.is_empty()),
        };
        // A desired subscription without a user matches whichever user the webhook has.
        let slot = wanted.iter().position(|(k, _)| {
            k.url == key.url && k.action == key.action && k.object == key.object && k.version == key.version && k.auth_user == key.auth_user && (k.user_id.is_none() || k.user_id == key.user_id)
        });
        let password_changed = |n: &NewWebhook| match (&w.http_auth_password, &n.http_auth_password) {
            (Some(have), Some(want)) => have != want,
            _ => false,
        };
        match slot {
            Some(i) if !matched[i] && !password_changed(&wanted[i].1) => {
                matched[i] = true;
                plan.keep.push(id);
            }
            // The lowest id of identical webhooks stays; the rest are duplicates.
            _ => plan.delete.push(id),
        }
    }
    plan.create = wanted.into_iter().zip(matched).filter(|(_, m)| !m).map(|((_, n), _)| n).collect();
    let needed = plan.keep.len() + plan.create.len();
    if needed > policy.max_app_webhooks_per_user as usize {
        return Err(SyncError::LimitExceeded { needed, limit: policy.max_app_webhooks_per_user });
    }
    Ok(plan)
}
