//! Connections: the sandbox, saved live connections (Pipedrive or any compatible server), tokens.

use crate::state::{Active, Panel};
use leptos::prelude::*;
use pipedrive_webhooks::wire::normalize_base_url;

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let label = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let oauth = RwSignal::new(false);
    let token = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = leptos_router::hooks::use_navigate();

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let base = match normalize_base_url(&address.get()) {
            Ok(b) => b,
            Err(e) => return error.set(Some(e.0)),
        };
        if token.get().trim().is_empty() {
            return error.set(Some("enter an API token or an OAuth access token".into()));
        }
        error.set(None);
        let name = if label.get().trim().is_empty() { base.clone() } else { label.get().trim().to_string() };
        // Saved only once the API answered: a failed connect says why and keeps the form.
        busy.set(true);
        let navigate = navigate.clone();
        let (oauth, secret, remember) = (oauth.get(), token.get().trim().to_string(), remember.get());
        leptos::task::spawn_local(async move {
            match panel.connect(name.clone(), base, oauth, secret, remember).await {
                Ok(()) => {
                    token.set(String::new());
                    panel.notify(format!("Connected to {name}"));
                    navigate("/", Default::default());
                }
                Err(e) => error.set(Some(format!("Not connected, nothing saved: {} {}", e.message(), e.hint_for(crate::live::Doing::List)))),
            }
            busy.set(false);
        });
    };

    view! {
        <h1>"Connections"</h1>
        <ul class="connections" data-testid="connections">
            <li class:active=move || panel.is_sandbox()>
                <span class="dot dot-sandbox" aria-hidden="true"></span>" Sandbox (in this browser) "
                {move || panel.is_sandbox().then(|| view! { <strong class="chip" data-testid="active-sandbox">"active"</strong>" " })}
                <button class="btn small" disabled=move || panel.is_sandbox() on:click=move |_| panel.switch(Active::Sandbox)>"Use"</button>
            </li>
            {move || panel.connections.get().into_iter().map(|c| {
                let id = c.id;
                let active = move || panel.active.get() == Active::Live(id);
                view! {
                    <li data-testid=format!("connection-{id}") class:active=active>
                        <span class="dot dot-live" aria-hidden="true"></span>
                        {format!(" {} · {} · {} ", c.label, c.base_url, if c.oauth { "OAuth (as the app)" } else { "API token (as a user)" })}
                        {move || active().then(|| view! { <strong class="chip" data-testid=format!("active-{id}")>"active"</strong>" " })}
                        <span class="chip" data-testid=format!("status-{id}")>{move || {
                            if !panel.has_token(id) {
                                "no token: reconnect".to_string()
                            } else {
                                panel.conn_status.with(|m| m.get(&id).map(|s| s.text())).unwrap_or_else(|| "not checked yet".into())
                            }
                        }}</span>" "
                        <button class="btn small" disabled=move || panel.active.get() == Active::Live(id) on:click=move |_| panel.switch(Active::Live(id))>"Use"</button>
                        <button class="btn small" data-testid=format!("forget-{id}") on:click=move |_| { panel.forget_token(id); panel.connections.update(|_| {}); }>"Forget token"</button>
                        <button class="btn small danger" on:click=move |_| panel.remove_connection(id)>"Remove"</button>
                    </li>
                }
            }).collect_view()}
        </ul>
        <h2>"Add a connection"</h2>
        <form class="form" on:submit=add data-testid="connection-form">
            <div class="field"><label for="conn-label">"Name"</label>
                <input id="conn-label" data-testid="conn-label" prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev)) placeholder="Acme Inc"/></div>
            <div class="field"><label for="conn-address">"Company domain or base URL"</label>
                <input id="conn-address" data-testid="conn-address" prop:value=move || address.get() on:input=move |ev| address.set(event_target_value(&ev)) placeholder="acme.pipedrive.com or http://127.0.0.1:8700"/>
                <small class="help">"A Pipedrive company (https only), an OAuth api_domain, or any compatible server such as the local emulator."</small></div>
            <fieldset class="field"><legend>"Token"</legend>
                <label><input type="radio" name="kind" prop:checked=move || !oauth.get() on:change=move |_| oauth.set(false)/>" API token (sent as x-api-token)"</label>
                <label><input type="radio" name="kind" data-testid="conn-oauth" prop:checked=move || oauth.get() on:change=move |_| oauth.set(true)/>" OAuth access token (as your app)"</label>
                <input type="password" autocomplete="off" aria-label="Token" data-testid="conn-token" prop:value=move || token.get() on:input=move |ev| token.set(event_target_value(&ev))/>
                <small class="help">"Sent in a header, never in a URL. Kept for this browser session unless you tick below."</small>
                <label><input type="checkbox" data-testid="conn-remember" prop:checked=move || remember.get() on:change=move |ev| remember.set(event_target_checked(&ev))/>" Remember on this device"</label>
            </fieldset>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="conn-error">{e}</p> })}
            <button type="submit" class="btn primary" data-testid="conn-add" disabled=move || busy.get()>{move || if busy.get() { "Connecting…" } else { "Connect" }}</button>
        </form>
    }
}
