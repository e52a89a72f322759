//! Duplicate subscriptions: integrations that create a webhook on every deploy or save end up with
//! several identical ones (Pipedrive has no uniqueness rule and no idempotency key). Each copy gets
//! every event again and takes a quota slot (R2). Two webhooks are the same subscription when they
//! have the same subscription URL (a trailing slash aside), action, object, payload version and user.

use crate::webhook::{Webhook, WebhookId};
use crate::wire::RemoteWebhook;
use std::collections::BTreeMap;

/// What makes two webhooks the same subscription.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriptionKey {
    /// Trimmed, without trailing slashes.
    pub url: String,
    pub action: String,
    pub object: String,
    /// `"1.0"` or `"2.0"` (an absent version reads as Pipedrive's default, 2.0).
    pub version: String,
    pub user_id: Option<u64>,
}

/// A URL as subscriptions compare it, so spellings of one endpoint are one subscription: trimmed,
/// without trailing slashes, the scheme and host in lower case, without the scheme's default port
/// (`HTTPS://E.com:443/a/` is `https://e.com/a`). Paths keep their case (servers may differ on
/// it). Shared by duplicate detection and the sync plan, so both agree.
// Out of line: called by the plan, the desired-set reader and duplicate detection (wasm size).
#[inline(never)]
pub(crate) fn url_key(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let mut authority = authority.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    if authority.ends_with(default_port) {
        authority.truncate(authority.len() - default_port.len());
    }
    format!("{scheme}://{authority}{path}")
}

impl SubscriptionKey {
    /// The key of a webhook the core holds (sandbox, emulator).
    pub fn of_webhook(w: &Webhook) -> Self {
        SubscriptionKey {
            url: url_key(&w.subscription_url),
            action: w.event_action.clone(),
            object: w.event_object.clone(),
            version: w.version.as_str().to_string(),
            user_id: Some(w.user_id),
        }
    }

    /// The key of a webhook about to be created (its user unknown until the API picks the caller).
    pub fn of_input(w: &crate::NewWebhook) -> Self {
        SubscriptionKey {
            url: url_key(&w.subscription_url),
            action: w.event_action.trim().to_string(),
            object: w.event_object.trim().to_string(),
            version: w.version.as_deref().map(str::trim).filter(|v| !v.is_empty()).unwrap_or("2.0").to_string(),
            user_id: w.user_id,
        }
    }

    /// Whether a webhook with key `other` would be a duplicate of this one; a key without a user
    /// matches any user (a create without `user_id` takes the caller's).
    ///
    /// ```
    /// use pipedrive_webhooks::{duplicate::SubscriptionKey, NewWebhook};
    /// let new = SubscriptionKey::of_input(&NewWebhook::new("https://a.example/h/", "change", "deal", "x").with_version("2.0"));
    /// let listed = SubscriptionKey { url: "https://a.example/h".into(), action: "change".into(), object: "deal".into(), version: "2.0".into(), user_id: Some(4) };
    /// assert!(new.matches(&listed));
    /// ```
    pub fn matches(&self, other: &SubscriptionKey) -> bool {
        self.url == other.url
            && self.action == other.action
            && self.object == other.object
            && self.version == other.version
            && (self.user_id.is_none() || other.user_id.is_none() || self.user_id == other.user_id)
    }

    /// The key of a webhook as an API listed it (every field may be absent).
    pub fn of_remote(w: &RemoteWebhook) -> Self {
        let text = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_string();
        SubscriptionKey {
            url: url_key(w.subscription_url.as_deref().unwrap_or("")),
            action: text(&w.event_action),
            object: text(&w.event_object),
            version: w.version.as_deref().map(str::trim).filter(|v| !v.is_empty()).unwrap_or("2.0").to_string(),
            user_id: w.user_id,
        }
    }
}

