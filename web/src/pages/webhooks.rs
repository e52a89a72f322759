//! The webhooks list: summary cards, filters (kept in the URL), the table, bulk delete.

use crate::components::{ConfirmDialog, QuotaMeter};
use crate::export::{csv, desired_json, download};
use crate::row_list::RowList;
use crate::rows::{needle, Row, SharedRow};
use crate::live::LiveError;
use crate::state::{LiveState, Panel};
use leptos::prelude::*;
use pipedrive_webhooks::WebhookType;
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// How two rows compare under the list's sort column (stable: ties keep the list's order).
///
/// One comparator for every column, so the wasm carries one sort, not one per column (~5 KB
/// brotli each); and no key is allocated per comparison.
fn order(by: &str, a: &Row, b: &Row) -> Ordering {
    match by {
        // The lower-cased name leads each row's search text (`rows::search_text`): no case tables here.
        "name" => a.search_text.split('\n').next().cmp(&b.search_text.split('\n').next()),
        "event" => (a.action.as_str(), a.object.as_str()).cmp(&(b.action.as_str(), b.object.as_str())),
        "last" => b.last_delivery.cmp(&a.last_delivery),
        "health" => a.health.label().cmp(b.health.label()),
        _ => a.id.cmp(&b.id),
    }
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
        "duplicate" => row.duplicate_of.is_some(),
        other => row.health.label() == other,
    }
}

/// Which of its states the list page shows.
#[derive(Clone, PartialEq)]
enum Shown {
    Loading,
    Failed(LiveError),
    Empty,
    Table,
}

