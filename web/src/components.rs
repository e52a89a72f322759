//! Small shared pieces: badges, the quota meter, the confirmation dialog.

use crate::format::{absolute, clock, relative};
use leptos::prelude::*;
use pipedrive_webhooks::health::Health;
use pipedrive_webhooks::{Millis, Quota, WebhookType};

/// The type badge's class (R3): application blue, general grey, automation teal, unknown outlined.
pub fn type_class(kind: &WebhookType) -> &'static str {
    match kind {
        WebhookType::Application => "badge type-app",
        WebhookType::General => "badge type-general",
        WebhookType::Automation => "badge type-automation",
        WebhookType::Other(_) => "badge type-other",
    }
}

/// The type badge (R3).
#[component]
pub fn TypeBadge(kind: WebhookType, #[prop(into)] testid: String) -> impl IntoView {
    view! { <span class=type_class(&kind) data-testid=testid>{kind.as_str().to_string()}</span> }
}

/// The words a health badge shows.
pub fn health_text(h: &Health, now: Millis) -> String {
    match h {
        Health::Healthy => "healthy".into(),
        Health::NoDeliveries => "no deliveries yet".into(),
        Health::Banned { until: Some(u) } => format!("banned until {}", clock(*u)),
        Health::Banned { until: None } => "inactive (banned)".into(),
        Health::Failing { deletion_at: Some(at), .. } if h.deletion_due_within_a_day(now) => format!("deletion {}", relative(*at, now)),
        Health::Failing { .. } => "failing".into(),
        Health::Deleted { at } => format!("deleted {}", relative(*at, now)),
    }
}

/// The health badge's class and tooltip (the rule behind it).
pub fn health_class_title(health: &Health, now: Millis) -> (&'static str, String) {
    let class = match health {
        Health::Healthy => "badge health-ok",
        Health::NoDeliveries => "badge health-none",
        Health::Failing { .. } if health.deletion_due_within_a_day(now) => "badge health-deletion",
        Health::Failing { .. } => "badge health-failing",
        Health::Banned { .. } | Health::Deleted { .. } => "badge health-banned",
    };
    let title = match health {
        Health::Banned { until: Some(u) } => format!("R12: banned until {}; events meanwhile are lost", absolute(*u)),
        Health::Failing { deletion_at: Some(at), .. } => format!("R13: deleted at {} unless a delivery succeeds first", absolute(*at)),
        Health::Failing { .. } => "The last delivery failed (R9): an error status, or Error (a timeout or a blocked webhook)".into(),
        Health::NoDeliveries => "Nothing delivered yet: neither failing nor healthy, and nothing predicts a deletion (R13)".into(),
        _ => String::new(),
    };
    (class, title)
}

/// The health badge: the words carry the meaning, the colour repeats it.
#[component]
pub fn HealthBadge(health: Health, now: Millis, #[prop(into)] testid: String) -> impl IntoView {
    let (class, title) = health_class_title(&health, now);
    view! { <span class=class title=title data-testid=testid>{health_text(&health, now)}</span> }
}

/// "27 / 40" with a bar (R2).
#[component]
pub fn QuotaMeter(quota: Quota, #[prop(into)] label: String) -> impl IntoView {
    let pct = (u64::from(quota.used) * 100 / u64::from(quota.limit.max(1))).min(100);
    let class = if quota.used >= quota.limit { "meter full" } else if pct >= 80 { "meter high" } else { "meter" };
    let meter_label = format!("{}: {} of {}", label, quota.used, quota.limit);
    view! {
        <div class="quota" data-testid="quota">
            <span class="quota-label"><RuleText text=label/></span>
            <span class="quota-value" data-testid="quota-value">{format!("{} / {}", quota.used, quota.limit)}</span>
            <span class=class role="meter" aria-label=meter_label aria-valuemin="0" aria-valuemax=quota.limit aria-valuenow=quota.used>
                <span class="meter-fill" style=format!("width: {pct}%")></span>
            </span>
        </div>
    }
}

