//! Sync (#14) through the DOM on the sandbox: the plan as a diff with reasons, applying it after a
//! confirmation until a second plan is empty, prune only when ticked, a plan past the limit (R2)
//! refused before anything is sent, specific errors that keep the text, and export/import round
//! trips (the desired set, the CSV with its formula guard, connections without tokens).

use pipedrive_webhooks_tests::*;
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, Event, EventInit, HtmlInputElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

fn has(root: &Element, id: &str) -> bool {
    find(root, id).is_some()
}

fn bubbling(kind: &str) -> Event {
    let init = EventInit::new();
    init.set_bubbles(true);
    Event::new_with_event_init_dict(kind, &init).unwrap()
}

fn desired_text(root: &Element) -> String {
    by_testid(root, "sync-desired").unchecked_into::<HtmlTextAreaElement>().value()
}

/// Pastes `text` into the desired-set textarea.
fn paste(root: &Element, text: &str) {
    let area: HtmlTextAreaElement = by_testid(root, "sync-desired").unchecked_into();
    area.set_value(text);
    area.dispatch_event(&bubbling("input")).unwrap();
}

/// Pastes `text` and asks for the plan.
async fn plan(root: &Element, text: &str) {
    paste(root, text);
    click(root, "sync-plan");
    settle().await;
}

/// Chooses a file holding `text` in the file input `id`, as a user picking it would.
fn choose_file(root: &Element, id: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let file = web_sys::File::new_with_str_sequence(&parts, "set.json").unwrap();
    let transfer = web_sys::DataTransfer::new().unwrap();
    transfer.items().add_with_file(&file).unwrap();
    let input: HtmlInputElement = by_testid(root, id).unchecked_into();
    input.set_files(Some(&transfer.files().unwrap()));
    input.dispatch_event(&bubbling("change")).unwrap();
}

/// The last file the panel offered for download: its name and its text (read from its Blob URL).
fn downloaded() -> (String, String) {
    let doc = web_sys::window().unwrap().document().unwrap();
    let link: web_sys::HtmlAnchorElement = doc.get_element_by_id("pw-download").expect("a download link").unchecked_into();
    let xhr = web_sys::XmlHttpRequest::new().unwrap();
    xhr.open_with_async("GET", &link.href(), false).unwrap();
    xhr.send().unwrap();
    (link.download(), xhr.response_text().unwrap().unwrap_or_default())
}

/// Each plan row's action, in order.
fn actions(root: &Element) -> Vec<String> {
    let rows = root.query_selector_all("[data-testid^=plan-row-]").unwrap();
    (0..rows.length()).map(|i| rows.item(i).unwrap().unchecked_into::<Element>().get_attribute("data-action").unwrap_or_default()).collect()
}

/// The reason of the first plan row whose action is `action`.
fn reason_of(root: &Element, action: &str) -> String {
    let i = actions(root).iter().position(|a| a == action).unwrap_or_else(|| panic!("no {action} row"));
    text_of(root, &format!("plan-reason-{i}"))
}

/// What "export the current set" gives, as JSON items.
async fn exported_current(root: &Element) -> Vec<Value> {
    click(root, "sync-export-current");
    settle().await;
    serde_json::from_str::<Vec<Value>>(&desired_text(root)).expect("the export is a JSON array")
}

async fn quota_on_list() -> String {
    let (root, _app) = remount_at("/");
    settle().await;
    text_of(&root, "quota-value")
}

