//! The panel mounted in headless Chromium, asserted through the DOM.

use pipedrive_webhooks::Policy;
use pipedrive_webhooks_tests::{fresh_root, text_of};
use pipedrive_webhooks_web::{App, RulesSummary};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn app_opens_on_the_sandbox() {
    let root = fresh_root();
    let _handle = leptos::mount::mount_to(root.clone(), App);
    assert_eq!(text_of(&root, "connection"), "Sandbox");
}

#[wasm_bindgen_test]
fn rules_summary_shows_the_policy_computed_by_the_core() {
    let root = fresh_root();
    // A non-default policy proves the values come from the core, not from the markup.
    let policy = Policy { max_app_webhooks_per_user: 7, ban_threshold: 3, ..Policy::default() };
    let _handle = leptos::mount::mount_to(root.clone(), move || leptos::view! { <RulesSummary policy/> });
    assert_eq!(text_of(&root, "max-per-user"), "7");
    assert_eq!(text_of(&root, "max-attempts"), "4");
    assert_eq!(text_of(&root, "worst-case"), "223 s");
    assert_eq!(text_of(&root, "ban"), "3 → 30 min");
    assert_eq!(text_of(&root, "deletion"), "72 h");
}
