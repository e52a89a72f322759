//! Sync (#14, #21) through the DOM on the sandbox: the plan as a diff with reasons, applying it
//! after a confirmation until a second plan is empty, prune only when ticked, never "in sync" with
//! a duplicate left, a plan past the limit (R2) refused once in the core's words before anything
//! is sent, every error and warning of the desired set at once (the core's reader), and
//! export/import round trips (the desired set without user ids or credentials, a placeholder
//! refused on import, the CSV with its formula guard, connections without tokens).

use pipedrive_webhooks::desired::PASSWORD_PLACEHOLDER;
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

/// The export with its Basic-auth placeholders filled in, as a user would before syncing.
fn filled(mut items: Vec<Value>) -> Vec<Value> {
    for w in &mut items {
        for field in ["http_auth_user", "http_auth_password"] {
            if w[field] == PASSWORD_PLACEHOLDER {
                w[field] = json!(format!("filled-{field}"));
            }
        }
    }
    items
}

/// What "export the current set" gives, its credentials filled in.
async fn exported_filled(root: &Element) -> Vec<Value> {
    filled(exported_current(root).await)
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
    let mut desired = exported_filled(&root).await;
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
    assert_eq!(text_of(&root, "sync-list-age"), "Planned on the sandbox's list, which is always current.");
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
    let mut desired = exported_filled(&root).await;
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

fn hooks(n: usize) -> String {
    let desired: Vec<Value> = (0..n)
        .map(|i| json!({ "name": format!("Hook {i}"), "subscription_url": format!("https://example.com/h{i}"), "event_action": "change", "event_object": "deal", "version": "2.0" }))
        .collect();
    serde_json::to_string(&desired).unwrap()
}

#[wasm_bindgen_test]
async fn a_desired_set_past_the_limit_is_refused_once_in_the_cores_words_before_anything_is_sent() {
    let (root, _app) = mount_at("/sync");
    settle().await;
    plan(&root, &hooks(41)).await;
    // 41 cannot fit, pruned or not: said once, and ticking Prune gives the same advice, not a
    // second, different refusal.
    let refused = text_of(&root, "sync-refused");
    assert!(refused.starts_with("Refused, nothing sent: the desired set ") && refused.ends_with("pruned or not: desire at most 40."), "the core's advice: {refused}");
    assert!(root.query_selector("[data-testid=sync-refused] a.rule-link[href='/rules#r2']").unwrap().is_some(), "R2 links to the Rules page");
    assert!(!has(&root, "sync-apply"), "a refused plan offers no Apply");
    assert!(!has(&root, "sync-plan-table"));
    click(&root, "sync-prune");
    settle().await;
    assert_eq!(text_of(&root, "sync-refused"), refused);
    assert!(!has(&root, "sync-apply"));

    // 30 fit once Ana's 12 leftovers are pruned: the advice says prune, and pruning plans.
    click(&root, "sync-prune");
    settle().await;
    plan(&root, &hooks(30)).await;
    let refused = text_of(&root, "sync-refused");
    assert!(refused.contains("needs 42 webhooks") && refused.ends_with(": prune (12 of the app's own webhooks here are not desired)."), "{refused}");
    click(&root, "sync-prune");
    settle().await;
    assert!(!has(&root, "sync-refused"));
    let a = actions(&root);
    assert_eq!((a.iter().filter(|x| *x == "delete").count(), a.iter().filter(|x| *x == "create").count()), (12, 30), "{a:?}");
    drop(_app);
    assert_eq!(quota_on_list().await, "12 / 40", "nothing was sent");
}

#[wasm_bindgen_test]
async fn a_duplicate_left_in_place_is_never_in_sync_and_is_named() {
    // A twin of Ana's #101 (create.deal to her endpoint), made on the form ("create anyway").
    let (root, _app) = mount_at("/webhooks/new");
    settle().await;
    type_into(&root, "input-name", "Twin");
    type_into(&root, "input-subscription_url", "https://hooks.yourapp.example/pipedrive/ana");
    choose(&root, "input-event_action", "create");
    by_testid(&root, "new-form").unchecked_into::<web_sys::HtmlFormElement>().request_submit().unwrap();
    settle().await;
    click(&root, "confirm-ok");
    settle().await;
    drop(_app);

    let (root, _app) = remount_at("/sync");
    settle().await;
    let desired: Vec<Value> = exported_filled(&root).await.into_iter().filter(|w| w["name"] != "Twin").collect();
    plan(&root, &serde_json::to_string(&desired).unwrap()).await;
    assert!(!has(&root, "sync-in-sync"), "a duplicate delivers every event twice: not in sync");
    let what = text_of(&root, "sync-duplicates");
    assert!(what.starts_with("Not in sync: #") && what.contains("(\"Twin\") duplicates a desired webhook"), "{what}");
    assert!(what.contains("Tick Prune to delete it, or delete it on the Webhooks list."), "{what}");
    assert!(reason_of(&root, "surplus").contains("a duplicate of #101"), "{}", reason_of(&root, "surplus"));
    assert!(!has(&root, "sync-apply"), "nothing to send without prune");

    click(&root, "sync-prune");
    settle().await;
    assert!(!has(&root, "sync-duplicates"));
    assert!(reason_of(&root, "delete").contains("a duplicate of #101"));
    click(&root, "sync-apply");
    settle().await;
    click(&root, "confirm-ok");
    wait_until("the plan is in sync", || has(&root, "sync-in-sync")).await;
    drop(_app);
    assert_eq!(quota_on_list().await, "12 / 40", "the twin is gone");
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
    assert_eq!(text_of(&root, "sync-error"), "[1] (\"B\"), field version: is missing; give \"1.0\" or \"2.0\" (Pipedrive's default changed once and broke receivers)");
    assert_eq!(desired_text(&root), no_version);
    assert!(!has(&root, "sync-plan-table"), "no plan from an invalid set");

    let bad_field = r#"[{"name": "A", "subscription_url": "ftp://example.com/a", "event_action": "change", "event_object": "deal", "version": "2.0"}]"#;
    plan(&root, bad_field).await;
    let error = text_of(&root, "sync-error");
    assert!(error.starts_with("[0] (\"A\"), field subscription_url: "), "{error}");
    assert_eq!(desired_text(&root), bad_field);

    let both = r#"[{"name": "C", "subscription_url": "ftp://example.com/c", "event_action": "change", "event_object": "deal"}]"#;
    plan(&root, both).await;
    let error = text_of(&root, "sync-error");
    assert_eq!(root.query_selector_all("[data-testid=sync-error-item]").unwrap().length(), 2, "every problem at once: {error}");
    assert!(error.contains("field subscription_url") && error.contains("field version: is missing"), "{error}");

    let bad_type = r#"[{"name": "A", "subscription_url": "https://example.com/a", "event_action": "change", "event_object": "deal", "version": "2.0", "user_id": "one"}]"#;
    plan(&root, bad_type).await;
    let error = text_of(&root, "sync-error");
    assert!(error.starts_with("[0] (\"A\"): user_id: expected a whole number"), "{error}");

    // A huge name is named by its start only, never echoed whole.
    let long = "N".repeat(300);
    let too_long = format!(r#"[{{"name": "{long}", "subscription_url": "https://example.com/a", "event_action": "change", "event_object": "deal", "version": "2.0"}}]"#);
    plan(&root, &too_long).await;
    let error = text_of(&root, "sync-error");
    assert!(error.starts_with(&format!("[0] (\"{}…\"), field name: name is 300 characters", "N".repeat(40))), "{error}");
    assert!(!error.contains(&"N".repeat(41)), "{error}");

    // A misspelt field is refused with the field it meant (never dropped, which would create the
    // webhook without auth), and every entry's errors come at once, each entry named.
    let typo = r#"[{"name": "A", "subscription_url": "https://example.com/a", "event_action": "change", "event_object": "deal", "version": "2.0", "http_auth_user": "u", "http_auth_pasword": "p"},
 {"name": "B", "subscription_url": "https://example.com/b", "event_action": "change", "event_object": "deal", "version": "3.0"}]"#;
    plan(&root, typo).await;
    let items = root.query_selector_all("[data-testid=sync-error-item]").unwrap();
    let texts: Vec<String> = (0..items.length()).map(|i| items.item(i).unwrap().text_content().unwrap_or_default()).collect();
    assert!(texts.contains(&"[0] (\"A\"), field http_auth_pasword: unknown field; did you mean http_auth_password?".to_string()), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("[1] (\"B\"), field version: ")), "{texts:?}");
    assert!(!has(&root, "sync-plan-table"));

    // Warnings (a loopback URL, an unknown object) are shown, and the plan is made anyway.
    let warned = r#"[{"name": "Local", "subscription_url": "http://127.0.0.1:3000/hook", "event_action": "create", "event_object": "dael", "version": "2.0"}]"#;
    plan(&root, warned).await;
    assert!(!has(&root, "sync-error"), "warnings do not block");
    let warnings = text_of(&root, "sync-warnings");
    assert!(warnings.contains("[0] (\"Local\"), field event_object:") && warnings.contains("[0] (\"Local\"), field subscription_url:"), "{warnings}");
    assert!(has(&root, "sync-plan-table"), "the plan is made despite warnings");
    assert_eq!(reason_of(&root, "create"), "missing");
    drop(_app);
    assert_eq!(quota_on_list().await, "12 / 40", "nothing was sent");
}

