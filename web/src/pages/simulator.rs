//! The simulator's place: the rules summary until the what-if simulator lands here.

use crate::rules_summary::RulesSummary;
use leptos::prelude::*;

#[component]
pub fn SimulatorPage() -> impl IntoView {
    view! {
        <h1>"Simulator"</h1>
        <p class="lead">"What an outage or a slow endpoint does to a webhook, before it happens: coming here. Until then, the numbers it will run on:"</p>
        <RulesSummary policy=pipedrive_webhooks::Policy::default()/>
    }
}
