//! The webhooks list: summary cards, filters (kept in the URL), the table, bulk delete.

use crate::components::{ConfirmDialog, HealthBadge, LockIcon, QuotaMeter, TypeBadge};
use crate::format::{absolute, relative};
use crate::rows::{Row, SharedRow};
use crate::state::{LiveState, Panel};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use pipedrive_webhooks::WebhookType;
use std::collections::BTreeSet;

/// Middle-cut for long URLs; the full URL goes in the tooltip.
fn cut_middle(s: &str, max: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= max {
        return s.to_string();
    }
    let head = max * 2 / 3;
    let tail = max - head - 1;
    format!("{}…{}", chars[..head].iter().collect::<String>(), chars[chars.len() - tail..].iter().collect::<String>())
}

fn type_matches(filter: &str, kind: &WebhookType) -> bool {
    match filter {
        "application" | "general" | "automation" => kind.as_str() == filter,
        "other" => matches!(kind, WebhookType::Other(_)),
        _ => true,
    }
}

fn health_matches(filter: &str, row: &Row, now: i64) -> bool {
    match filter {
        "" | "all" => true,
        "deletion" => row.health.deletion_due_within_a_day(now),
        other => row.health.label() == other,
    }
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let query = use_query_map();
    let q = |k: &str| query.with_untracked(|m| m.get(k).unwrap_or_default());
    let type_filter = RwSignal::new(q("type"));
    let health_filter = RwSignal::new(q("health"));
    let text = RwSignal::new(q("q"));
    let sort = RwSignal::new(if q("sort").is_empty() { "id".to_string() } else { q("sort") });
    // Filters live in the URL, so a filtered view can be shared and survives reloads. Written with
    // `history.replaceState` rather than a router navigation: the page reads them only on mount,
    // and a navigation per keystroke cost ~20 ms with a thousand rows.
    // Not on the first run (the URL already holds them, and the router may not have pushed this
    // page's entry yet: writing then would rewrite the previous page's entry).
    Effect::new(move |first: Option<()>| {
        let mut parts = Vec::new();
        for (k, v) in [("type", type_filter.get()), ("health", health_filter.get()), ("q", text.get()), ("sort", sort.get())] {
            if !v.is_empty() && !(k == "sort" && v == "id") {
                parts.push(format!("{k}={}", js_sys::encode_uri_component(&v)));
            }
        }
        if first.is_none() {
            return;
        }
        let search = if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) };
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("/{search}")));
        }
    });

    let selected = RwSignal::new(BTreeSet::<u64>::new());
    let confirm = RwSignal::new(None::<Vec<(u64, String)>>);
    let error = RwSignal::new(None::<String>);

    let all_rows = Memo::new(move |_| panel.rows());
    let visible = Memo::new(move |_| {
        let now = panel.now();
        let (t, h, needle) = (type_filter.get(), health_filter.get(), text.get());
        let mut rows: Vec<SharedRow> = all_rows.get().into_iter().filter(|r| type_matches(&t, &r.kind) && health_matches(&h, &r, now) && r.matches_text(&needle)).collect();
        match sort.get().as_str() {
            "name" => rows.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase())),
            "event" => rows.sort_by_key(|r| r.event()),
            "last" => rows.sort_by_key(|r| std::cmp::Reverse(r.last_delivery)),
            "health" => rows.sort_by_key(|r| r.health.label()),
            _ => rows.sort_by_key(|r| r.id),
        }
        rows
    });
    let count_health = move |label: &'static str| {
        let now = panel.now();
        all_rows.with(|rows| rows.iter().filter(|r| if label == "deletion" { r.health.deletion_due_within_a_day(now) } else { r.health.label() == label }).count())
    };

    let delete_ids = move |items: Vec<(u64, String)>| {
        leptos::task::spawn_local(async move {
            let mut failed = Vec::new();
            for (id, name) in items {
                if let Err(e) = panel.delete(id).await {
                    failed.push(format!("{name}: {}", e.message()));
                }
            }
            selected.set(BTreeSet::new());
            error.set((!failed.is_empty()).then(|| failed.join("; ")));
        });
    };

    let segment = move |value: &'static str, label: &'static str| {
        view! {
            <button
                class="segment"
                class:on=move || type_filter.get() == value
                aria-pressed=move || (type_filter.get() == value).to_string()
                data-testid=format!("filter-type-{}", if value.is_empty() { "all" } else { value })
                on:click=move |_| type_filter.set(value.to_string())
            >
                {label}
            </button>
        }
    };
    let card = move |label: &'static str, filter: &'static str, testid: &'static str| {
        view! {
            <button class="card-stat" class:on=move || health_filter.get() == filter data-testid=testid
                on:click=move |_| health_filter.update(|h| *h = if h == filter { String::new() } else { filter.to_string() })>
                <span class="stat-label">{label}</span>
                <span class="stat-value">{move || count_health(filter)}</span>
            </button>
        }
    };

    view! {
        <h1>"Webhooks"</h1>
        <div class="cards">
            {move || panel.quota().map(|q| view! { <QuotaMeter quota=q label=if panel.is_sandbox() { "App webhooks for this user" } else { "Webhooks counted (R2)" }/> })}
            {card("Failing", "failing", "count-failing")}
            {card("Banned", "banned", "count-banned")}
            {card("Deletion due < 24 h", "deletion", "count-deletion")}
        </div>
        <div class="filters" role="search">
            <div class="segmented" role="group" aria-label="Type">
                {segment("", "All")}
                {segment("application", "Application")}
                {segment("general", "General")}
                {segment("automation", "Automation")}
            </div>
            <label class="field-inline">"Health "
                <select data-testid="filter-health" prop:value=move || health_filter.get()
                    on:change=move |ev| health_filter.set(event_target_value(&ev))>
                    <option value="">"All"</option>
                    <option value="healthy">"Healthy"</option>
                    <option value="failing">"Failing"</option>
                    <option value="banned">"Banned"</option>
                    <option value="deletion">"Deletion due < 24 h"</option>
                </select>
            </label>
            <input id="search" type="search" placeholder="Search name, URL, event  ( / )" aria-label="Search webhooks"
                data-testid="search" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            <span class="count" data-testid="row-count">{move || format!("{} of {}", visible.with(Vec::len), all_rows.with(Vec::len))}</span>
            <button class="btn danger" data-testid="delete-selected" disabled=move || selected.with(BTreeSet::is_empty)
                on:click=move |_| {
                    let chosen = selected.get();
                    let items: Vec<(u64, String)> = all_rows.with(|rows| rows.iter().filter(|r| chosen.contains(&r.id)).map(|r| (r.id, r.name.clone())).collect());
                    confirm.set(Some(items));
                }>
                {move || format!("Delete selected ({})", selected.with(BTreeSet::len))}
            </button>
        </div>
        {move || error.get().map(|e| view! { <p class="error-banner" role="alert" data-testid="list-error">{e}</p> })}
        {move || match panel.live.get() {
            LiveState::Loading if !panel.is_sandbox() => view! {
                <div class="skeleton" data-testid="loading" aria-busy="true">
                    <div class="skeleton-row"></div><div class="skeleton-row"></div><div class="skeleton-row"></div>
                </div>
            }.into_any(),
            LiveState::Failed(e) if !panel.is_sandbox() => view! {
                <div class="error-state" role="alert" data-testid="load-error">
                    <strong>{e.message()}</strong>
                    <p>{e.hint()}</p>
                    <button class="btn" on:click=move |_| panel.refresh() data-testid="retry">"Retry"</button>
                    <A href="/connections">"Connections"</A>
                </div>
            }.into_any(),
            _ if all_rows.with(Vec::is_empty) => view! {
                <div class="empty" data-testid="empty">
                    <p>"No webhooks here yet. A webhook tells Pipedrive to POST an event (say, a deal changing) to your URL."</p>
                    <A href="/webhooks/new">"Create a webhook"</A>
                </div>
            }.into_any(),
            _ => view! {
                <div class="table-wrap">
                <table class="webhooks" data-testid="webhooks-table">
                    <thead>
                        <tr>
                            <th scope="col"><span class="sr-only">"Select"</span></th>
                            <th scope="col"><button class="sort" on:click=move |_| sort.set("name".into())>"Name"</button></th>
                            <th scope="col"><button class="sort" on:click=move |_| sort.set("event".into())>"Event"</button></th>
                            <th scope="col">"URL"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col" class="col-owner">"Owner"</th>
                            <th scope="col"><button class="sort" on:click=move |_| sort.set("last".into())>"Last delivery"</button></th>
                            <th scope="col"><button class="sort" on:click=move |_| sort.set("health".into())>"Health"</button></th>
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        // Keyed rows: a filter keystroke adds and removes rows instead of rebuilding
                        // the table. The key changes when anything a row shows changes.
                        <For
                            each=move || {
                                let now = panel.now();
                                // Live relative times are fixed at load; the sandbox clock moves them.
                                let stamp = if panel.is_sandbox() { now } else { 0 };
                                visible.get().into_iter().map(move |r| (stamp, now, r)).collect::<Vec<_>>()
                            }
                            key=|(stamp, _, r)| (r.id, *stamp, r.name.clone(), r.health, r.last_delivery, r.last_status, r.delete.is_ok())
                            children=move |(_, now, r)| {
                                let id = r.id;
                                let name = r.name.clone();
                                let select = match r.delete {
                                    Ok(()) => view! {
                                        <input type="checkbox" aria-label=format!("Select {}", r.name) data-testid=format!("select-{id}")
                                            prop:checked=move || selected.with(|s| s.contains(&id))
                                            on:change=move |ev| { let on = event_target_checked(&ev); selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } }); }/>
                                    }.into_any(),
                                    Err(reason) => view! {
                                        <span class="lock" title=reason.explain() role="img" aria-label=reason.explain() data-testid=format!("lock-{id}")><LockIcon/></span>
                                    }.into_any(),
                                };
                                let action = r.delete.is_ok().then(|| view! {
                                    <button class="btn small" data-testid=format!("delete-{id}") aria-label=format!("Delete {name}")
                                        on:click={ let name = name.clone(); move |_| confirm.set(Some(vec![(id, name.clone())])) }>"Delete"</button>
                                });
                                let (row_name, event) = (r.name.clone(), r.event());
                                view! {
                                    <tr data-testid=format!("row-{id}")>
                                        <td>{select}</td>
                                        <td class="wrap"><A href=format!("/webhooks/{id}")>{row_name}</A></td>
                                        <td><code>{event}</code><span class="ver" title="Payload version">{format!("v{}", r.version.trim_end_matches(".0"))}</span></td>
                                        <td><code class="url" title=r.url.clone()>{cut_middle(&r.url, 24)}</code></td>
                                        <td><TypeBadge kind=r.kind.clone() testid=format!("type-{id}")/></td>
                                        <td class="muted col-owner" title=r.owner.clone()>{r.owner.split(" · ").next().unwrap_or_default().to_string()}</td>
                                        <td title=r.last_delivery.map(absolute).unwrap_or_default()>
                                            {r.last_delivery.map(|t| relative(t, now)).unwrap_or_else(|| "never".into())}
                                            {r.last_status.map(|s| format!(" · {s}"))}
                                        </td>
                                        <td><HealthBadge health=r.health now=now testid=format!("health-{id}")/></td>
                                        <td>{action}</td>
                                    </tr>
                                }
                            }
                        />
                    </tbody>
                </table>
                </div>
            }.into_any(),
        }}
        {move || confirm.get().map(|items| {
            let names: Vec<String> = items.iter().map(|(id, n)| format!("{n} (#{id})")).collect();
            view! {
                <ConfirmDialog
                    title=format!("Delete {} webhook(s)?", items.len())
                    items=names
                    confirm_label="Delete"
                    on_confirm=move || { confirm.set(None); delete_ids(items.clone()); }
                    on_cancel=move || confirm.set(None)
                />
            }
        })}
    }
}