/// Each webhook that duplicates another, mapped to the one it duplicates: the lowest id of its
/// group (the oldest, which an integration would keep). Webhooks without a copy are absent.
///
/// ```
/// use pipedrive_webhooks::duplicate::{duplicates, SubscriptionKey};
/// let key = |url: &str| SubscriptionKey { url: url.trim_end_matches('/').into(), action: "change".into(), object: "deal".into(), version: "2.0".into(), user_id: Some(1) };
/// let d = duplicates([(7, key("https://a.example/h")), (3, key("https://a.example/h/")), (9, key("https://b.example/h"))]);
/// assert_eq!(d.get(&7), Some(&3));
/// assert_eq!(d.get(&3), None);
/// assert_eq!(d.len(), 1);
/// ```
// A sorted map of keys: O(n log n), so the panel's list of a thousand webhooks is not slowed by
// it (a linear scan per row was).
pub fn duplicates(items: impl IntoIterator<Item = (WebhookId, SubscriptionKey)>) -> BTreeMap<WebhookId, WebhookId> {
    // The lowest id per key, then every other id of that key.
    let all: Vec<(WebhookId, SubscriptionKey)> = items.into_iter().collect();
    let mut lowest: BTreeMap<&SubscriptionKey, WebhookId> = BTreeMap::new();
    for (id, key) in &all {
        lowest.entry(key).and_modify(|low| *low = (*low).min(*id)).or_insert(*id);
    }
    let mut out = BTreeMap::new();
    for (id, key) in &all {
        let original = lowest[key];
        if original != *id {
            out.insert(*id, original);
        }
    }
    out
}

/// [`duplicates`] of a listed set (entries without an id are skipped).
pub fn duplicates_in_list(list: &[RemoteWebhook]) -> BTreeMap<WebhookId, WebhookId> {
    duplicates(list.iter().filter_map(|w| Some((w.id?, SubscriptionKey::of_remote(w)))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn remote(v: serde_json::Value) -> RemoteWebhook {
        RemoteWebhook::from_json(&v).unwrap()
    }

    #[test]
    fn same_url_action_object_version_and_user_are_duplicates_whatever_else_differs() {
        let base = json!({"subscription_url": "https://hooks.example.com/pd", "event_action": "change", "event_object": "deal", "version": "2.0", "user_id": 5});
        let with = |id: u64, k: &str, v: serde_json::Value| {
            let mut o = base.clone();
            o["id"] = json!(id);
            if !k.is_empty() {
                o[k] = v;
            }
            remote(o)
        };
        let list = vec![
            with(10, "", json!(null)),
            with(11, "subscription_url", json!("https://hooks.example.com/pd/")),
            with(12, "name", json!("another name")),
            with(13, "type", json!("general")),
            with(14, "event_action", json!("create")),
            with(15, "event_object", json!("person")),
            with(16, "version", json!("1.0")),
            with(17, "user_id", json!(6)),
            with(18, "subscription_url", json!("https://hooks.example.com/other")),
        ];
        let d = duplicates_in_list(&list);
        assert_eq!(d.into_iter().collect::<Vec<_>>(), vec![(11, 10), (12, 10), (13, 10)]);
    }

    #[test]
    fn the_lowest_id_is_the_original_whatever_the_order() {
        let list: Vec<RemoteWebhook> = [30u64, 4, 17]
            .iter()
            .map(|id| remote(json!({"id": id, "subscription_url": "https://x.example/h", "event_action": "*", "event_object": "*", "version": "2.0", "user_id": 1})))
            .collect();
        let d = duplicates_in_list(&list);
        assert_eq!(d.into_iter().collect::<Vec<_>>(), vec![(17, 4), (30, 4)]);
    }

    #[test]
    fn an_absent_version_is_pipedrives_default() {
        let a = remote(json!({"id": 1, "subscription_url": "https://x.example/h", "event_action": "change", "event_object": "deal"}));
        let b = remote(json!({"id": 2, "subscription_url": "https://x.example/h", "event_action": "change", "event_object": "deal", "version": "2.0"}));
        assert_eq!(duplicates_in_list(&[a, b]).get(&2), Some(&1));
    }
}
