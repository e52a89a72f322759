//! Connections: the sandbox, saved live connections (Pipedrive or any compatible server), tokens.

use crate::export::{connections_json, download, read_connections};
use crate::state::{Active, Panel, SavedConnection};
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
    let nav = expect_context::<crate::nav::Nav>();
    let import_status = RwSignal::new(None::<Result<String, String>>);

    // Import merges: new ids, exact duplicates (label and base URL) skipped, and no token: the
    // list shows "no token: reconnect" until one is entered.
    let import_text = move |text: String| {
        let found = match read_connections(&text) {
            Ok(found) => found,
            Err(e) => return import_status.set(Some(Err(format!("Nothing imported: {e}")))),
        };
        let (mut added, mut skipped) = (0, 0);
        panel.connections.update(|cs| {
            for c in found {
                if cs.iter().any(|s| s.label == c.label && s.base_url == c.base_url) {
                    skipped += 1;
                    continue;
                }
                let id = cs.iter().map(|s| s.id).max().unwrap_or(0) + 1;
                // An id may have held a token once (a removed connection): it is not this one's.
                panel.forget_token(id);
                cs.push(SavedConnection { id, label: c.label, base_url: c.base_url, oauth: c.oauth, remember: c.remember });
                added += 1;
            }
        });
        import_status.set(Some(Ok(format!("Imported {added} connection(s), skipped {skipped} already saved. Imported connections have no token: use Enter token on each."))));
    };
    let on_import = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        let loaded = wasm_bindgen::closure::Closure::once(move |v: wasm_bindgen::JsValue| import_text(v.as_string().unwrap_or_default()));
        let _ = file.text().then(&loaded);
        // Called once by the promise; small enough to leave to the page's lifetime.
        loaded.forget();
    };

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
        let (oauth, secret, remember) = (oauth.get(), token.get().trim().to_string(), remember.get());
        leptos::task::spawn_local(async move {
            match panel.connect(name.clone(), base, oauth, secret, remember).await {
                Ok(()) => {
                    token.set(String::new());
                    panel.notify(format!("Connected to {name}"));
                    nav.go("/");
                }
                // A 429 says nothing against the token: the connection is saved (see `Panel::connect`).
                Err(e @ crate::live::LiveError::Api(pipedrive_webhooks::ApiError::RateLimited { .. })) => {
                    token.set(String::new());
                    panel.notice.set(Some(format!("Connected to {name} and saved; the list is not loaded: {}", e.explain(crate::live::Doing::List))));
                    nav.go("/");
                }
                Err(e) => error.set(Some(format!("Not connected, nothing saved: {}", e.explain(crate::live::Doing::List)))),
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
                        {(!panel.has_token(id)).then(|| {
                            let (l, b, o, r) = (c.label.clone(), c.base_url.clone(), c.oauth, c.remember);
                            // Fills the form below with this connection: Connect then gives it the token.
                            view! { <button class="btn small primary" data-testid=format!("reconnect-{id}") on:click=move |_| {
                                label.set(l.clone());
                                address.set(b.clone());
                                oauth.set(o);
                                remember.set(r);
                                error.set(None);
                                if let Some(el) = document().get_element_by_id("conn-token") {
                                    let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(el).focus();
                                }
                            }>"Enter token"</button>" " }
                        })}
                        <button class="btn small" disabled=move || panel.active.get() == Active::Live(id) on:click=move |_| panel.switch(Active::Live(id))>"Use"</button>
                        {panel.has_token(id).then(|| view! {
                            <button class="btn small" data-testid=format!("forget-{id}") on:click=move |_| { panel.forget_token(id); panel.connections.update(|_| {}); }>"Forget token"</button>
                        })}
                        <button class="btn small danger" on:click=move |_| panel.remove_connection(id)>"Remove"</button>
                    </li>
                }
            }).collect_view()}
        </ul>
        <div class="actions conn-transfer">
            <button class="btn small" data-testid="conn-export"
                on:click=move |_| download("connections.json", "application/json", &panel.connections.with_untracked(|cs| connections_json(cs)))>
                "Export connections (no tokens)"
            </button>
            <label class="btn small file-btn">"Import connections…"
                <input type="file" class="sr-only" accept=".json,application/json" data-testid="conn-import" on:change=on_import/>
            </label>
        </div>
        {move || import_status.get().map(|r| match r {
            Ok(m) => view! { <p class="help" role="status" data-testid="conn-import-status">{m}</p> }.into_any(),
            Err(e) => view! { <p class="field-error" role="alert" data-testid="conn-import-status">{e}</p> }.into_any(),
        })}
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
                <input type="password" autocomplete="off" aria-label="Token" id="conn-token" data-testid="conn-token" prop:value=move || token.get() on:input=move |ev| token.set(event_target_value(&ev))/>
                <small class="help">"Sent in a header, never in a URL. Kept for this browser session unless you tick below."</small>
                <label><input type="checkbox" data-testid="conn-remember" prop:checked=move || remember.get() on:change=move |ev| remember.set(event_target_checked(&ev))/>" Remember on this device"</label>
            </fieldset>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="conn-error">{e}</p> })}
            <button type="submit" class="btn primary" data-testid="conn-add" disabled=move || busy.get()>{move || if busy.get() { "Connecting…" } else { "Connect" }}</button>
        </form>
    }
}
