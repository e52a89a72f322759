//! The receiver lab in the panel (#13, #22), through the DOM: the Deliveries page on the sandbox's
//! log (rows, filters, a filter that matches nothing, times that tick, the request, Redeliver
//! adding a fresh chain) and the Check page's report card rendered from a recorded report (the
//! verdict and projection of each version, the kit link).

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
    assert!(find(&root, "deliveries-no-match").is_some() || rows(&root) < before);
    assert!(find(&root, "deliveries-empty").is_none(), "never \"No deliveries yet\" when there are some");
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
async fn a_filter_that_matches_nothing_says_so_and_clears() {
    let (root, _app) = mount_at("/sandbox");
    settle().await;
    trigger_events(&root, "create", "deal", 1).await;
    drop(_app);
    let (root, _app) = remount_at("/deliveries?result=not_sent");
    settle().await;
    assert!(find(&root, "deliveries-empty").is_none(), "not \"No deliveries yet\": there are some");
    assert_eq!(text_of(&root, "deliveries-no-match"), "No deliveries match these filters.Clear filters");
    click(&root, "deliveries-clear-filters");
    settle().await;
    assert!(rows(&root) >= 3, "every delivery again");
    assert_eq!((input_value(&root, "deliveries-result"), location()), (String::new(), "/deliveries".to_string()));
}

#[wasm_bindgen_test]
async fn relative_times_are_rewritten_every_second() {
    let (root, _app) = mount_at("/sandbox");
    settle().await;
    trigger_events(&root, "create", "deal", 1).await;
    drop(_app);
    let (root, _app) = remount_at("/deliveries");
    settle().await;
    // A time cell that went stale (as it did when a refresh brought nothing new) is rewritten by
    // the page's own clock within a second, without a redraw of the rows.
    let cell = root.query_selector("tr[data-testid^=delivery-] td[data-at]").unwrap().expect("a time cell");
    let fresh = cell.text_content().unwrap();
    let row = root.query_selector("tr[data-testid^=delivery-]").unwrap().unwrap();
    cell.set_text_content(Some("in 4 s"));
    gloo_timers::future::TimeoutFuture::new(1_200).await;
    assert_eq!(cell.text_content().unwrap(), fresh, "rewritten against the page's clock");
    assert!(row.is_connected(), "the same row element: rewritten in place, not redrawn");
}

fn report() -> pipedrive_webhooks::receiver_check::CheckReport {
    let json: serde_json::Value = serde_json::from_str(include_str!("fixtures/check-report.json")).unwrap();
    decode_check_report(&json).unwrap()
}

