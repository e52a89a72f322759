//! What a newcomer trips over (#16), through the DOM on the sandbox: the create form sends exactly
//! what it shows and only when valid, one visibility and deletion rule (R5, R6), errors that name
//! the real cause, every action showing its result, times that read "now", and rule numbers that
//! lead to the Rules page. Keyboard focus and layout are tested in Playwright (tests/e2e).

use pipedrive_webhooks_tests::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

fn has(root: &Element, id: &str) -> bool {
    find(root, id).is_some()
}

fn selected_text(root: &Element, id: &str) -> String {
    let select: HtmlSelectElement = by_testid(root, id).unchecked_into();
    let i = select.selected_index();
    select.options().item(i.max(0) as u32).map(|o| o.text_content().unwrap_or_default()).unwrap_or_default()
}

fn select_value(root: &Element, id: &str) -> String {
    by_testid(root, id).unchecked_into::<HtmlSelectElement>().value()
}

fn fill_form(root: &Element, name: &str, url: &str) {
    type_into(root, "input-name", name);
    type_into(root, "input-subscription_url", url);
}

fn submit(root: &Element) {
    let form = by_testid(root, "new-form").unchecked_into::<web_sys::HtmlFormElement>();
    form.request_submit().unwrap();
}

#[wasm_bindgen_test]
async fn a_field_error_always_blocks_create_and_sits_under_its_field() {
    let (root, _app) = mount_at("/webhooks/new");
    settle().await;
    fill_form(&root, "Typed user", "https://example.com/h");
    type_into(&root, "input-user_id", "abc");
    submit(&root);
    settle().await;
    assert_eq!(text_of(&root, "error-user_id"), "user_id must be a whole number (a Pipedrive user id)");
    assert_eq!(root.query_selector_all("[data-testid^=error-user_id]").unwrap().length(), 1, "the error shows once");
    assert_eq!(text_of(&root, "quota-value"), "12 / 40", "nothing was created");
    assert_eq!(location(), "/webhooks/new");
}

#[wasm_bindgen_test]
async fn switching_the_version_keeps_every_dropdown_showing_what_is_sent() {
    let (root, _app) = mount_at("/webhooks/new");
    settle().await;
    fill_form(&root, "Leads", "https://example.com/leads");
    choose(&root, "input-event_object", "lead");
    settle().await;
    click(&root, "version-1");
    settle().await;
    // The action keeps its meaning in v1 words; the object stays what will be sent, marked.
    assert_eq!(select_value(&root, "input-event_action"), "updated");
    assert_eq!(select_value(&root, "input-event_object"), "lead");
    assert_eq!(selected_text(&root, "input-event_object"), "lead (only in 2.0)");
    assert_eq!(text_of(&root, "event-preview"), "updated.lead");
    submit(&root);
    settle().await;
    assert!(text_of(&root, "error-event_object").contains("exists only in version 2.0"), "{}", text_of(&root, "error-event_object"));
    assert_eq!(text_of(&root, "quota-value"), "12 / 40", "an invalid form sends nothing");
    click(&root, "version-2");
    settle().await;
    assert_eq!(select_value(&root, "input-event_action"), "change");
    assert_eq!(selected_text(&root, "input-event_object"), "lead");
    assert_eq!(text_of(&root, "error-event_object"), "");
}

#[wasm_bindgen_test]
async fn a_duplicate_asks_create_anyway_before_creating() {
    let (root, _app) = mount_at("/webhooks/new");
    settle().await;
    // Webhook 101 is create.deal v2 for Ana at this URL (a trailing slash aside).
    fill_form(&root, "Again", "https://hooks.yourapp.example/pipedrive/ana/");
    choose(&root, "input-event_action", "create");
    choose(&root, "input-event_object", "deal");
    settle().await;
    submit(&root);
    settle().await;
    assert!(has(&root, "confirm-dialog"), "asks first");
    assert!(text_of(&root, "confirm-dialog").contains("#101"), "{}", text_of(&root, "confirm-dialog"));
    assert_eq!(text_of(&root, "quota-value"), "12 / 40", "nothing created before the answer");
    click(&root, "confirm-ok");
    wait_until("the list", || location() == "/").await;
    settle().await;
    assert_eq!(text_of(&root, "quota-value"), "13 / 40");
    assert_eq!(text_of(&root, "toast"), "Created webhook #135");
    assert_eq!(text_of(&root, "dup-135"), "duplicate of #101");
    // The new row is highlighted (and scrolled into view).
    wait_until("the highlight", || by_testid(&root, "row-135").class_list().contains("highlight")).await;
    // Deleting it confirms itself too.
    click(&root, "delete-135");
    settle().await;
    click(&root, "confirm-ok");
    wait_until("the delete", || find(&root, "row-135").is_none()).await;
    assert_eq!(text_of(&root, "toast"), "Deleted 1 webhook");
}

