//! The receiver lab in the panel (#13), through the DOM: the Deliveries page on the sandbox's log
//! (rows, filters, the request, Redeliver adding a fresh chain) and the Check page's report card
//! rendered from a recorded report.

use pipedrive_webhooks::emulator_api::decode_check_report;
use pipedrive_webhooks_tests::*;
use pipedrive_webhooks_web::ReportCard;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

fn rows(root: &Element) -> u32 {
    root.query_selector_all("tr[data-testid^=delivery-]").unwrap().length()
}

#[wasm_bindgen_test]
async fn the_deliveries_page_lists_attempts_and_redeliver_adds_a_fresh_chain() {
    let (root, _app) = mount_at("/sandbox");
    settle().await;
    trigger_events(&root, "create", "deal", 1).await;
    drop(_app);
    let (root, _app) = remount_at("/deliveries");
    settle().await;
    let before = rows(&root);
    assert!(before >= 3, "create.deal reaches several seeded webhooks: {before}");
    let first = text_of(&root, "delivery-result-0");
    assert!(first.starts_with("HTTP 2"), "{first}");
    // The newest row first; Redeliver makes a new attempt chain, marked. The rows are redrawn,
    // and the keyboard stays where it pressed.
    let button = by_testid(&root, "redeliver-0").unchecked_into::<web_sys::HtmlElement>();
    button.focus().unwrap();
    button.click();
    settle().await;
    let doc = web_sys::window().unwrap().document().unwrap();
    assert_eq!(doc.active_element().and_then(|e| e.get_attribute("data-testid")).as_deref(), Some("redeliver-0"), "focus kept after the redraw");
    assert_eq!(rows(&root), before + 1);
    assert!(find(&root, "redelivery-0").is_some(), "the new row is marked as a redelivery");
    assert!(text_of(&root, "toast").starts_with("Redelivered to #"));
    // Filters: a webhook, then failures only (none among these).
    choose(&root, "deliveries-result", "not_sent");
    settle().await;
    assert!(find(&root, "deliveries-empty").is_some() || rows(&root) < before);
    // The filters are in the URL, and a reload there starts filtered.
    choose(&root, "deliveries-result", "success");
    let webhook = by_testid(&root, "deliveries-webhook").query_selector("option:nth-child(2)").unwrap().expect("a webhook option").get_attribute("value").unwrap();
    choose(&root, "deliveries-webhook", &webhook);
    settle().await;
    assert_eq!(location(), format!("/deliveries?webhook={webhook}&result=success"));
    let filtered = rows(&root);
    drop(_app);
    let (root, _app) = remount_at(&format!("/deliveries?webhook={webhook}&result=success"));
    settle().await;
    assert_eq!(input_value(&root, "deliveries-webhook"), webhook, "the webhook filter is restored");
    assert_eq!(input_value(&root, "deliveries-result"), "success");
    assert_eq!(rows(&root), filtered);
}

#[wasm_bindgen_test]
async fn the_report_card_renders_a_recorded_check_report() {
    let json: serde_json::Value = serde_json::from_str(include_str!("fixtures/check-report.json")).unwrap();
    let report = decode_check_report(&json).unwrap();
    let root = fresh_root();
    let _handle = leptos::mount::mount_to(root.clone(), move || leptos::view! { <ReportCard report=report/> });
    settle().await;
    assert_eq!(text_of(&root, "verdict"), "fail");
    assert_eq!(text_of(&root, "check-status-retries"), "fail");
    assert_eq!(text_of(&root, "check-status-basic_auth_missing"), "warn");
    assert!(text_of(&root, "check-retries").contains("409"));
    // The rule number in the evidence links to the Rules page.
    assert!(by_testid(&root, "check-retries").query_selector("a[href='/rules#r11']").unwrap().is_some());
    assert_eq!(text_of(&root, "latency"), "p50 4 ms · p95 12 ms · max 30 ms (over 10 s fails, R9; over 5 s warns)");
    assert_eq!(root.query_selector_all("[data-testid=histogram] li").unwrap().length(), 3);
    // Figures in words and units, as the CLI prints them; rule numbers link.
    assert_eq!(text_of(&root, "projection-bans_per_day"), "Bans (R12) a day6");
    assert_eq!(text_of(&root, "projection-events_per_day"), "Events a day1440");
    assert_eq!(text_of(&root, "projection-deletion_after_ms"), "Deletion (R13)not deleted: successes keep resetting the 72 h clock");
    assert!(by_testid(&root, "projection-bans_per_day").query_selector("a[href='/rules#r12']").unwrap().is_some());
    assert!(!text_of(&root, "projection").contains("_"), "no raw JSON keys");
    let order: Vec<String> = (0..4).map(|i| root.query_selector_all("[data-testid=projection] dt").unwrap().item(i).unwrap().text_content().unwrap()).collect();
    assert_eq!(order, ["Events a day", "First-try failures (R11) a day", "Bans (R12) a day", "Lost events a day"], "the CLI's order, not the JSON's");
    // The projection's scenario re-run by the core's simulator, drawn as its timeline.
    assert!(root.query_selector("[data-testid=report-card] svg").unwrap().is_some(), "a timeline chart");
    let bans: u64 = text_of(&root, "sum-bans").parse().unwrap_or(0);
    assert!(bans > 0, "a 6.7 % failure rate at one event a minute bans the webhook");
}

#[wasm_bindgen_test]
async fn a_projected_deletion_reads_as_a_duration_from_now_never_a_1970_date() {
    let mut json: serde_json::Value = serde_json::from_str(include_str!("fixtures/check-report.json")).unwrap();
    // A receiver that always fails: R13 deletes the webhook 72 h after the first failure.
    json["projection"]["deletion_after_ms"] = serde_json::json!(259_200_004_i64);
    json["projection"]["scenario"]["webhooks"][0]["endpoint"]["failureRate"] = serde_json::json!(1.0);
    json["projection"]["scenario"]["durationMs"] = serde_json::json!(96 * 3_600_000_i64);
    let report = decode_check_report(&json).unwrap();
    let root = fresh_root();
    let _handle = leptos::mount::mount_to(root.clone(), move || leptos::view! { <ReportCard report=report/> });
    settle().await;
    assert_eq!(text_of(&root, "projection-deletion_after_ms"), "Deletion (R13)after 72 h 00 min 00 s from the first event");
    assert!(text_of(&root, "sum-deleted").starts_with("after 72 h"), "{}", text_of(&root, "sum-deleted"));
    assert!(!root.text_content().unwrap_or_default().contains("1970"), "times are drawn from now, not from the epoch");
}