#[wasm_bindgen_test]
async fn the_report_card_renders_a_recorded_check_report() {
    let report = report();
    let root = fresh_root();
    let _handle = leptos::mount::mount_to(root.clone(), move || leptos::view! { <ReportCard report=report/> });
    settle().await;
    assert_eq!(text_of(&root, "verdict"), "fail");
    // The verdict of each version: a webhook has one.
    assert_eq!((text_of(&root, "version-verdict-v2"), text_of(&root, "version-verdict-v1")), ("fail".to_string(), "fail".to_string()));
    assert!(text_of(&root, "version-v1").contains("version 1.0 webhooks serves v2 only: fine while every webhook pointing here is version 2.0"), "{}", text_of(&root, "version-v1"));
    assert!(by_testid(&root, "version-v1").query_selector("a[href='/rules#r12']").unwrap().is_some(), "rule numbers link");
    assert_eq!(text_of(&root, "check-status-retries"), "fail");
    assert_eq!(text_of(&root, "check-status-basic_auth_missing"), "warn");
    assert!(text_of(&root, "check-retries").contains("stale answer on a retry"));
    assert!(by_testid(&root, "check-retries").query_selector("a[href='/rules#r10']").unwrap().is_some());
    assert_eq!(text_of(&root, "latency"), "p50 4 ms · p95 12 ms · max 30 ms (over 10 s fails, R9; over 5 s warns)");
    assert_eq!(root.query_selector_all("[data-testid=histogram] li").unwrap().length(), 3);
    // A failed check links the kit's README, with the example closest to this receiver (Express).
    let kit = by_testid(&root, "kit-link");
    assert!(kit.query_selector("a[href='https://www.npmjs.com/package/pipedrive-webhooks#receiver-kit']").unwrap().is_some());
    assert_eq!(text_of(&root, "kit-example"), "examples/receiver-express.mjs");
    assert!(kit.text_content().unwrap().contains("(it says “Express”)") && kit.text_content().unwrap().contains("answers 200 to an event it already handled"));
    // Each version's projection, never mixed: figures in words and units, as the CLI prints them.
    assert_eq!(text_of(&root, "projection-v1-bans_per_day"), "Bans (R12) a day27");
    assert_eq!(text_of(&root, "projection-v1-first_try_failures_per_day"), "First-try failures (R11) a day270.2");
    assert_eq!(text_of(&root, "projection-v2-bans_per_day"), "Bans (R12) a day0");
    assert_eq!(text_of(&root, "projection-v2-events_per_day"), "Events a day1440");
    assert_eq!(text_of(&root, "projection-v2-deletion_after_ms"), "Deletion (R13)not deleted: successes keep resetting the 72 h clock");
    assert!(by_testid(&root, "projection-v1-bans_per_day").query_selector("a[href='/rules#r12']").unwrap().is_some());
    assert!(!text_of(&root, "projection-v1").contains("_"), "no raw JSON keys");
    let order: Vec<String> = (0..4).map(|i| root.query_selector_all("[data-testid=projection-v1] dt").unwrap().item(i).unwrap().text_content().unwrap()).collect();
    assert_eq!(order, ["Traffic", "Simulated", "Events a day", "First-try failures (R11) a day"], "the CLI's order");
    // Each projection's scenario re-run by the core's simulator, drawn as its own timeline.
    assert_eq!(root.query_selector_all("[data-testid=report-card] svg").unwrap().length(), 2, "a timeline per version");
    let bans = |k: &str| by_testid(&root, &format!("version-projection-{k}")).query_selector("[data-testid=sum-bans]").unwrap().unwrap().text_content().unwrap().parse::<u64>().unwrap();
    assert_eq!(bans("v2"), 0, "v2 is served: no ban");
    assert!(bans("v1") > 0, "every v1 delivery fails: banned");
}

#[wasm_bindgen_test]
async fn a_projected_deletion_reads_as_a_duration_from_now_never_a_1970_date() {
    let mut json: serde_json::Value = serde_json::from_str(include_str!("fixtures/check-report.json")).unwrap();
    // A receiver that always fails: R13 deletes the webhook 72 h after the first failure.
    json["versions"][1]["projection"]["deletion_after_ms"] = serde_json::json!(259_200_004_i64);
    json["versions"][1]["projection"]["scenario"]["durationMs"] = serde_json::json!(96 * 3_600_000_i64);
    let report = decode_check_report(&json).unwrap();
    let root = fresh_root();
    let _handle = leptos::mount::mount_to(root.clone(), move || leptos::view! { <ReportCard report=report/> });
    settle().await;
    assert_eq!(text_of(&root, "projection-v1-deletion_after_ms"), "Deletion (R13)after 72 h 00 min 00 s from the first event");
    let deleted = by_testid(&root, "version-projection-v1").query_selector("[data-testid=sum-deleted]").unwrap().unwrap().text_content().unwrap();
    assert!(deleted.starts_with("after 72 h"), "{deleted}");
    assert!(!root.text_content().unwrap_or_default().contains("1970"), "times are drawn from now, not from the epoch");
}

#[wasm_bindgen_test]
async fn a_passing_report_points_nowhere() {
    let mut r = report();
    r.verdict = pipedrive_webhooks::receiver_check::Verdict::Pass;
    let root = fresh_root();
    let _handle = leptos::mount::mount_to(root.clone(), move || leptos::view! { <ReportCard report=r/> });
    settle().await;
    assert!(find(&root, "kit-link").is_none());
}
