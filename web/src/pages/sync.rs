//! Sync: bring this installation's app webhooks to a declared set. The core plans
//! (`sync::plan_sync_with`); this page reads the desired set, shows the plan as a diff, and applies
//! it through `Panel::create` / `Panel::delete` (deletes first), after a confirmation.

use crate::components::{ConfirmDialog, RuleText};
use crate::export::desired_json_of_own;
use crate::live::Doing;
use crate::state::{LiveState, Panel};
use html_escape::encode_text_to_string;
use crate::row_html::rule_html;
use leptos::prelude::*;
use pipedrive_webhooks::json_read::{kind_of, ReadJson};
use pipedrive_webhooks::sync::{plan_sync_with, PlanAction, PlanStep, SyncError, SyncPlan};
use pipedrive_webhooks::wire::{webhook_json, RemoteWebhook};
use pipedrive_webhooks::{validate, Millis, NewWebhook, Policy};
use serde_json::Value;

/// What the plan is made against: the webhooks this caller lists now.
enum Current {
    Ready(Vec<RemoteWebhook>),
    /// A live list is loading.
    Waiting,
    Failed(String),
}

/// The current list: for the sandbox, what its caller (your app, for the chosen user) may list,
/// decoded as a live list would be; for a live connection, the loaded list.
fn current_list(panel: Panel) -> Current {
    if panel.is_sandbox() {
        let caller = panel.sandbox_caller();
        let user = panel.acting_user.get();
        return panel.sandbox.with(|s| {
            if let Some(why) = s.not_installed(user) {
                return Current::Failed(why.into());
            }
            match s.account.list(&caller) {
                Ok(entries) => Current::Ready(entries.into_iter().filter_map(|e| RemoteWebhook::from_value(webhook_json(&e.webhook, &e.delivery))).collect()),
                Err(e) => Current::Failed(e.to_string()),
            }
        });
    }
    panel.live.with(|l| match l {
        LiveState::Loaded(list) => Current::Ready(list.clone()),
        LiveState::Failed(e) => Current::Failed(e.message()),
        LiveState::Idle | LiveState::Loading => Current::Waiting,
    })
}

/// `#2 ("Deals")`: which desired webhook, as the core's reasons number them (from 0).
fn item_label(index: usize, name: Option<&str>) -> String {
    match name.filter(|n| !n.trim().is_empty()) {
        // At most 40 characters of the name: enough to find the item, and a 10 KB name stays out.
        Some(n) if n.chars().count() > 40 => format!("desired #{index} (\"{}…\")", n.chars().take(40).collect::<String>()),
        Some(n) => format!("desired #{index} (\"{n}\")"),
        None => format!("desired #{index}"),
    }
}

/// Reads the desired set: a JSON array of webhooks in Pipedrive's field names, each with an
/// explicit `version`. Every problem found is listed, each naming its item and field.
fn read_desired(text: &str, policy: &Policy) -> Result<Vec<NewWebhook>, Vec<String>> {
    let v: Value = serde_json::from_str(text).map_err(|e| vec![format!("Not valid JSON: {e}.")])?;
    let Value::Array(items) = v else {
        return Err(vec![format!("Expected a JSON array of webhooks, got {}.", kind_of(&v))]);
    };
    let mut desired = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let name = item.get("name").and_then(Value::as_str);
        match NewWebhook::read(item) {
            Ok(w) => {
                // Every problem of every item at once, in the core's words (the planner stops at
                // the first invalid item).
                if let Err(invalid) = validate(&w, policy) {
                    errors.extend(invalid.0.iter().map(|e| format!("{}, field {}: {}", item_label(i, name), e.field.as_str(), e.message)));
                }
                // Pipedrive's default version changed before: a desired set states it.
                if w.version.is_none() {
                    errors.push(format!("{}, field version: is missing; give \"1.0\" or \"2.0\".", item_label(i, name)));
                }
                desired.push(w);
            }
            Err(e) => errors.push(format!("{}: {e}.", item_label(i, name))),
        }
    }
    if errors.is_empty() {
        Ok(desired)
    } else {
        Err(errors)
    }
}

