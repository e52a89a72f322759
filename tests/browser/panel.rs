//! The panel mounted in headless Chromium on the sandbox, driven through the DOM (`data-testid`).
//! Rule numbers refer to the domain reference.

use pipedrive_webhooks::sandbox::Sandbox;
use pipedrive_webhooks::{NewWebhook, Policy};
use js_sys as _;
use pipedrive_webhooks_tests::*;
use pipedrive_webhooks_web::RulesSummary;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

fn has(root: &Element, id: &str) -> bool {
    find(root, id).is_some()
}

#[wasm_bindgen_test]
async fn app_opens_on_the_sandbox_with_the_seeded_company() {
    let (root, _app) = mount_at("/");
    settle().await;
    assert_eq!(text_of(&root, "connection"), "Sandbox");
    let rows = root.query_selector_all("tr[data-testid^=\"row-\"]").unwrap().length();
    assert!((28..=40).contains(&rows), "{rows} seeded rows");
    // R3: badges name every type, unknown ones verbatim.
    assert_eq!(text_of(&root, "type-101"), "application");
    assert_eq!(text_of(&root, "type-128"), "general");
    assert_eq!(text_of(&root, "type-133"), "automation");
    assert_eq!(text_of(&root, "type-134"), "partner_sync");
    // Health from the core: a banned webhook (R12), one 70 h into failing (R13), a failing one.
    assert!(text_of(&root, "health-119").starts_with("banned until "), "{}", text_of(&root, "health-119"));
    assert_eq!(text_of(&root, "health-120"), "deletion in 2 h");
    assert_eq!(text_of(&root, "health-121"), "failing");
    assert_eq!(text_of(&root, "health-101"), "healthy");
    assert_eq!(text_of(&root, "count-banned"), "Banned1");
    // R2: the quota of the app user the sandbox acts for (Ana: 12 app webhooks).
    assert_eq!(text_of(&root, "quota-value"), "12 / 40");
}

#[wasm_bindgen_test]
async fn delete_is_not_offered_on_general_or_another_apps_webhooks() {
    let (root, _app) = mount_at("/");
    settle().await;
    for id in [128, 123, 133] {
        assert!(!has(&root, &format!("delete-{id}")), "no delete on {id}");
        assert!(has(&root, &format!("lock-{id}")), "a lock on {id}");
    }
    let general = by_testid(&root, "lock-128").get_attribute("title").unwrap();
    assert!(general.contains("General webhook"), "{general}");
    let other = by_testid(&root, "lock-123").get_attribute("title").unwrap();
    assert!(other.contains("another app"), "{other}");
    assert!(has(&root, "delete-101") && has(&root, "select-101"));
}

#[wasm_bindgen_test]
async fn deleting_your_own_webhook_asks_then_removes_the_row() {
    let (root, _app) = mount_at("/");
    settle().await;
    click(&root, "delete-101");
    settle().await;
    assert!(text_of(&root, "confirm-dialog").contains("(#101)"));
    click(&root, "confirm-cancel");
    settle().await;
    assert!(!has(&root, "confirm-dialog") && has(&root, "row-101"), "cancel keeps it");
    click(&root, "delete-101");
    settle().await;
    click(&root, "confirm-ok");
    wait_until("row 101 is gone", || !has(&root, "row-101")).await;
    assert_eq!(text_of(&root, "quota-value"), "11 / 40");
}

#[wasm_bindgen_test]
async fn bulk_delete_removes_every_selected_row() {
    let (root, _app) = mount_at("/");
    settle().await;
    for id in [102, 103] {
        let cb: web_sys::HtmlInputElement = by_testid(&root, &format!("select-{id}")).unchecked_into();
        cb.click();
    }
    settle().await;
    assert_eq!(text_of(&root, "delete-selected"), "Delete selected (2)");
    click(&root, "delete-selected");
    settle().await;
    click(&root, "confirm-ok");
    wait_until("both rows are gone", || !has(&root, "row-102") && !has(&root, "row-103")).await;
}

