//! Events (`/events`): the core's catalog of every event Pipedrive sends, per version. Per entry:
//! both versions' example bodies (copyable, exactly as Pipedrive sends them), the subscription body
//! to POST, the rules every delivery runs under, the shape notes, and "Send to my receiver"
//! (the emulator's trigger, or the sandbox's log). Its data is `catalog::events`, never a copy.

use crate::components::RuleText;
use crate::nav::{query, replace_url, with_query};
use crate::pages::detail::copy;
use crate::state::Panel;
use leptos::prelude::*;
use pipedrive_webhooks::catalog::{events, example_delivery, CatalogEntry, ExampleOptions};
use pipedrive_webhooks::emulator_api::control_url;
use pipedrive_webhooks::{PayloadVersion, MINUTE, SECOND};

/// The address of `event`'s entry in `version`: `/events?event=change.deal&version=2.0`.
pub fn entry_href(event: &str, version: PayloadVersion) -> String {
    with_query("/events", &[("event", event.into()), ("version", version.as_str().into())])
}

/// Compact JSON text indented for reading, keys in Pipedrive's order (Copy copies the compact text).
fn pretty(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let (mut depth, mut in_str, mut esc) = (0, false, false);
    let line = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            (esc, in_str) = (!esc && c == '\\', esc || c != '"');
            continue;
        }
        match c {
            '{' | '[' => {
                out.push(c);
                match chars.next_if(|n| matches!(n, '}' | ']')) {
                    Some(close) => out.push(close),
                    None => {
                        depth += 1;
                        line(&mut out, depth);
                    }
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                line(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                line(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c => {
                in_str = c == '"';
                out.push(c);
            }
        }
    }
    out
}

/// Scrolls the open entry into view once it is drawn.
fn scroll_to_open() {
    set_timeout(
        || {
            if let Ok(Some(el)) = document().query_selector("[data-testid=events-list] [aria-expanded=true]") {
                el.scroll_into_view();
            }
        },
        std::time::Duration::ZERO,
    );
}

/// What a "Send to my receiver" answered: the text, and whether to link the Deliveries page.
type Sent = Option<(String, bool)>;

/// The rules every delivery runs under, with the policy's numbers.
fn rule_lines(panel: Panel) -> Vec<String> {
    let p = panel.policy();
    let d = p.retry_delays_ms.map(|ms| ms / SECOND);
    vec![
        format!("R9: delivered only on a 2xx answer within {} s.", p.timeout_ms / SECOND),
        format!("R10: a failure is retried after {} s, {} s and {} s; then the event is lost.", d[0], d[1], d[2]),
        format!("R11, R12: {} failed first attempts ban the webhook for {} min (events meanwhile are lost).", p.ban_threshold, p.ban_duration_ms / MINUTE),
        format!("R13: deleted after {} h without a successful delivery.", p.deletion_after_ms / (60 * MINUTE)),
        "R14: Basic auth, when set, comes with every delivery.".into(),
    ]
}

/// One version's column: the subscription body and the example delivery, or why there is none.
fn version_column(panel: Panel, version: PayloadVersion, entry: Option<CatalogEntry>) -> impl IntoView {
    let v = version.as_str();
    let testid = format!("body-v{}", &v[..1]);
    let Some(e) = entry else {
        return view! {
            <section class="event-col"><h2>{format!("v{v}")}</h2>
                <p class="muted" data-testid=testid>{format!("Pipedrive sends no v{v} version of this event.")}</p></section>
        }
        .into_any();
    };
    let body = example_delivery(&e.event, version, &ExampleOptions::default()).unwrap_or_else(|err| err.to_string());
    let subscribe = format!(
        r#"{{"subscription_url": "https://hooks.yourapp.example/pipedrive", "event_action": "{}", "event_object": "{}", "version": "{v}"}}"#,
        e.action.as_str(),
        e.object
    );
    let shown = pretty(&body);
    view! {
        <section class="event-col">
            <h2>{format!("v{v}: {}", e.event)}</h2>
            <p class="col-head">"Subscribe (POST /v1/webhooks)"
                <button class="btn small" data-testid=format!("copy-subscribe-v{}", &v[..1]) on:click={let s = subscribe.clone(); move |_| copy(panel, "subscription body", s.clone())}>"Copy"</button></p>
            <pre data-testid=format!("subscribe-v{}", &v[..1])>{subscribe}</pre>
            <p class="col-head">"Example delivery"
                <button class="btn small" data-testid=format!("copy-{testid}") on:click=move |_| copy(panel, "example body", body.clone())>"Copy"</button></p>
            <pre tabindex="0" aria-label=format!("v{v} example delivery") data-testid=testid>{shown}</pre>
        </section>
    }
    .into_any()
}

#[component]
pub fn EventsPage() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let all = StoredValue::new(events(None));
    let total = all.with_value(Vec::len);
    let signal = |key| RwSignal::new(query(key).unwrap_or_default());
    let (object, action, version, search) = (signal("object"), signal("action"), signal("v"), signal("q"));
    let open = RwSignal::new(query("event").map(|e| (e, query("version").and_then(|v| PayloadVersion::parse(&v)).unwrap_or_default())));
    let sent = RwSignal::new(Sent::None);
    // The filters and the open entry live in the URL (replaced, not a history entry).
    Effect::new(move |first: Option<()>| {
        let (e, v) = open.get().map(|(e, v)| (e, v.as_str().to_string())).unwrap_or_default();
        let pairs = [("object", object.get()), ("action", action.get()), ("v", version.get()), ("q", search.get()), ("event", e), ("version", v)];
        if first.is_some() {
            replace_url(&with_query("/events", &pairs));
        }
    });
    let options = move |f: fn(&CatalogEntry) -> &str| {
        let mut seen: Vec<String> = Vec::new();
        all.with_value(|a| a.iter().for_each(|e| if !seen.iter().any(|s| s == f(e)) { seen.push(f(e).to_string()) }));
        seen
    };
    let shown = Memo::new(move |_| {
        let (o, a, v, q) = (object.get(), action.get(), version.get(), search.get().trim().to_lowercase());
        all.with_value(|all| {
            all.iter()
                .filter(|e| (o.is_empty() || e.object == o) && (a.is_empty() || e.action.as_str() == a) && (v.is_empty() || e.version.as_str() == v))
                .filter(|e| q.is_empty() || [&e.event, &e.description].into_iter().chain(&e.notes).any(|t| t.to_lowercase().contains(&q)))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let find = move |event: &str, v: PayloadVersion| all.with_value(|a| a.iter().find(|e| e.event == event && e.version == v).cloned());
    let select = |label: &'static str, id: &'static str, value: RwSignal<String>, choices: Vec<(String, String)>| {
        view! {
            <label>{label}" "
                <select data-testid=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                    {choices.into_iter().map(|(v, l)| { let o = v.clone(); view! { <option value=v selected=move || value.get() == o>{l}</option> } }).collect_view()}
                </select>
            </label>
        }
    };
    let with_all = |list: Vec<String>| std::iter::once((String::new(), "All".to_string())).chain(list.into_iter().map(|o| (o.clone(), o))).collect::<Vec<_>>();
    let versions = vec![(String::new(), "Both".to_string()), ("2.0".into(), "2.0".into()), ("1.0".into(), "1.0".into())];

    let clear = move || {
        for s in [object, action, version, search] {
            s.set(String::new());
        }
    };
    // Opens `event` in `v`; its row shows even when the filters hid it.
    let go_to = move |event: String, v: PayloadVersion| {
        if !shown.with_untracked(|s| s.iter().any(|e| e.event == event && e.version == v)) {
            clear();
        }
        sent.set(None);
        open.set(Some((event, v)));
        scroll_to_open();
    };
    if open.get_untracked().is_some() {
        scroll_to_open();
    }
    let send = move |e: CatalogEntry| {
        if panel.is_sandbox() {
            let mut reached = 0;
            panel.sandbox.update(|s| reached = s.trigger(e.action, &e.object));
            sent.set(Some((format!("{} reached {reached} webhook(s): see ", e.event), true)));
            return;
        }
        let Some(url) = panel.live_connection().and_then(|c| control_url(&c.base_url, "trigger")) else { return };
        let body = serde_json::json!({ "event": e.event }).to_string();
        leptos::task::spawn_local(async move {
            sent.set(Some(match crate::live::post_json(&url, body).await {
                Some((200..=299, b)) => {
                    let n = serde_json::from_slice::<serde_json::Value>(&b).ok().and_then(|v| v["webhooks"].as_array().map(Vec::len)).unwrap_or(0);
                    (format!("{} reached {n} webhook(s): see ", e.event), true)
                }
                Some((status, b)) => (format!("The emulator refused it (HTTP {status}): {}", crate::live::error_text(&b)), false),
                None => ("The emulator did not answer.".into(), false),
            }));
        });
    };

    let detail = move |e: CatalogEntry| {
        let other = e.counterpart.as_deref().and_then(|c| find(c, if e.version == PayloadVersion::V1 { PayloadVersion::V2 } else { PayloadVersion::V1 }));
        let (v2, v1) = if e.version == PayloadVersion::V2 { (Some(e.clone()), other.clone()) } else { (other.clone(), Some(e.clone())) };
        let entry = e.clone();
        view! {
            <div class="event-detail" data-testid="event-detail">
                <p>{e.description.clone()}" "
                    {other.map(|o| { let (ev, v) = (o.event.clone(), o.version); view! {
                        "In v"{v.as_str()}": "<button class="btn small link" data-testid="counterpart" on:click=move |_| go_to(ev.clone(), v)>{o.event}</button>
                    } })}
                </p>
                <div class="event-cols">{version_column(panel, PayloadVersion::V2, v2)}{version_column(panel, PayloadVersion::V1, v1)}</div>
                <div class="event-cols">
                    <section><h2>"Shape notes"</h2><ul data-testid="event-notes">{e.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul></section>
                    <section><h2>"Rules every delivery runs under"</h2>
                        <ul data-testid="event-rules">{rule_lines(panel).into_iter().map(|t| view! { <li><RuleText text=t/></li> }).collect_view()}</ul>
                        <a href="/rules">"All the rules"</a></section>
                </div>
                <div class="toolbar">
                    {move || if panel.is_sandbox() || panel.is_emulator() {
                        let entry = entry.clone();
                        view! { <button class="btn primary" data-testid="send-event" on:click=move |_| send(entry.clone())>"Send to my receiver"</button> }.into_any()
                    } else {
                        view! { <p class="muted" data-testid="send-unavailable">"Pipedrive offers no way to trigger an event: make a real change in Pipedrive (edit a deal, say) to get one."</p> }.into_any()
                    }}
                    <span role="status" data-testid="send-result">{move || sent.get().map(|(t, link)| view! { {t}{link.then(|| view! { <a href="/deliveries">"Deliveries"</a> })} })}</span>
                </div>
            </div>
        }
    };

    view! {
        <h1>"Events"</h1>
        <p class="lead">"Every event Pipedrive sends, per payload version, with the body it POSTs. Open one for both versions' bodies, its subscription and its quirks."</p>
        <div class="filters">
            {select("Object", "events-object", object, with_all(options(|e| &e.object)))}
            {select("Action", "events-action", action, with_all(options(|e| e.action.as_str())))}
            {select("Version", "events-version", version, versions)}
            <input id="search" type="search" aria-label="Search events, descriptions and notes" placeholder="Search events, descriptions, notes  ( / )"
                data-testid="events-search" prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
        </div>
        <p class="muted" data-testid="events-count" role="status">{move || match shown.with(Vec::len) {
            n if n == total => format!("{total} events"),
            n => format!("{n} of {total} events"),
        }}</p>
        {move || shown.with(Vec::is_empty).then(|| view! {
            <div class="empty" data-testid="events-no-match"><p>"No event matches these filters."</p>
                <button class="btn small" on:click=move |_| clear()>"Clear filters"</button></div>
        })}
        <ul class="catalog" data-testid="events-list">
            {move || shown.get().into_iter().map(|e| {
                let key = (e.event.clone(), e.version);
                let is_open = { let k = key.clone(); Memo::new(move |_| open.with(|o| o.as_ref() == Some(&k))) };
                let (ev, v) = key;
                view! {
                    <li data-testid=format!("event-{ev}-v{}", &v.as_str()[..1])>
                        <button class="event-row" aria-expanded=move || is_open.get().to_string() data-testid=format!("open-{ev}-v{}", &v.as_str()[..1])
                            on:click={let ev = ev.clone(); move |_| { sent.set(None); open.set((!is_open.get_untracked()).then(|| (ev.clone(), v))); }}>
                            <code>{ev.clone()}</code><span class="badge">{format!("v{}", v.as_str())}</span><span class="muted">{e.description.clone()}</span>
                        </button>
                        {move || is_open.get().then(|| detail(e.clone()))}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
