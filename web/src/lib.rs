//! The pipedrive-webhooks admin panel. It renders what the core decides; it decides no rule itself.

mod components;
mod export;
mod format;
mod live;
mod nav;
mod pages;
mod row_html;
mod row_list;
mod rows;
mod rules_summary;
mod state;
mod timers;

use leptos::prelude::*;
use nav::{Nav, Page};
use pages::{connections::ConnectionsPage, detail::DetailPage, new_webhook::NewWebhookPage, rules::RulesPage, sandbox_tools::{SandboxClock, SandboxToolsPage}, simulator::SimulatorPage, sync::SyncPage, webhooks::WebhooksPage};
use state::{Active, Panel};

pub use pages::check::ReportCard;
pub use rules_summary::RulesSummary;

/// The whole panel. Opens on the built-in sandbox: no account needed.
#[component]
pub fn App() -> impl IntoView {
    let panel = Panel::load();
    provide_context(panel);
    Nav::provide();
    // The shell is drawn one task turn later: a live connection's list request, queued by
    // `Panel::load`, goes out first and travels while the shell is built (~40 ms of wasm).
    let drawn = RwSignal::new(false);
    leptos::task::spawn_local(async move { drawn.set(true) });
    move || drawn.get().then(|| view! { <Shell/> })
}

/// Top bar, navigation and the routed page.
#[component]
fn Shell() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let nav = expect_context::<Nav>();
    // Only a change of page redraws it: a new query or the same path again keeps the page's state.
    let page = Memo::new(move |_| nav.page());
    Effect::new(move |first: Option<()>| {
        document().set_title(&page.with(Page::title));
        // After a navigation, keyboard and screen-reader users start at the new page's content
        // (unless the page put focus on a field itself, as New webhook does).
        if first.is_some() {
            set_timeout(
                || {
                    let main = document().get_element_by_id("main");
                    let inside = document().active_element().zip(main.clone()).is_some_and(|(el, m)| m.contains(Some(&el)) && el != m);
                    if let (false, Some(m)) = (inside, main) {
                        let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(m).focus();
                    }
                },
                std::time::Duration::ZERO,
            );
        }
    });
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
            "n" => {
                // The form's Name field takes the focus on arrival: the key must not type into it.
                e.prevent_default();
                nav.go("/webhooks/new");
            }
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());

    let connection_label = move || match panel.live_connection() {
        None => "Sandbox".to_string(),
        Some(c) => format!("{} · live", c.label),
    };
    view! {
        // Focus moves to the content itself: a `#main` fragment alone would leave it on the link.
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
                <a href="/" aria-current=move || nav.current("/")>"Webhooks"</a>
                <a href="/webhooks/new" aria-current=move || nav.current("/webhooks/new")>"New webhook"</a>
                <a href="/sync" aria-current=move || nav.current("/sync")>"Sync"</a>
                <a href="/simulator" aria-current=move || nav.current("/simulator")>"Simulator"</a>
                <a href="/events" aria-current=move || nav.current("/events")>"Events"</a>
                {move || (panel.is_sandbox() || panel.is_emulator()).then(|| view! { <a href="/deliveries" aria-current=move || nav.current("/deliveries")>"Deliveries"</a> })}
                {move || panel.is_emulator().then(|| view! { <a href="/check" aria-current=move || nav.current("/check")>"Check receiver"</a> })}
                {move || panel.is_sandbox().then(|| view! { <a href="/sandbox" aria-current=move || nav.current("/sandbox")>"Sandbox tools"</a> })}
                <a href="/connections" aria-current=move || nav.current("/connections")>"Connections"</a>
                <a href="/rules" aria-current=move || nav.current("/rules")>"Rules"</a>
            </nav>
            <main class="content" id="main" tabindex="-1">
                <components::Toast/>
                {move || match page.get() {
                    Page::Webhooks => view! { <WebhooksPage/> }.into_any(),
                    Page::NewWebhook => view! { <NewWebhookPage/> }.into_any(),
                    Page::Detail(id) => view! { <DetailPage id/> }.into_any(),
                    Page::Sync => view! { <SyncPage/> }.into_any(),
                    Page::Simulator => view! { <SimulatorPage/> }.into_any(),
                    Page::Sandbox => view! { <SandboxToolsPage/> }.into_any(),
                    Page::Connections => view! { <ConnectionsPage/> }.into_any(),
                    Page::Rules => view! { <RulesPage/> }.into_any(),
                    Page::Deliveries => view! { <pages::deliveries::DeliveriesPage/> }.into_any(),
                    Page::Check => view! { <pages::check::CheckPage/> }.into_any(),
                    Page::Events => view! { <pages::events::EventsPage/> }.into_any(),
                    Page::NotFound => view! { <h1>"Not found"</h1><p><a href="/">"Back to webhooks"</a></p> }.into_any(),
                }}
            </main>
        </div>
    }
}