#[wasm_bindgen_test]
async fn a_valid_create_adds_a_row() {
    let (root, _app) = mount_at("/webhooks/new");
    settle().await;
    type_into(&root, "input-name", "Invoices to ERP");
    type_into(&root, "input-subscription_url", "https://erp.example.com/pipedrive");
    choose(&root, "input-event_object", "product");
    settle().await;
    assert_eq!(text_of(&root, "event-preview"), "change.product");
    click(&root, "submit");
    wait_until("back on the list", || has(&root, "webhooks-table")).await;
    let row = by_testid(&root, "row-135");
    assert!(row.text_content().unwrap().contains("Invoices to ERP"));
    assert_eq!(text_of(&root, "type-135"), "application");
    assert_eq!(text_of(&root, "quota-value"), "13 / 40");
}

#[wasm_bindgen_test]
async fn names_and_urls_show_as_text_never_as_markup() {
    // Rows are built from HTML text (row_html): whatever a name or URL holds must stay text.
    let (root, _app) = mount_at("/webhooks/new");
    settle().await;
    let name = r#"<img src=x onerror="window.__pwned=1"><b>bold</b> & "quotes""#;
    type_into(&root, "input-name", name);
    type_into(&root, "input-subscription_url", "https://erp.example.com/a?b=<i>&c=\"d\"");
    settle().await;
    click(&root, "submit");
    wait_until("back on the list", || has(&root, "webhooks-table")).await;
    let row = by_testid(&root, "row-135");
    assert!(row.query_selector("img, b, i").unwrap().is_none(), "markup was parsed: {}", row.inner_html());
    assert_eq!(row.query_selector("a").unwrap().unwrap().text_content().unwrap(), name);
    let url = row.query_selector("code.url").unwrap().unwrap();
    assert_eq!(url.get_attribute("title").unwrap(), "https://erp.example.com/a?b=<i>&c=\"d\"");
    assert_eq!(by_testid(&root, "delete-135").get_attribute("aria-label").unwrap(), format!("Delete {name}"));
    assert!(js_sys::Reflect::get(&web_sys::window().unwrap(), &"__pwned".into()).unwrap().is_undefined());
}

#[wasm_bindgen_test]
async fn a_selection_survives_filtering_and_clears_after_the_delete() {
    let (root, _app) = mount_at("/");
    settle().await;
    let checkbox = |id: u64| -> web_sys::HtmlInputElement { by_testid(&root, &format!("select-{id}")).unchecked_into() };
    checkbox(102).click();
    settle().await;
    assert_eq!(text_of(&root, "delete-selected"), "Delete selected (1)");
    // Filter the row out and back in: still ticked.
    type_into(&root, "search", "no webhook is called this");
    settle().await;
    assert!(!has(&root, "row-102"));
    type_into(&root, "search", "");
    settle().await;
    assert!(checkbox(102).checked(), "row 102 is still selected");
    assert!(!checkbox(103).checked());
    // Delete it from its own row: the selection empties and no box stays ticked.
    click(&root, "delete-102");
    settle().await;
    click(&root, "confirm-ok");
    wait_until("the row is gone", || !has(&root, "row-102")).await;
    wait_until("the selection is empty", || text_of(&root, "delete-selected") == "Delete selected (0)").await;
    let ticked = root.query_selector_all("input[data-select]:checked").unwrap().length();
    assert_eq!(ticked, 0);
}

#[wasm_bindgen_test]
async fn a_bad_url_shows_a_field_error_and_keeps_the_input() {
    let (root, _app) = mount_at("/webhooks/new");
    settle().await;
    type_into(&root, "input-name", "Mine");
    type_into(&root, "input-subscription_url", "ftp://files.example.com");
    settle().await;
    assert!(text_of(&root, "error-subscription_url").contains("https"), "{}", text_of(&root, "error-subscription_url"));
    click(&root, "submit");
    settle().await;
    assert_eq!(input_value(&root, "input-subscription_url"), "ftp://files.example.com");
    assert_eq!(input_value(&root, "input-name"), "Mine");
    assert!(has(&root, "new-form"), "still on the form");
    type_into(&root, "input-subscription_url", "https://api.pipedrive.com/v1/webhooks");
    settle().await;
    assert!(text_of(&root, "error-subscription_url").contains("Pipedrive refuses"), "R15");
}