#[wasm_bindgen_test]
async fn the_plan_shows_reasons_and_applying_converges_to_an_empty_plan() {
    let (root, _app) = mount_at("/sync");
    settle().await;
    let mut desired = exported_current(&root).await;
    assert_eq!(desired.len(), 12, "Ana's own app webhooks, and only those");
    let dropped = desired.remove(0);
    desired.push(json!({ "name": "Stage changes", "subscription_url": "https://example.com/stages", "event_action": "change", "event_object": "deal", "version": "2.0" }));
    plan(&root, &serde_json::to_string(&desired).unwrap()).await;

    let a = actions(&root);
    assert_eq!(a.iter().filter(|x| *x == "create").count(), 1, "{a:?}");
    assert!(!a.contains(&"delete".to_string()), "nothing deleted without prune: {a:?}");
    assert_eq!(reason_of(&root, "create"), "missing");
    assert!(reason_of(&root, "keep").starts_with("matches desired #"), "{}", reason_of(&root, "keep"));
    assert!(reason_of(&root, "surplus").contains("not in the desired set"), "{}", reason_of(&root, "surplus"));
    assert!(reason_of(&root, "untouched").contains("R5"), "general webhooks are not the app's");
    assert!(root.query_selector("[data-testid^=plan-reason-] a.rule-link[href='/rules#r5']").unwrap().is_some(), "rule numbers link to the Rules page");
    assert!(by_testid(&root, "plan-action-0").class_name().contains("plan-create"), "deletes, then creates, come first");
    assert!(!has(&root, "sync-in-sync"));
    let _ = dropped;

    click(&root, "sync-apply");
    settle().await;
    assert!(has(&root, "confirm-dialog"), "nothing is applied before a confirmation");
    let dialog = text_of(&root, "confirm-dialog");
    assert!(dialog.contains("No deletions."), "{dialog}");
    assert!(!has(&root, "sync-results"), "nothing sent yet");
    click(&root, "confirm-ok");
    wait_until("the plan is in sync", || has(&root, "sync-in-sync")).await;
    assert_eq!(text_of(&root, "sync-in-sync"), "In sync: nothing to do");
    assert_eq!(text_of(&root, "result-0"), "done");
    assert_eq!(text_of(&root, "sync-progress-text"), "Applied 1 of 1");
    let progress: web_sys::HtmlProgressElement = by_testid(&root, "sync-progress").unchecked_into();
    assert_eq!((progress.value(), progress.max()), (1.0, 1.0));
    assert!(!has(&root, "sync-apply"), "an empty plan offers no Apply");
    drop(_app);
    assert_eq!(quota_on_list().await, "13 / 40", "one created, the surplus kept");
}

#[wasm_bindgen_test]
async fn prune_deletes_a_surplus_webhook_only_when_ticked() {
    let (root, _app) = mount_at("/sync");
    settle().await;
    let mut desired = exported_current(&root).await;
    desired.remove(0);
    plan(&root, &serde_json::to_string(&desired).unwrap()).await;
    assert!(has(&root, "sync-in-sync"), "without prune, a leftover stays: nothing to do");
    assert!(actions(&root).contains(&"surplus".to_string()));
    assert!(!has(&root, "sync-apply"));

    click(&root, "sync-prune");
    settle().await;
    let deletes = actions(&root).iter().filter(|a| *a == "delete").count();
    assert!(deletes >= 1, "{:?}", actions(&root));
    assert!(!actions(&root).contains(&"surplus".to_string()), "pruning deletes what was surplus");
    assert_eq!(reason_of(&root, "delete"), "not in the desired set");
    click(&root, "sync-apply");
    settle().await;
    let dialog = text_of(&root, "confirm-dialog");
    assert!(dialog.contains("Delete #"), "the confirmation lists every deletion: {dialog}");
    click(&root, "confirm-ok");
    wait_until("the plan is in sync", || has(&root, "sync-in-sync")).await;
    drop(_app);
    assert_eq!(quota_on_list().await, format!("{} / 40", 12 - deletes));
}

#[wasm_bindgen_test]
async fn a_desired_set_past_the_limit_is_refused_before_anything_is_sent() {
    let (root, _app) = mount_at("/sync");
    settle().await;
    let desired: Vec<Value> = (0..41)
        .map(|i| json!({ "name": format!("Hook {i}"), "subscription_url": format!("https://example.com/h{i}"), "event_action": "change", "event_object": "deal", "version": "2.0" }))
        .collect();
    plan(&root, &serde_json::to_string(&desired).unwrap()).await;
    // Ana's 12 own webhooks stay without prune (surplus), and still count (R2).
    let refused = text_of(&root, "sync-refused");
    assert!(refused.contains("needs 53 webhooks") && refused.contains("may have 40"), "{refused}");
    assert!(root.query_selector("[data-testid=sync-refused] a.rule-link[href='/rules#r2']").unwrap().is_some(), "R2 links to the Rules page");
    assert!(!has(&root, "sync-apply"), "a refused plan offers no Apply");
    assert!(!has(&root, "sync-plan-table"));
    // Pruning does not make room: 41 creates are still past 40.
    click(&root, "sync-prune");
    settle().await;
    assert!(text_of(&root, "sync-refused").contains("needs 41 webhooks"), "{}", text_of(&root, "sync-refused"));
    assert!(!has(&root, "sync-apply"));
    drop(_app);
    assert_eq!(quota_on_list().await, "12 / 40", "nothing was sent");
}

