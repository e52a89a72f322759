//! Sync: bring this installation's app webhooks to a declared set. The core reads the desired set
//! (`desired::read_desired`: every error and warning at once, errors block) and plans
//! (`sync::plan_sync_with`). A plan is never made from an old list: "Show plan" lists the webhooks
//! first and Apply lists them again, re-plans, and sends nothing if that plan differs from the one
//! confirmed (the sandbox is always current, so it lists nothing). The page shows the plan as a
//! diff with its list's age, and applies it through `Panel::create_unlisted` / `delete_unlisted`
//! (deletes first) after a confirmation, each step's result in the run's table.

use crate::components::{ConfirmDialog, RuleText};
use crate::export::desired_json_of_own;
use crate::live::{Doing, LiveError};
use crate::state::Panel;
use html_escape::encode_text_to_string;
use crate::row_html::rule_html;
use leptos::prelude::*;
use pipedrive_webhooks::desired::{read_desired, DesiredIssue, DesiredSet, Severity};
use pipedrive_webhooks::sync::{plan_sync_with, PlanAction, PlanStep, SyncPlan};
use pipedrive_webhooks::wire::RemoteWebhook;
use pipedrive_webhooks::{ApiError, Millis, NewWebhook, Policy};
use serde_json::Value;

/// The live list a plan is made from, and when it answered (this browser's time).
#[derive(Clone, PartialEq)]
enum Listed {
    None,
    Loading,
    Ready { list: Vec<RemoteWebhook>, at: Millis },
    Failed(String),
}

/// The desired set as the core reads it, or why the text is not JSON.
fn read_text(text: &str, policy: &Policy) -> Result<DesiredSet, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("Not valid JSON: {e}."))?;
    Ok(read_desired(&v, policy))
}

