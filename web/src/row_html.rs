//! A webhooks-table row's cells as HTML text.
//!
//! Why text: the list must show a thousand rows fast. Built as Leptos views, each row cost ~0.6 ms
//! of element, attribute and listener calls across the wasm boundary (0.6 s for 1,000 rows); as one
//! `innerHTML` per row the browser's parser builds the cells natively. The row element itself stays a
//! keyed Leptos view, and the table's one delegated listener handles the checkboxes and buttons
//! (`data-select`, `data-delete`). Every value is escaped: names and URLs come from the network.

use crate::components::{health_class_title, health_text, type_class};
use crate::format::{absolute, relative};
use crate::rows::Row;
use html_escape::{encode_double_quoted_attribute_to_string as attr, encode_text_to_string as text};
use pipedrive_webhooks::Millis;
use std::fmt::Write;

/// The padlock drawn where the caller may not delete (the `LockIcon` component, as text).
const LOCK_SVG: &str = r#"<svg width="12" height="14" viewBox="0 0 12 14" aria-hidden="true" class="lock-icon"><rect x="1" y="6" width="10" height="7" rx="1.5" fill="currentColor"/><path d="M3.5 6V4a2.5 2.5 0 0 1 5 0v2" stroke="currentColor" stroke-width="1.5" fill="none"/></svg>"#;

/// Middle-cut for long URLs; the full URL goes in the tooltip.
pub fn cut_middle(s: &str, max: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= max {
        return s.to_string();
    }
    let head = max * 2 / 3;
    let tail = max - head - 1;
    format!("{}…{}", chars[..head].iter().collect::<String>(), chars[chars.len() - tail..].iter().collect::<String>())
}

/// The cells of `r`'s row at `now`; `checked` when the row is selected.
pub fn row_cells(r: &Row, now: Millis, checked: bool) -> String {
    let id = r.id;
    let mut h = String::with_capacity(1024);
    // Writing to a String cannot fail.
    h.push_str("<td>");
    match r.delete {
        Ok(()) => {
            h.push_str(r#"<input type="checkbox" aria-label="Select "#);
            attr(&r.name, &mut h);
            let _ = write!(h, r#"" data-testid="select-{id}" data-select="{id}"{}></td>"#, if checked { " checked" } else { "" });
        }
        Err(reason) => {
            let why = reason.explain();
            h.push_str(r#"<span class="lock" role="img" title=""#);
            attr(why, &mut h);
            h.push_str(r#"" aria-label=""#);
            attr(why, &mut h);
            let _ = write!(h, r#"" data-testid="lock-{id}">{LOCK_SVG}</span></td>"#);
        }
    }
    let _ = write!(h, r#"<td class="wrap"><a href="/webhooks/{id}">"#);
    text(&r.name, &mut h);
    h.push_str("</a></td><td><code>");
    text(&r.event(), &mut h);
    h.push_str(r#"</code><span class="ver" title="Payload version">v"#);
    text(r.version.trim_end_matches(".0"), &mut h);
    h.push_str(r#"</span></td><td><code class="url" title=""#);
    attr(&r.url, &mut h);
    h.push_str(r#"">"#);
    text(&cut_middle(&r.url, 24), &mut h);
    let _ = write!(h, r#"</code></td><td><span class="{}" data-testid="type-{id}">"#, type_class(&r.kind));
    text(r.kind.as_str(), &mut h);
    h.push_str(r#"</span></td><td class="muted col-owner" title=""#);
    attr(&r.owner, &mut h);
    h.push_str(r#"">"#);
    text(r.owner.split(" · ").next().unwrap_or_default(), &mut h);
    h.push_str(r#"</td><td title=""#);
    attr(&r.last_delivery.map(absolute).unwrap_or_default(), &mut h);
    h.push_str(r#"">"#);
    text(&r.last_delivery.map(|t| relative(t, now)).unwrap_or_else(|| "never".into()), &mut h);
    if let Some(s) = r.last_status {
        let _ = write!(h, " · {s}");
    }
    let (class, title) = health_class_title(&r.health, now);
    let _ = write!(h, r#"</td><td><span class="{class}" title=""#);
    attr(&title, &mut h);
    let _ = write!(h, r#"" data-testid="health-{id}">"#);
    text(&health_text(&r.health, now), &mut h);
    h.push_str("</span></td><td>");
    if r.delete.is_ok() {
        let _ = write!(h, r#"<button class="btn small" data-testid="delete-{id}" data-delete="{id}" aria-label="Delete "#);
        attr(&r.name, &mut h);
        h.push_str(r#"">Delete</button>"#);
    }
    h.push_str("</td>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipedrive_webhooks::health::Health;
    use pipedrive_webhooks::{DenyReason, WebhookType};

    fn row(name: &str, url: &str) -> Row {
        Row {
            id: 7,
            name: name.into(),
            action: "change".into(),
            object: "deal".into(),
            url: url.into(),
            kind: WebhookType::Application,
            owner: "Ana · Acme".into(),
            user_id: Some(1),
            version: "2.0".into(),
            active: Some(true),
            added: None,
            last_delivery: None,
            last_status: None,
            health: Health::Healthy,
            delete: Ok(()),
            auth_user: None,
            auth_password: None,
            ban_counter: None,
            raw: serde_json::Value::Null,
        }
    }

    #[test]
    fn names_and_urls_from_the_network_are_escaped() {
        let html = row_cells(&row(r#"<img src=x onerror="alert(1)">"#, r#"https://x.test/"><script>"#), 0, false);
        assert!(!html.contains("<img") && !html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") || html.contains("&lt;img src=x onerror=\"alert(1)\"&gt;"), "{html}");
        assert!(html.contains(r#"title="https://x.test/&quot;&gt;&lt;script&gt;""#) || html.contains(r#"title="https://x.test/&quot;>&lt;script>""#), "{html}");
    }

    #[test]
    fn a_locked_row_has_no_checkbox_or_delete_button() {
        let mut r = row("a", "https://x.test");
        r.delete = Err(DenyReason::OtherAppsWebhook);
        let html = row_cells(&r, 0, false);
        assert!(html.contains(r#"data-testid="lock-7""#) && !html.contains("data-select") && !html.contains("data-delete"), "{html}");
        let mine = row_cells(&row("a", "https://x.test"), 0, true);
        assert!(mine.contains(r#"data-select="7" checked"#) && mine.contains(r#"data-delete="7""#), "{mine}");
    }

    #[test]
    fn long_urls_are_cut_in_the_middle() {
        assert_eq!(cut_middle("https://hooks.example.com/receiver/123", 24), "https://hooks.ex…ver/123");
        assert_eq!(cut_middle("short", 24), "short");
    }
}
