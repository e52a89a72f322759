//! The pipedrive-webhooks admin panel. It renders what the core decides; it decides no rule itself.

mod components;
mod export;
mod format;
mod live;
mod pages;
mod row_html;
mod row_list;
mod rows;
mod rules_summary;
mod state;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::use_navigate;
use leptos_router::path;
use pages::{connections::ConnectionsPage, detail::DetailPage, new_webhook::NewWebhookPage, rules::RulesPage, sandbox_tools::{SandboxClock, SandboxToolsPage}, simulator::SimulatorPage, sync::SyncPage, webhooks::WebhooksPage};
use state::{Active, Panel};

pub use pages::check::ReportCard;
pub use rules_summary::RulesSummary;

/// The whole panel. Opens on the built-in sandbox: no account needed.
#[component]
pub fn App() -> impl IntoView {
    let panel = Panel::load();
    provide_context(panel);
    view! {
        <Router>
            <Shell/>
        </Router>
    }
}

/// Top bar, navigation and the routed page.
#[component]
fn Shell() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let navigate = use_navigate();
    // Keyboard: `/` focuses search, `n` opens New webhook (not while typing in a field).
    let keys = window_event_listener(leptos::ev::keydown, move |e| {
        let typing = e
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        // Not while typing, nor while a dialog is open (it owns the keyboard then).
        if typing || e.ctrl_key() || e.meta_key() || e.alt_key() || components::dialog_open() {
            return;
        }
        match e.key().as_str() {
            "/" => {
                if let Some(el) = document().get_element_by_id("search") {
                    e.prevent_default();
                    let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(el).focus();
                }
            }
            "n" => navigate("/webhooks/new", Default::default()),
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());

    let connection_label = move || match panel.live_connection() {
        None => "Sandbox".to_string(),
        Some(c) => format!("{} · live", c.label),
    };
    view! {
        // The router would treat `#main` as a navigation: move focus to the content ourselves.
        <a class="skip-link" href="#main" data-testid="skip-link" on:click=move |ev| {
            ev.prevent_default();
            if let Some(main) = document().get_element_by_id("main") {
                let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(main).focus();
            }
        }>"Skip to content"</a>
        <header class="topbar">
            <span class="brand">"pipedrive-webhooks"</span>
            <label class="switcher">
                <span class="sr-only">"Connection"</span>
                <span class="dot" class:dot-sandbox=move || panel.is_sandbox() class:dot-live=move || !panel.is_sandbox() aria-hidden="true"></span>
                <span class="sr-only" data-testid="connection">{connection_label}</span>
                <select aria-label="Switch connection" data-testid="connection-select"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        panel.switch(v.parse::<u32>().map(Active::Live).unwrap_or(Active::Sandbox));
                    }>
                    <option value="sandbox" selected=move || panel.is_sandbox()>"Sandbox"</option>
                    {move || panel.connections.get().into_iter().map(|c| {
                        let id = c.id;
                        view! { <option value=id.to_string() selected=move || panel.active.get() == Active::Live(id)>{c.label}</option> }
                    }).collect_view()}
                </select>
            </label>
            {move || panel.is_sandbox().then(|| view! {
                <span class="acting">
                    <label>"as "
                        <select aria-label="App user the sandbox acts for" data-testid="acting-user"
                            on:change=move |ev| panel.acting_user.set(event_target_value(&ev).parse().unwrap_or(1))>
                            {panel.sandbox.with(|s| s.account.users().map(|u| (u.id, u.name.clone())).collect::<Vec<_>>()).into_iter().map(|(id, name)| view! {
                                <option value=id.to_string() selected=move || panel.acting_user.get() == id>{name}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </span>
                <span class="topbar-clock"><SandboxClock/></span>
            })}
            {move || panel.rate.get().filter(|_| !panel.is_sandbox()).map(|r| {
                let share = r.share_left().unwrap_or(1.0);
                let class = if r.remaining == Some(0) { "chip red" } else if share < 0.2 { "chip amber" } else { "chip" };
                view! {
                    <span class=class data-testid="rate-limit" title="Requests left in Pipedrive's rolling 2-second window (x-ratelimit-* headers)">
                        {format!("{} / {} per 2 s", r.remaining.map(|n| n.to_string()).unwrap_or_else(|| "?".into()), r.limit.map(|n| n.to_string()).unwrap_or_else(|| "?".into()))}
                        {r.daily_left.map(|d| format!(" · {d} today"))}
                    </span>
                }
            })}
            <button class="btn small refresh" data-testid="refresh" on:click=move |_| panel.refresh() hidden=move || panel.is_sandbox()
                disabled=move || panel.api_blocked_now().is_some()>"Refresh"</button>
        </header>
        {move || panel.notice.get().map(|n| view! { <p class="notice" role="status" data-testid="notice">{n}</p> })}
        {move || panel.api_blocked_now().map(|(until, scope)| view! {
            <p class="notice blocked" role="alert" data-testid="api-blocked">{Panel::blocked_text(until, scope, js_sys::Date::now() as pipedrive_webhooks::Millis)}</p>
        })}
        <div class="layout">
            <nav class="sidenav" aria-label="Main">
                <A href="/" exact=true>"Webhooks"</A>
                <A href="/webhooks/new">"New webhook"</A>
                <A href="/sync">"Sync"</A>
                <A href="/simulator">"Simulator"</A>
                {move || (panel.is_sandbox() || panel.is_emulator()).then(|| view! { <A href="/deliveries">"Deliveries"</A> })}
                {move || panel.is_emulator().then(|| view! { <A href="/check">"Check receiver"</A> })}
                {move || panel.is_sandbox().then(|| view! { <A href="/sandbox">"Sandbox tools"</A> })}
                <A href="/connections">"Connections"</A>
                <A href="/rules">"Rules"</A>
            </nav>
            <main class="content" id="main" tabindex="-1">
                <components::Toast/>
                <Routes fallback=|| view! { <h1>"Not found"</h1><p><A href="/">"Back to webhooks"</A></p> }>
                    <Route path=path!("/") view=WebhooksPage/>
                    <Route path=path!("/webhooks/new") view=NewWebhookPage/>
                    <Route path=path!("/webhooks/:id") view=DetailPage/>
                    <Route path=path!("/sync") view=SyncPage/>
                    <Route path=path!("/simulator") view=SimulatorPage/>
                    <Route path=path!("/sandbox") view=SandboxToolsPage/>
                    <Route path=path!("/connections") view=ConnectionsPage/>
                    <Route path=path!("/rules") view=RulesPage/>
                    <Route path=path!("/deliveries") view=pages::deliveries::DeliveriesPage/>
                    <Route path=path!("/check") view=pages::check::CheckPage/>
                </Routes>
            </main>
        </div>
    }
}
