//! Helpers for driving the panel through the DOM in browser tests.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// A fresh `<div>` attached to `<body>`, for one test to mount into.
pub fn fresh_root() -> HtmlElement {
    let document = web_sys::window().expect("window").document().expect("document");
    let root = document.create_element("div").expect("div");
    document.body().expect("body").append_child(&root).expect("append");
    root.unchecked_into()
}

/// The element with `data-testid="{id}"` under `root`, or a panic naming it.
pub fn by_testid(root: &Element, id: &str) -> Element {
    root.query_selector(&format!("[data-testid=\"{id}\"]"))
        .expect("valid selector")
        .unwrap_or_else(|| panic!("no element with data-testid={id:?}"))
}

/// The trimmed text of the element with `data-testid="{id}"`.
pub fn text_of(root: &Element, id: &str) -> String {
    by_testid(root, id).text_content().unwrap_or_default().trim().to_string()
}
