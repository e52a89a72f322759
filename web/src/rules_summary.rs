//! A card of the numbers Pipedrive's rules run on, computed by the core.

use leptos::prelude::*;
use pipedrive_webhooks::{Policy, MINUTE, SECOND};

/// Lists the limits, ban and deletion rules of `policy`, each with its rule number.
#[component]
pub fn RulesSummary(policy: Policy) -> impl IntoView {
    let worst_case_ms = policy.worst_case_failure_ms();
    let rows = vec![
        ("R2", "Webhooks per app user", policy.max_app_webhooks_per_user.to_string(), "max-per-user"),
        ("R10", "Attempts per event", policy.max_attempts().to_string(), "max-attempts"),
        (
            "R9+R10",
            "Worst case from event to final failure",
            format!("{} s", worst_case_ms / SECOND),
            "worst-case",
        ),
        (
            "R12",
            "Ban after failed first attempts",
            format!("{} → {} min", policy.ban_threshold, policy.ban_duration_ms / MINUTE),
            "ban",
        ),
        (
            "R13",
            "Deleted after failing for",
            format!("{} h", policy.deletion_after_ms / (60 * MINUTE)),
            "deletion",
        ),
    ];
    view! {
        <section class="card" aria-labelledby="rules-title">
            <h2 id="rules-title">"Rules in force"</h2>
            <dl class="rules" data-testid="rules">
                {rows
                    .into_iter()
                    .map(|(rule, label, value, id)| {
                        view! {
                            <div class="rule">
                                <dt><span class="rule-no">{rule}</span>" "{label}</dt>
                                <dd data-testid=id>{value}</dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
        </section>
    }
}