#[wasm_bindgen_test]
async fn bad_json_and_a_missing_version_give_specific_errors_and_keep_the_text() {
    let (root, _app) = mount_at("/sync");
    settle().await;
    let broken = "[{\"name\": \"A\",";
    plan(&root, broken).await;
    let error = text_of(&root, "sync-error");
    assert!(error.starts_with("Not valid JSON") && error.contains("line 1"), "{error}");
    assert_eq!(desired_text(&root), broken, "the text is kept");

    let no_version = r#"[{"name": "A", "subscription_url": "https://example.com/a", "event_action": "change", "event_object": "deal", "version": "2.0"},
 {"name": "B", "subscription_url": "https://example.com/b", "event_action": "change", "event_object": "deal"}]"#;
    plan(&root, no_version).await;
    assert_eq!(text_of(&root, "sync-error"), "desired #1 (\"B\"), field version: is missing; give \"1.0\" or \"2.0\".");
    assert_eq!(desired_text(&root), no_version);
    assert!(!has(&root, "sync-plan-table"), "no plan from an invalid set");

    let bad_field = r#"[{"name": "A", "subscription_url": "ftp://example.com/a", "event_action": "change", "event_object": "deal", "version": "2.0"}]"#;
    plan(&root, bad_field).await;
    let error = text_of(&root, "sync-error");
    assert!(error.starts_with("desired #0 (\"A\"), field subscription_url: "), "{error}");
    assert_eq!(desired_text(&root), bad_field);

    let both = r#"[{"name": "C", "subscription_url": "ftp://example.com/c", "event_action": "change", "event_object": "deal"}]"#;
    plan(&root, both).await;
    let error = text_of(&root, "sync-error");
    assert_eq!(root.query_selector_all("[data-testid=sync-error-item]").unwrap().length(), 2, "every problem at once: {error}");
    assert!(error.contains("field subscription_url") && error.contains("field version: is missing"), "{error}");

    let bad_type = r#"[{"name": "A", "subscription_url": "https://example.com/a", "event_action": "change", "event_object": "deal", "version": "2.0", "user_id": "one"}]"#;
    plan(&root, bad_type).await;
    let error = text_of(&root, "sync-error");
    assert!(error.starts_with("desired #0 (\"A\"): user_id: expected a whole number"), "{error}");

    // A huge name is named by its start only, never echoed whole.
    let long = "N".repeat(300);
    let too_long = format!(r#"[{{"name": "{long}", "subscription_url": "https://example.com/a", "event_action": "change", "event_object": "deal", "version": "2.0"}}]"#);
    plan(&root, &too_long).await;
    let error = text_of(&root, "sync-error");
    assert!(error.starts_with(&format!("desired #0 (\"{}…\"), field name: name is 300 characters", "N".repeat(40))), "{error}");
    assert!(!error.contains(&"N".repeat(41)), "{error}");
    drop(_app);
    assert_eq!(quota_on_list().await, "12 / 40", "nothing was sent");
}