/// What the plan section shows.
#[derive(Clone, PartialEq)]
enum PlanView {
    /// No desired set submitted yet.
    Nothing,
    /// The list to plan on is loading.
    Waiting,
    NoList(String),
    /// The desired set cannot be read or has errors (shown under the textarea).
    Input,
    /// The core refused the plan (past the limit, R2), in its words.
    Refused(String),
    /// `listed_at`: when its list answered (`None`: the sandbox's, always current).
    Ready { plan: SyncPlan, names: Vec<(Option<u64>, String)>, listed_at: Option<Millis> },
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

/// Whether two plans send the same requests (what a confirmation agreed to).
fn same_writes(a: &SyncPlan, b: &SyncPlan) -> bool {
    a.delete == b.delete && a.create == b.create
}

/// What to do about duplicates of desired webhooks a plan leaves in place, naming them: the plan
/// is not in sync while they stay (every event reaches the receiver twice).
fn duplicates_text(plan: &SyncPlan, names: &[(Option<u64>, String)]) -> String {
    let named: Vec<String> = plan
        .duplicates
        .iter()
        .map(|id| match names.iter().find(|(i, _)| *i == Some(*id)).map(|(_, n)| n.as_str()).filter(|n| !n.is_empty()) {
            Some(n) => format!("#{id} (\"{n}\")"),
            None => format!("#{id}"),
        })
        .collect();
    let (list, them) = match named.as_slice() {
        [one] => (format!("{one} duplicates a desired webhook"), "it"),
        [rest @ .., last] => (format!("{} and {last} duplicate desired webhooks", rest.join(", ")), "them"),
        [] => (String::new(), "them"),
    };
    format!("Not in sync: {list}, so every event reaches the receiver twice. Tick Prune to delete {them}, or delete {them} on the Webhooks list.")
}

/// A failed step's error for the run's table: what went wrong and what to do (a refused field is
/// fixed in the desired set, not on a form).
fn step_error(e: &LiveError, doing: Doing) -> String {
    match e {
        LiveError::Api(ApiError::InvalidField { .. }) => format!("{}. Fix this entry of the desired set, then plan again.", e.message().trim_end_matches('.')),
        _ => e.explain(doing),
    }
}

/// "Planned on a list from 12 s ago".
fn age_text(listed_at: Option<Millis>, now: Millis) -> String {
    match listed_at {
        None => "Planned on the sandbox's list, which is always current.".into(),
        Some(at) => match crate::format::relative(at, now).as_str() {
            "now" => "Planned on a list fetched just now; Apply lists again before it sends anything.".into(),
            ago => format!("Planned on a list from {ago}; Apply lists again before it sends anything."),
        },
    }
}

/// Every issue of one severity, in the core's words (`[1] ("B"), field version: is missing; …`).
fn issues_of(set: &DesiredSet, severity: Severity) -> Vec<String> {
    set.issues.iter().filter(|i| i.severity == severity).map(DesiredIssue::describe).collect()
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
        let (outcome, class, text) = match o {
            Outcome::Pending => ("pending", "muted", "pending".to_string()),
            Outcome::Done => ("done", "result-done", "done".to_string()),
            Outcome::Failed(e) => ("failed", "result-failed", format!("failed: {e}")),
            Outcome::NotSent => ("not-sent", "muted", "not sent".to_string()),
        };
        out.push_str(&format!("<tr data-testid=\"result-row-{i}\" data-outcome=\"{outcome}\">"));
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
    let listed = RwSignal::new(Listed::None);
    let run = RwSignal::new(None::<Run>);
    // Whether the confirmation is open; it shows the plan as it stands.
    let confirm = RwSignal::new(false);
    // Apply is listing again before it sends anything.
    let checking = RwSignal::new(false);
    // Why Apply sent nothing (the list changed since the plan was shown, or could not be read).
    let not_applied = RwSignal::new(None::<String>);
    let include_user_ids = RwSignal::new(false);
    // After an export: what it holds, and the Basic-auth credentials to fill in.
    let export_note = RwSignal::new(None::<(String, Option<String>)>);
    // The list's age, redrawn every second.
    let tick = RwSignal::new(0u32);
    crate::timers::every(1_000, move || tick.update(|t| *t += 1));
    // Another connection: a plan made on the previous one's list means nothing here.
    Effect::new(move |before: Option<crate::state::Active>| {
        let now = panel.active.get();
        if before.is_some_and(|b| b != now) {
            listed.set(Listed::None);
            submitted.set(None);
            run.set(None);
            not_applied.set(None);
        }
        now
    });

    let desired = Memo::new(move |_| submitted.get().map(|t| read_text(&t, &panel.policy())));
    let view_of_plan = Memo::new(move |_| {
        let set = match desired.get() {
            None => return PlanView::Nothing,
            Some(Ok(set)) if !set.has_errors() => set,
            Some(_) => return PlanView::Input,
        };
        let (list, listed_at) = if panel.is_sandbox() {
            match panel.sandbox_list() {
                Ok(list) => (list, None),
                Err(e) => return PlanView::NoList(e.message()),
            }
        } else {
            match listed.get() {
                Listed::Ready { list, at } => (list, Some(at)),
                Listed::Failed(e) => return PlanView::NoList(e),
                Listed::None | Listed::Loading => return PlanView::Waiting,
            }
        };
        match plan_sync_with(&list, &set.webhooks, &panel.policy(), prune.get()) {
            Ok(plan) => {
                let names = plan
                    .steps
                    .iter()
                    .map(|s| {
                        let name = match (s.id, s.desired_index) {
                            (Some(id), _) => list.iter().find(|w| w.id == Some(id)).and_then(|w| w.name.clone()),
                            (None, Some(i)) => set.webhooks.get(i).map(|d| d.webhook.name.clone()),
                            _ => None,
                        };
                        (s.id, name.unwrap_or_default())
                    })
                    .collect();
                PlanView::Ready { plan, names, listed_at }
            }
            // The limit's advice is the core's, said once (the same whether or not Prune is ticked
            // when pruning cannot make it fit).
            Err(e) => PlanView::Refused(format!("Refused, nothing sent: {e}.")),
        }
    });
    let running = move || run.with(|r| r.as_ref().is_some_and(|r| r.running));
    let busy = move || running() || checking.get() || listed.with(|l| *l == Listed::Loading);
    // Sync manages an app's own webhooks: with a user's API token, what it creates are general
    // webhooks, which no plan counts as the app's, so it would never converge.
    let as_user = move || panel.live_connection().is_some_and(|c| !c.oauth);

    // A fresh list for the plan (live only: the sandbox's is always current).
    let list_for_plan = move || {
        listed.set(Listed::Loading);
        leptos::task::spawn_local(async move {
            let result = panel.list_now().await;
            listed.set(match result {
                Ok(list) => Listed::Ready { list, at: js_sys::Date::now() as Millis },
                Err(e) => Listed::Failed(e.explain(Doing::List)),
            });
        });
    };
    let plan_from = move |source: String| {
        not_applied.set(None);
        submitted.set(Some(source));
        // A set with errors is not planned, so its list would be a request for nothing.
        let plannable = desired.get_untracked().is_some_and(|d| d.is_ok_and(|s| !s.has_errors()));
        if plannable && !untrack(|| panel.is_sandbox()) {
            list_for_plan();
        }
    };
    let export_current = move |_| {
        let include = include_user_ids.get_untracked();
        leptos::task::spawn_local(async move {
            match panel.list_now().await {
                Ok(list) => {
                    let export = desired_json_of_own(&list, include);
                    text.set(export.text.clone());
                    submitted.set(None);
                    let what = if include { "The app's own webhooks as listed now, with their user ids." } else { "The app's own webhooks as listed now, without user ids (tick \"include user ids\" to keep them)." };
                    export_note.set(Some((what.to_string(), export.note())));
                }
                Err(e) => export_note.set(Some((format!("No current list: {}", e.explain(Doing::List)), None))),
            }
        });
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
            plan_from(body);
        });
        let _ = file.text().then(&loaded);
        // Called once by the promise; small enough to leave to the page's lifetime.
        loaded.forget();
    };

    // Sends a plan's steps, deletes first (they free slots, R2), then creates: the plan's own order.
    let send = move |plan: SyncPlan| {
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
                    (PlanAction::Delete, Some(id), _) => panel.delete_unlisted(id).await.map_err(|e| step_error(&e, Doing::Delete)).inspect(|_| deleted += 1),
                    (PlanAction::Create, _, Some(w)) => panel.create_unlisted(w).await.map(|_| ()).map_err(|e| step_error(&e, Doing::Create)).inspect(|_| created += 1),
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
            panel.notify(format!("Sync applied: {deleted} deleted, {created} created{}", if failed > 0 { format!(", {failed} failed") } else { String::new() }));
            // One list for the whole run, and the plan made again on it (the sandbox is always
            // current): what is shown next is what is there, failed steps included.
            if !untrack(|| panel.is_sandbox()) {
                let after = panel.list_now().await;
                listed.set(match after {
                    Ok(list) => Listed::Ready { list, at: js_sys::Date::now() as Millis },
                    Err(e) => Listed::Failed(e.explain(Doing::List)),
                });
            }
        });
    };
    // Confirmed: list again, plan again, and send only if that plan sends what was confirmed.
    let apply = move |shown: SyncPlan| {
        not_applied.set(None);
        if untrack(|| panel.is_sandbox()) {
            send(shown);
            return;
        }
        checking.set(true);
        leptos::task::spawn_local(async move {
            let fresh = panel.list_now().await;
            checking.set(false);
            match fresh {
                Ok(list) => {
                    listed.set(Listed::Ready { list, at: js_sys::Date::now() as Millis });
                    match view_of_plan.try_get_untracked() {
                        Some(PlanView::Ready { plan, .. }) if same_writes(&plan, &shown) => send(plan),
                        Some(_) => not_applied.set(Some(
                            "Nothing applied: the webhooks changed since this plan was shown. Here is the plan on the list just fetched: check it, and apply it if it is right.".into(),
                        )),
                        None => {}
                    }
                }
                Err(e) => not_applied.set(Some(format!("Nothing applied: listing the webhooks again failed: {}", e.explain(Doing::List)))),
            }
        });
    };

    let plan_section = move || match view_of_plan.get() {
        PlanView::Nothing => ().into_any(),
        PlanView::Waiting => view! { <p class="muted" role="status" data-testid="sync-waiting">"Listing the webhooks to plan on…"</p> }.into_any(),
        PlanView::NoList(e) => view! { <p class="error-banner" role="alert" data-testid="sync-no-list">"No current list to plan against: "{e}</p> }.into_any(),
        // Shown under the textarea instead (see below).
        PlanView::Input => ().into_any(),
        PlanView::Refused(e) => view! { <p class="error-banner" role="alert" data-testid="sync-refused"><RuleText text=e/></p> }.into_any(),
        PlanView::Ready { plan, names, listed_at } => {
            let summary = format!(
                "{} to delete, {} to create, {} kept, {} surplus, {} not this app's",
                plan.delete.len(),
                plan.create.len(),
                plan.keep.len(),
                plan.surplus.len(),
                plan.untouched.len()
            );
            let in_sync = plan.in_sync();
            let writes = !plan.create.is_empty() || !plan.delete.is_empty();
            let duplicates = (!plan.duplicates.is_empty()).then(|| duplicates_text(&plan, &names));
            view! {
                <h2>"Plan"</h2>
                <p class="muted" data-testid="sync-list-age">{move || { tick.track(); age_text(listed_at, js_sys::Date::now() as Millis) }}</p>
                {if in_sync {
                    view! { <p class="in-sync" role="status" data-testid="sync-in-sync">"In sync: nothing to do"</p> }.into_any()
                } else {
                    view! { <p data-testid="sync-summary">{summary}</p> }.into_any()
                }}
                {duplicates.map(|t| view! { <p class="warning" role="alert" data-testid="sync-duplicates">{t}</p> })}
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
                {writes.then(|| view! {
                    <div class="actions sync-apply">
                        <button class="btn primary" data-testid="sync-apply"
                            disabled=move || busy() || as_user() || panel.api_blocked_now().is_some()
                            on:click=move |_| confirm.set(true)>"Apply…"</button>
                        <span class="help"><RuleText text="Deletes go first (they free slots under R2), then creates. You confirm first; the webhooks are listed again before anything is sent."/></span>
                    </div>
                })}
            }
            .into_any()
        }
    };

    let run_section = move || {
        run.get().map(|r| {
            let total = r.results.len();
            let done = r.results.iter().filter(|o| **o == Outcome::Done).count();
            let failed = r.results.iter().filter(|o| matches!(o, Outcome::Failed(_))).count();
            // A failure is said where the user looks, not only in the toast.
            let label = match failed {
                0 => format!("Applied {done} of {total}"),
                n => format!("Applied {done} of {total}: {n} failed"),
            };
            let heading = match (r.running, failed) {
                (true, _) => "Applying…",
                (false, 0) => "Applied",
                (false, _) => "Applied, with failures",
            };
            let (sent, label_class, label_role) = (done + failed, if failed > 0 { "result-failed" } else { "" }, (failed > 0).then_some("alert"));
            view! {
                <section class="sync-run" aria-label="Applying the plan">
                    <h2>{heading}</h2>
                    <div class="progress-line">
                        <progress data-testid="sync-progress" max=total.max(1) value=sent aria-label="Sync progress"></progress>
                        <span data-testid="sync-progress-text" class=label_class role=label_role>{label}</span>
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
            <RuleText text="Declare the webhooks your app should have, then bring this installation to that set: the plan keeps what matches, creates what is missing and, if you prune, deletes duplicates and leftovers. Only your app's own webhooks are touched (R5, R6); a plan past the limit is refused (R2). Show plan lists the webhooks first, and Apply lists them again before it sends anything."/>
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
                    "A JSON array; each webhook has subscription_url, event_action, event_object, name and version (\"1.0\" or \"2.0\"), and optionally user_id, http_auth_user, http_auth_password and replace_credentials. Pipedrive never returns credentials, so a plan never compares them: set replace_credentials to true to replace a webhook with new ones. The same file the CLI reads."
                </small>
                {move || desired.get().map(|read| {
                    let (errors, warnings) = match read {
                        Err(e) => (vec![e], Vec::new()),
                        Ok(set) => (issues_of(&set, Severity::Error), issues_of(&set, Severity::Warning)),
                    };
                    view! {
                        {(!errors.is_empty()).then(|| view! {
                            <div class="field-error sync-errors" role="alert" data-testid="sync-error">
                                <ul>{errors.into_iter().map(|e| view! { <li data-testid="sync-error-item">{e}</li> }).collect_view()}</ul>
                            </div>
                        })}
                        {(!warnings.is_empty()).then(|| view! {
                            <div class="warning sync-errors" role="status" data-testid="sync-warnings">
                                "Warnings (they do not stop the plan):"
                                <ul>{warnings.into_iter().map(|w| view! { <li data-testid="sync-warning-item">{w}</li> }).collect_view()}</ul>
                            </div>
                        })}
                    }
                })}
                {move || export_note.get().map(|(what, auth)| view! {
                    <p class="help" data-testid="sync-export-note">{what}</p>
                    {auth.map(|a| view! { <p class="warning" role="status" data-testid="sync-export-auth">{a}</p> })}
                })}
            </div>
            <div class="actions sync-actions">
                <button class="btn primary" data-testid="sync-plan" disabled=busy on:click=move |_| { export_note.set(None); plan_from(text.get_untracked()); }>"Show plan"</button>
                <label class="btn file-btn">"Upload a file…"
                    <input type="file" class="sr-only" accept=".json,application/json" data-testid="sync-file" on:change=on_file/>
                </label>
                <button class="btn" data-testid="sync-export-current" on:click=export_current>"Export the current set"</button>
                <label class="check-inline">
                    <input type="checkbox" data-testid="sync-export-user-ids" prop:checked=move || include_user_ids.get() on:change=move |ev| include_user_ids.set(event_target_checked(&ev))/>
                    " include user ids"
                </label>
                <label class="check-inline">
                    <input type="checkbox" data-testid="sync-prune" prop:checked=move || prune.get() on:change=move |ev| prune.set(event_target_checked(&ev))/>
                    " Prune (delete own webhooks that are not desired)"
                </label>
            </div>
        </div>
        {move || checking.get().then(|| view! { <p class="muted" role="status" data-testid="sync-checking">"Listing the webhooks again before applying…"</p> })}
        {move || not_applied.get().map(|t| view! { <p class="error-banner" role="alert" data-testid="sync-not-applied">{t}</p> })}
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