#[wasm_bindgen_test]
async fn the_lists_json_export_uploaded_to_sync_plans_nothing_and_csv_guards_formulas() {
    // A webhook whose name a spreadsheet would run, created through Sync.
    let (root, _app) = mount_at("/sync");
    settle().await;
    let mut desired = exported_filled(&root).await;
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
    assert!(!json_text.contains("s3cret") && !json_text.contains("v1u:"), "never a password nor a ciphertext: {json_text}");
    let items: Vec<Value> = serde_json::from_str(&json_text).unwrap();
    assert_eq!(items.len(), 13);
    assert!(items.iter().all(|w| w["version"].is_string() && w.get("id").is_none()));
    assert!(items.iter().all(|w| w.get("user_id").is_none()), "no user ids unless asked: a set reused for another user must not carry Ana's");
    // Ana's #102, #105, #108 and #111 use Basic auth: both credentials are the placeholder, flagged.
    let with_auth: Vec<&Value> = items.iter().filter(|w| w.get("http_auth_user").is_some()).collect();
    assert_eq!(with_auth.len(), 4, "{json_text}");
    assert!(with_auth.iter().all(|w| w["http_auth_user"] == PASSWORD_PLACEHOLDER && w["http_auth_password"] == PASSWORD_PLACEHOLDER), "{json_text}");
    settle().await;
    assert!(!has(&list, "export-passwords"), "nothing real to include: the old checkbox is gone");
    assert!(text_of(&list, "export-note").starts_with("4 webhooks use Basic auth: fill in their credentials before syncing"), "{}", text_of(&list, "export-note"));
    click(&list, "export-user-ids");
    settle().await;
    click(&list, "export-json");
    let with_ids: Vec<Value> = serde_json::from_str(&downloaded().1).unwrap();
    assert!(with_ids.iter().all(|w| w["user_id"] == 1), "user ids when ticked");

    click(&list, "export-csv");
    let (name, csv) = downloaded();
    assert_eq!(name, "webhooks.csv");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "id,name,event_action,event_object,version,subscription_url,type,user_id,last_delivery_time,last_http_status,health");
    assert_eq!(lines.len(), 14);
    let formula = lines.iter().find(|l| l.contains("formula")).expect("the formula row");
    assert!(formula.contains(",\"'=HYPERLINK(\"\"x\"\"), 1\",create,person,2.0,"), "quoted, quotes doubled, prefixed with ': {formula}");
    drop(_app);

    // Uploaded to Sync as it is, the list's export is refused until its credentials are filled in:
    // both fields of each of the 4 entries, named.
    let (root, _app) = remount_at("/sync");
    settle().await;
    choose_file(&root, "sync-file", &json_text);
    wait_until("the errors", || has(&root, "sync-error")).await;
    assert_eq!(desired_text(&root), json_text, "the file fills the textarea");
    let items = root.query_selector_all("[data-testid=sync-error-item]").unwrap();
    assert_eq!(items.length(), 8, "{}", text_of(&root, "sync-error"));
    let first = items.item(0).unwrap().text_content().unwrap_or_default();
    assert!(first.contains("field http_auth_user: still the export's placeholder: fill in the credential"), "{first}");
    assert!(!has(&root, "sync-plan-table"), "nothing is planned with a placeholder");
    // Filled in, it plans nothing: credentials are never compared (Pipedrive returns ciphertext).
    plan(&root, &json_text.replace(PASSWORD_PLACEHOLDER, "filled-in")).await;
    assert!(has(&root, "sync-in-sync"), "{:?}", actions(&root));
    assert_eq!(actions(&root).iter().filter(|a| *a == "keep").count(), 13);
}