/// A modal confirmation listing what will happen: a native `<dialog>` shown modally, so focus
/// moves into it, Tab stays inside, the page behind is inert (no Delete button behind it can be
/// pressed) and Escape cancels. Focus goes back to what opened it when it closes.
#[component]
pub fn ConfirmDialog(
    #[prop(into)] title: String,
    items: Vec<String>,
    #[prop(into)] confirm_label: String,
    on_confirm: impl Fn() + 'static,
    on_cancel: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let opener = document().active_element();
    Effect::new(move |_| {
        if let Some(d) = dialog.get() {
            if !d.open() {
                let _ = d.show_modal();
            }
            // The safe choice first: Enter on a just-opened dialog cancels.
            if let Ok(Some(cancel)) = d.query_selector("[data-testid=confirm-cancel]") {
                let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(cancel).focus();
            }
        }
    });
    on_cleanup(move || {
        // Close first (removing an open modal dialog moves focus to the body), then give focus back
        // once the dialog is gone.
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
        if let Some(el) = opener.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()) {
            let _ = el.focus();
            set_timeout(move || { let _ = el.focus(); }, std::time::Duration::ZERO);
        }
    });
    let cancel = on_cancel.clone();
    view! {
        <dialog class="dialog" node_ref=dialog aria-labelledby="dialog-title" data-testid="confirm-dialog"
            on:cancel=move |ev: leptos::ev::Event| { ev.prevent_default(); cancel(); }>
            <h2 id="dialog-title">{title}</h2>
            <ul class="dialog-items">{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
            <div class="actions">
                <button class="btn" on:click=move |_| on_cancel() data-testid="confirm-cancel">"Cancel"</button>
                <button class="btn danger" on:click=move |_| on_confirm() data-testid="confirm-ok">{confirm_label}</button>
            </div>
        </dialog>
    }
}

/// The `data-testid` of the focused element, if any: what [`refocus_soon`] puts focus back on.
pub fn focused_testid() -> Option<String> {
    document().active_element().and_then(|el| el.get_attribute("data-testid"))
}

/// After a redraw that replaced the focused control (HTML text rows), puts keyboard focus back
/// on the control with the same `data-testid`, unless the user has moved it elsewhere meanwhile.
pub fn refocus_soon(testid: Option<String>) {
    let Some(id) = testid else { return };
    set_timeout(
        move || {
            let lost = document().active_element().is_none_or(|el| el.tag_name() == "BODY");
            if let (true, Ok(Some(el))) = (lost, document().query_selector(&format!("[data-testid=\"{id}\"]"))) {
                let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(el).focus();
            }
        },
        std::time::Duration::ZERO,
    );
}

/// Whether a modal dialog is open (global shortcuts stand still then).
pub fn dialog_open() -> bool {
    document().query_selector("dialog[open]").ok().flatten().is_some()
}

/// Text whose rule numbers (R1–R15) link to their entries on the Rules page.
#[component]
pub fn RuleText(#[prop(into)] text: String) -> impl IntoView {
    pipedrive_webhooks::rules::split_rule_numbers(&text)
        .into_iter()
        .map(|(part, is_rule)| {
            if is_rule {
                let title = pipedrive_webhooks::rules::rule(part).map(|r| format!("{}: {}", r.id, r.title)).unwrap_or_default();
                view! { <a class="rule-link" href=format!("/rules#{}", part.to_ascii_lowercase()) title=title>{part.to_string()}</a> }.into_any()
            } else {
                part.to_string().into_any()
            }
        })
        .collect_view()
}

/// The short confirmation of the last action ("Created webhook #41"), read out by screen readers.
#[component]
pub fn Toast() -> impl IntoView {
    let panel = expect_context::<crate::state::Panel>();
    view! {
        <div class="toast-region" role="status" aria-live="polite">
            {move || panel.toast.get().map(|t| view! { <p class="toast" data-testid="toast">{t}</p> })}
        </div>
    }
}

/// A small padlock (drawn, so it needs no emoji font), as markup: the list's rows are HTML text.
pub const LOCK_SVG: &str = r#"<svg width="12" height="14" viewBox="0 0 12 14" aria-hidden="true" class="lock-icon"><rect x="1" y="6" width="10" height="7" rx="1.5" fill="currentColor"/><path d="M3.5 6V4a2.5 2.5 0 0 1 5 0v2" stroke="currentColor" stroke-width="1.5" fill="none"/></svg>"#;

/// The padlock as a view.
#[component]
pub fn LockIcon() -> impl IntoView {
    view! { <span class="lock-svg" inner_html=LOCK_SVG></span> }
}
