//! The pipedrive-webhooks admin panel. It renders what the core decides; it decides no rule itself.

mod rules_summary;

use leptos::prelude::*;

pub use rules_summary::RulesSummary;

/// The whole panel. Opens on the built-in sandbox: no account needed.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <header class="topbar">
            <span class="brand">"pipedrive-webhooks"</span>
            <span class="connection" data-testid="connection">
                <span class="dot dot-sandbox" aria-hidden="true"></span>
                "Sandbox"
            </span>
        </header>
        <main class="content">
            <h1>"App-specific webhooks"</h1>
            <p class="lead">
                "Pipedrive never shows your app's webhooks in its web app. These are the rules they live by."
            </p>
            <RulesSummary policy=pipedrive_webhooks::Policy::default()/>
        </main>
    }
}
