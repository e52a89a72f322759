//! Export and import: the desired-set JSON (the file the Sync page and the JS CLI read), the
//! webhooks list as CSV, and saved connections (never a token). The builders are pure text; the
//! one browser call is [`download`].

use crate::rows::SharedRow;
use crate::state::SavedConnection;
use pipedrive_webhooks::json_read::Fields;
use pipedrive_webhooks::time::format_iso;
use pipedrive_webhooks::wire::{normalize_base_url, RemoteWebhook};
use pipedrive_webhooks::desired::PASSWORD_PLACEHOLDER;
use pipedrive_webhooks::WebhookType;
use serde_json::Value;

/// A JSON string literal (quoted and escaped). By hand: serde_json's `Value` printer would bring
/// its float formatting into the panel's wasm (size is a budget; no float printing there).
fn js(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One desired webhook, in Pipedrive's field names.
struct Desired<'a> {
    name: &'a str,
    url: &'a str,
    action: &'a str,
    object: &'a str,
    version: &'a str,
    /// Written only when asked for (a set reused for another user must not carry this one's).
    user_id: Option<u64>,
    /// Whether it has Basic-auth credentials: they are written as the placeholder (Pipedrive
    /// never returns them, and the sandbox's own are not exported either).
    basic_auth: bool,
}

/// A desired-set export: its text, and how many of its webhooks use Basic auth (each with
/// [`PASSWORD_PLACEHOLDER`] to fill in before the set can be synced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredExport {
    pub text: String,
    pub basic_auth: usize,
}

impl DesiredExport {
    /// What to tell the person who exported it: the credentials to fill in, when any.
    pub fn note(&self) -> Option<String> {
        match self.basic_auth {
            0 => None,
            1 => Some("1 webhook uses Basic auth: fill in its credentials before syncing (Pipedrive never returns them; the export has a placeholder there).".into()),
            n => Some(format!("{n} webhooks use Basic auth: fill in their credentials before syncing (Pipedrive never returns them; the export has a placeholder there).")),
        }
    }
}

/// A JSON array with one webhook per line, fields in a fixed, readable order. Written by hand
/// rather than pretty-printed: serde_json's pretty formatter would add its own code to the wasm.
fn desired_array<'a>(items: impl Iterator<Item = Desired<'a>>) -> DesiredExport {
    let mut lines = Vec::new();
    let mut basic_auth = 0;
    for d in items {
        let mut o = format!(
            "{{\"name\": {}, \"subscription_url\": {}, \"event_action\": {}, \"event_object\": {}, \"version\": {}",
            js(d.name),
            js(d.url),
            js(d.action),
            js(d.object),
            js(if d.version.is_empty() { "2.0" } else { d.version })
        );
        if let Some(u) = d.user_id {
            o.push_str(&format!(", \"user_id\": {u}"));
        }
        if d.basic_auth {
            basic_auth += 1;
            let p = js(PASSWORD_PLACEHOLDER);
            o.push_str(&format!(", \"http_auth_user\": {p}, \"http_auth_password\": {p}"));
        }
        o.push('}');
        lines.push(o);
    }
    let text = if lines.is_empty() { "[]\n".into() } else { format!("[\n  {}\n]\n", lines.join(",\n  ")) };
    DesiredExport { text, basic_auth }
}

/// The rows as a desired set (the Sync page's and the CLI's format): `user_id` only when asked,
/// Basic-auth credentials as the placeholder (never a password, nor Pipedrive's ciphertext).
pub fn desired_json(rows: &[SharedRow], include_user_ids: bool) -> DesiredExport {
    desired_array(rows.iter().map(|r| Desired {
        name: &r.name,
        url: &r.url,
        action: &r.action,
        object: &r.object,
        version: &r.version,
        user_id: r.user_id.filter(|_| include_user_ids),
        basic_auth: r.basic_auth,
    }))
}

/// The app's own webhooks of a listed set as a desired set (see [`desired_json`]): what "export
/// the current set" puts on the Sync page (general and automation webhooks are never the app's to
/// sync).
pub fn desired_json_of_own(list: &[RemoteWebhook], include_user_ids: bool) -> DesiredExport {
    fn text(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("")
    }
    desired_array(list.iter().filter(|w| w.id.is_some() && w.webhook_type == Some(WebhookType::Application)).map(|w| Desired {
        name: text(&w.name),
        url: text(&w.subscription_url),
        action: text(&w.event_action),
        object: text(&w.event_object),
        version: text(&w.version),
        user_id: w.user_id.filter(|_| include_user_ids),
        basic_auth: crate::rows::has_basic_auth(&w.http_auth_user, &w.http_auth_password),
    }))
}

