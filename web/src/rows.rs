//! One row per webhook, whatever the connection: what the list, the detail page and the badges show.
//! Every judgement in it (health, who may delete) comes from the core.

use pipedrive_webhooks::health::Health;
use pipedrive_webhooks::permission::may_delete_listed;
use pipedrive_webhooks::sandbox::Sandbox;
use pipedrive_webhooks::duplicate::{duplicates, duplicates_in_list, SubscriptionKey};
use pipedrive_webhooks::wire::{webhook_json, LastHttpStatus, RemoteWebhook};
use pipedrive_webhooks::{may_delete, may_see, Caller, DenyReason, Millis, WebhookType};

/// Shared rather than cloned: lists of a thousand rows are filtered on every keystroke, and `Arc`
/// equality of `Eq` values compares pointers first.
pub type SharedRow = std::sync::Arc<Row>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: u64,
    pub name: String,
    pub action: String,
    pub object: String,
    pub url: String,
    pub kind: WebhookType,
    pub owner: String,
    pub user_id: Option<u64>,
    pub version: String,
    pub active: Option<bool>,
    pub added: Option<Millis>,
    pub last_delivery: Option<Millis>,
    /// The last attempt's status as Pipedrive would report it (`"Error"` when none came back).
    pub last_status: Option<LastHttpStatus>,
    pub health: Health,
    /// The identical webhook this one repeats (same URL but a trailing slash, event, version and
    /// user): the core's judgement, the lowest id of the group.
    pub duplicate_of: Option<u64>,
    /// Whether this caller would see it through the API (R5); the sandbox shows every webhook of
    /// the company, and marks the others.
    pub listed: bool,
    pub delete: Result<(), DenyReason>,
    /// Whether it has Basic-auth credentials. Only that: Pipedrive returns them as ciphertext
    /// (write-only), and even the sandbox, which knows them, shows only "set" (R14).
    pub basic_auth: bool,
    /// Sandbox only: the ban counter (R11).
    pub ban_counter: Option<u32>,
    pub raw: std::sync::Arc<serde_json::Value>,
    /// Name, URL and event, lower-cased once: the text filter runs over every row per keystroke.
    pub search_text: String,
}

/// Whether a webhook has Basic-auth credentials: a user or a password, in clear or as Pipedrive's
/// ciphertext (an unreadable value is still "set").
pub fn has_basic_auth(user: &Option<String>, password: &Option<String>) -> bool {
    [user, password].iter().any(|v| v.as_deref().is_some_and(|v| !v.is_empty()))
}

/// The text filter's input as [`Row::matches_text`] expects it.
pub fn needle(input: &str) -> String {
    lower(input.trim())
}

/// `s` in lower case, by the browser (`String.prototype.toLowerCase`): the same Unicode mapping
/// as Rust's `to_lowercase`, without its case tables in the panel's wasm (several KB).
pub fn lower(s: &str) -> String {
    js_sys::JsString::from(s).to_lower_case().into()
}

/// What the text filter searches in a row, lower-cased; the name comes first (the Webhooks
/// page sorts names by it).
fn search_text(name: &str, url: &str, action: &str, object: &str) -> String {
    lower(&format!("{name}\n{url}\n{action}.{object}"))
}

impl Row {
    /// `action.object`.
    pub fn event(&self) -> String {
        format!("{}.{}", self.action, self.object)
    }

    /// Whether the free-text filter matches name, URL or event (`needle` already trimmed and
    /// lower-cased: see [`needle`]).
    pub fn matches_text(&self, needle: &str) -> bool {
        needle.is_empty() || self.search_text.contains(needle)
    }
}

/// Every webhook of the sandbox company (a view only the sandbox can give), judged for `caller`.
pub fn sandbox_rows(s: &Sandbox, caller: &Caller) -> Vec<SharedRow> {
    let a = &s.account;
    let admin = a.is_admin(caller);
    let owner_name = |id: u64| a.users().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_else(|| format!("user {id}"));
    let app_name = |id: u64| a.apps().find(|x| x.id == id).map(|x| x.name.clone()).unwrap_or_else(|| format!("app {id}"));
    let dups = duplicates(a.entries().map(|e| (e.webhook.id, SubscriptionKey::of_webhook(&e.webhook))));
    a.entries()
        .map(|e| {
            let w = &e.webhook;
            let owner = match w.app_id {
                Some(app) => format!("{} · {}", owner_name(w.owner_id), app_name(app)),
                None => owner_name(w.owner_id),
            };
            SharedRow::new(Row {
                search_text: search_text(&w.name, &w.subscription_url, &w.event_action, &w.event_object),
                id: w.id,
                name: w.name.clone(),
                action: w.event_action.clone(),
                object: w.event_object.clone(),
                url: w.subscription_url.clone(),
                kind: w.webhook_type.clone(),
                owner,
                user_id: Some(w.user_id),
                version: w.version.as_str().to_string(),
                active: Some(e.delivery.banned_until.is_none()),
                added: Some(w.add_time),
                last_delivery: e.delivery.last_attempt_at,
                last_status: match (e.delivery.last_attempt_at, e.delivery.last_status) {
                    (_, Some(code)) => Some(LastHttpStatus::Code(code)),
                    (Some(_), None) => Some(LastHttpStatus::Error),
                    (None, None) => None,
                },
                health: Health::of_state(&e.delivery, &a.policy, s.clock),
                duplicate_of: dups.get(&w.id).copied(),
                listed: may_see(caller, admin, w),
                delete: may_delete(caller, admin, w),
                basic_auth: has_basic_auth(&w.http_auth_user, &w.http_auth_password),
                ban_counter: Some(e.delivery.ban_counter),
                raw: std::sync::Arc::new(webhook_json(w, &e.delivery)),
            })
        })
        .collect()
}

/// Webhooks as a live API listed them, judged for an app (OAuth) or a user (API token) caller.
pub fn live_rows(list: &[RemoteWebhook], as_app: bool) -> Vec<SharedRow> {
    let dups = duplicates_in_list(list);
    list.iter()
        .filter_map(|w| {
            let id = w.id?;
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            let (name, url, action, object) = (text(&w.name), text(&w.subscription_url), text(&w.event_action), text(&w.event_object));
            Some(SharedRow::new(Row {
                search_text: search_text(&name, &url, &action, &object),
                id,
                name,
                action,
                object,
                url,
                kind: w.webhook_type.clone().unwrap_or(WebhookType::Other("unknown".into())),
                owner: w.owner_id.map(|o| format!("user {o}")).unwrap_or_default(),
                user_id: w.user_id,
                version: w.version.clone().unwrap_or_default(),
                active: w.is_active,
                added: w.add_time,
                last_delivery: w.last_delivery_time,
                last_status: w.last_http_status.clone(),
                health: Health::of_remote(w),
                duplicate_of: dups.get(&id).copied(),
                listed: true,
                delete: may_delete_listed(as_app, w.webhook_type.as_ref()),
                basic_auth: has_basic_auth(&w.http_auth_user, &w.http_auth_password),
                ban_counter: None,
                raw: w.raw.clone(),
            }))
        })
        .collect()
}
