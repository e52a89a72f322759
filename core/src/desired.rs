//! The desired set: the JSON array of webhooks an app declares (`webhooks.json`), read once here
//! for the CLI, the panel's Sync page and the JS API alike. Every problem is reported at once,
//! each with its entry's index, name and field; the core's warnings (private URL, unknown object,
//! plain http) come along. Decisions, so they live in the core:
//! - `version` is required (Pipedrive's default changed once and broke receivers);
//! - an unknown field is an error with a "did you mean" (a misspelt `http_auth_pasword` must not
//!   silently create a webhook without auth);
//! - credentials are write-only on Pipedrive, so `replace_credentials: true` is how an entry asks
//!   for its webhook to be replaced with new ones ([`crate::sync`] never compares them);
//! - an export's [`PASSWORD_PLACEHOLDER`] must be filled in before anything is created;
//! - at most [`MAX_ENTRIES`] entries are read (an app may have 40 webhooks per user, R2).

use crate::json_read::{kind_of, ReadJson};
use crate::policy::Policy;
use crate::validation::{validate, NewWebhook};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an export writes where a Basic-auth credential is needed: Pipedrive never returns
/// credentials in clear, so an exported set cannot carry them. Reading it back is an error until
/// it is replaced.
pub const PASSWORD_PLACEHOLDER: &str = "<fill in: Pipedrive never returns credentials>";

/// The most entries a desired set may have. Far above the 40 webhooks an app may have per user
/// (R2); a larger file is a mistake (a list export, a loop), refused before any planning.
pub const MAX_ENTRIES: usize = 1_000;

/// The fields an entry may have.
pub const FIELDS: [&str; 9] =
    ["subscription_url", "event_action", "event_object", "name", "version", "user_id", "http_auth_user", "http_auth_password", "replace_credentials"];

/// [`FIELDS`] as one text, for messages (a `join` would be more code in the wasm).
const FIELD_LIST: &str = "subscription_url, event_action, event_object, name, version, user_id, http_auth_user, http_auth_password, replace_credentials";

/// One entry of a desired set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredWebhook {
    pub webhook: NewWebhook,
    /// Replace the existing webhook so it gets this entry's credentials (user, password, or
    /// none). Without it a plan keeps a webhook whatever its credentials: Pipedrive returns them
    /// as ciphertext, so they cannot be compared.
    #[serde(default)]
    pub replace_credentials: bool,
}

impl DesiredWebhook {
    /// An entry without `replace_credentials`.
    pub fn new(webhook: NewWebhook) -> Self {
        DesiredWebhook { webhook, replace_credentials: false }
    }
}

/// Whether a problem stops the set from being planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem of a desired set, where it is: `[2] ("Deals") http_auth_pasword: unknown field;
/// did you mean http_auth_password?`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredIssue {
    pub severity: Severity,
    /// The entry's index in the array (from 0); `None` for the set as a whole.
    pub index: Option<usize>,
    /// The entry's `name`, at most 40 characters, when it has one.
    pub name: Option<String>,
    /// The field, when the problem is one field's.
    pub field: Option<String>,
    pub message: String,
}

impl DesiredIssue {
    /// `[2] ("Deals"), field version: is missing; …`: the entry, the field, the message.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        if let Some(i) = self.index {
            out.push_str(&format!("[{i}]"));
            if let Some(n) = &self.name {
                // Not `{:?}`: its escaping tables cost the wasm builds kilobytes.
                out.push_str(" (\"");
                out.push_str(n);
                out.push_str("\")");
            }
        }
        if let Some(f) = &self.field {
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push_str("field ");
            out.push_str(f);
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&self.message);
        out
    }
}

/// A desired set as read: its entries (when there is no error) and every issue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredSet {
    pub webhooks: Vec<DesiredWebhook>,
    pub issues: Vec<DesiredIssue>,
}

impl DesiredSet {
    /// Whether any issue is an error (nothing may be planned then).
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &DesiredIssue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }
}

