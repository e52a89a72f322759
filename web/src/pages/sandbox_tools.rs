//! Sandbox tools: trigger events, choose endpoint behaviours, move the clock, uninstall or remove
//! the app, and watch the delivery log.

use crate::format::absolute;
use crate::pages::detail::result_text;
use crate::state::Panel;
use leptos::prelude::*;
use pipedrive_webhooks::event::known_objects;
use pipedrive_webhooks::sandbox::YOUR_APP;
use pipedrive_webhooks::simulator::Endpoint;
use pipedrive_webhooks::{EventAction, PayloadVersion, HOUR, MINUTE};

/// The behaviours offered, by name.
const BEHAVIOURS: [(&str, &str); 5] =
    [("healthy", "Healthy (2xx)"), ("error", "Always 500"), ("slow", "Slow (over 10 s)"), ("refused", "Connection refused"), ("flaky", "Flaky (50 % 500)")];

fn behaviour(name: &str) -> Endpoint {
    match name {
        "error" => Endpoint::failing(500),
        "slow" => Endpoint::slow(1.0),
        "refused" => Endpoint::dead(),
        "flaky" => Endpoint::flaky(0.5),
        _ => Endpoint::healthy(),
    }
}

fn behaviour_name(e: &Endpoint) -> &'static str {
    if !e.outages.is_empty() {
        "refused"
    } else if e.slow_rate >= 1.0 {
        "slow"
    } else if e.failure_rate >= 1.0 {
        "error"
    } else if e.failure_rate > 0.0 {
        "flaky"
    } else {
        "healthy"
    }
}

/// The clock and its fast-forward buttons (also in the top bar).
#[component]
pub fn SandboxClock() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let ff = move |by: i64| panel.sandbox.update(|s| s.advance(by));
    view! {
        <span class="clock" data-testid="sandbox-clock" title="Sandbox time: it moves only when you fast-forward">
            {move || absolute(panel.sandbox.with(|s| s.clock))}
        </span>
        <button class="btn small" data-testid="ff-1m" on:click=move |_| ff(MINUTE)>"+1 min"</button>
        <button class="btn small" data-testid="ff-30m" on:click=move |_| ff(30 * MINUTE)>"+30 min"</button>
        <button class="btn small" data-testid="ff-1h" on:click=move |_| ff(HOUR)>"+1 h"</button>
        <button class="btn small" data-testid="ff-1d" on:click=move |_| ff(24 * HOUR)>"+1 day"</button>
    }
}

