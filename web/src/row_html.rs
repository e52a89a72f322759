//! A webhooks-table row's cells as HTML text.
//!
//! Why text: the list must show a thousand rows fast. Built as Leptos views, each row cost ~0.6 ms
//! of element, attribute and listener calls across the wasm boundary (0.6 s for 1,000 rows); as text,
//! the browser's parser builds the cells natively (`row_list` parses all new rows at once). The
//! table's one delegated listener handles the checkboxes and buttons (`data-select`,
//! `data-delete`). Every value is escaped: names and URLs come from the network.

use crate::components::{health_class_title, health_text, type_class, LOCK_SVG};
use crate::format::{absolute, relative};
use crate::rows::Row;
use html_escape::{encode_double_quoted_attribute_to_string as attr, encode_text_to_string as text};
use pipedrive_webhooks::wire::LastHttpStatus;
use pipedrive_webhooks::Millis;
use std::fmt::Write;

/// A URL for a table cell, as two lines: the host with its port (a local receiver's port is what
/// tells them apart; a host longer than `max` is cut in its middle, the port always kept), and the
/// path cut in the middle. The full URL goes in the tooltip.
pub fn url_lines(url: &str, max: usize) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (authority, path) = rest.find(['/', '?', '#']).map_or((rest, ""), |i| rest.split_at(i));
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i + 1..].is_empty() && authority[i + 1..].bytes().all(|b| b.is_ascii_digit()) => authority.split_at(i),
        _ => (authority, ""),
    };
    let host = cut_middle(host, max.saturating_sub(port.chars().count()).max(4));
    (format!("{host}{port}"), cut_middle(path, max))
}

/// `text` as escaped HTML with its rule numbers linked to the Rules page, as `RuleText` does.
pub fn rule_html(source: &str, out: &mut String) {
    for (part, is_rule) in pipedrive_webhooks::rules::split_rule_numbers(source) {
        if is_rule {
            let title = pipedrive_webhooks::rules::rule(part).map(|r| format!("{}: {}", r.id, r.title)).unwrap_or_default();
            out.push_str(&format!("<a class=\"rule-link\" href=\"/rules#{}\" title=\"", part.to_ascii_lowercase()));
            attr(&title, out);
            out.push_str("\">");
            text(part, out);
            out.push_str("</a>");
        } else {
            text(part, out);
        }
    }
}

/// Middle-cut for long text.
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
    h.push_str("</a>");
    if !r.listed {
        let _ = write!(
            h,
            r#" <span class="badge unlisted" data-testid="unlisted-{id}" title="This caller would not see it in GET /v1/webhooks (R5): only the sandbox shows the whole company">not listed</span>"#
        );
    }
    if let Some(original) = r.duplicate_of {
        let _ = write!(
            h,
            r#" <a class="badge dup" href="/webhooks/{original}" data-testid="dup-{id}" title="Same URL, event, version and user as #{original}: every event is delivered to both, and each takes a quota slot (R2)">duplicate of #{original}</a>"#
        );
    }
    h.push_str(r#"</td><td class="col-event"><code>"#);
    text(r.event(), &mut h);
    // A space, so a long event can put its version on the next line (and a reader hears two words).
    h.push_str(r#"</code> <span class="ver" title="Payload version">v"#);
    text(r.version.trim_end_matches(".0"), &mut h);
    h.push_str(r#"</span></td><td><code class="url" title=""#);
    attr(&r.url, &mut h);
    h.push_str(r#""><span class="host">"#);
    let (host, path) = url_lines(&r.url, 21);
    text(host, &mut h);
    h.push_str(r#"</span><span class="path">"#);
    text(path, &mut h);
    h.push_str("</span>");
    let _ = write!(h, r#"</code></td><td><span class="{}" data-testid="type-{id}">"#, type_class(&r.kind));
    text(r.kind.as_str(), &mut h);
    h.push_str(r#"</span></td><td class="muted col-owner" title=""#);
    attr(&r.owner, &mut h);
    h.push_str(r#"">"#);
    // The user, and under it the owning app (for app webhooks): both visible at every width.
    let (user, app) = r.owner.split_once(" · ").unwrap_or((&r.owner, ""));
    text(user, &mut h);
    if !app.is_empty() {
        h.push_str(r#"<span class="sub">"#);
        text(app, &mut h);
        h.push_str("</span>");
    }
    h.push_str(r#"</td><td class="last" title=""#);
    attr(r.last_delivery.map(absolute).unwrap_or_default(), &mut h);
    h.push_str(r#"">"#);
    text(r.last_delivery.map(|t| relative(t, now)).unwrap_or_else(|| "never".into()), &mut h);
    match &r.last_status {
        Some(LastHttpStatus::Code(c)) => {
            let _ = write!(h, " · {c}");
        }
        // "Error (timeout or blocked)" or Pipedrive's own text, on a line of its own.
        Some(other) => {
            h.push_str(r#"<span class="status">"#);
            text(other.text(), &mut h);
            h.push_str("</span>");
        }
        None => {}
    }
    let (class, title) = health_class_title(&r.health, now);
    let _ = write!(h, r#"</td><td class="col-health"><span class="{class}" title=""#);
    attr(&title, &mut h);
    let _ = write!(h, r#"" data-testid="health-{id}">"#);
    text(health_text(&r.health, now), &mut h);
    h.push_str("</span></td><td>");
    if r.delete.is_ok() {
        let _ = write!(h, r#"<button class="btn small" data-testid="delete-{id}" data-delete="{id}" aria-label="Delete "#);
        attr(&r.name, &mut h);
        h.push_str(r#"">Delete</button>"#);
    }
    h.push_str("</td>");
    h
}