/// Reads a desired set from its JSON tree: every error and warning at once.
///
/// ```
/// use pipedrive_webhooks::desired::{read_desired, Severity};
/// use pipedrive_webhooks::Policy;
/// let v = serde_json::json!([
///     {"subscription_url": "https://example.com/pd", "event_action": "change", "event_object": "deal", "name": "Deals", "version": "2.0"},
///     {"subscription_url": "https://example.com/pd", "event_action": "create", "event_object": "dael", "name": "Typo", "http_auth_pasword": "x"},
/// ]);
/// let set = read_desired(&v, &Policy::default());
/// let texts: Vec<String> = set.issues.iter().map(|i| i.describe()).collect();
/// assert!(set.has_errors());
/// assert!(texts.iter().any(|t| t.contains("[1] (\"Typo\"), field http_auth_pasword: unknown field; did you mean http_auth_password?")));
/// assert!(texts.iter().any(|t| t.contains("[1] (\"Typo\"), field version: is missing")));
/// assert!(set.issues.iter().any(|i| i.severity == Severity::Warning && i.field.as_deref() == Some("event_object")));
/// ```
pub fn read_desired(v: &Value, policy: &Policy) -> DesiredSet {
    let mut set = DesiredSet::default();
    let whole = |message: String| DesiredIssue { severity: Severity::Error, index: None, name: None, field: None, message };
    let Value::Array(items) = v else {
        set.issues.push(whole(format!("expected a JSON array of webhooks, got {}", kind_of(v))));
        return set;
    };
    if items.len() > MAX_ENTRIES {
        set.issues.push(whole(format!(
            "{} entries: at most {MAX_ENTRIES} are read (an app may have {} webhooks per user, R2); is this a list export?",
            items.len(),
            policy.max_app_webhooks_per_user
        )));
        return set;
    }
    let mut seen = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let name = item.get("name").and_then(Value::as_str).map(short_name);
        let mut issue = |severity, field: Option<&str>, message: String| push_issue(&mut set.issues, severity, index, &name, field, message);
        let Value::Object(fields) = item else {
            issue(Severity::Error, None, format!("expected an object (a webhook), got {}", kind_of(item)));
            continue;
        };
        for key in fields.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
            let hint = match nearest(key) {
                Some(f) => format!("unknown field; did you mean {f}?"),
                None => format!("unknown field; a desired webhook has {FIELD_LIST}"),
            };
            issue(Severity::Error, Some(key), hint);
        }
        let replace_credentials = match fields.get("replace_credentials") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(true)) => {
                issue(Severity::Warning, Some("replace_credentials"), "set: this entry's webhook is deleted and created again on every run (a new id, its delivery history lost); remove it once the new credentials are in place".into());
                true
            }
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                issue(Severity::Error, Some("replace_credentials"), format!("expected true or false, got {}", kind_of(other)));
                false
            }
        };
        let webhook = match NewWebhook::read(item) {
            Ok(w) => w,
            Err(e) => {
                issue(Severity::Error, None, e.to_string());
                continue;
            }
        };
        if webhook.version.is_none() {
            issue(Severity::Error, Some("version"), "is missing; give \"1.0\" or \"2.0\" (Pipedrive's default changed once and broke receivers)".into());
        }
        let mut placeholders: Vec<&str> = Vec::new();
        for (field, value) in [("http_auth_user", &webhook.http_auth_user), ("http_auth_password", &webhook.http_auth_password)] {
            if value.as_deref() == Some(PASSWORD_PLACEHOLDER) {
                placeholders.push(field);
                issue(Severity::Error, Some(field), "still the export's placeholder: fill in the credential (Pipedrive never returns it), or remove both http_auth fields".into());
            }
        }
        match validate(&webhook, policy) {
            Ok(valid) => {
                // Declared twice: planned once, so the later entry's name and credentials would be
                // dropped without a word (the same key as the plan's and duplicate detection's).
                let key = (crate::duplicate::url_key(&valid.subscription_url), valid.event_action.as_str().to_string(), valid.event_object.clone(), valid.version, valid.user_id);
                match seen.iter().find(|(k, _)| *k == key) {
                    Some((_, first)) => issue(Severity::Warning, None, format!("the same subscription as [{first}] (URL, action, object, version, user): planned once, with [{first}]'s name and credentials")),
                    None => seen.push((key, index)),
                }
                if webhook.http_auth_user.as_deref().is_some_and(|u| !u.is_empty()) && webhook.http_auth_password.as_deref().unwrap_or("").is_empty() {
                    issue(Severity::Warning, Some("http_auth_password"), "missing: Pipedrive will send Basic auth with an empty password".into());
                }
                // A missing version is an error here (said above), not the create form's warning.
                for w in valid.warnings.into_iter().filter(|w| w.code != crate::validation::WarningCode::VersionDefaulted) {
                    issue(Severity::Warning, Some(w.field.as_str()), w.message);
                }
            }
            Err(errors) => {
                for e in errors.0 {
                    // A missing version is said once, above; so is a placeholder (its ':' is no
                    // user name's mistake).
                    let said = (webhook.version.is_none() && e.field.as_str() == "version") || placeholders.contains(&e.field.as_str());
                    if !said {
                        issue(Severity::Error, Some(e.field.as_str()), e.message);
                    }
                }
            }
        }
        set.webhooks.push(DesiredWebhook { webhook, replace_credentials });
    }
    if set.has_errors() {
        set.webhooks.clear();
    }
    set
}

