//! Who may see and delete which webhook (R5, R6), and the scopes an app needs (R1).

use crate::webhook::{AppId, UserId, Webhook, WebhookType};
use serde::{Deserialize, Serialize};

/// Who is calling the API.
///
/// ```
/// use pipedrive_webhooks::Caller;
/// let app = Caller::App { app_id: 7, user_id: 1 };
/// assert_eq!(app.user_id(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Caller {
    /// A user with an API token.
    User { user_id: UserId },
    /// An app acting for one of its users (OAuth).
    App { app_id: AppId, user_id: UserId },
}

impl Caller {
    /// The user the call acts for.
    pub fn user_id(&self) -> UserId {
        match *self {
            Caller::User { user_id } | Caller::App { user_id, .. } => user_id,
        }
    }
}

/// Why a caller may not delete a webhook (R6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenyReason {
    /// An app webhook of another app.
    OtherAppsWebhook,
    /// An app webhook, and the caller is a user: only the app may delete it.
    AppWebhookForUser,
    /// A general webhook, and the caller is an app.
    GeneralWebhookForApp,
    /// Another user's general webhook, and the caller is not an admin.
    OtherUsersWebhook,
    /// Automation (or unknown-type) webhooks are read-only here.
    ReadOnlyType,
    /// This app's webhook, but made for another user: the app's token for this user does not
    /// list it, so it may not delete it either (R5, R6).
    OtherUsersAppWebhook,
}

impl DenyReason {
    /// One line for a tooltip or an error message.
    pub fn explain(self) -> &'static str {
        match self {
            DenyReason::OtherAppsWebhook => "Created by another app: only that app can delete it (R6).",
            DenyReason::AppWebhookForUser => "Created by an app: only that app can delete it, not a user (R6).",
            DenyReason::GeneralWebhookForApp => "General webhook: only its user can delete it in Pipedrive, not an app (R6).",
            DenyReason::OtherUsersWebhook => "Another user's general webhook: only that user or an admin can delete it (R6).",
            DenyReason::ReadOnlyType => "Automation and unknown-type webhooks are read-only (R3).",
            DenyReason::OtherUsersAppWebhook => "Made by this app for another user: only the app acting for that user can see or delete it (R5, R6).",
        }
    }
}

/// Whether `caller` may delete `w` (R6). `caller_is_admin` matters for users only. One rule with
/// listing: a caller deletes only what it may see ([`may_see`], R5).
///
/// ```
/// use pipedrive_webhooks::{may_delete, Caller, DenyReason, Webhook};
/// let w = Webhook::example(); // an application webhook of app 1, user 1
/// assert!(may_delete(&Caller::App { app_id: 1, user_id: 1 }, false, &w).is_ok());
/// assert_eq!(may_delete(&Caller::App { app_id: 2, user_id: 1 }, false, &w), Err(DenyReason::OtherAppsWebhook));
/// assert_eq!(may_delete(&Caller::User { user_id: 1 }, true, &w), Err(DenyReason::AppWebhookForUser));
/// ```
pub fn may_delete(caller: &Caller, caller_is_admin: bool, w: &Webhook) -> Result<(), DenyReason> {
    match (&w.webhook_type, caller) {
        (WebhookType::Application, Caller::App { app_id, user_id }) if w.app_id == Some(*app_id) && w.owner_id == *user_id => Ok(()),
        (WebhookType::Application, Caller::App { app_id, .. }) if w.app_id == Some(*app_id) => Err(DenyReason::OtherUsersAppWebhook),
        (WebhookType::Application, Caller::App { .. }) => Err(DenyReason::OtherAppsWebhook),
        (WebhookType::Application, Caller::User { .. }) => Err(DenyReason::AppWebhookForUser),
        (WebhookType::General, Caller::App { .. }) => Err(DenyReason::GeneralWebhookForApp),
        (WebhookType::General, Caller::User { user_id }) if w.owner_id == *user_id || caller_is_admin => Ok(()),
        (WebhookType::General, Caller::User { .. }) => Err(DenyReason::OtherUsersWebhook),
        (WebhookType::Automation | WebhookType::Other(_), _) => Err(DenyReason::ReadOnlyType),
    }
}

/// Whether `caller` sees `w` in `GET /v1/webhooks` (R4, R5). An app sees its user's general
/// webhooks and its own application webhooks for that user, never another app's; a user sees their
/// own non-app webhooks, an admin every user's. App webhooks are never shown to users (R4).
pub fn may_see(caller: &Caller, caller_is_admin: bool, w: &Webhook) -> bool {
    match (&w.webhook_type, caller) {
        (WebhookType::Application, Caller::App { app_id, user_id }) => w.app_id == Some(*app_id) && w.owner_id == *user_id,
        (WebhookType::Application, Caller::User { .. }) => false,
        (_, Caller::App { user_id, .. }) => w.owner_id == *user_id,
        (_, Caller::User { user_id }) => caller_is_admin || w.owner_id == *user_id,
    }
}

/// Whether `caller` may see `w`'s Basic-auth password: only a caller that may list the webhook
/// (R5, R14).
///
/// ```
/// use pipedrive_webhooks::{permission::may_reveal, Caller, Webhook};
/// let w = Webhook::example(); // app 1's webhook for user 1
/// assert!(may_reveal(&Caller::App { app_id: 1, user_id: 1 }, false, &w));
/// assert!(!may_reveal(&Caller::App { app_id: 1, user_id: 2 }, true, &w));
/// assert!(!may_reveal(&Caller::App { app_id: 2, user_id: 1 }, false, &w));
/// ```
pub fn may_reveal(caller: &Caller, caller_is_admin: bool, w: &Webhook) -> bool {
    may_see(caller, caller_is_admin, w)
}

/// The OAuth scopes that allow an app to list (R1).
pub const READ_SCOPES: &[&str] = &["admin", "webhooks:full", "webhooks:read"];
/// The OAuth scopes that allow an app to create and delete (R1).
pub const WRITE_SCOPES: &[&str] = &["admin", "webhooks:full"];

/// Whether a webhook listed by a live API may be deleted with this kind of token (R5, R6). An app
/// (OAuth) sees only its own application webhooks, so those are its to delete; a user (API token)
/// may delete general webhooks (Pipedrive answers 403 for another user's unless the user is an
/// admin) and never application ones.
///
/// ```
/// use pipedrive_webhooks::{permission::may_delete_listed, WebhookType, DenyReason};
/// assert!(may_delete_listed(true, Some(&WebhookType::Application)).is_ok());
/// assert_eq!(may_delete_listed(true, Some(&WebhookType::General)), Err(DenyReason::GeneralWebhookForApp));
/// assert_eq!(may_delete_listed(false, Some(&WebhookType::Application)), Err(DenyReason::AppWebhookForUser));
/// ```
pub fn may_delete_listed(as_app: bool, kind: Option<&WebhookType>) -> Result<(), DenyReason> {
    match (kind, as_app) {
        (Some(WebhookType::Application), true) => Ok(()),
        (Some(WebhookType::Application), false) => Err(DenyReason::AppWebhookForUser),
        (Some(WebhookType::General), true) => Err(DenyReason::GeneralWebhookForApp),
        (Some(WebhookType::General), false) => Ok(()),
        (Some(WebhookType::Automation | WebhookType::Other(_)) | None, _) => Err(DenyReason::ReadOnlyType),
    }
}
