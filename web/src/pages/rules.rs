//! The Rules page: R1–R15 in plain words (from the core's catalogue), each with a link to
//! Pipedrive's documentation. Every rule number elsewhere in the panel links to its entry here.

use leptos::prelude::*;
use pipedrive_webhooks::rules::RULES;

#[component]
pub fn RulesPage() -> impl IntoView {
    // A link to `/rules#r12` lands on the entry: scroll to it once the page is there.
    Effect::new(move |_| {
        let hash = window().location().hash().unwrap_or_default();
        if let Some(id) = hash.strip_prefix('#').filter(|h| !h.is_empty()) {
            if let Some(el) = document().get_element_by_id(id) {
                el.scroll_into_view();
            }
        }
    });
    view! {
        <h1>"Pipedrive's webhook rules"</h1>
        <p class="lead">"What Pipedrive does to app-specific webhooks, and what this tool assumes where Pipedrive's documentation is silent. Rule numbers across the panel link here."</p>
        <ol class="rules-page" data-testid="rules-page">
            {RULES.iter().map(|r| view! {
                <li id=r.id.to_ascii_lowercase() data-testid=format!("rule-{}", r.id.to_ascii_lowercase()) tabindex="-1">
                    <h2><span class="rule-no">{r.id}</span>" "{r.title}</h2>
                    <p>{r.text}</p>
                    <a href=r.doc_url target="_blank" rel="noopener noreferrer">{format!("Pipedrive's documentation for {}", r.id)}</a>
                </li>
            }).collect_view()}
        </ol>
    }
}
