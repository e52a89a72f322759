//! One webhook: every field, where it stands under the rules, its raw JSON, and (sandbox) its log.

use crate::components::{ConfirmDialog, HealthBadge, RuleText, TypeBadge};
use crate::format::{absolute, relative};
use crate::state::Panel;
use leptos::prelude::*;
use crate::nav::Nav;
use pipedrive_webhooks::health::Health;
use pipedrive_webhooks::sandbox::LogResult;
use pipedrive_webhooks::Rule;

pub(crate) fn copy(panel: Panel, what: &'static str, text: String) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(&text);
        panel.notify(format!("Copied the {what}"));
    }
}

/// `/webhooks/:id`; `id` is `None` when the path's id is not a number (shown as not found).
#[component]
pub fn DetailPage(id: Option<u64>) -> impl IntoView {
    let panel = expect_context::<Panel>();
    let nav = expect_context::<Nav>();
    let row = Memo::new(move |_| id.and_then(|id| panel.rows().into_iter().find(|r| r.id == id)));
    let confirm = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    view! {
        <p><a href="/">"← Webhooks"</a></p>
        {move || match row.get() {
            None => view! {
                <div class="empty" data-testid="not-found">
                    <h1>"No such webhook"</h1>
                    {match id {
                        Some(id) => view! { <p><RuleText text=format!("No webhook #{id} on this connection. It may have been deleted, removed with its app (R7, R8), or deleted after 72 h of failures (R13).")/></p> }.into_any(),
                        None => view! { <p>"A webhook's address is /webhooks/ followed by its id, a number."</p> }.into_any(),
                    }}
                </div>
            }.into_any(),
            Some(r) => {
                let now = panel.now();
                let id = r.id;
                let raw = serde_json::to_string_pretty(&mask(&r.raw)).unwrap_or_default();
                let url = r.url.clone();
                let standing = match r.health {
                    Health::Healthy => "Delivering normally (R9).".to_string(),
                    Health::NoDeliveries => "Nothing delivered yet: no event has matched it so far. It is neither failing nor healthy, and nothing predicts its deletion (R13).".to_string(),
                    Health::Banned { until: Some(u) } => format!("Banned until {} ({}): nothing is sent and events are lost (R12).", absolute(u), relative(u, now)),
                    Health::Banned { until: None } => "Inactive: Pipedrive reports it is not delivering (a ban, R12).".to_string(),
                    Health::Failing { since, deletion_at } => match deletion_at {
                        Some(at) => format!("Failing since {}; deleted at {} ({}) unless a delivery succeeds first (R13).", since.map(absolute).unwrap_or_default(), absolute(at), relative(at, now)),
                        None => "The last delivery failed (R9); 72 h without a success deletes it (R13).".to_string(),
                    },
                    Health::Deleted { at } => format!("Deleted at {} (R13).", absolute(at)),
                };
                let log: Vec<_> = if panel.is_sandbox() { panel.sandbox.with(|s| s.log().filter(|l| l.webhook_id == id).take(50).cloned().collect()) } else { Vec::new() };
                let delete_btn = match r.delete {
                    Ok(()) => view! { <button class="btn danger" data-testid="detail-delete" disabled=move || panel.api_blocked_now().is_some() on:click=move |_| confirm.set(true)>"Delete"</button> }.into_any(),
                    Err(reason) => view! { <p class="lock-reason" data-testid="detail-lock"><crate::components::LockIcon/>" "<RuleText text=reason.explain()/></p> }.into_any(),
                };
                let name = r.name.clone();
                view! {
                    <h1 data-testid="detail-name">{r.name.clone()}</h1>
                    <div class="detail">
                        <dl class="fields">
                            <dt>"Id"</dt><dd>{id}" "<button class="btn small" data-testid="copy-id" on:click=move |_| copy(panel, "id", id.to_string())>"Copy"</button></dd>
                            <dt>"Event"</dt><dd><code>{r.event()}</code></dd>
                            <dt>"URL"</dt><dd><code class="url">{url.clone()}</code>" "<button class="btn small" data-testid="copy-url" on:click=move |_| copy(panel, "URL", url.clone())>"Copy"</button></dd>
                            <dt>"Type"</dt><dd><TypeBadge kind=r.kind.clone() testid="detail-type"/></dd>
                            <dt>"Owner"</dt><dd>{r.owner.clone()}</dd>
                            <dt>"User id"</dt><dd>{r.user_id.map(|u| u.to_string()).unwrap_or_else(|| "—".into())}</dd>
                            <dt>"Version"</dt><dd>{r.version.clone()}</dd>
                            <dt>"Added"</dt><dd>{r.added.map(absolute).unwrap_or_else(|| "—".into())}</dd>
                            <dt>"Last delivery"</dt><dd>{r.last_delivery.map(absolute).unwrap_or_else(|| "never".into())}{r.last_status.as_ref().map(|s| format!(" · {}", s.text()))}</dd>
                            // Write-only: Pipedrive returns credentials as ciphertext, so only "set" is shown
                            // (the sandbox knows its own, and still shows only that: R14).
                            {r.basic_auth.then(|| view! {
                                <dt>"Basic auth"</dt>
                                <dd><span data-testid="basic-auth">"set"</span>" "<span class="muted">"(credentials are write-only: to change them, replace the webhook)"</span></dd>
                            })}
                        </dl>
                        <section class="standing card" aria-labelledby="standing-title">
                            <h2 id="standing-title">"Standing"</h2>
                            <p><HealthBadge health=r.health now=now testid="detail-health"/></p>
                            <p data-testid="standing"><RuleText text=standing/></p>
                            {r.ban_counter.map(|c| view! { <p data-testid="ban-counter"><RuleText text=format!("Ban counter: {c} / {} (R11)", panel.policy().ban_threshold)/></p> })}
                            <h3>"Rules that apply"</h3>
                            <ul class="rules-list">
                                {[Rule::R9, Rule::R10, Rule::R11, Rule::R12, Rule::R13].into_iter().map(|rule| view! {
                                    <li><RuleText text=rule.as_str()/>" "<RuleText text=rule.explain()/></li>
                                }).collect_view()}
                            </ul>
                            <div class="actions">
                                <a href=format!("/simulator?webhook={id}")>"Simulate this webhook"</a>
                                {delete_btn}
                            </div>
                            {move || error.get().map(|e| view! { <p class="error-banner" role="alert" data-testid="detail-error"><RuleText text=e/></p> })}
                        </section>
                    </div>
                    <details class="raw">
                        <summary>"Raw JSON"</summary>
                        <pre data-testid="raw-json">{raw}</pre>
                    </details>
                    {(!log.is_empty()).then(|| view! {
                        <h2>"Delivery log"</h2>
                        <table class="log" data-testid="detail-log">
                            <thead><tr><th>"Time"</th><th>"Event"</th><th>"Attempt"</th><th>"Result"</th><th>"Duration"</th><th>"Counted (R11)"</th></tr></thead>
                            <tbody>{log.into_iter().map(|l| view! {
                                <tr><td>{absolute(l.at)}</td><td><code>{l.event}</code></td><td>{l.attempt}</td><td>{result_text(&l.result)}</td>
                                    <td>{format!("{} ms", l.duration_ms)}</td><td>{if l.counted { "yes" } else { "no" }}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                    })}
                    {move || confirm.get().then(|| {
                                view! {
                        <ConfirmDialog title="Delete this webhook?" items=vec![format!("{name} (#{id})")] confirm_label="Delete"
                            on_confirm=move || {
                                confirm.set(false);
                                                leptos::task::spawn_local(async move {
                                    match panel.delete(id).await {
                                        Ok(()) => {
                                            panel.notify(format!("Deleted webhook #{id}"));
                                            nav.go("/")
                                        }
                                        Err(e) => error.set(Some(e.explain(crate::live::Doing::Delete))),
                                    }
                                });
                            }
                            on_cancel=move || confirm.set(false)/>
                    }})}
                }.into_any()
            }
        }}
    }
}

/// The raw JSON with the Basic-auth credentials shown as "(set)": never a password, nor the
/// ciphertext Pipedrive returns in their place (R14).
fn mask(v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    for field in ["http_auth_user", "http_auth_password"] {
        if let Some(p) = v.get_mut(field).filter(|p| !p.is_null() && p.as_str() != Some("")) {
            *p = serde_json::Value::String("(set)".into());
        }
    }
    v
}

/// A log result in words.
pub fn result_text(r: &LogResult) -> String {
    match r {
        LogResult::Status { code } => format!("HTTP {code}"),
        LogResult::Timeout => "timeout".into(),
        LogResult::Refused => "connection refused".into(),
        LogResult::Lost { banned_until } => format!("lost: banned until {}", crate::format::clock(*banned_until)),
        LogResult::Dropped => "dropped: deleted".into(),
    }
}