#[wasm_bindgen_test]
async fn the_lists_json_export_uploaded_to_sync_plans_nothing_and_csv_guards_formulas() {
    // A webhook whose name a spreadsheet would run, created through Sync.
    let (root, _app) = mount_at("/sync");
    settle().await;
    let mut desired = exported_current(&root).await;
    desired.push(json!({ "name": "=HYPERLINK(\"x\"), 1", "subscription_url": "https://hooks.yourapp.example/pipedrive/ana/formula", "event_action": "create", "event_object": "person", "version": "2.0" }));
    plan(&root, &serde_json::to_string(&desired).unwrap()).await;
    click(&root, "sync-apply");
    settle().await;
    click(&root, "confirm-ok");
    wait_until("the plan is in sync", || has(&root, "sync-in-sync")).await;
    drop(_app);

    // Ana's own webhooks, as the list shows them, exported.
    let (list, _app) = remount_at("/?type=application&q=pipedrive%2Fana");
    settle().await;
    assert!(text_of(&list, "row-count").starts_with("13 of "), "{}", text_of(&list, "row-count"));
    click(&list, "export-json");
    let (name, json_text) = downloaded();
    assert_eq!(name, "webhooks.json");
    assert!(!json_text.contains("s3cret"), "passwords are left out by default");
    let items: Vec<Value> = serde_json::from_str(&json_text).unwrap();
    assert_eq!(items.len(), 13);
    assert!(items.iter().all(|w| w["version"].is_string() && w.get("id").is_none()));
    click(&list, "export-passwords");
    settle().await;
    click(&list, "export-json");
    assert!(downloaded().1.contains("\"http_auth_password\": \"s3cret-"), "included when ticked");

    click(&list, "export-csv");
    let (name, csv) = downloaded();
    assert_eq!(name, "webhooks.csv");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "id,name,event_action,event_object,version,subscription_url,type,user_id,last_delivery_time,last_http_status,health");
    assert_eq!(lines.len(), 14);
    let formula = lines.iter().find(|l| l.contains("formula")).expect("the formula row");
    assert!(formula.contains(",\"'=HYPERLINK(\"\"x\"\"), 1\",create,person,2.0,"), "quoted, quotes doubled, prefixed with ': {formula}");
    drop(_app);

    // Uploaded to Sync, the list's export plans nothing.
    let (root, _app) = remount_at("/sync");
    settle().await;
    choose_file(&root, "sync-file", &json_text);
    wait_until("the plan", || has(&root, "sync-plan-table")).await;
    assert_eq!(desired_text(&root), json_text, "the file fills the textarea");
    assert!(has(&root, "sync-in-sync"), "{:?}", actions(&root));
    assert_eq!(actions(&root).iter().filter(|a| *a == "keep").count(), 13);
}

#[wasm_bindgen_test]
async fn connections_export_has_no_token_and_import_restores_them() {
    fresh_start("/connections");
    store("pw.connections", r#"[{"id":1,"label":"Acme","base_url":"https://acme.pipedrive.com/api/v1","oauth":true,"remember":false},{"id":2,"label":"Emulator","base_url":"http://127.0.0.1:8700/api/v1","oauth":false,"remember":true}]"#);
    let session = web_sys::window().unwrap().session_storage().unwrap().unwrap();
    session.set_item("pw.token.1", "\"tok-secret-1\"").unwrap();
    store("pw.token.2", "\"tok-secret-2\"");
    let (root, _app) = remount_at("/connections");
    settle().await;
    click(&root, "conn-export");
    let (name, exported) = downloaded();
    assert_eq!(name, "connections.json");
    assert!(!exported.contains("tok-secret") && !exported.contains("token"), "never a token: {exported}");
    assert!(exported.contains("Acme") && exported.contains("http://127.0.0.1:8700"), "{exported}");
    drop(_app);

    // A browser with no connections (the old token of id 1 still in this session).
    store("pw.connections", "[]");
    let (root, _app) = remount_at("/connections");
    settle().await;
    assert!(!has(&root, "connection-1"));
    choose_file(&root, "conn-import", &exported);
    wait_until("the import", || has(&root, "connection-2")).await;
    assert!(text_of(&root, "connection-1").contains("Acme · https://acme.pipedrive.com/api/v1 · OAuth"), "{}", text_of(&root, "connection-1"));
    assert!(text_of(&root, "connection-2").contains("Emulator · http://127.0.0.1:8700/api/v1 · API token"));
    assert_eq!(text_of(&root, "status-1"), "no token: reconnect", "imported connections have no token");
    assert_eq!(text_of(&root, "status-2"), "no token: reconnect");
    assert!(text_of(&root, "conn-import-status").starts_with("Imported 2 connection(s), skipped 0"));

    // Importing again merges: exact duplicates are skipped.
    choose_file(&root, "conn-import", &exported);
    wait_until("the second import", || text_of(&root, "conn-import-status").contains("skipped 2")).await;
    assert!(!has(&root, "connection-3"));

    choose_file(&root, "conn-import", "{\"label\": 1}");
    wait_until("the error", || text_of(&root, "conn-import-status").starts_with("Nothing imported")).await;
}