#[wasm_bindgen_test]
async fn copying_shows_a_confirmation() {
    let (root, _app) = mount_at("/webhooks/101");
    settle().await;
    click(&root, "copy-url");
    settle().await;
    assert_eq!(text_of(&root, "toast"), "Copied the URL");
}

#[wasm_bindgen_test]
async fn at_the_limit_the_reason_shows_before_the_form_with_a_link_to_the_list() {
    let (_root, app) = mount_at("/");
    settle().await;
    drop(app);
    // Fill Ana's 40 slots (R2) in the saved sandbox, then open the form.
    let saved = web_sys::window().unwrap().local_storage().unwrap().unwrap().get_item("pw.sandbox").unwrap().unwrap();
    let mut s: pipedrive_webhooks::sandbox::Sandbox = serde_json::from_str(&saved).unwrap();
    let me = s.caller(1);
    let now = s.clock;
    while s.account.quota(&me).used < 40 {
        let n = s.account.quota(&me).used;
        s.account.create(&me, &pipedrive_webhooks::NewWebhook::new(&format!("https://example.com/q/{n}"), "change", "deal", "q").with_version("2.0"), now).unwrap();
    }
    store("pw.sandbox", &serde_json::to_string(&s).unwrap());
    let (root, _app) = remount_at("/webhooks/new");
    settle().await;
    let reason = by_testid(&root, "limit-reason");
    let form = by_testid(&root, "new-form");
    assert!(reason.compare_document_position(&form) & web_sys::Node::DOCUMENT_POSITION_FOLLOWING != 0, "the reason comes before the form");
    assert!(text_of(&root, "limit-reason").contains("40 of 40"), "{}", text_of(&root, "limit-reason"));
    assert!(reason.query_selector("a[href='/']").unwrap().is_some(), "a link to the list");
}

#[wasm_bindgen_test]
async fn the_as_switch_changes_what_is_deletable_and_listed() {
    let (root, _app) = mount_at("/");
    settle().await;
    // As Ana: her app webhooks are hers to delete; Ben's are not listed for her.
    assert!(has(&root, "delete-101"));
    assert!(has(&root, "unlisted-113"), "Ben's app webhook is marked for Ana");
    assert!(!has(&root, "delete-113"));
    assert!(by_testid(&root, "lock-113").get_attribute("title").unwrap().contains("another user"));
    choose(&root, "acting-user", "2");
    settle().await;
    assert!(has(&root, "delete-113"));
    assert!(!has(&root, "delete-101") && has(&root, "unlisted-101"));
    drop(_app);
    // Webhook 102 (Ana's) has Basic auth: whoever acts, it shows as "set", never revealed
    // (credentials are write-only on Pipedrive).
    let (root, _app) = remount_at("/webhooks/102");
    settle().await;
    assert_eq!(text_of(&root, "basic-auth"), "set");
    choose(&root, "acting-user", "2");
    settle().await;
    assert_eq!(text_of(&root, "basic-auth"), "set");
    assert!(!has(&root, "reveal") && !root.text_content().unwrap_or_default().contains("s3cret"));
}

