//! Helpers for driving the panel through the DOM in browser tests.

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventInit, HtmlElement, HtmlInputElement, HtmlSelectElement};

fn document() -> web_sys::Document {
    web_sys::window().expect("window").document().expect("document")
}

/// A fresh `<div>` attached to `<body>`, for one test to mount into.
pub fn fresh_root() -> HtmlElement {
    let root = document().create_element("div").expect("div");
    document().body().expect("body").append_child(&root).expect("append");
    root.unchecked_into()
}

/// Forgets what earlier tests stored and puts the page at `path`, so the panel starts fresh there.
pub fn fresh_start(path: &str) {
    let w = web_sys::window().expect("window");
    w.local_storage().ok().flatten().expect("localStorage").clear().expect("clear");
    w.session_storage().ok().flatten().expect("sessionStorage").clear().expect("clear");
    w.history().expect("history").replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path)).expect("replaceState");
}

/// Stores a value in localStorage under `key` (as the panel's own persistence would).
pub fn store(key: &str, json: &str) {
    web_sys::window().unwrap().local_storage().unwrap().unwrap().set_item(key, json).unwrap();
}

/// The current path and query.
pub fn location() -> String {
    let l = web_sys::window().unwrap().location();
    format!("{}{}", l.pathname().unwrap(), l.search().unwrap())
}

pub fn find(root: &Element, id: &str) -> Option<Element> {
    root.query_selector(&format!("[data-testid=\"{id}\"]")).expect("valid selector")
}

/// The element with `data-testid="{id}"` under `root`, or a panic naming it.
pub fn by_testid(root: &Element, id: &str) -> Element {
    find(root, id).unwrap_or_else(|| panic!("no element with data-testid={id:?}"))
}

/// The trimmed text of the element with `data-testid="{id}"`.
pub fn text_of(root: &Element, id: &str) -> String {
    by_testid(root, id).text_content().unwrap_or_default().trim().to_string()
}

fn bubbling(kind: &str) -> Event {
    let init = EventInit::new();
    init.set_bubbles(true);
    Event::new_with_event_init_dict(kind, &init).expect("event")
}

pub fn click(root: &Element, id: &str) {
    by_testid(root, id).unchecked_into::<HtmlElement>().click();
}

/// Clicks the first link whose text is `text`.
pub fn click_link(root: &Element, text: &str) {
    let links = root.query_selector_all("a").unwrap();
    for i in 0..links.length() {
        let a: HtmlElement = links.item(i).unwrap().unchecked_into();
        if a.text_content().unwrap_or_default().trim() == text {
            a.click();
            return;
        }
    }
    panic!("no link {text:?}");
}

/// Types into an input as a user would: sets the value, fires `input`, then `blur`-like `focusout`.
pub fn type_into(root: &Element, id: &str, value: &str) {
    let input: HtmlInputElement = by_testid(root, id).unchecked_into();
    input.set_value(value);
    input.dispatch_event(&bubbling("input")).unwrap();
    input.dispatch_event(&Event::new("blur").unwrap()).unwrap();
}

pub fn input_value(root: &Element, id: &str) -> String {
    by_testid(root, id).unchecked_into::<HtmlInputElement>().value()
}

pub fn choose(root: &Element, id: &str, value: &str) {
    let select: HtmlSelectElement = by_testid(root, id).unchecked_into();
    select.set_value(value);
    select.dispatch_event(&bubbling("change")).unwrap();
}

/// Lets the panel's effects and tasks run.
pub async fn settle() {
    TimeoutFuture::new(30).await;
}

/// Waits (up to 5 s) until `cond` holds; panics with `what` otherwise.
pub async fn wait_until(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..250 {
        if cond() {
            return;
        }
        TimeoutFuture::new(20).await;
    }
    panic!("timed out waiting until {what}");
}

/// Unmounts the panel and removes its root when dropped (at the end of a test).
pub struct Mounted<T>(Option<T>, HtmlElement);

impl<T> Drop for Mounted<T> {
    fn drop(&mut self) {
        self.0.take();
        self.1.remove();
    }
}

/// Mounts the whole panel at `path` on a fresh sandbox (storage cleared).
pub fn mount_at(path: &str) -> (HtmlElement, impl Drop) {
    fresh_start(path);
    remount_at(path)
}

/// Mounts the panel again at `path`, keeping what it stored (as a reload would). Links work too
/// (the panel's listeners end with it), but a remount is the shortest way to a page's first state.
pub fn remount_at(path: &str) -> (HtmlElement, impl Drop) {
    web_sys::window().unwrap().history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path)).unwrap();
    let root = fresh_root();
    let handle = leptos::mount::mount_to(root.clone(), pipedrive_webhooks_web::App);
    let guard = Mounted(Some(handle), root.clone());
    (root, guard)
}

/// Sends `count` events `action.object` from the Sandbox tools page (mounted at `root`), as a user
/// would: the two selects, the count, Send.
pub async fn trigger_events(root: &Element, action: &str, object: &str, count: u32) {
    choose(root, "trigger-action", action);
    choose(root, "trigger-object", object);
    type_into(root, "trigger-count", &count.to_string());
    click(root, "trigger");
    settle().await;
}