/// What the plan section shows.
#[derive(Clone, PartialEq)]
enum PlanView {
    /// No desired set submitted yet.
    Nothing,
    Waiting,
    NoList(String),
    /// The desired set cannot be read or is invalid: each problem.
    Input(Vec<String>),
    /// The core refused the plan (past the limit, R2).
    Refused(String),
    Ready { plan: SyncPlan, names: Vec<(Option<u64>, String)> },
}

/// One step's result while applying.
#[derive(Clone, PartialEq)]
enum Outcome {
    Pending,
    Done,
    Failed(String),
    /// Not sent: applying stopped before it.
    NotSent,
}

/// A run of Apply: the steps sent (deletes, then creates), each one's result, and why it stopped.
#[derive(Clone, PartialEq)]
struct Run {
    steps: Vec<PlanStep>,
    results: Vec<Outcome>,
    running: bool,
    stopped: Option<String>,
}

fn badge_class(action: PlanAction) -> &'static str {
    match action {
        PlanAction::Create => "badge plan-create",
        PlanAction::Delete => "badge plan-delete",
        _ => "badge plan-neutral",
    }
}

fn action_text(action: PlanAction) -> &'static str {
    match action {
        PlanAction::Create => "create",
        PlanAction::Delete => "delete",
        PlanAction::Keep => "keep",
        PlanAction::Surplus => "surplus",
        PlanAction::Untouched => "untouched",
    }
}

/// A step's action badge cell.
fn badge_cell(testid: &str, s: &PlanStep, out: &mut String) {
    out.push_str(&format!("<td><span class=\"{}\" data-testid=\"{testid}\">{}</span></td>", badge_class(s.action), action_text(s.action)));
}

/// The plan's rows as HTML text (values escaped: names and URLs come from the network). Why text:
/// one parse instead of a view per cell keeps this page small in the panel's wasm (size is a budget).
fn plan_rows_html(steps: &[PlanStep], names: &[(Option<u64>, String)]) -> String {
    let mut out = String::new();
    for (i, (s, (id, name))) in steps.iter().zip(names).enumerate() {
        out.push_str(&format!("<tr data-testid=\"plan-row-{i}\" data-action=\"{}\">", action_text(s.action)));
        badge_cell(&format!("plan-action-{i}"), s, &mut out);
        out.push_str("<td class=\"wrap\">");
        out.push_str(&id.map(|id| format!("#{id} ")).unwrap_or_else(|| "new ".into()));
        out.push_str("<span class=\"muted\">");
        encode_text_to_string(name, &mut out);
        out.push_str("</span></td><td class=\"wrap\"><code>");
        encode_text_to_string(&s.subscription, &mut out);
        out.push_str(&format!("</code></td><td class=\"wrap\" data-testid=\"plan-reason-{i}\">"));
        rule_html(&s.reason, &mut out);
        out.push_str("</td></tr>");
    }
    out
}

/// A run's rows with each step's result, as HTML text (see [`plan_rows_html`]).
fn result_rows_html(run: &Run) -> String {
    let mut out = String::new();
    for (i, (s, o)) in run.steps.iter().zip(&run.results).enumerate() {
        let (class, text) = match o {
            Outcome::Pending => ("muted", "pending".to_string()),
            Outcome::Done => ("result-done", "done".to_string()),
            Outcome::Failed(e) => ("result-failed", format!("failed: {e}")),
            Outcome::NotSent => ("muted", "not sent".to_string()),
        };
        out.push_str(&format!("<tr data-testid=\"result-row-{i}\">"));
        badge_cell(&format!("result-action-{i}"), s, &mut out);
        out.push_str("<td class=\"wrap\">");
        out.push_str(&s.id.map(|id| format!("#{id} ")).unwrap_or_else(|| "new ".into()));
        out.push_str("<code>");
        encode_text_to_string(&s.subscription, &mut out);
        out.push_str(&format!("</code></td><td class=\"wrap {class}\" data-testid=\"result-{i}\">"));
        rule_html(&text, &mut out);
        out.push_str("</td></tr>");
    }
    out
}