#[wasm_bindgen_test]
async fn after_an_uninstall_create_names_the_cause_and_offers_a_reinstall() {
    let (root, _app) = mount_at("/sandbox");
    settle().await;
    click(&root, "uninstall");
    settle().await;
    let toast = text_of(&root, "toast");
    assert!(toast.starts_with("Uninstalled your app for Ana") && toast.ends_with(": 12 webhook(s) removed (R7)"), "{toast}");
    drop(_app);
    let (root, _app) = remount_at("/webhooks/new");
    settle().await;
    fill_form(&root, "After uninstall", "https://example.com/after");
    submit(&root);
    wait_until("the error", || has(&root, "create-error")).await;
    let text = text_of(&root, "create-error");
    assert!(text.contains("not installed for this user") && !text.to_lowercase().contains("reconnect"), "{text}");
    click(&root, "reinstall");
    settle().await;
    submit(&root);
    wait_until("the list", || location() == "/").await;
}

#[wasm_bindgen_test]
async fn reset_asks_first_and_a_cancel_keeps_everything() {
    let (root, _app) = mount_at("/sandbox");
    settle().await;
    click(&root, "ff-1d");
    settle().await;
    let clock = text_of(&root, "sandbox-clock");
    click(&root, "reset");
    settle().await;
    assert!(has(&root, "confirm-dialog"));
    click(&root, "confirm-cancel");
    settle().await;
    assert_eq!(text_of(&root, "sandbox-clock"), clock, "nothing reset");
    click(&root, "reset");
    settle().await;
    click(&root, "confirm-ok");
    settle().await;
    assert_ne!(text_of(&root, "sandbox-clock"), clock);
    assert_eq!(text_of(&root, "toast"), "The sandbox was reset");
}

#[wasm_bindgen_test]
async fn a_filter_with_no_match_says_so_and_clears() {
    let (root, _app) = mount_at("/");
    settle().await;
    type_into(&root, "search", "no-such-webhook-anywhere");
    settle().await;
    assert!(text_of(&root, "no-match").contains("No webhook matches these filters"));
    click(&root, "clear-filters");
    settle().await;
    assert!(!has(&root, "no-match"));
    assert!(root.query_selector_all("tr[data-testid^=row-]").unwrap().length() > 20);
    assert_eq!(input_value(&root, "search"), "");
}

#[wasm_bindgen_test]
async fn a_delivery_at_the_sandbox_clock_reads_now_not_in_0_s() {
    let (root, _app) = mount_at("/sandbox");
    settle().await;
    trigger_events(&root, "create", "deal", 1).await;
    drop(_app);
    let (root, _app) = remount_at("/");
    settle().await;
    let cell = by_testid(&root, "row-101").query_selector("td.last").unwrap().unwrap().text_content().unwrap_or_default();
    assert!(cell.starts_with("now"), "{cell}");
    assert!(!root.text_content().unwrap_or_default().contains("in 0 s"));
}

#[wasm_bindgen_test]
async fn rule_numbers_link_to_their_entry_on_the_rules_page() {
    let (root, _app) = mount_at("/webhooks/119");
    settle().await;
    let link = by_testid(&root, "standing").query_selector("a.rule-link").unwrap().expect("a rule link");
    assert_eq!(link.get_attribute("href").as_deref(), Some("/rules#r12"));
    drop(_app);
    let (root, _app) = remount_at("/rules#r12");
    settle().await;
    assert_eq!(root.query_selector_all("[data-testid^=rule-r]").unwrap().length(), 15);
    let r12 = by_testid(&root, "rule-r12");
    assert!(r12.text_content().unwrap_or_default().contains("30 minutes"));
    assert!(r12.query_selector("a[href^='https://pipedrive.readme.io/']").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn a_live_list_that_failed_shows_no_zeros() {
    fresh_start("/");
    store("pw.connections", r#"[{"id": 1, "label": "Down", "base_url": "http://127.0.0.1:9/v1", "oauth": true, "remember": false}]"#);
    store("pw.active", r#"{"Live": 1}"#);
    let (root, _app) = remount_at("/");
    wait_until("the load error", || has(&root, "load-error")).await;
    assert!(!has(&root, "quota-value"), "no quota without a list");
    let cards = root.query_selector(".cards").unwrap().unwrap();
    assert!(cards.has_attribute("hidden"), "no counts without a list");
    store("pw.active", r#""Sandbox""#);
}