#[component]
pub fn SandboxToolsPage() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let action = RwSignal::new("change".to_string());
    let object = RwSignal::new("deal".to_string());
    let count = RwSignal::new(1u32);
    let last = RwSignal::new(None::<String>);
    let uninstall_user = RwSignal::new(1u64);
    let confirm_remove = RwSignal::new(false);
    let confirm_reset = RwSignal::new(false);

    let trigger = move |_| {
        let a = EventAction::parse(&action.get(), PayloadVersion::V2).unwrap_or(EventAction::Change);
        let o = object.get();
        let mut reached = 0;
        panel.sandbox.update(|s| {
            for _ in 0..count.get() {
                reached = s.trigger(a, &o);
            }
        });
        last.set(Some(format!("{} × {}.{o} reached {reached} webhook(s)", count.get(), a.as_str())));
    };

    view! {
        <h1>"Sandbox tools"</h1>
        <p class="lead">"Everything here happens to the in-browser sandbox only, under Pipedrive's rules as the core implements them."</p>
        {move || (!panel.is_sandbox()).then(|| view! {
            <p class="notice" role="status" data-testid="sandbox-not-active">
                "You are on a live connection: these tools change the sandbox, not it. "
                <button class="btn small" on:click=move |_| panel.switch(crate::state::Active::Sandbox)>"Switch to the sandbox"</button>
            </p>
        })}
        <div class="tools">
            <section class="card" aria-labelledby="clock-title">
                <h2 id="clock-title">"Clock"</h2>
                <p>"Retries fall due, bans end (R12) and failing webhooks are deleted (R13) as time passes."</p>
                <div class="toolbar"><SandboxClock/></div>
            </section>
            <section class="card" aria-labelledby="trigger-title">
                <h2 id="trigger-title">"Trigger an event"</h2>
                <div class="toolbar">
                    <select aria-label="Action" data-testid="trigger-action" prop:value=move || action.get() on:change=move |ev| action.set(event_target_value(&ev))>
                        <option value="create">"create"</option><option value="change">"change"</option><option value="delete">"delete"</option>
                    </select>
                    <select aria-label="Object" data-testid="trigger-object" prop:value=move || object.get() on:change=move |ev| object.set(event_target_value(&ev))>
                        {known_objects(PayloadVersion::V2).into_iter().filter(|o| *o != "*").map(|o| view! { <option value=o>{o}</option> }).collect_view()}
                    </select>
                    <label>"× "<input type="number" min="1" max="100" aria-label="How many events" data-testid="trigger-count" prop:value=move || count.get().to_string()
                        on:input=move |ev| count.set(event_target_value(&ev).parse::<u32>().unwrap_or(1).clamp(1, 100))/></label>
                    <button class="btn primary" data-testid="trigger" on:click=trigger>"Send"</button>
                </div>
                <p class="muted" data-testid="trigger-result">{move || last.get()}</p>
            </section>
            <section class="card" aria-labelledby="app-title">
                <h2 id="app-title">"Your app"</h2>
                <div class="toolbar">
                    <select aria-label="User" data-testid="uninstall-user" on:change=move |ev| uninstall_user.set(event_target_value(&ev).parse().unwrap_or(1))>
                        {move || panel.sandbox.with(|s| s.account.users().map(|u| (u.id, u.name.clone())).collect::<Vec<_>>()).into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                    </select>
                    <button class="btn" data-testid="uninstall" on:click=move |_| {
                        let user = uninstall_user.get();
                        let mut removed = 0;
                        panel.sandbox.update(|s| { let now = s.clock; removed = s.account.uninstall(YOUR_APP, user, now).len(); });
                        let name = panel.sandbox.with(|s| s.account.users().find(|u| u.id == user).map(|u| u.name.clone())).unwrap_or_default();
                        panel.notify(format!("Uninstalled your app for {name}: {removed} webhook(s) removed (R7)"));
                    }>
                        "Uninstall for this user (R7)"
                    </button>
                    <button class="btn danger" data-testid="remove-app" on:click=move |_| confirm_remove.set(true)>"Remove from Marketplace (R8)"</button>
                    <button class="btn" data-testid="reset" on:click=move |_| confirm_reset.set(true)>"Reset sandbox"</button>
                </div>
                {move || confirm_remove.get().then(|| view! {
                    <crate::components::ConfirmDialog title="Remove your app from the Marketplace?" items=vec!["All its webhooks, for every user, are deleted (R8).".to_string()]
                        confirm_label="Remove" on_confirm=move || {
                            confirm_remove.set(false);
                            let mut removed = 0;
                            panel.sandbox.update(|s| { let now = s.clock; removed = s.account.remove_app(YOUR_APP, now).len(); });
                            panel.notify(format!("Removed your app from the Marketplace: {removed} webhook(s) deleted (R8)"));
                        }
                        on_cancel=move || confirm_remove.set(false)/>
                })}
                {move || confirm_reset.get().then(|| view! {
                    <crate::components::ConfirmDialog title="Reset the sandbox?" items=vec![
                        "Every webhook, endpoint behaviour, log line and clock change in this browser is replaced by the seeded company.".to_string(),
                    ]
                        confirm_label="Reset" on_confirm=move || { confirm_reset.set(false); panel.reset_sandbox(); panel.notify("The sandbox was reset".into()); }
                        on_cancel=move || confirm_reset.set(false)/>
                })}
            </section>
        </div>
        <h2>"Endpoint behaviour"</h2>
        <table class="behaviours" data-testid="behaviours">
            <thead><tr><th>"Webhook"</th><th>"Event"</th><th>"Behaviour"</th></tr></thead>
            <tbody>
                {move || panel.sandbox.with(|s| s.account.entries().map(|e| (e.webhook.id, e.webhook.name.clone(), e.webhook.event(), behaviour_name(&s.endpoint(e.webhook.id)))).collect::<Vec<_>>())
                    .into_iter().map(|(id, name, event, current)| view! {
                        <tr>
                            <td>{format!("#{id} {name}")}</td><td><code>{event}</code></td>
                            <td><select aria-label=format!("Behaviour of webhook {id}") data-testid=format!("behaviour-{id}")
                                on:change=move |ev| { let b = behaviour(&event_target_value(&ev)); panel.sandbox.update(|s| s.set_endpoint(id, b)); }>
                                {BEHAVIOURS.iter().map(|(v, label)| view! { <option value=*v selected=*v == current>{*label}</option> }).collect_view()}
                            </select></td>
                        </tr>
                    }).collect_view()}
            </tbody>
        </table>
        <h2>"Delivery log"</h2>
        <table class="log" data-testid="log">
            <thead><tr><th>"Time"</th><th>"Webhook"</th><th>"Event"</th><th>"Attempt"</th><th>"Result"</th><th>"Duration"</th><th>"Counted (R11)"</th></tr></thead>
            <tbody>
                {move || panel.sandbox.with(|s| s.log().take(200).cloned().collect::<Vec<_>>()).into_iter().map(|l| view! {
                    <tr class:fail=!l.success>
                        <td>{absolute(l.at)}</td><td>{format!("#{}", l.webhook_id)}</td><td><code>{l.event}</code></td><td>{l.attempt}</td>
                        <td>{result_text(&l.result)}{l.ban_until.map(|u| format!(" → banned until {}", crate::format::clock(u)))}</td>
                        <td>{format!("{} ms", l.duration_ms)}</td><td>{if l.counted { format!("yes ({})", l.counter) } else { "no".into() }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
