//! Deliveries, like GitHub's "Recent deliveries": every attempt with its time, webhook, event,
//! attempt number, status or timeout, duration, whether it counted toward the ban (R11) and whether
//! it started one (R12), the request that was sent, and a Redeliver button. From the emulator's log
//! (`/_emulator/deliveries`, refreshed while the page is visible) or the sandbox's own.

use crate::components::RuleText;
use crate::format::{absolute, relative};
use crate::row_html::rule_html;
use crate::state::Panel;
use leptos::prelude::*;
use pipedrive_webhooks::emulator_api::{control_url, decode_deliveries, timeout_text};
use pipedrive_webhooks::sandbox::LogResult;
use pipedrive_webhooks::{Millis, Policy};

/// One attempt, whichever log it comes from.
#[derive(Debug, Clone, PartialEq)]
struct Attempt {
    /// The emulator's delivery id, or the sandbox log position (newest first).
    key: u64,
    at: Millis,
    webhook_id: u64,
    /// `action.object` (`change.deal`); the emulator's event id when it did not say.
    event: String,
    /// The event id: the same for every attempt and every webhook of one event.
    event_id: String,
    attempt: u8,
    outcome: String,
    success: bool,
    sent: bool,
    duration_ms: Millis,
    counted: bool,
    ban_until: Option<Millis>,
    redelivery: bool,
    note: Option<&'static str>,
    body: Option<String>,
    headers: Vec<(String, String)>,
    /// What Redeliver needs: the emulator's delivery id, or the sandbox's (webhook, event).
    redeliver: Redeliver,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Redeliver {
    Emulator(u64),
    Sandbox(u64, u64),
}

fn sandbox_attempts(panel: &Panel) -> Vec<Attempt> {
    panel.sandbox.with(|s| {
        s.log()
            .take(500)
            .enumerate()
            .map(|(i, l)| {
                let (outcome, sent) = match &l.result {
                    LogResult::Status { code } => (format!("HTTP {code}"), true),
                    LogResult::Timeout => ("timeout (no answer in 10 s)".into(), true),
                    LogResult::Refused => ("connection refused".into(), true),
                    LogResult::Lost { .. } => ("lost: banned (R12)".into(), false),
                    LogResult::Dropped => ("dropped: deleted (R13)".into(), false),
                };
                Attempt {
                    key: i as u64,
                    at: l.at,
                    webhook_id: l.webhook_id,
                    event: l.event.clone(),
                    event_id: l.event_id.to_string(),
                    attempt: l.attempt,
                    outcome,
                    success: l.success,
                    sent,
                    duration_ms: l.duration_ms,
                    counted: l.counted,
                    ban_until: l.ban_until,
                    redelivery: l.redelivery,
                    note: None,
                    body: None,
                    headers: Vec::new(),
                    redeliver: Redeliver::Sandbox(l.webhook_id, l.event_id),
                }
            })
            .collect()
    })
}

/// The table's rows as escaped HTML text (every value comes from the network or the log).
fn rows_html(list: &[Attempt], now: Millis, open: Option<u64>) -> String {
    use html_escape::encode_text_to_string as text;
    use std::fmt::Write;
    let mut h = String::with_capacity(list.len() * 400);
    for a in list {
        let key = a.key;
        // `data-at`: the page's clock rewrites this cell's relative time every second.
        let _ = write!(h, r#"<tr data-testid="delivery-{key}"{}><td data-at="{}" title=""#, if a.success { "" } else { r#" class="fail""# }, a.at);
        text(absolute(a.at), &mut h);
        h.push_str(r#"">"#);
        text(relative(a.at, now), &mut h);
        let _ = write!(h, r#"</td><td><a href="/webhooks/{0}">#{0}</a></td><td><code class="event-id" title="event id "#, a.webhook_id);
        html_escape::encode_double_quoted_attribute_to_string(&a.event_id, &mut h);
        h.push_str(r#"">"#);
        text(&a.event, &mut h);
        h.push_str("</code>");
        if a.redelivery {
            let _ = write!(h, r#" <span class="badge dup" data-testid="redelivery-{key}">redelivery</span>"#);
        }
        let _ = write!(h, r#"</td><td>{} of 4</td><td class="result" data-testid="delivery-result-{key}">"#, a.attempt);
        rule_html(&a.outcome, &mut h);
        if let Some(n) = a.note {
            h.push_str(r#"<span class="sub">"#);
            rule_html(n, &mut h);
            h.push_str("</span>");
        }
        h.push_str("</td><td>");
        if a.sent {
            let _ = write!(h, "{} ms", a.duration_ms);
        } else {
            h.push('—');
        }
        let _ = write!(h, "</td><td>{}</td><td>", if a.counted { "counted" } else { "—" });
        match a.ban_until {
            Some(u) => {
                let _ = write!(h, "until {}", crate::format::clock(u));
            }
            None => h.push('—'),
        }
        h.push_str(r#"</td><td class="actions-cell">"#);
        if a.body.is_some() {
            let _ = write!(h, r#"<button class="btn small" data-request data-key="{key}" data-testid="show-request-{key}" aria-expanded="{}">Request</button> "#, open == Some(key));
        }
        let _ = write!(h, r#"<button class="btn small" data-key="{key}" data-testid="redeliver-{key}">Redeliver</button></td></tr>"#);
        if open == Some(key) {
            let _ = write!(h, r#"<tr class="request-row"><td colspan="9"><pre data-testid="request-{key}">"#);
            for (k, v) in &a.headers {
                // Masked here too: a log is never where a secret should be read (R14).
                let v = if k.eq_ignore_ascii_case("authorization") { v.split(' ').next().map(|s| format!("{s} ••••")).unwrap_or_default() } else { v.clone() };
                text(format!("{k}: {v}\n"), &mut h);
            }
            h.push('\n');
            let body = a.body.as_deref().unwrap_or("");
            let pretty = serde_json::from_str::<serde_json::Value>(body).ok().and_then(|v| serde_json::to_string_pretty(&v).ok()).unwrap_or_else(|| body.to_string());
            text(pretty, &mut h);
            h.push_str("</pre></td></tr>");
        }
    }
    h
}

#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let remote = RwSignal::new(None::<Result<Vec<Attempt>, String>>);
    // The filters live in the URL (`/deliveries?webhook=3&result=failed`): a filtered log can be
    // shared and survives a reload. Written with `replaceState` (not a new history entry), not on
    // the first run (the URL already holds them).
    let webhook_filter = RwSignal::new(crate::nav::query("webhook").unwrap_or_default());
    let result_filter = RwSignal::new(crate::nav::query("result").unwrap_or_default());
    Effect::new(move |first: Option<()>| {
        let (w, r) = (webhook_filter.get(), result_filter.get());
        if first.is_none() {
            return;
        }
        crate::nav::replace_url(&crate::nav::with_query("/deliveries", &[("webhook", w), ("result", r)]));
    });
    let open = RwSignal::new(None::<u64>);
    let paused = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);

    let base = move || panel.live_connection().map(|c| c.base_url);
    let load = move || {
        let Some(url) = untrack(base).and_then(|b| control_url(&b, "deliveries")) else { return };
        leptos::task::spawn_local(async move {
            let got = match crate::live::get_bytes(&url).await {
                None => Err("the emulator did not answer: is it running, and does it allow this page (--allow-origin)?".to_string()),
                Some(body) => decode_deliveries(&body).map(|log| {
                    // A timeout row says the 10 s were the emulator's (maybe scaled) clock's.
                    let scale = panel.server_clock.get_untracked().map_or(1.0, |(c, _)| c.time_scale);
                    let timed_out = if scale == 1.0 { "timeout (no answer in 10 s)".to_string() } else { format!("timed out ({})", timeout_text(Policy::default().timeout_ms, scale)) };
                    log.into_iter()
                        .rev()
                        .map(|d| {
                            let sent = !matches!(d.result.as_str(), "lost" | "dropped");
                            let outcome = match (d.result.as_str(), d.status) {
                                (_, Some(code)) => format!("HTTP {code}"),
                                ("timeout", _) => timed_out.clone(),
                                ("refused", _) => "connection refused".into(),
                                ("lost", _) => "lost: banned (R12)".into(),
                                ("dropped", _) => "dropped: deleted (R13)".into(),
                                (other, _) => other.to_string(),
                            };
                            let note = if d.after_deletion {
                                Some("ended after its webhook was deleted: changed nothing (R13)")
                            } else if d.during_ban {
                                Some("ended during a ban it was in flight at: the ban counter stays frozen (R12); a success still stops the deletion clock (R13)")
                            } else {
                                None
                            };
                            Attempt {
                                key: d.id,
                                at: d.at,
                                webhook_id: d.webhook_id,
                                event: if d.event.is_empty() { d.event_id.clone() } else { d.event.clone() },
                                event_id: d.event_id.clone(),
                                attempt: d.attempt,
                                outcome,
                                success: d.success,
                                sent,
                                duration_ms: d.duration_ms,
                                counted: d.counted,
                                ban_until: d.ban_until,
                                redelivery: d.redelivery,
                                note,
                                body: d.request_body,
                                headers: d.request_headers,
                                redeliver: Redeliver::Emulator(d.id),
                            }
                        })
                        .collect()
                }),
            };
            remote.set(Some(got));
        });
    };
    load();
    // The emulator's log refreshes every 2 s while the page is visible, unless paused.
    crate::timers::every(2_000, move || {
        if !paused.get_untracked() && !panel.is_sandbox() && document().visibility_state() == web_sys::VisibilityState::Visible {
            load();
        }
    });

    // Relative times tick: a refresh that brings nothing new redraws nothing (the list is equal),
    // so the time cells are rewritten in place every second, against the clock rules are judged
    // at (the emulator's, scaled; the sandbox's own).
    crate::timers::every(1_000, move || {
        let Some(body) = document().query_selector("[data-testid=deliveries-table] tbody").ok().flatten() else { return };
        let now = untrack(|| panel.now());
        let rows = body.children();
        for i in 0..rows.length() {
            let Some(cell) = rows.item(i).and_then(|r| r.first_element_child()) else { continue };
            if let Some(at) = cell.get_attribute("data-at").and_then(|a| a.parse::<Millis>().ok()) {
                let text = relative(at, now);
                if cell.text_content().as_deref() != Some(text.as_str()) {
                    cell.set_text_content(Some(&text));
                }
            }
        }
    });

    let all = Memo::new(move |_| if panel.is_sandbox() { Ok(sandbox_attempts(&panel)) } else { remote.get().unwrap_or(Ok(Vec::new())) });
    let shown = Memo::new(move |_| {
        let (w, r) = (webhook_filter.get(), result_filter.get());
        all.get().map(|list| {
            list.into_iter()
                .filter(|a| w.is_empty() || a.webhook_id.to_string() == w)
                .filter(|a| match r.as_str() {
                    "success" => a.success,
                    "failed" => a.sent && !a.success,
                    "not_sent" => !a.sent,
                    "counted" => a.counted,
                    _ => true,
                })
                .collect::<Vec<_>>()
        })
    });
    let webhook_ids = Memo::new(move |_| {
        let mut ids: Vec<u64> = all.get().map(|l| l.iter().map(|a| a.webhook_id).collect()).unwrap_or_default();
        ids.sort_unstable();
        ids.dedup();
        ids
    });

    let redeliver = move |r: Redeliver| match r {
        Redeliver::Sandbox(w, e) => {
            let mut result = Ok(());
            panel.sandbox.update(|s| result = s.redeliver(w, e));
            match result {
                Ok(()) => panel.notify(format!("Redelivered to #{w}: a new attempt chain")),
                Err(e) => message.set(Some(e)),
            }
        }
        Redeliver::Emulator(id) => {
            let Some(url) = untrack(base).and_then(|b| control_url(&b, &format!("deliveries/{id}/redeliver"))) else { return };
            leptos::task::spawn_local(async move {
                match crate::live::post_json(&url, "{}".into()).await {
                    Some((200..=299, _)) => {
                        panel.notify(format!("Redelivered delivery {id}: a new attempt chain"));
                        message.set(None);
                        load();
                    }
                    Some((status, body)) => {
                        message.set(Some(format!("Redeliver failed (HTTP {status}): {}", crate::live::error_text(&body))));
                    }
                    None => message.set(Some("the emulator did not answer".into())),
                }
            });
        }
    };

    view! {
        <h1>"Deliveries"</h1>
        <p class="lead">{move || if panel.is_sandbox() {
            "Every attempt the sandbox made, newest first. Redeliver sends an event again as a fresh attempt chain (Pipedrive itself cannot)."
        } else {
            "Every attempt the emulator made, newest first, refreshed every 2 s while this page is visible. Redeliver sends an event again as a fresh attempt chain (Pipedrive itself cannot)."
        }}</p>
        {move || panel.server_clock.get().filter(|_| panel.is_emulator()).map(|(clock, _)| view! {
            <p class="timeout-note" data-testid="deliveries-timeout"><RuleText text=format!(
                "Timeout (R9): {}{}",
                timeout_text(Policy::default().timeout_ms, clock.time_scale),
                if clock.time_scale == 1.0 { "." } else { ": a receiver slower than that fails every delivery here, though it passes the receiver check (10 s of real time, as Pipedrive)." }
            )/></p>
        })}
        {move || (!panel.is_sandbox() && !panel.is_emulator()).then(|| view! {
            <p class="notice" role="status" data-testid="deliveries-not-emulator">"Pipedrive shows no delivery log: this page shows the sandbox's or a local emulator's. Switch to the sandbox, or connect to an emulator (cargo xtask emulate)."</p>
        })}
        <div class="filters">
            <label class="field-inline">"Webhook "
                <select data-testid="deliveries-webhook" prop:value=move || webhook_filter.get() on:change=move |ev| webhook_filter.set(event_target_value(&ev))>
                    <option value="">"All"</option>
                    {move || webhook_ids.get().into_iter().map(|id| view! { <option value=id.to_string() selected=move || webhook_filter.get() == id.to_string()>{format!("#{id}")}</option> }).collect_view()}
                </select>
            </label>
            <label class="field-inline">"Result "
                <select data-testid="deliveries-result" prop:value=move || result_filter.get() on:change=move |ev| result_filter.set(event_target_value(&ev))>
                    <option value="">"All"</option>
                    <option value="success">"Delivered (2xx)"</option>
                    <option value="failed">"Failed"</option>
                    <option value="counted">"Counted toward a ban"</option>
                    <option value="not_sent">"Not sent (lost or dropped)"</option>
                </select>
            </label>
            {move || (!panel.is_sandbox()).then(|| view! {
                <button class="btn small" data-testid="deliveries-pause" aria-pressed=move || paused.get().to_string() on:click=move |_| paused.update(|p| *p = !*p)>
                    {move || if paused.get() { "Resume refresh" } else { "Pause refresh" }}
                </button>
            })}
        </div>
        {move || message.get().map(|m| view! { <p class="error-banner" role="alert" data-testid="deliveries-error">{m}</p> })}
        {move || {
            // Rows are redrawn as HTML text (a refresh, Request, Redeliver): keep the keyboard's place.
            crate::components::refocus_soon(crate::components::focused_testid());
            match shown.get() {
            Err(e) => view! { <div class="error-state" role="alert" data-testid="deliveries-load-error"><strong>{e}</strong></div> }.into_any(),
            Ok(list) if list.is_empty() && all.with(|a| a.as_ref().is_ok_and(|a| !a.is_empty())) => view! {
                <div class="empty" data-testid="deliveries-no-match">
                    <p>"No deliveries match these filters."</p>
                    <button class="btn small" data-testid="deliveries-clear-filters" on:click=move |_| { webhook_filter.set(String::new()); result_filter.set(String::new()); }>"Clear filters"</button>
                </div>
            }.into_any(),
            Ok(list) if list.is_empty() => view! {
                <div class="empty" data-testid="deliveries-empty"><p>{if panel.is_sandbox() { "No deliveries yet: trigger an event on the Sandbox tools page." } else { "No deliveries yet: POST an event to /_emulator/events." }}</p></div>
            }.into_any(),
            Ok(list) => {
                let now = panel.now();
                let html = rows_html(&list, now, open.get());
                // Keyed by the row's key: the click handler finds what to redeliver or show.
                let targets: Vec<(u64, Redeliver)> = list.iter().map(|a| (a.key, a.redeliver)).collect();
                view! {
                    <table class="log deliveries" data-testid="deliveries-table">
                        <thead><tr>
                            <th scope="col">"Time"</th><th scope="col">"Webhook"</th><th scope="col">"Event"</th><th scope="col">"Attempt"</th>
                            <th scope="col">"Result"</th><th scope="col">"Duration"</th><th scope="col">"Ban counter (R11)"</th><th scope="col">"Ban (R12)"</th>
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr></thead>
                        // Rows as escaped HTML text with one delegated listener: a view per row and
                        // per cell cost the panel's size budget more than this page is worth.
                        <tbody inner_html=html on:click=move |ev| {
                            let Some(target) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok()) else { return };
                            let Some(button) = target.closest("button[data-key]").ok().flatten() else { return };
                            let Some(key) = button.get_attribute("data-key").and_then(|k| k.parse::<u64>().ok()) else { return };
                            if button.has_attribute("data-request") {
                                open.update(|o| *o = if *o == Some(key) { None } else { Some(key) });
                            } else if let Some((_, r)) = targets.iter().find(|(k, _)| *k == key) {
                                redeliver(*r);
                            }
                        }></tbody>
                    </table>
                }.into_any()
            }
        }}}
    }
}