/// Out of line: pushed from many places, and each inlined copy is code in the wasm (its budget).
#[inline(never)]
fn push_issue(to: &mut Vec<DesiredIssue>, severity: Severity, index: usize, name: &Option<String>, field: Option<&str>, message: String) {
    to.push(DesiredIssue { severity, index: Some(index), name: name.clone(), field: field.map(str::to_string), message });
}

/// At most 40 characters of a name, for messages (a huge name is never echoed whole).
fn short_name(n: &str) -> String {
    match n.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &n[..cut]),
        None => n.to_string(),
    }
}

/// The known field nearest to a misspelt one (at most 2 edits, or one a prefix of the other).
fn nearest(key: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    FIELDS
        .iter()
        .map(|f| (crate::text::edit_distance(&key, f), *f))
        .filter(|(d, f)| *d <= 2 || (key.len() >= 4 && (f.starts_with(key.as_str()) || key.starts_with(f))))
        .min()
        .map(|(_, f)| f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry() -> Value {
        json!({"subscription_url": "https://example.com/pd", "event_action": "change", "event_object": "deal", "name": "Deals", "version": "2.0"})
    }

    #[test]
    fn a_good_set_reads_with_no_issue() {
        let set = read_desired(&json!([entry()]), &Policy::default());
        assert_eq!(set.issues, vec![]);
        assert_eq!(set.webhooks.len(), 1);
        assert!(!set.webhooks[0].replace_credentials);
    }

    #[test]
    fn every_error_of_every_entry_at_once_with_names() {
        let mut bad = entry();
        bad["http_auth_pasword"] = json!("s3cret");
        bad["name"] = json!("Bad one");
        let mut no_version = entry();
        no_version.as_object_mut().unwrap().remove("version");
        let set = read_desired(&json!([bad, no_version, 7, {"subscription_url": "ftp://x"}]), &Policy::default());
        let texts: Vec<String> = set.errors().map(DesiredIssue::describe).collect();
        assert!(texts.contains(&"[0] (\"Bad one\"), field http_auth_pasword: unknown field; did you mean http_auth_password?".to_string()), "{texts:#?}");
        assert!(texts.iter().any(|t| t.starts_with("[1] (\"Deals\"), field version: is missing")), "{texts:#?}");
        assert!(texts.iter().any(|t| t.starts_with("[2]: expected an object")), "{texts:#?}");
        assert!(texts.iter().filter(|t| t.starts_with("[3]")).count() >= 3, "every field of [3]: {texts:#?}");
        assert!(set.webhooks.is_empty(), "nothing to plan with an error");
    }

    #[test]
    fn warnings_come_along_and_do_not_stop_the_set() {
        let mut w = entry();
        w["subscription_url"] = json!("http://127.0.0.1:3000/hook");
        w["event_object"] = json!("dael");
        let set = read_desired(&json!([w]), &Policy::default());
        assert!(!set.has_errors(), "{:?}", set.issues);
        let fields: Vec<_> = set.issues.iter().map(|i| (i.severity, i.field.clone().unwrap_or_default())).collect();
        assert!(fields.contains(&(Severity::Warning, "event_object".into())), "{fields:?}");
        assert!(fields.contains(&(Severity::Warning, "subscription_url".into())), "{fields:?}");
        assert_eq!(set.webhooks.len(), 1);
    }

    #[test]
    fn replace_credentials_and_the_placeholder() {
        let mut w = entry();
        w["replace_credentials"] = json!(true);
        assert!(read_desired(&json!([w.clone()]), &Policy::default()).webhooks[0].replace_credentials);
        w["replace_credentials"] = json!("yes");
        assert!(read_desired(&json!([w]), &Policy::default()).has_errors());
        let mut exported = entry();
        exported["http_auth_user"] = json!(PASSWORD_PLACEHOLDER);
        exported["http_auth_password"] = json!(PASSWORD_PLACEHOLDER);
        let set = read_desired(&json!([exported]), &Policy::default());
        assert_eq!(set.errors().filter(|i| i.message.contains("placeholder")).count(), 2);
        assert_eq!(set.errors().count(), 2, "the placeholder is said once per field, not also as a bad user name: {:?}", set.issues);
    }

    #[test]
    fn an_oversized_set_is_refused_before_anything_else() {
        let many = Value::Array(vec![entry(); MAX_ENTRIES + 1]);
        let set = read_desired(&many, &Policy::default());
        assert_eq!(set.issues.len(), 1);
        assert!(set.issues[0].message.contains("at most 1000"), "{:?}", set.issues);
        assert!(read_desired(&json!({"a": 1}), &Policy::default()).has_errors());
    }

    #[test]
    fn a_subscription_declared_twice_and_a_user_without_password_are_said() {
        let mut again = entry();
        again["subscription_url"] = json!("https://EXAMPLE.com/pd/");
        again["name"] = json!("Again");
        let mut no_password = entry();
        no_password["event_action"] = json!("create");
        no_password["http_auth_user"] = json!("pd");
        let set = read_desired(&json!([entry(), again, no_password]), &Policy::default());
        assert!(!set.has_errors(), "{:?}", set.issues);
        let texts: Vec<String> = set.issues.iter().map(DesiredIssue::describe).collect();
        assert!(texts.iter().any(|t| t.starts_with("[1] (\"Again\"): the same subscription as [0]")), "{texts:?}");
        assert!(texts.iter().any(|t| t.starts_with("[2] (\"Deals\"), field http_auth_password: missing")), "{texts:?}");
    }

    #[test]
    fn the_field_list_is_the_fields() {
        assert_eq!(FIELD_LIST, FIELDS.join(", "));
    }

    #[test]
    fn names_are_cut_and_far_keys_get_the_field_list() {
        let mut w = entry();
        w["name"] = json!("x".repeat(300));
        w["colour"] = json!("red");
        let set = read_desired(&json!([w]), &Policy::default());
        let e = set.errors().find(|i| i.field.as_deref() == Some("colour")).unwrap();
        assert!(e.message.contains("a desired webhook has subscription_url"), "{e:?}");
        assert_eq!(e.name.as_ref().unwrap().chars().count(), 41);
        assert_eq!(nearest("event_objct"), Some("event_object"));
        assert_eq!(nearest("subscription"), Some("subscription_url"));
    }
}