/// The Sync page (`/sync`).
#[component]
pub fn SyncPage() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let text = RwSignal::new(String::new());
    // The text the plan was made from: editing the textarea hides a plan that no longer matches it.
    let submitted = RwSignal::new(None::<String>);
    let prune = RwSignal::new(false);
    let run = RwSignal::new(None::<Run>);
    // Whether the confirmation is open; it shows (and applies) the plan as it stands.
    let confirm = RwSignal::new(false);
    let export_note = RwSignal::new(None::<String>);

    let view_of_plan = Memo::new(move |_| {
        let Some(source) = submitted.get() else { return PlanView::Nothing };
        let desired = match read_desired(&source, &panel.policy()) {
            Ok(d) => d,
            Err(errors) => return PlanView::Input(errors),
        };
        let list = match current_list(panel) {
            Current::Ready(list) => list,
            Current::Waiting => return PlanView::Waiting,
            Current::Failed(e) => return PlanView::NoList(e),
        };
        match plan_sync_with(&list, &desired, &panel.policy(), prune.get()) {
            Ok(plan) => {
                let names = plan
                    .steps
                    .iter()
                    .map(|s| {
                        let name = match (s.id, s.desired_index) {
                            (Some(id), _) => list.iter().find(|w| w.id == Some(id)).and_then(|w| w.name.clone()),
                            (None, Some(i)) => desired.get(i).map(|d| d.name.clone()),
                            _ => None,
                        };
                        (s.id, name.unwrap_or_default())
                    })
                    .collect();
                PlanView::Ready { plan, names }
            }
            Err(SyncError::Invalid { index, errors }) => {
                let label = item_label(index, desired.get(index).map(|d| d.name.as_str()));
                PlanView::Input(errors.0.iter().map(|e| format!("{label}, field {}: {}", e.field.as_str(), e.message)).collect())
            }
            Err(e @ SyncError::LimitExceeded { .. }) => PlanView::Refused(format!("Refused, nothing sent: {e}.")),
        }
    });
    let running = move || run.with(|r| r.as_ref().is_some_and(|r| r.running));
    // Sync manages an app's own webhooks: with a user's API token, what it creates are general
    // webhooks, which no plan counts as the app's, so it would never converge.
    let as_user = move || panel.live_connection().is_some_and(|c| !c.oauth);

    let plan_now = move || {
        export_note.set(None);
        submitted.set(Some(text.get_untracked()));
    };
    let export_current = move |_| match untrack(|| current_list(panel)) {
        Current::Ready(list) => {
            let json = desired_json_of_own(&list);
            text.set(json.clone());
            submitted.set(Some(json));
            export_note.set(Some("The app's own webhooks as listed now; Basic-auth passwords are left out (a missing password keeps the one set).".into()));
        }
        Current::Waiting => export_note.set(Some("The current list is still loading.".into())),
        Current::Failed(e) => export_note.set(Some(format!("No current list: {e}"))),
    };
    let on_file = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        // Cleared so choosing the same file again reads it again.
        input.set_value("");
        let loaded = wasm_bindgen::closure::Closure::once(move |v: wasm_bindgen::JsValue| {
            let body = v.as_string().unwrap_or_default();
            text.set(body.clone());
            export_note.set(None);
            submitted.set(Some(body));
        });
        let _ = file.text().then(&loaded);
        // Called once by the promise; small enough to leave to the page's lifetime.
        loaded.forget();
    };

    let apply = move |plan: SyncPlan| {
        // Deletes first (they free slots, R2), then creates: the plan's own order.
        let mut inputs = plan.create.clone().into_iter();
        let work: Vec<(PlanStep, Option<NewWebhook>)> = plan
            .steps
            .iter()
            .filter_map(|s| match s.action {
                PlanAction::Delete => Some((s.clone(), None)),
                PlanAction::Create => Some((s.clone(), inputs.next())),
                _ => None,
            })
            .collect();
        let total = work.len();
        run.set(Some(Run { steps: work.iter().map(|(s, _)| s.clone()).collect(), results: vec![Outcome::Pending; total], running: true, stopped: None }));
        leptos::task::spawn_local(async move {
            let (mut deleted, mut created, mut failed) = (0, 0, 0);
            for (i, (step, input)) in work.into_iter().enumerate() {
                // A 429 not waited out holds every call: stop, and say what was done.
                if let Some((until, scope)) = untrack(|| panel.api_blocked_now()) {
                    let why = Panel::blocked_text(until, scope, js_sys::Date::now() as Millis);
                    let done = format!("Stopped after {} of {total} steps ({deleted} deleted, {created} created, {failed} failed); the rest was not sent. {why}", deleted + created + failed);
                    run.update(|r| {
                        if let Some(r) = r {
                            r.results.iter_mut().skip(i).for_each(|o| *o = Outcome::NotSent);
                            r.stopped = Some(done);
                        }
                    });
                    break;
                }
                let result = match (step.action, step.id, input) {
                    (PlanAction::Delete, Some(id), _) => panel.delete_unlisted(id).await.map_err(|e| e.message()).inspect(|_| deleted += 1),
                    (PlanAction::Create, _, Some(w)) => panel.create_unlisted(w).await.map(|_| ()).map_err(|e| e.explain(Doing::Create)).inspect(|_| created += 1),
                    _ => Err("nothing to send for this step".into()),
                };
                if result.is_err() {
                    failed += 1;
                }
                run.update(|r| {
                    if let Some(r) = r {
                        r.results[i] = match result {
                            Ok(()) => Outcome::Done,
                            Err(e) => Outcome::Failed(e),
                        };
                    }
                });
            }
            run.update(|r| {
                if let Some(r) = r {
                    r.running = false;
                }
            });
            // One reload for the whole run (the sandbox is always current).
            panel.refresh();
            panel.notify(format!("Sync applied: {deleted} deleted, {created} created{}", if failed > 0 { format!(", {failed} failed") } else { String::new() }));
        });
    };

    let plan_section = move || match view_of_plan.get() {
        PlanView::Nothing => ().into_any(),
        PlanView::Waiting => view! { <p class="muted" data-testid="sync-waiting">"Loading the current list…"</p> }.into_any(),
        PlanView::NoList(e) => view! { <p class="error-banner" role="alert" data-testid="sync-no-list">"No current list to plan against: "{e}</p> }.into_any(),
        // Shown under the textarea instead (see below).
        PlanView::Input(_) => ().into_any(),
        PlanView::Refused(e) => view! { <p class="error-banner" role="alert" data-testid="sync-refused"><RuleText text=e/></p> }.into_any(),
        PlanView::Ready { plan, names } => {
            let summary = format!(
                "{} to delete, {} to create, {} kept, {} surplus, {} not this app's",
                plan.delete.len(),
                plan.create.len(),
                plan.keep.len(),
                plan.surplus.len(),
                plan.untouched.len()
            );
            let in_sync = plan.in_sync();
            view! {
                <h2>"Plan"</h2>
                {if in_sync {
                    view! { <p class="in-sync" role="status" data-testid="sync-in-sync">"In sync: nothing to do"</p> }.into_any()
                } else {
                    view! { <p data-testid="sync-summary">{summary}</p> }.into_any()
                }}
                <div class="table-wrap">
                <table class="plan" data-testid="sync-plan-table">
                    <thead><tr>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Webhook"</th>
                        <th scope="col">"Subscription"</th>
                        <th scope="col">"Reason"</th>
                    </tr></thead>
                    <tbody inner_html=plan_rows_html(&plan.steps, &names)></tbody>
                </table>
                </div>
                {(!in_sync).then(|| view! {
                    <div class="actions sync-apply">
                        <button class="btn primary" data-testid="sync-apply"
                            disabled=move || running() || as_user() || panel.api_blocked_now().is_some()
                            on:click=move |_| confirm.set(true)>"Apply…"</button>
                        <span class="help"><RuleText text="Deletes go first (they free slots under R2), then creates. You confirm first."/></span>
                    </div>
                })}
            }
            .into_any()
        }
    };

    let run_section = move || {
        run.get().map(|r| {
            let total = r.results.len();
            let finished = r.results.iter().filter(|o| matches!(o, Outcome::Done | Outcome::Failed(_))).count();
            let label = format!("Applied {finished} of {total}");
            view! {
                <section class="sync-run" aria-label="Applying the plan">
                    <h2>{if r.running { "Applying…" } else { "Applied" }}</h2>
                    <div class="progress-line">
                        <progress data-testid="sync-progress" max=total.max(1) value=finished aria-label="Sync progress"></progress>
                        <span data-testid="sync-progress-text">{label}</span>
                    </div>
                    {r.stopped.clone().map(|s| view! { <p class="error-banner" role="alert" data-testid="sync-stopped">{s}</p> })}
                    <div class="table-wrap">
                    <table class="plan" data-testid="sync-results">
                        <thead><tr>
                            <th scope="col">"Action"</th>
                            <th scope="col">"Webhook"</th>
                            <th scope="col">"Result"</th>
                        </tr></thead>
                        <tbody inner_html=result_rows_html(&r)></tbody>
                    </table>
                    </div>
                </section>
            }
        })
    };

    view! {
        <h1>"Sync"</h1>
        <p class="muted intro">
            <RuleText text="Declare the webhooks your app should have, then bring this installation to that set: the plan keeps what matches, creates what is missing and, if you prune, deletes duplicates and leftovers. Only your app's own webhooks are touched (R5, R6); a plan past the limit is refused (R2)."/>
        </p>
        {move || as_user().then(|| view! {
            <p class="notice" role="status" data-testid="sync-as-user">"This connection uses a user's API token: sync manages an app's own webhooks, so connect with an OAuth access token (as the app) to apply a plan."</p>
        })}
        <div class="sync-input">
            <div class="field">
                <label for="sync-desired">"Desired webhooks (JSON)"</label>
                <textarea id="sync-desired" data-testid="sync-desired" rows="12" spellcheck="false" aria-describedby="sync-format"
                    prop:value=move || text.get()
                    on:input=move |ev| { text.set(event_target_value(&ev)); submitted.set(None); }></textarea>
                <small class="help" id="sync-format">
                    "A JSON array; each webhook has subscription_url, event_action, event_object, name and version (\"1.0\" or \"2.0\"), and optionally user_id, http_auth_user, http_auth_password. The same file the CLI reads."
                </small>
                {move || match view_of_plan.get() {
                    PlanView::Input(errors) => Some(view! {
                        <div class="field-error sync-errors" role="alert" data-testid="sync-error">
                            <ul>{errors.into_iter().map(|e| view! { <li data-testid="sync-error-item">{e}</li> }).collect_view()}</ul>
                        </div>
                    }),
                    _ => None,
                }}
                {move || export_note.get().map(|n| view! { <p class="help" data-testid="sync-export-note">{n}</p> })}
            </div>
            <div class="actions sync-actions">
                <button class="btn primary" data-testid="sync-plan" on:click=move |_| plan_now()>"Show plan"</button>
                <label class="btn file-btn">"Upload a file…"
                    <input type="file" class="sr-only" accept=".json,application/json" data-testid="sync-file" on:change=on_file/>
                </label>
                <button class="btn" data-testid="sync-export-current" on:click=export_current>"Export the current set"</button>
                <label class="check-inline">
                    <input type="checkbox" data-testid="sync-prune" prop:checked=move || prune.get() on:change=move |ev| prune.set(event_target_checked(&ev))/>
                    " Prune (delete own webhooks that are not desired)"
                </label>
            </div>
        </div>
        {plan_section}
        {run_section}
        {move || confirm.get().then(|| match view_of_plan.get() { PlanView::Ready { plan, .. } => Some(plan), _ => None }).flatten().map(|plan| {
            let mut items: Vec<String> = plan
                .steps
                .iter()
                .filter(|s| s.action == PlanAction::Delete)
                .map(|s| format!("Delete #{}: {} ({})", s.id.unwrap_or_default(), s.subscription, s.reason))
                .collect();
            if items.is_empty() {
                items.push("No deletions.".into());
            }
            items.push(format!("Then create {} webhook(s).", plan.create.len()));
            view! {
                <ConfirmDialog
                    title=format!("Apply the plan: {} to delete, {} to create?", plan.delete.len(), plan.create.len())
                    items=items
                    confirm_label="Apply"
                    on_confirm=move || { confirm.set(false); apply(plan.clone()); }
                    on_cancel=move || confirm.set(false)
                />
            }
        })}
    }
}
