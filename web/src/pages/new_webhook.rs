//! Create a webhook: live validation from the core, a duplicate warning, the quota and its limit.

use crate::components::QuotaMeter;
use crate::state::Panel;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use pipedrive_webhooks::event::known_objects;
use pipedrive_webhooks::{validate, ApiError, EventAction, NewWebhook, PayloadVersion};
use std::collections::{BTreeMap, BTreeSet};

#[component]
pub fn NewWebhookPage() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let navigate = use_navigate();
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
    let user_id_error = move || {
        let raw = user_id.get();
        (!raw.trim().is_empty() && raw.trim().parse::<u64>().is_err()).then(|| "user_id must be a number".to_string()).or_else(|| error_for("user_id"))
    };
    let quota = move || panel.quota();
    let at_limit = move || quota().is_some_and(|q| q.used >= q.limit);
    let duplicate = move || {
        let i = input.get();
        let version = i.version.clone().unwrap_or_default();
        panel.rows().into_iter().find(|r| {
            r.url == i.subscription_url.trim() && r.action == i.event_action && r.object == i.event_object && r.version == version && (i.user_id.is_none() || r.user_id == i.user_id)
        })
    };
    let versions = move || PayloadVersion::parse(&version.get()).unwrap_or_default();

    let field = move |id: &'static str, label: &'static str, help: &'static str, value: RwSignal<String>, kind: &'static str| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id name=id type=kind data-testid=format!("input-{id}") prop:value=move || value.get()
                    aria-invalid=move || error_for(id).is_some().to_string() aria-describedby=format!("{id}-error")
                    on:input=move |ev| { value.set(event_target_value(&ev)); server_errors.update(|e| { e.remove(id); }); }
                    on:blur=move |_| touched.update(|t| { t.insert(id); })/>
                <small class="help">{help}</small>
                <small class="field-error" id=format!("{id}-error") data-testid=format!("error-{id}") role="alert">{move || error_for(id)}</small>
            </div>
        }
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        general_error.set(None);
        if checked.with(|c| c.is_err()) || at_limit() || busy.get() || panel.api_blocked_now().is_some() {
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        let input = input.get();
        leptos::task::spawn_local(async move {
            match panel.create(input).await {
                Ok(_) => navigate("/", Default::default()),
                Err(e) => {
                    // Keep every input; put field errors beside their fields.
                    if let crate::live::LiveError::Api(ApiError::InvalidField { errors }) = &e {
                        server_errors.set(errors.iter().map(|f| (f.field.clone(), f.message.clone())).collect());
                    }
                    general_error.set(Some((e.message(), e.hint().to_string())));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <h1>"New webhook"</h1>
        {move || quota().map(|q| view! { <QuotaMeter quota=q label="Webhooks used (R2)"/> })}
        <form class="form" on:submit=submit novalidate data-testid="new-form">
            {field("name", "Name", "Shown in lists; at most 255 characters.", name, "text")}
            {field("subscription_url", "Subscription URL", "Absolute https URL Pipedrive can reach; redirects are not followed (R15).", url, "url")}
            <fieldset class="field">
                <legend>"Payload version"</legend>
                <label><input type="radio" name="version" value="2.0" data-testid="version-2" prop:checked=move || version.get() == "2.0"
                    on:change=move |_| { version.set("2.0".into()); action.set("change".into()); }/>" 2.0 (current)"</label>
                <label><input type="radio" name="version" value="1.0" data-testid="version-1" prop:checked=move || version.get() == "1.0"
                    on:change=move |_| { version.set("1.0".into()); action.set("updated".into()); }/>" 1.0 (legacy payload)"</label>
                <small class="help">"Sent explicitly: Pipedrive's default changed to 2.0 in 2025 and broke receivers that relied on it."</small>
            </fieldset>
            <div class="field-row">
                <div class="field">
                    <label for="event_action">"Action"</label>
                    <select id="event_action" data-testid="input-event_action" prop:value=move || action.get() on:change=move |ev| action.set(event_target_value(&ev))>
                        {move || EventAction::all(versions()).iter().map(|a| view! { <option value=a.as_str()>{a.as_str()}</option> }).collect_view()}
                    </select>
                    <small class="field-error" data-testid="error-event_action" role="alert">{move || error_for("event_action")}</small>
                </div>
                <div class="field">
                    <label for="event_object">"Object"</label>
                    <select id="event_object" data-testid="input-event_object" prop:value=move || object.get() on:change=move |ev| object.set(event_target_value(&ev))>
                        {move || known_objects(versions()).into_iter().map(|o| view! { <option value=o>{o}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <span class="label">"Event"</span>
                    <code class="event-preview" data-testid="event-preview">{move || format!("{}.{}", action.get(), object.get())}</code>
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
                    <small class="field-error" data-testid="error-http_auth_password" role="alert">{move || error_for("http_auth_password")}</small>
                </div>
            </div>
            <small class="field-error" data-testid="error-user_id-parse">{user_id_error}</small>
            {move || checked.with(|c| c.as_ref().ok().map(|v| v.warnings.clone())).unwrap_or_default().into_iter().map(|w| view! {
                <p class="warning" data-testid="warning">{w.message}</p>
            }).collect_view()}
            {move || duplicate().map(|d| view! {
                <p class="warning" data-testid="duplicate-warning">
                    "A webhook with this URL, event, version and user already exists: "
                    <A href=format!("/webhooks/{}", d.id)>{format!("{} (#{})", d.name, d.id)}</A>
                    ". Pipedrive has no idempotency key, so a second one would deliver every event twice."
                </p>
            })}
            {move || general_error.get().map(|(m, hint)| view! {
                <div class="error-banner" role="alert" data-testid="create-error"><strong>{m}</strong><p>{hint}</p></div>
            })}
            <div class="actions">
                <button type="submit" class="btn primary" data-testid="submit" disabled=move || at_limit() || busy.get() || panel.api_blocked_now().is_some()>
                    {move || if at_limit() { "Limit reached".to_string() } else if busy.get() { "Creating…".to_string() } else if panel.api_blocked_now().is_some() { "Waiting for the API".to_string() } else { "Create webhook".to_string() }}
                </button>
                {move || at_limit().then(|| view! {
                    <span class="limit-reason" data-testid="limit-reason">
                        {quota().map(|q| format!("{} of {} webhooks used: Pipedrive refuses the next one with 422 (R2). Delete one first.", q.used, q.limit))}
                    </span>
                })}
            </div>
        </form>
    }
}
