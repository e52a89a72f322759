//! Events (`/events`): the core's catalog of every event Pipedrive sends, per version. Per entry:
//! both versions' example bodies (copyable, exactly as Pipedrive sends them), the subscription body
//! to POST, the rules every delivery runs under, the shape notes, and "Send to my receiver"
//! (the emulator's trigger, or the sandbox's log). Its data is `catalog::events`, never a copy.

//!
//! The list and the open entry are HTML text with one delegated listener (`data-open`, `data-copy`,
//! `data-go`, `data-send`), as the Deliveries and Webhooks tables: as views they cost the panel's
//! size budget about twice as much. Every text is escaped.

use crate::nav::{query, replace_url, with_query};
use crate::pages::detail::copy;
use crate::row_html::rule_html;
use crate::state::Panel;
use html_escape::encode_text_to_string as text;
use leptos::prelude::*;
use pipedrive_webhooks::catalog::{events, example_delivery, CatalogEntry, ExampleOptions};
use pipedrive_webhooks::emulator_api::control_url;
use pipedrive_webhooks::{PayloadVersion, MINUTE, SECOND};
use std::fmt::Write;

/// The address of `event`'s entry in `version`: `/events?event=change.deal&version=2.0`.
pub fn entry_href(event: &str, version: PayloadVersion) -> String {
    with_query("/events", &[("event", event.into()), ("version", version.as_str().into())])
}

/// Compact JSON text indented for reading by the browser's own `JSON` (keys keep Pipedrive's
/// order: none is an integer); Copy copies the compact text. Unparsable text is shown as is.
fn pretty(json: &str) -> String {
    js_sys::JSON::parse(json)
        .ok()
        .and_then(|v| js_sys::JSON::stringify_with_replacer_and_space(&v, &wasm_bindgen::JsValue::NULL, &2.into()).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| json.to_string())
}

/// Scrolls the open entry into view once it is drawn.
fn scroll_to_open() {
    set_timeout(
        || {
            if let Ok(Some(el)) = document().query_selector("[data-testid=events-list] [aria-expanded=true]") {
                el.scroll_into_view();
            }
        },
        std::time::Duration::ZERO,
    );
}

/// The rules every delivery runs under, with the policy's numbers.
fn rule_lines(panel: Panel) -> [String; 5] {
    let p = panel.policy();
    let d = p.retry_delays_ms.map(|ms| ms / SECOND);
    [
        format!("R9: delivered only on a 2xx answer within {} s.", p.timeout_ms / SECOND),
        format!("R10: a failure is retried after {} s, {} s and {} s; after that, one failed delivery.", d[0], d[1], d[2]),
        format!("R11, R12: {} failed first attempts ban the webhook for {} min (events meanwhile are lost).", p.ban_threshold, p.ban_duration_ms / MINUTE),
        format!("R13: deleted after {} h without a successful delivery.", p.deletion_after_ms / (60 * MINUTE)),
        "R14: Basic auth, when set, comes with every delivery.".into(),
    ]
}

/// The body Pipedrive would POST for `e` (compact, as sent).
fn body(e: &CatalogEntry) -> String {
    example_delivery(&e.event, e.version, &ExampleOptions::default()).unwrap_or_else(|err| err.to_string())
}

/// The subscription body to POST for `e`, in its version's words (`name` is required since 2025).
fn subscription(e: &CatalogEntry) -> String {
    format!(
        r#"{{"subscription_url": "https://hooks.yourapp.example/pipedrive", "event_action": "{}", "event_object": "{}", "name": "{} to my app", "version": "{}"}}"#,
        e.action.as_str(),
        e.object,
        e.event,
        e.version.as_str()
    )
}

/// `v2` for the test ids.
fn short(v: PayloadVersion) -> &'static str {
    &v.as_str()[..1]
}

