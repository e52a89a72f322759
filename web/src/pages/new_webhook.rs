//! Create a webhook: live validation from the core, a duplicate warning, the quota and its limit.

use crate::components::{ConfirmDialog, QuotaMeter, RuleText};
use crate::live::{Doing, LiveError};
use crate::state::Panel;
use leptos::prelude::*;
use crate::nav::Nav;
use pipedrive_webhooks::duplicate::SubscriptionKey;
use pipedrive_webhooks::event::{known_objects, version_with_object};
use pipedrive_webhooks::{validate, ApiError, EventAction, NewWebhook, PayloadVersion};
use std::collections::{BTreeMap, BTreeSet};

#[component]
pub fn NewWebhookPage() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let nav = expect_context::<Nav>();
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let version = RwSignal::new("2.0".to_string());
    let action = RwSignal::new("change".to_string());
    let object = RwSignal::new("deal".to_string());
    let user_id = RwSignal::new(String::new());
    let auth_user = RwSignal::new(String::new());
    let auth_password = RwSignal::new(String::new());
    let show_password = RwSignal::new(false);
    // Errors show for a field once it was left (blurred) or a submit was tried.
    let touched = RwSignal::new(BTreeSet::<&'static str>::new());
    let submitted = RwSignal::new(false);
    let server_errors = RwSignal::new(BTreeMap::<String, String>::new());
    let general_error = RwSignal::new(None::<(String, String)>);
    let busy = RwSignal::new(false);
    // A duplicate waits for "create anyway?" before anything is sent.
    let confirm_duplicate = RwSignal::new(None::<(u64, String)>);
    let not_installed = RwSignal::new(false);
    let first_field = NodeRef::<leptos::html::Input>::new();
    // Arriving here (by `n` or a link), the first field has focus.
    Effect::new(move |_| {
        if let Some(el) = first_field.get() {
            let _ = el.focus();
        }
    });

    let input = Memo::new(move |_| NewWebhook {
        subscription_url: url.get(),
        event_action: action.get(),
        event_object: object.get(),
        name: name.get(),
        version: Some(version.get()),
        user_id: user_id.get().trim().parse().ok(),
        http_auth_user: Some(auth_user.get()).filter(|s| !s.is_empty()),
        http_auth_password: Some(auth_password.get()).filter(|s| !s.is_empty()),
    });
    let checked = Memo::new(move |_| validate(&input.get(), &panel.policy()));
    let error_for = move |field: &'static str| {
        if let Some(m) = server_errors.with(|e| e.get(field).cloned()) {
            return Some(m);
        }
        if !(submitted.get() || touched.with(|t| t.contains(field))) {
            return None;
        }
        checked.with(|c| c.as_ref().err().and_then(|e| e.0.iter().find(|f| f.field.as_str() == field).map(|f| f.message.clone())))
    };
    // What the form cannot even send: a user id that is not a number. It blocks Create like any
    // other field error (the core sees no user id at all then).
    let user_id_unparsable = move || {
        let raw = user_id.get();
        !raw.trim().is_empty() && raw.trim().parse::<u64>().is_err()
    };
    let field_error = move |field: &'static str| {
        if field == "user_id" && user_id_unparsable() && (submitted.get() || touched.with(|t| t.contains("user_id"))) {
            return Some("user_id must be a whole number (a Pipedrive user id)".to_string());
        }
        error_for(field)
    };
    let blocked = move || checked.with(|c| c.is_err()) || user_id_unparsable();
    let quota = move || panel.quota();
    let at_limit = move || quota().is_some_and(|q| q.used >= q.limit);
    // The core's notion of the same subscription (a trailing slash aside).
    let duplicate = move || {
        let key = SubscriptionKey::of_input(&input.get());
        panel.rows().into_iter().find(|r| {
            key.matches(&SubscriptionKey { url: r.url.trim().trim_end_matches('/').to_string(), action: r.action.clone(), object: r.object.clone(), version: r.version.clone(), user_id: r.user_id })
        })
    };
    let versions = move || PayloadVersion::parse(&version.get()).unwrap_or_default();

    let field = move |id: &'static str, label: &'static str, help: &'static str, value: RwSignal<String>, kind: &'static str| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id name=id type=kind data-testid=format!("input-{id}") prop:value=move || value.get()
                    aria-invalid=move || field_error(id).is_some().to_string() aria-describedby=format!("{id}-error")
                    on:input=move |ev| { value.set(event_target_value(&ev)); server_errors.update(|e| { e.remove(id); }); }
                    on:blur=move |_| touched.update(|t| { t.insert(id); })/>
                <small class="help"><RuleText text=help/></small>
                <small class="field-error" id=format!("{id}-error") data-testid=format!("error-{id}") role="alert">{move || field_error(id).map(|e| view! { <RuleText text=e/> })}</small>
            </div>
        }
    };

    let send = move || {
        busy.set(true);
        let input = input.get_untracked();
        leptos::task::spawn_local(async move {
            match panel.create(input).await {
                Ok(id) => {
                    panel.notify(id.map(|id| format!("Created webhook #{id}")).unwrap_or_else(|| "Created the webhook".into()));
                    panel.highlight.set(id);
                    nav.go("/");
                }
                Err(e) => {
                    // Keep every input; put field errors beside their fields.
                    if let LiveError::Api(ApiError::InvalidField { errors }) = &e {
                        server_errors.set(errors.iter().map(|f| (f.field.clone(), f.message.clone())).collect());
                    }
                    not_installed.set(matches!(e, LiveError::NotInstalled(_)));
                    general_error.set(Some((e.message(), e.hint_for(Doing::Create).to_string())));
                }
            }
            busy.set(false);
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        general_error.set(None);
        if blocked() || at_limit() || busy.get() || panel.api_blocked_now().is_some() {
            return;
        }
        if let Some(d) = duplicate() {
            confirm_duplicate.set(Some((d.id, d.name.clone())));
            return;
        }
        send();
    };
    let object_options = move || {
        let v = versions();
        let current = object.get();
        let mut options: Vec<(String, String)> = known_objects(v).into_iter().map(|o| (o.to_string(), o.to_string())).collect();
        // The select always shows what will be sent: a value of the other version stays listed,
        // marked, and the core's error under the field blocks Create.
        if !options.iter().any(|(o, _)| *o == current) && !current.is_empty() {
            let label = match version_with_object(&current, v) {
                Some(other) => format!("{current} (only in {})", other.as_str()),
                None => format!("{current} (not documented)"),
            };
            options.insert(0, (current, label));
        }
        options
    };
    let set_version = move |to: &str| {
        let v = PayloadVersion::parse(to).unwrap_or_default();
        version.set(to.to_string());
        // The same action in the new version's words (change ↔ updated), never a value the
        // select cannot show.
        let current = EventAction::parse(&action.get_untracked(), PayloadVersion::V1).or_else(|| EventAction::parse(&action.get_untracked(), PayloadVersion::V2));
        action.set(current.map(|a| a.in_version(v)).unwrap_or(EventAction::Any).as_str().to_string());
    };

    view! {
        <h1>"New webhook"</h1>
        {move || quota().map(|q| view! { <QuotaMeter quota=q label="Webhooks used (R2)"/> })}
        {move || at_limit().then(|| view! {
            <p class="error-banner limit-reason" role="alert" data-testid="limit-reason">
                {quota().map(|q| view! { <RuleText text=format!("{} of {} webhooks used: Pipedrive refuses the next one with 422 (R2). ", q.used, q.limit)/> })}
                <a href="/">"Delete one on the webhooks list"</a>" first."
            </p>
        })}
        <form class="form" on:submit=submit novalidate data-testid="new-form">
            <div class="field">
                <label for="name">"Name"</label>
                <input id="name" name="name" type="text" data-testid="input-name" node_ref=first_field prop:value=move || name.get()
                    aria-invalid=move || field_error("name").is_some().to_string() aria-describedby="name-error"
                    on:input=move |ev| { name.set(event_target_value(&ev)); server_errors.update(|e| { e.remove("name"); }); }
                    on:blur=move |_| touched.update(|t| { t.insert("name"); })/>
                <small class="help">"Shown in lists; at most 255 characters."</small>
                <small class="field-error" id="name-error" data-testid="error-name" role="alert">{move || field_error("name")}</small>
            </div>
            {field("subscription_url", "Subscription URL", "Absolute https URL Pipedrive can reach; redirects are not followed (R15).", url, "url")}
            <fieldset class="field">
                <legend>"Payload version"</legend>
                <label><input type="radio" name="version" value="2.0" data-testid="version-2" prop:checked=move || version.get() == "2.0"
                    on:change=move |_| set_version("2.0")/>" 2.0 (current)"</label>
                <label><input type="radio" name="version" value="1.0" data-testid="version-1" prop:checked=move || version.get() == "1.0"
                    on:change=move |_| set_version("1.0")/>" 1.0 (legacy payload)"</label>
                <small class="help">"Sent explicitly: Pipedrive's default changed to 2.0 in 2025 and broke receivers that relied on it."</small>
            </fieldset>
            <div class="field-row">
                <div class="field">
                    <label for="event_action">"Action"</label>
                    <select id="event_action" data-testid="input-event_action" prop:value=move || action.get() on:change=move |ev| action.set(event_target_value(&ev))>
                        {move || EventAction::all(versions()).iter().map(|a| view! { <option value=a.as_str() prop:selected=move || action.get() == a.as_str()>{a.as_str()}</option> }).collect_view()}
                    </select>
                    <small class="field-error" data-testid="error-event_action" role="alert">{move || field_error("event_action").map(|e| view! { <RuleText text=e/> })}</small>
                </div>
                <div class="field">
                    <label for="event_object">"Object"</label>
                    <select id="event_object" data-testid="input-event_object" prop:value=move || object.get() on:change=move |ev| object.set(event_target_value(&ev))
                        aria-invalid=move || field_error("event_object").is_some().to_string() aria-describedby="event_object-error">
                        {move || object_options().into_iter().map(|(o, label)| view! { <option value=o.clone() prop:selected=move || object.get() == o>{label}</option> }).collect_view()}
                    </select>
                    <small class="field-error" id="event_object-error" data-testid="error-event_object" role="alert">{move || field_error("event_object")}</small>
                </div>
                <div class="field">
                    <span class="label">"Event"</span>
                    <code class="event-preview" data-testid="event-preview">{move || format!("{}.{}", action.get(), object.get())}</code>
                    // The pair's entry in the catalog (none for `*` or a pair Pipedrive never sends).
                    {move || {
                        let (event, v) = (format!("{}.{}", action.get(), object.get()), versions());
                        // A pair Pipedrive accepts but never sends (delete.user) is said, not just left unlinked.
                        match pipedrive_webhooks::catalog::find(&event, Some(v)) {
                            Ok(_) => Some(view! { <small><a href=crate::pages::events::entry_href(&event, v) data-testid="event-link">"Its example bodies"</a></small> }.into_any()),
                            Err(e) if e.hint.contains("never sends") => Some(view! { <small class="muted" data-testid="event-never-sent">{e.hint.trim_start_matches(&format!(" in v{}", v.as_str())).trim_start_matches(": ").to_string()}</small> }.into_any()),
                            Err(_) => None,
                        }
                    }}
                </div>
            </div>
            {field("user_id", "User id (optional)", "Whose permissions deliveries use; defaults to the caller.", user_id, "text")}
            <div class="field-row">
                {field("http_auth_user", "Basic-auth user (optional)", "Sent with every delivery (R14).", auth_user, "text")}
                <div class="field">
                    <label for="http_auth_password">"Basic-auth password"</label>
                    <div class="with-toggle">
                        <input id="http_auth_password" type=move || if show_password.get() { "text" } else { "password" } autocomplete="new-password"
                            data-testid="input-http_auth_password" prop:value=move || auth_password.get()
                            on:input=move |ev| auth_password.set(event_target_value(&ev))
                            on:blur=move |_| touched.update(|t| { t.insert("http_auth_password"); })/>
                        <button type="button" class="btn small" aria-pressed=move || show_password.get().to_string()
                            on:click=move |_| show_password.update(|s| *s = !*s)>{move || if show_password.get() { "Hide" } else { "Show" }}</button>
                    </div>
                    <small class="field-error" data-testid="error-http_auth_password" role="alert">{move || field_error("http_auth_password")}</small>
                </div>
            </div>
            {move || checked.with(|c| c.as_ref().ok().map(|v| v.warnings.clone())).unwrap_or_default().into_iter().map(|w| view! {
                <p class="warning" data-testid="warning">{w.message}</p>
            }).collect_view()}
            {move || duplicate().map(|d| view! {
                <p class="warning" data-testid="duplicate-warning">
                    "A webhook with this URL, event, version and user already exists: "
                    <a href=format!("/webhooks/{}", d.id)>{format!("{} (#{})", d.name, d.id)}</a>
                    ". Pipedrive has no idempotency key, so a second one would deliver every event twice."
                </p>
            })}
            {move || general_error.get().map(|(m, hint)| view! {
                <div class="error-banner" role="alert" data-testid="create-error">
                    <strong><RuleText text=m/></strong><p><RuleText text=hint/></p>
                    {move || not_installed.get().then(|| view! {
                        <button type="button" class="btn" data-testid="reinstall" on:click=move |_| {
                            let user = panel.acting_user.get_untracked();
                            let mut ok = false;
                            panel.sandbox.update(|s| ok = s.reinstall(user).is_ok());
                            if ok {
                                not_installed.set(false);
                                general_error.set(None);
                                panel.notify("Reinstalled your app for this user".into());
                            }
                        }>"Reinstall the app for this user"</button>
                    })}
                </div>
            })}
            <div class="actions">
                <button type="submit" class="btn primary" data-testid="submit" disabled=move || at_limit() || busy.get() || panel.api_blocked_now().is_some()>
                    {move || if at_limit() { "Limit reached".to_string() } else if busy.get() { "Creating…".to_string() } else if panel.api_blocked_now().is_some() { "Waiting for the API".to_string() } else { "Create webhook".to_string() }}
                </button>
            </div>
        </form>
        {move || confirm_duplicate.get().map(|(id, existing)| {
            view! {
                <ConfirmDialog title="Create a duplicate anyway?"
                    items=vec![
                        format!("{existing} (#{id}) already has this URL, event, version and user."),
                        "Pipedrive has no idempotency key: both would get every event, and each takes one of the 40 slots (R2).".to_string(),
                    ]
                    confirm_label="Create anyway"
                    on_confirm=move || { confirm_duplicate.set(None); send(); }
                    on_cancel=move || confirm_duplicate.set(None)/>
            }
        })}
    }
}