#[wasm_bindgen_test]
async fn r02_the_40th_create_works_and_the_41st_is_blocked_with_the_reason() {
    // Ana (the acting user) already has 39 app webhooks.
    let mut sandbox = Sandbox::seeded(js_sys::Date::now() as i64);
    let me = sandbox.caller(1);
    for n in 0..27 {
        let input = NewWebhook::new(&format!("https://e.com/{n}"), "change", "deal", &format!("filler {n}")).with_version("2.0");
        sandbox.account.create(&me, &input, sandbox.clock).unwrap();
    }
    assert_eq!(sandbox.account.quota(&me).used, 39);
    fresh_start("/webhooks/new");
    store("pw.sandbox", &serde_json::to_string(&sandbox).unwrap());
    let (root, _app) = remount_at("/webhooks/new");
    settle().await;
    assert_eq!(text_of(&root, "quota-value"), "39 / 40");
    type_into(&root, "input-name", "The 40th");
    type_into(&root, "input-subscription_url", "https://e.com/40");
    click(&root, "submit");
    wait_until("back on the list", || has(&root, "webhooks-table")).await;
    assert_eq!(text_of(&root, "quota-value"), "40 / 40");
    drop(_app);
    let (root, _app) = remount_at("/webhooks/new");
    settle().await;
    let submit: web_sys::HtmlButtonElement = by_testid(&root, "submit").unchecked_into();
    assert!(submit.disabled(), "the 41st is blocked");
    assert!(text_of(&root, "limit-reason").contains("40 of 40"), "{}", text_of(&root, "limit-reason"));
}

#[wasm_bindgen_test]
async fn r07_uninstall_removes_the_apps_rows_for_that_user_only() {
    let (root, _app) = mount_at("/sandbox");
    settle().await;
    choose(&root, "uninstall-user", "2");
    click(&root, "uninstall");
    settle().await;
    drop(_app);
    let (root, _app) = remount_at("/");
    settle().await;
    for gone in 113..=120 {
        assert!(!has(&root, &format!("row-{gone}")), "Ben's app webhook {gone} is gone");
    }
    for kept in [101, 121, 124, 127, 131] {
        assert!(has(&root, &format!("row-{kept}")), "{kept} stays: another user's, another app's or general");
    }
}

#[wasm_bindgen_test]
async fn r12_an_endpoint_past_ten_first_try_failures_shows_banned_until() {
    let (root, _app) = mount_at("/sandbox");
    settle().await;
    choose(&root, "behaviour-101", "error");
    trigger_events(&root, "create", "deal", 9).await;
    assert!(text_of(&root, "trigger-result").starts_with("9 × create.deal"));
    drop(_app);
    let (root, _app) = remount_at("/");
    settle().await;
    assert_eq!(text_of(&root, "health-101"), "failing", "9 failures: no ban yet");
    drop(_app);
    let (root, _app) = remount_at("/sandbox");
    settle().await;
    trigger_events(&root, "create", "deal", 1).await;
    let log = text_of(&root, "log");
    assert!(log.contains("banned until"), "the log shows the ban start");
    drop(_app);
    let (root, _app) = remount_at("/");
    settle().await;
    let health = text_of(&root, "health-101");
    assert!(health.starts_with("banned until "), "{health}");
    // The ban lasts 30 min from the end of the 10th failure (120 ms after it started): +30 min is
    // not enough, +1 h is (R12).
    click(&root, "ff-30m");
    settle().await;
    assert!(text_of(&root, "health-101").starts_with("banned until "));
    click(&root, "ff-30m");
    wait_until("the ban ended", || text_of(&root, "health-101") == "failing").await;
}

#[wasm_bindgen_test]
async fn filters_narrow_the_list_and_live_in_the_url() {
    let (root, _app) = mount_at("/");
    settle().await;
    click(&root, "filter-type-general");
    settle().await;
    let rows = root.query_selector_all("tr[data-testid^=\"row-\"]").unwrap().length();
    assert_eq!(rows, 5);
    // Written to the URL once input pauses.
    wait_until("the filter is in the URL", || location().contains("type=general")).await;
    click(&root, "filter-type-all");
    type_into(&root, "search", "legacy");
    settle().await;
    assert_eq!(text_of(&root, "row-count"), "2 of 34");
    drop(_app);
    // A type no tab offers (a hand-edited URL): every row, and "All" says so.
    let (root, _app) = mount_at("/?type=bogus");
    settle().await;
    assert_eq!(text_of(&root, "row-count"), "34 of 34");
    assert_eq!(by_testid(&root, "filter-type-all").get_attribute("aria-pressed").as_deref(), Some("true"));
}

