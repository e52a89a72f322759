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
        panel.add_connection(name, base, oauth.get(), token.get().trim().to_string(), remember.get());
        token.set(String::new());
        navigate("/", Default::default());
    };

    view! {
        <h1>"Connections"</h1>
        <ul class="connections" data-testid="connections">
            <li>
                <span class="dot dot-sandbox" aria-hidden="true"></span>" Sandbox (in this browser) "
                <button class="btn small" disabled=move || panel.is_sandbox() on:click=move |_| panel.switch(Active::Sandbox)>"Use"</button>
            </li>
            {move || panel.connections.get().into_iter().map(|c| {
                let id = c.id;
                view! {
                    <li data-testid=format!("connection-{id}")>
                        <span class="dot dot-live" aria-hidden="true"></span>
                        {format!(" {} · {} · {} ", c.label, c.base_url, if c.oauth { "OAuth (as the app)" } else { "API token (as a user)" })}
                        {move || if panel.has_token(id) { "" } else { "(no token: reconnect) " }}
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
            <button type="submit" class="btn primary" data-testid="conn-add">"Connect"</button>
        </form>
    }
}