#[wasm_bindgen_test]
async fn the_sync_pages_export_has_no_user_ids_unless_asked_and_flags_basic_auth() {
    let (root, _app) = mount_at("/sync");
    settle().await;
    let items = exported_current(&root).await;
    assert!(items.iter().all(|w| w.get("user_id").is_none()), "{items:?}");
    assert!(!desired_text(&root).contains("s3cret") && !desired_text(&root).contains("v1u:"));
    assert_eq!(items.iter().filter(|w| w["http_auth_password"] == PASSWORD_PLACEHOLDER).count(), 4);
    assert!(text_of(&root, "sync-export-note").contains("without user ids"), "{}", text_of(&root, "sync-export-note"));
    assert!(text_of(&root, "sync-export-auth").starts_with("4 webhooks use Basic auth: fill in their credentials before syncing"), "{}", text_of(&root, "sync-export-auth"));
    click(&root, "sync-export-user-ids");
    settle().await;
    let items = exported_current(&root).await;
    assert!(items.iter().all(|w| w["user_id"] == 1), "{items:?}");
    // Planned as exported: the placeholders are refused, each named.
    click(&root, "sync-plan");
    settle().await;
    assert!(text_of(&root, "sync-error").contains("still the export's placeholder"));
    assert!(!has(&root, "sync-plan-table"));
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