/// How long typing must pause before the filters are written to the URL.
const URL_WRITE_DELAY_MS: u32 = 250;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let q = |k: &str| crate::nav::query(k).unwrap_or_default();
    // A type the tabs do not offer (a hand-edited URL) shows every type, with "All" selected.
    let type_filter = RwSignal::new(Some(q("type")).filter(|t| ["application", "general", "automation", "other"].contains(&t.as_str())).unwrap_or_default());
    let health_filter = RwSignal::new(q("health"));
    let text = RwSignal::new(q("q"));
    let sort = RwSignal::new(if q("sort").is_empty() { "id".to_string() } else { q("sort") });
    // Filters live in the URL, so a filtered view can be shared and survives reloads. Written with
    // `history.replaceState` rather than a navigation (the page reads them only on mount), and
    // once typing pauses: Chromium spends ~10 ms per `replaceState`, most of a keystroke's budget.
    // Not on the first run (the URL already holds them), nor after the page is left (the pending
    // write would land on the next page's entry).
    let pending_url = crate::timers::Debounce::new();
    Effect::new(move |first: Option<()>| {
        // The default order ("id") is not written.
        let by = Some(sort.get()).filter(|s| s != "id").unwrap_or_default();
        let url = crate::nav::with_query("/", &[("type", type_filter.get()), ("health", health_filter.get()), ("q", text.get()), ("sort", by)]);
        if first.is_none() {
            return;
        }
        pending_url.set(URL_WRITE_DELAY_MS, move || crate::nav::replace_url(&url));
    });

    let selected = RwSignal::new(BTreeSet::<u64>::new());
    // Export: user ids only when asked for (a set reused elsewhere must not carry this user's);
    // Basic-auth credentials never (Pipedrive never returns them): a placeholder, flagged.
    let include_user_ids = RwSignal::new(false);
    let export_note = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(None::<Vec<(u64, String)>>);
    let error = RwSignal::new(None::<String>);

    let all_rows = Memo::new(move |_| panel.rows());
    let visible = Memo::new(move |_| {
        let now = panel.now();
        let (t, h, needle) = (type_filter.get(), health_filter.get(), needle(&text.get()));
        let mut rows: Vec<SharedRow> = all_rows.get().into_iter().filter(|r| type_matches(&t, &r.kind) && health_matches(&h, r, now) && r.matches_text(&needle)).collect();
        let by = sort.get();
        rows.sort_by(|a, b| order(&by, a, b));
        rows
    });
    // A column header that sorts by `col`; `aria-sort` tells screen readers (and the CSS arrow)
    // which column orders the rows. "Last delivery" puts the newest first.
    let sortable = move |col: &'static str, label: &'static str| {
        let state = move || match sort.get() == col {
            true if col == "last" => "descending",
            true => "ascending",
            false => "none",
        };
        view! {
            <th scope="col" aria-sort=state>
                <button class="sort" data-testid=format!("sort-{col}") on:click=move |_| sort.set(col.into())>{label}</button>
            </th>
        }
    };
    // What the page shows, memoised: the table is built once and then only its rows change
    // (re-running this branch on every list change would rebuild the table around RowList).
    let shown = Memo::new(move |_| {
        let live = (!panel.is_sandbox()).then(|| {
            panel.live.with(|l| match l {
                LiveState::Loading => Some(Shown::Loading),
                LiveState::Failed(e) => Some(Shown::Failed(e.clone())),
                _ => None,
            })
        });
        match live.flatten() {
            Some(state) => state,
            None if all_rows.with(Vec::is_empty) => Shown::Empty,
            None => Shown::Table,
        }
    });
    let count_health = move |label: &'static str| {
        let now = panel.now();
        all_rows.with(|rows| rows.iter().filter(|r| health_matches(label, r, now)).count())
    };

    let delete_ids = move |items: Vec<(u64, String)>| {
        leptos::task::spawn_local(async move {
            let mut failed = Vec::new();
            let mut deleted = 0;
            // One list reload after the batch, not one per delete (each is a request against the rate limit).
            for (id, name) in items {
                match panel.delete_unlisted(id).await {
                    Ok(()) => deleted += 1,
                    Err(e) => failed.push(format!("{name}: {}", e.explain(crate::live::Doing::Delete))),
                }
            }
            selected.set(BTreeSet::new());
            panel.refresh();
            if deleted > 0 {
                panel.notify(if deleted == 1 { "Deleted 1 webhook".into() } else { format!("Deleted {deleted} webhooks") });
            }
            error.set((!failed.is_empty()).then(|| failed.join("; ")));
        });
    };
    // The webhook just created: highlighted and scrolled into view once its row is there.
    Effect::new(move |_| {
        let Some(id) = panel.highlight.get() else { return };
        visible.track();
        // After the row list's own effect has built the rows.
        set_timeout(
            move || {
                if let Ok(Some(tr)) = document().query_selector(&format!("tr[data-testid=row-{id}]")) {
                    let _ = tr.class_list().add_1("highlight");
                    tr.scroll_into_view_with_bool(false);
                    panel.highlight.set(None);
                }
            },
            std::time::Duration::ZERO,
        );
    });
    // The page says how old the list is. Only an emulator's list refreshes by itself (every 30 s
    // while the page is visible, unless paused): it costs nothing. Against Pipedrive every list
    // spends 10 tokens of the customer's daily budget (a list every 30 s is 28,800 a day, 96 % of
    // a one-seat Lite company's), so it refreshes only when asked.
    let paused = RwSignal::new(false);
    let age_tick = RwSignal::new(0u32);
    crate::timers::every(5_000, move || {
        age_tick.update(|t| *t += 1);
        let visible_page = document().visibility_state() == web_sys::VisibilityState::Visible;
        let due = panel.loaded_at.get_untracked().is_some_and(|at| js_sys::Date::now() as i64 - at >= 30_000);
        if due && visible_page && !paused.get_untracked() && untrack(|| panel.is_emulator()) && panel.api_blocked_now().is_none() {
            panel.refresh();
        }
    });
    let age = move || {
        age_tick.track();
        panel.loaded_at.get().map(|at| crate::format::relative(at, js_sys::Date::now() as i64))
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

    // Counts only for a list that is there: loading or failed never reads as zeros.
    let has_data = move || matches!(shown.get(), Shown::Table | Shown::Empty);
    view! {
        <h1>"Webhooks"</h1>
        {move || (!panel.is_sandbox()).then(|| view! {
            <p class="list-age muted" data-testid="list-age">
                {move || age().map(|a| format!("Listed {a}. ")).unwrap_or_else(|| "Not loaded yet. ".into())}
                {move || if panel.is_emulator() {
                    let scale = panel.server_clock.with(|c| c.map(|(c, _)| c.time_scale)).unwrap_or(1.0);
                    view! {
                        {move || if paused.get() { "Auto-refresh paused." } else { "Refreshes every 30 s while this page is visible (an emulator costs nothing)." }}
                        " " <span data-testid="emulator-clock">{format!("Times are on the emulator's clock (×{}).", scale.round() as i64)}</span>
                        " "
                        <button class="btn small" data-testid="pause-refresh" aria-pressed=move || paused.get().to_string() on:click=move |_| paused.update(|p| *p = !*p)>
                            {move || if paused.get() { "Resume" } else { "Pause" }}
                        </button>
                    }.into_any()
                } else {
                    let cost = pipedrive_webhooks::rate_limit::token_cost("GET");
                    view! {
                        <span data-testid="refresh-cost">{if panel.is_pipedrive() {
                            format!("Refreshes only when you ask: each list costs {cost} tokens of the company's daily budget.")
                        } else {
                            format!("Refreshes only when you ask (against Pipedrive each list costs {cost} tokens).")
                        }}</span>
                        " "
                        <span data-testid="daily-budget">{move || daily_budget_text(panel.rate.get())}</span>
                    }.into_any()
                }}
            </p>
        })}
        <div class="cards" hidden=move || !has_data()>
            {move || panel.quota().map(|q| view! { <QuotaMeter quota=q label=if panel.is_sandbox() { "App webhooks for this user" } else { "Webhooks counted (R2)" }/> })}
            {card("Failing", "failing", "count-failing")}
            {card("Banned", "banned", "count-banned")}
            {card("Deletion due < 24 h", "deletion", "count-deletion")}
            {card("Duplicates", "duplicate", "count-duplicate")}
        </div>
        <div class="filters" role="search">
            <div class="segmented" role="group" aria-label="Type">
                {segment("", "All")}
                {segment("application", "Application")}
                {segment("general", "General")}
                {segment("automation", "Automation")}
            </div>
            <label class="field-inline">"Status "
                <select data-testid="filter-health" prop:value=move || health_filter.get()
                    on:change=move |ev| health_filter.set(event_target_value(&ev))>
                    <option value="">"All"</option>
                    <option value="healthy">"Healthy"</option>
                    <option value="no_deliveries">"No deliveries yet"</option>
                    <option value="failing">"Failing"</option>
                    <option value="banned">"Banned"</option>
                    <option value="deletion">"Deletion due < 24 h"</option>
                    <option value="duplicate">"Duplicates"</option>
                </select>
            </label>
            <input id="search" type="search" placeholder="Search name, URL, event  ( / )" aria-label="Search webhooks"
                data-testid="search" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            <span class="count" data-testid="row-count">{move || format!("{} of {}", visible.with(Vec::len), all_rows.with(Vec::len))}</span>
            <button class="btn danger" data-testid="delete-selected" disabled=move || selected.with(BTreeSet::is_empty) || panel.api_blocked_now().is_some()
                on:click=move |_| {
                    let chosen = selected.get();
                    let items: Vec<(u64, String)> = all_rows.with(|rows| rows.iter().filter(|r| chosen.contains(&r.id)).map(|r| (r.id, r.name.clone())).collect());
                    confirm.set(Some(items));
                }>
                {move || format!("Delete selected ({})", selected.with(BTreeSet::len))}
            </button>
        </div>
        <div class="export-bar" role="group" aria-label="Export the shown list" hidden=move || !has_data() || visible.with(Vec::is_empty)>
            <span class="muted">"Export the shown list:"</span>
            <button class="btn small" data-testid="export-json"
                on:click=move |_| {
                    let export = visible.with_untracked(|rows| desired_json(rows, include_user_ids.get_untracked()));
                    download("webhooks.json", "application/json", &export.text);
                    export_note.set(export.note());
                }>
                "JSON (desired set)"
            </button>
            <label class="check-inline">
                <input type="checkbox" data-testid="export-user-ids" prop:checked=move || include_user_ids.get()
                    on:change=move |ev| include_user_ids.set(event_target_checked(&ev))/>
                " include user ids"
            </label>
            <button class="btn small" data-testid="export-csv"
                on:click=move |_| download("webhooks.csv", "text/csv;charset=utf-8", &visible.with_untracked(|rows| csv(rows)))>"CSV"</button>
        </div>
        {move || export_note.get().map(|n| view! { <p class="warning" role="status" data-testid="export-note">{n}</p> })}
        {move || error.get().map(|e| view! { <p class="error-banner" role="alert" data-testid="list-error">{e}</p> })}
        {move || match shown.get() {
            Shown::Loading => view! {
                <div class="skeleton" data-testid="loading" aria-busy="true">
                    <div class="skeleton-row"></div><div class="skeleton-row"></div><div class="skeleton-row"></div>
                </div>
            }.into_any(),
            Shown::Failed(e) => view! {
                <div class="error-state" role="alert" data-testid="load-error">
                    <strong>{e.message()}</strong>
                    <p>{e.hint()}</p>
                    <button class="btn" on:click=move |_| panel.refresh() data-testid="retry">"Retry"</button>
                    <a href="/connections">"Connections"</a>
                </div>
            }.into_any(),
            Shown::Empty => view! {
                <div class="empty" data-testid="empty">
                    <p>"No webhooks here yet. A webhook tells Pipedrive to POST an event (say, a deal changing) to your URL."</p>
                    <a href="/webhooks/new">"Create a webhook"</a>
                </div>
            }.into_any(),
            Shown::Table => view! {
                {move || (visible.with(Vec::is_empty)).then(|| view! {
                    <div class="empty" data-testid="no-match">
                        <p>"No webhook matches these filters."</p>
                        <button class="btn" data-testid="clear-filters" on:click=move |_| { type_filter.set(String::new()); health_filter.set(String::new()); text.set(String::new()); }>"Clear filters"</button>
                    </div>
                })}
                <div class="table-wrap" class:api-blocked=move || panel.api_blocked_now().is_some() hidden=move || visible.with(Vec::is_empty)>
                <table class="webhooks" data-testid="webhooks-table">
                    <thead>
                        <tr>
                            <th scope="col"><span class="sr-only">"Select"</span></th>
                            {sortable("name", "Name")}
                            {sortable("event", "Event")}
                            <th scope="col">"URL"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col" class="col-owner">"Owner"</th>
                            {sortable("last", "Last delivery")}
                            {sortable("health", "Health")}
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    <RowList rows=visible all=all_rows selected=selected on_delete=move |id| {
                        if let Some(name) = all_rows.with_untracked(|rows| rows.iter().find(|r| r.id == id).map(|r| r.name.clone())) {
                            confirm.set(Some(vec![(id, name)]));
                        }
                    }/>
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

/// The company's daily token budget as the last answer told it (`x-daily-ratelimit-token-*`), or
/// "unknown": a page calling Pipedrive directly cannot read those headers (CORS exposes only the
/// three `x-ratelimit-*`).
fn daily_budget_text(rate: Option<pipedrive_webhooks::wire::RateLimit>) -> String {
    match rate.map(|r| (r.daily_tokens_left, r.daily_token_limit)) {
        Some((Some(left), Some(limit))) => format!("Daily budget: {left} of {limit} tokens left."),
        Some((Some(left), None)) => format!("Daily budget: {left} tokens left."),
        _ => "Daily budget: unknown (not in the last answer).".into(),
    }
}