/// One CSV cell per RFC 4180 (quoted when it holds a comma, a quote or a line break; quotes
/// doubled), with a leading `'` on text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
/// and tab or carriage return, which some spreadsheets strip before reading one).
pub fn csv_cell(value: &str) -> String {
    let guarded = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// The CSV export's columns.
pub const CSV_HEADER: [&str; 11] =
    ["id", "name", "event_action", "event_object", "version", "subscription_url", "type", "user_id", "last_delivery_time", "last_http_status", "health"];

/// The rows as CSV (header first, CRLF line ends as RFC 4180 asks).
pub fn csv(rows: &[SharedRow]) -> String {
    let mut out = CSV_HEADER.join(",");
    out.push_str("\r\n");
    for r in rows {
        let cells = [
            r.id.to_string(),
            r.name.clone(),
            r.action.clone(),
            r.object.clone(),
            r.version.clone(),
            r.url.clone(),
            r.kind.as_str().to_string(),
            r.user_id.map(|u| u.to_string()).unwrap_or_default(),
            r.last_delivery.map(format_iso).unwrap_or_default(),
            r.last_status.as_ref().map(|s| s.text()).unwrap_or_default(),
            r.health.label().to_string(),
        ];
        out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// Saved connections as JSON: label, base URL, kind and the remember choice; never a token (tokens
/// live apart from these records, and stay there).
pub fn connections_json(connections: &[SavedConnection]) -> String {
    let lines: Vec<String> = connections
        .iter()
        .map(|c| format!("{{\"label\": {}, \"base_url\": {}, \"oauth\": {}, \"remember\": {}}}", js(&c.label), js(&c.base_url), c.oauth, c.remember))
        .collect();
    if lines.is_empty() {
        return "[]\n".into();
    }
    format!("[\n  {}\n]\n", lines.join(",\n  "))
}

/// A connection read from an export: everything but an id and a token.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedConnection {
    pub label: String,
    pub base_url: String,
    pub oauth: bool,
    pub remember: bool,
}

/// Reads a connections export. Any token in the file is ignored: a token is entered, never imported.
/// Errors name the entry (`[2].base_url: …`).
pub fn read_connections(text: &str) -> Result<Vec<ImportedConnection>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Array(items) = v else {
        return Err("expected a JSON array of connections".into());
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let read = || -> Result<ImportedConnection, String> {
                let f = Fields::of(item).map_err(|e| e.to_string())?;
                let base: String = f.req("base_url").map_err(|e| e.to_string())?;
                let base_url = normalize_base_url(&base).map_err(|e| format!("base_url: {}", e.0))?;
                let label: String = f.opt("label").map_err(|e| e.to_string())?.unwrap_or_default();
                Ok(ImportedConnection {
                    label: if label.trim().is_empty() { base_url.clone() } else { label.trim().to_string() },
                    base_url,
                    oauth: f.or("oauth", false).map_err(|e| e.to_string())?,
                    remember: f.or("remember", false).map_err(|e| e.to_string())?,
                })
            };
            read().map_err(|e| format!("[{i}] {e}"))
        })
        .collect()
}

/// Offers `text` as a file named `filename`: a Blob URL on one hidden `<a download>` kept in the
/// page (`data-testid="download"`). The link and its URL stay until the next download, so a test
/// can read what was offered; the previous URL is revoked then.
pub fn download(filename: &str, mime: &str, text: &str) {
    use wasm_bindgen::JsCast;
    let doc = leptos::prelude::document();
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let link: web_sys::HtmlAnchorElement = match doc.get_element_by_id("pw-download") {
        Some(el) => el.unchecked_into(),
        None => {
            let Ok(el) = doc.create_element("a") else { return };
            el.set_id("pw-download");
            let _ = el.set_attribute("hidden", "");
            let _ = el.set_attribute("data-testid", "download");
            if let Some(body) = doc.body() {
                let _ = body.append_child(&el);
            }
            el.unchecked_into()
        }
    };
    let old = link.href();
    if old.starts_with("blob:") {
        let _ = web_sys::Url::revoke_object_url(&old);
    }
    link.set_href(&url);
    link.set_download(filename);
    link.click();
}