/// One version's column: the subscription body and the example delivery (each with Copy) and the
/// shape notes of that version, or why there is none. `i` is the entry's index in the catalog.
fn column(h: &mut String, v: PayloadVersion, entry: Option<(usize, &CatalogEntry)>) {
    let (n, s) = (v.as_str(), short(v));
    let Some((i, e)) = entry else {
        let _ = write!(h, r#"<section><h2>v{n}</h2><p class="muted" data-testid="body-v{s}">Pipedrive sends no v{n} version of this event.</p></section>"#);
        return;
    };
    let _ = write!(h, r#"<section><h2>v{n}: {}</h2><p class="col-head">Subscribe (POST /v1/webhooks)<button class="btn small" data-copy="s{i}" data-testid="copy-subscribe-v{s}">Copy</button></p><pre tabindex="0" aria-label="v{n} subscription body" data-testid="subscribe-v{s}">"#, e.event);
    text(pretty(&subscription(e)), h);
    let _ = write!(h, r#"</pre><p class="col-head">Example delivery<button class="btn small" data-copy="b{i}" data-testid="copy-body-v{s}">Copy</button></p><pre tabindex="0" aria-label="v{n} example delivery" data-testid="body-v{s}">"#);
    text(pretty(&body(e)), h);
    h.push_str(r#"</pre><h3>Shape notes</h3><ul data-testid="event-notes-v"#);
    h.push_str(s);
    h.push_str(r#"">"#);
    for n in &e.notes {
        h.push_str("<li>");
        text(n, h);
        h.push_str("</li>");
    }
    h.push_str("</ul></section>");
}

/// The open entry `i`: description, counterpart, both versions (with their notes), rules, and Send.
fn detail(h: &mut String, all: &[CatalogEntry], i: usize, panel: Panel, sent: Option<String>) {
    let e = &all[i];
    let other = e.counterpart.as_ref().and_then(|c| all.iter().position(|o| &o.event == c && o.version != e.version));
    h.push_str(r#"<div class="event-detail" data-testid="event-detail"><p>"#);
    text(&e.description, h);
    if let Some(j) = other {
        let _ = write!(h, r#" In v{}: <button class="btn small" data-go="{j}" data-testid="counterpart">{}</button>"#, all[j].version.as_str(), all[j].event);
    }
    h.push_str(r#"</p><div class="event-cols">"#);
    let pair = |v| if e.version == v { Some((i, e)) } else { other.map(|j| (j, &all[j])) };
    column(h, PayloadVersion::V2, pair(PayloadVersion::V2));
    column(h, PayloadVersion::V1, pair(PayloadVersion::V1));
    h.push_str(r#"</div><section><h2>Rules every delivery runs under</h2><ul data-testid="event-rules">"#);
    for r in rule_lines(panel) {
        h.push_str("<li>");
        rule_html(&r, h);
        h.push_str("</li>");
    }
    h.push_str(r#"</ul><a href="/rules">All the rules</a></section><div class="toolbar">"#);
    if panel.is_sandbox() || panel.is_emulator() {
        let _ = write!(h, r#"<button class="btn primary" data-send="{i}" data-testid="send-event">Send to my receiver</button>"#);
    } else {
        h.push_str(r#"<p class="muted" data-testid="send-unavailable">Pipedrive offers no way to trigger an event: make a real change in Pipedrive (edit a deal, say) to get one.</p>"#);
    }
    h.push_str(r#"<span data-testid="send-result">"#);
    if let Some(t) = sent {
        text(&t, h);
        if t.ends_with("see ") {
            h.push_str(r#"<a href="/deliveries">Deliveries</a>"#);
        }
    }
    h.push_str("</span></div></div>");
}

/// The index of `event` in `version` in `all`.
fn position(all: &[CatalogEntry], event: &str, version: PayloadVersion) -> Option<u64> {
    all.iter().position(|e| e.event == event && e.version == version).map(|i| i as u64)
}

/// A filter's `<option>`s: all (the empty value) first, then each distinct value in catalog order.
fn options_html(first: &str, values: impl Iterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    let mut h = format!(r#"<option value="">{first}</option>"#);
    for v in values {
        if !seen.contains(&v) {
            let _ = write!(h, r#"<option value="{v}">{v}</option>"#);
            seen.push(v);
        }
    }
    h
}

#[component]
pub fn EventsPage() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let catalog = events(None);
    let total = catalog.len();
    let signal = |key| RwSignal::new(query(key).unwrap_or_default());
    let (object, action, version, search) = (signal("object"), signal("action"), signal("v"), signal("q"));
    // The open entry, by its index in the catalog.
    let open = RwSignal::new(query("event").and_then(|ev| position(&catalog, &ev, query("version").and_then(|v| PayloadVersion::parse(&v)).unwrap_or_default())));
    // What "Send to my receiver" answered (ending in "see " when it reached the Deliveries page).
    let sent = RwSignal::new(None::<String>);
    // The filters and the open entry live in the URL (replaced, not a history entry).
    Effect::new(move |first: Option<()>| {
        let (e, v) = open.get().map(|i| events(None).swap_remove(i as usize)).map(|e| (e.event, e.version.as_str().to_string())).unwrap_or_default();
        let pairs = [("object", object.get()), ("action", action.get()), ("v", version.get()), ("q", search.get()), ("event", e), ("version", v)];
        if first.is_some() {
            replace_url(&with_query("/events", &pairs));
        }
    });
    let shown = Memo::new(move |_| {
        let (o, a, v, q) = (object.get(), action.get(), version.get(), crate::rows::needle(&search.get()));
        (0..)
            .zip(events(None))
            .filter(|(_, e)| {
                (o.is_empty() || e.object == o) && (a.is_empty() || e.action.as_str() == a) && (v.is_empty() || e.version.as_str() == v)
                    && (q.is_empty() || [&e.event, &e.description].into_iter().chain(&e.notes).any(|t| crate::rows::lower(t).contains(&q)))
            })
            .map(|(i, _)| i)
            .collect::<Vec<u64>>()
    });
    let clear = move || {
        for s in [object, action, version, search] {
            s.set(String::new());
        }
    };
    let select = |label: &'static str, id: &'static str, value: RwSignal<String>, options: String| {
        view! {
            <label>{label}" "
                <select data-testid=id inner_html=options prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))></select>
            </label>
        }
    };
    let objects = options_html("All", catalog.iter().map(|e| e.object.clone()));
    let actions = options_html("All", catalog.iter().map(|e| e.action.as_str().to_string()));
    let versions = options_html("Both", ["2.0", "1.0"].map(String::from).into_iter());

    // The answer shows beside the button and, for screen readers, in the toast (a live region):
    // the list is redrawn as HTML text, which a reader does not announce.
    let say = move |t: String| {
        panel.notify(t.trim_end_matches(": see ").to_string());
        sent.set(Some(t));
    };
    let send = move |e: CatalogEntry| {
        if panel.is_sandbox() {
            let mut reached = 0;
            panel.sandbox.update(|s| reached = s.trigger(e.action, &e.object));
            say(format!("{} reached {reached} webhook(s): see ", e.event));
            return;
        }
        let Some(url) = panel.live_connection().and_then(|c| control_url(&c.base_url, "trigger")) else { return };
        let body = format!(r#"{{"event":"{}"}}"#, e.event);
        leptos::task::spawn_local(async move {
            say(match crate::live::post_json(&url, body).await {
                Some((200..=299, b)) => {
                    let n = serde_json::from_slice::<serde_json::Value>(&b).ok().and_then(|v| v["webhooks"].as_array().map(Vec::len)).unwrap_or(0);
                    format!("{} reached {n} webhook(s): see ", e.event)
                }
                Some((status, b)) => format!("The emulator refused it (HTTP {status}): {}", crate::live::error_text(&b)),
                None => "The emulator did not answer.".into(),
            });
        });
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some(button) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok()).and_then(|t| t.closest("button").ok().flatten()) else { return };
        let data = |k| button.get_attribute(k);
        let index = |d: String| d.trim_start_matches(['s', 'b']).parse::<u64>().ok();
        let entry = |i: u64| events(None).swap_remove(i as usize);
        if data("data-clear").is_some() {
            clear();
        } else if let Some(i) = data("data-open").and_then(index) {
            sent.set(None);
            open.update(|o| *o = if *o == Some(i) { None } else { Some(i) });
        } else if let Some(i) = data("data-go").and_then(index) {
            // The counterpart's row shows even when the filters hid it.
            if !shown.with_untracked(|s| s.contains(&i)) {
                clear();
            }
            sent.set(None);
            open.set(Some(i));
            scroll_to_open();
        } else if let Some(d) = data("data-copy") {
            let subscribe = d.starts_with('s');
            let Some(e) = index(d).map(entry) else { return };
            if subscribe {
                copy(panel, "subscription body", subscription(&e));
            } else {
                copy(panel, "example body", body(&e));
            }
        } else if let Some(i) = data("data-send").and_then(index) {
            send(entry(i));
        }
    };
    if open.get_untracked().is_some() {
        scroll_to_open();
    }

    view! {
        <h1>"Events"</h1>
        <p class="lead">"Every event Pipedrive sends, per payload version, with the body it POSTs. Open one for both versions' bodies, its subscription and its quirks."</p>
        <div class="filters">
            {select("Object", "events-object", object, objects)}
            {select("Action", "events-action", action, actions)}
            {select("Version", "events-version", version, versions)}
            <input id="search" type="search" aria-label="Search events, descriptions and notes" placeholder="Search events, descriptions, notes  ( / )"
                data-testid="events-search" prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
        </div>
        <p class="muted" data-testid="events-count" role="status">{move || match shown.with(Vec::len) {
            n if n == total => format!("{total} events"),
            n => format!("{n} of {total} events"),
        }}</p>
        <div on:click=on_click inner_html=move || {
            // Redrawn as text on each change: keep the keyboard's place.
            crate::components::refocus_soon(crate::components::focused_testid());
            let (open, sent, all) = (open.get(), sent.get(), events(None));
            let mut h = String::from(r#"<ul class="catalog" data-testid="events-list">"#);
            for i in shown.get() {
                let e = &all[i as usize];
                let id = format!("{}-v{}", e.event, short(e.version));
                let _ = write!(h, r#"<li data-testid="event-{id}"><button class="event-row" aria-expanded="{}" data-open="{i}" data-testid="open-{id}"><code>{}</code><span class="badge">v{}</span><span class="muted">"#, open == Some(i), e.event, e.version.as_str());
                text(&e.description, &mut h);
                h.push_str("</span></button>");
                if open == Some(i) {
                    detail(&mut h, &all, i as usize, panel, sent.clone());
                }
                h.push_str("</li>");
            }
            h.push_str("</ul>");
            if shown.with(Vec::is_empty) {
                h.push_str(r#"<div class="empty" data-testid="events-no-match"><p>No event matches these filters.</p><button class="btn small" data-clear>Clear filters</button></div>"#);
            }
            h
        }></div>
    }
}
