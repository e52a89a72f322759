//! Navigation: which page the panel shows, kept in the browser's history.
//!
//! The panel's own router, not `leptos_router`: eleven flat routes and one parameter need a path
//! signal, `pushState`, `popstate` and same-origin link clicks. leptos_router's nested-route
//! machinery cost about 40 KB brotli of the panel's 320 KB budget (measured: 339.7 → 299.1 KB).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A page of the panel, as its path names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Webhooks,
    NewWebhook,
    /// `/webhooks/:id`. Not a number: the page says the webhook was not found.
    Detail(Option<u64>),
    Sync,
    Simulator,
    Sandbox,
    Connections,
    Rules,
    Deliveries,
    Check,
    Events,
    NotFound,
}

impl Page {
    /// The page a path shows: `/webhooks/7` → `Detail(Some(7))`. A trailing slash is ignored.
    pub fn from_path(path: &str) -> Page {
        let path = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
        match path {
            "/" => Page::Webhooks,
            "/webhooks/new" => Page::NewWebhook,
            "/sync" => Page::Sync,
            "/simulator" => Page::Simulator,
            "/sandbox" => Page::Sandbox,
            "/connections" => Page::Connections,
            "/rules" => Page::Rules,
            "/deliveries" => Page::Deliveries,
            "/check" => Page::Check,
            "/events" => Page::Events,
            _ => match path.strip_prefix("/webhooks/") {
                Some(id) if !id.contains('/') => Page::Detail(id.parse().ok()),
                _ => Page::NotFound,
            },
        }
    }

    /// The window title: the page, then the tool, so tabs, history and screen readers tell pages
    /// apart ("Sync · pipedrive-webhooks").
    pub fn title(&self) -> String {
        let page = match self {
            Page::Webhooks => "Webhooks".to_string(),
            Page::NewWebhook => "New webhook".into(),
            Page::Detail(Some(id)) => format!("Webhook #{id}"),
            Page::Detail(None) | Page::NotFound => "Not found".into(),
            Page::Sync => "Sync".into(),
            Page::Simulator => "Simulator".into(),
            Page::Sandbox => "Sandbox tools".into(),
            Page::Connections => "Connections".into(),
            Page::Rules => "Rules".into(),
            Page::Deliveries => "Deliveries".into(),
            Page::Check => "Check receiver".into(),
            Page::Events => "Events".into(),
        };
        format!("{page} · pipedrive-webhooks")
    }
}

/// The current path, shared by the shell and the pages (`expect_context::<Nav>()`).
#[derive(Clone, Copy)]
pub struct Nav {
    path: RwSignal<String>,
}

fn current_path() -> String {
    window().location().pathname().unwrap_or_else(|_| "/".into())
}

impl Nav {
    /// Reads the address bar, follows Back/Forward and same-origin link clicks until the owner is
    /// cleaned up (tests mount the panel many times in one page: no listener outlives its panel).
    pub fn provide() -> Nav {
        let nav = Nav { path: RwSignal::new(current_path()) };
        provide_context(nav);
        let popstate = window_event_listener(leptos::ev::popstate, move |_| nav.path.set(current_path()));
        let click = window_event_listener(leptos::ev::click, move |ev| nav.follow_link(ev));
        on_cleanup(move || {
            popstate.remove();
            click.remove();
        });
        nav
    }

    /// The page shown now (tracked).
    pub fn page(self) -> Page {
        self.path.with(|p| Page::from_path(p))
    }

    /// Goes to `href` (a path, optionally with `?query`): a new history entry, scrolled to the top.
    pub fn go(self, href: &str) {
        if let Ok(history) = window().history() {
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href));
        }
        window().scroll_to_with_x_and_y(0.0, 0.0);
        self.path.set(current_path());
    }

    /// `aria-current="page"` for a navigation link to `href` when it is the page shown (tracked):
    /// `/` only exactly, other links also for the pages below them.
    pub fn current(self, href: &'static str) -> Option<&'static str> {
        self.path.with(|p| if href == "/" { p == "/" } else { p == href || p.starts_with(&format!("{href}/")) }).then_some("page")
    }

    /// A same-origin link click becomes a navigation without a reload. Left alone: modified or
    /// non-primary clicks, links with `target`, `download` or `rel="external"`, other origins,
    /// fragments on the page shown, and clicks a handler already took (the skip link).
    fn follow_link(self, ev: web_sys::MouseEvent) {
        if ev.default_prevented() || ev.button() != 0 || ev.meta_key() || ev.alt_key() || ev.ctrl_key() || ev.shift_key() {
            return;
        }
        let Some(a) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|el| el.closest("a[href]").ok().flatten()) else {
            return;
        };
        let a: web_sys::HtmlAnchorElement = a.unchecked_into();
        let external = a.get_attribute("rel").is_some_and(|r| r.split_whitespace().any(|w| w == "external"));
        let target = a.target();
        if external || a.has_attribute("download") || !(target.is_empty() || target == "_self") {
            return;
        }
        let here = window().location();
        // A fragment on the page shown (`#main`, `/rules#r9` on the Rules page): the browser's own jump.
        let same_page = a.pathname() == here.pathname().unwrap_or_default() && a.search() == here.search().unwrap_or_default();
        if a.origin() != here.origin().unwrap_or_default() || (same_page && !a.hash().is_empty()) {
            return;
        }
        ev.prevent_default();
        self.go(&format!("{}{}{}", a.pathname(), a.search(), a.hash()));
    }
}

/// `path` with a query of the non-empty `pairs`, values encoded: `/deliveries?webhook=3`, or
/// `path` alone when every value is empty.
pub fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
    let query: Vec<String> = pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", js_sys::encode_uri_component(v))).collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// Rewrites the address bar to `url` without a history entry or a navigation: a page keeping its
/// filters in the URL (the page reads them only when it opens).
pub fn replace_url(url: &str) {
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
    }
}

/// The value of `key` in the address bar's query, if any (read now, not tracked: pages read their
/// query once when they open).
pub fn query(key: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(key)
}