#[wasm_bindgen_test]
async fn the_detail_page_shows_basic_auth_as_set_never_a_secret() {
    let (root, _app) = mount_at("/webhooks/102");
    settle().await;
    // Credentials are write-only (Pipedrive returns ciphertext): even the sandbox, which knows
    // them, shows only "set", with no way to reveal them (R14).
    assert_eq!(text_of(&root, "basic-auth"), "set");
    assert!(!has(&root, "reveal") && !has(&root, "password"));
    let page = root.text_content().unwrap_or_default();
    assert!(!page.contains("s3cret-102") && !page.contains("v1u:"), "never the password nor the ciphertext");
    let raw = text_of(&root, "raw-json");
    assert!(raw.contains("\"http_auth_user\": \"(set)\"") && raw.contains("\"http_auth_password\": \"(set)\""), "{raw}");
    assert!(text_of(&root, "standing").contains("R9"));
    assert!(by_testid(&root, "ban-counter").query_selector("a[href='/rules#r11']").unwrap().is_some(), "the ban counter's rule links");
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

#[wasm_bindgen_test]
async fn saved_connections_survive_a_restart_and_an_unreadable_save_falls_back_to_the_seed() {
    let (root, app) = mount_at("/connections");
    settle().await;
    type_into(&root, "conn-label", "Acme staging");
    type_into(&root, "conn-address", "http://127.0.0.1:9");
    type_into(&root, "conn-token", "t0ken");
    click(&root, "conn-add");
    // Nothing listens there: the connect fails, says so, and nothing is saved (#16).
    wait_until("the connect error", || find(&root, "conn-error").is_some()).await;
    assert!(text_of(&root, "conn-error").contains("Not connected, nothing saved"), "{}", text_of(&root, "conn-error"));
    assert_eq!(text_of(&root, "connection"), "Sandbox");
    drop(app);
    // A connection saved earlier (as a successful connect saves it) and the active one.
    store("pw.connections", r#"[{"id": 1, "label": "Acme staging", "base_url": "http://127.0.0.1:9", "oauth": false, "remember": false}]"#);
    store("pw.active", r#"{"Live": 1}"#);
    // A restart reads the saved connection and which one was active.
    let (root, app) = remount_at("/connections");
    settle().await;
    assert_eq!(text_of(&root, "connection"), "Acme staging · live");
    assert!(text_of(&root, "connection-1").contains("http://127.0.0.1:9"), "{}", text_of(&root, "connection-1"));
    drop(app);
    // Saves this version cannot read (edited by hand, or from a future version) give the seeded
    // sandbox and no connections rather than a blank page.
    store("pw.sandbox", r#"{"account": 7}"#);
    store("pw.connections", r#"[{"id": "one"}]"#);
    store("pw.active", r#"{"Live": 1}"#);
    let (root, _app) = remount_at("/");
    settle().await;
    assert_eq!(text_of(&root, "connection"), "Sandbox");
    assert_eq!(text_of(&root, "quota-value"), "12 / 40");
}

/// The rows' cells in column `n` (1-based), in the order shown.
fn column(root: &Element, n: u32, attr: Option<&str>) -> Vec<String> {
    let cells = root.query_selector_all(&format!("tr[data-testid^=\"row-\"] td:nth-child({n})")).unwrap();
    (0..cells.length())
        .map(|i| {
            let cell: Element = cells.item(i).unwrap().unchecked_into();
            match attr {
                Some(a) => cell.get_attribute(a).unwrap_or_default(),
                None => cell.text_content().unwrap_or_default(),
            }
        })
        .collect()
}

#[wasm_bindgen_test]
async fn column_headers_sort_the_rows_and_say_which_column_orders_them() {
    let (root, _app) = mount_at("/");
    settle().await;
    let header = |col: &str| by_testid(&root, &format!("sort-{col}")).parent_element().unwrap().get_attribute("aria-sort").unwrap();
    let by_id = column(&root, 2, None);
    assert_eq!(header("name"), "none");

    click(&root, "sort-name");
    settle().await;
    let names = column(&root, 2, None);
    let mut expected = by_id.clone();
    expected.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, expected, "names A to Z, ignoring case");
    assert_ne!(names, by_id, "the seed's id order is not already alphabetical");
    assert_eq!(header("name"), "ascending");

    click(&root, "sort-event");
    settle().await;
    let events = column(&root, 3, None);
    assert!(events.windows(2).all(|w| w[0] <= w[1]), "{events:?}");
    assert_eq!((header("name").as_str(), header("event").as_str()), ("none", "ascending"));

    // Newest delivery first (the cell's title is the absolute time); never-delivered ones last.
    click(&root, "sort-last");
    settle().await;
    let times = column(&root, 7, Some("title"));
    let delivered: Vec<&String> = times.iter().take_while(|t| !t.is_empty()).collect();
    assert!(delivered.len() > 1 && delivered.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    assert!(times[delivered.len()..].iter().all(String::is_empty), "{times:?}");
    assert_eq!(header("last"), "descending");
    wait_until("the sort in the URL", || location().contains("sort=last")).await;
}

fn current_nav_links(root: &Element) -> Vec<String> {
    let links = root.query_selector_all("nav.sidenav a[aria-current=\"page\"]").unwrap();
    (0..links.length()).map(|i| links.item(i).unwrap().text_content().unwrap_or_default()).collect()
}

#[wasm_bindgen_test]
async fn links_back_and_forward_move_between_pages_without_a_reload() {
    let (root, _app) = mount_at("/");
    settle().await;
    assert_eq!(current_nav_links(&root), ["Webhooks"]);
    // A side-nav link: the address, the page and the current link all change.
    click_link(&root, "Sync");
    settle().await;
    assert_eq!(location(), "/sync");
    assert_eq!(web_sys::window().unwrap().document().unwrap().title(), "Sync · pipedrive-webhooks", "each page names itself");
    let focused = web_sys::window().unwrap().document().unwrap().active_element().map(|e| e.id());
    assert_eq!(focused.as_deref(), Some("main"), "after a navigation the keyboard starts at the content");
    assert!(find(&root, "sync-desired").is_some(), "the Sync page shows");
    assert!(find(&root, "row-101").is_none(), "the list is gone");
    assert_eq!(current_nav_links(&root), ["Sync"]);
    // Back: the list again, from the browser's history (popstate).
    web_sys::window().unwrap().history().unwrap().back().unwrap();
    wait_until("Back shows the list", || find(&root, "row-101").is_some()).await;
    assert_eq!(location(), "/");
    assert_eq!(current_nav_links(&root), ["Webhooks"]);
    // A plain link inside a row (not a component) navigates too, to that webhook's page.
    root.query_selector("tr[data-testid=\"row-102\"] a[href=\"/webhooks/102\"]").unwrap().expect("the row links its page").unchecked_into::<web_sys::HtmlElement>().click();
    settle().await;
    assert_eq!(location(), "/webhooks/102");
    assert_eq!(text_of(&root, "basic-auth"), "set");
    assert!(current_nav_links(&root).is_empty(), "no side-nav link names a detail page");
}

#[wasm_bindgen_test]
async fn unknown_paths_and_ids_say_not_found() {
    let (root, _app) = mount_at("/webhooks/abc");
    settle().await;
    assert!(text_of(&root, "not-found").contains("followed by its id, a number"), "a non-numeric id says what an id is");
    drop(_app);
    let (root, _app) = mount_at("/webhooks/99999");
    settle().await;
    assert!(text_of(&root, "not-found").contains("No webhook #99999 on this connection"));
    assert!(by_testid(&root, "not-found").query_selector("a[href='/rules#r13']").unwrap().is_some(), "its rule numbers link");
    drop(_app);
    let (root, _app) = mount_at("/no-such-page");
    settle().await;
    assert_eq!(root.query_selector("main h1").unwrap().expect("a heading").text_content().unwrap(), "Not found");
    click_link(&root, "Back to webhooks");
    settle().await;
    assert!(find(&root, "row-101").is_some(), "the link leads back to the list");
}
