//! The what-if simulator page in headless Chromium (R11, R12), and its scenario in the URL.

use pipedrive_webhooks::sandbox::Sandbox;
use pipedrive_webhooks::{Millis, Policy, HOUR, MINUTE};
use pipedrive_webhooks_tests::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The sandbox clock the page simulates from.
const T0: Millis = 1_767_225_600_000;

fn mount(path: &str, fresh: bool) -> (web_sys::HtmlElement, impl Drop) {
    if fresh {
        fresh_start(path);
        store("pw.sandbox", &serde_json::to_string(&Sandbox::seeded(T0)).unwrap());
    }
    remount_at(path)
}

/// The time axis' labels, left to right.
fn axis_labels(root: &web_sys::Element) -> Vec<String> {
    let ticks = root.query_selector_all("[data-testid=axis-tick]").unwrap();
    (0..ticks.length()).map(|i| ticks.item(i).unwrap().text_content().unwrap().trim().to_string()).collect()
}

fn ban_starts(root: &web_sys::Element) -> Vec<Millis> {
    let rects = root.query_selector_all("[data-testid^=\"ban-\"]").unwrap();
    (0..rects.length()).map(|i| rects.item(i).unwrap().unchecked_into::<web_sys::Element>().get_attribute("data-from").unwrap().parse().unwrap()).collect()
}

#[wasm_bindgen_test]
async fn r12_a_dead_endpoint_at_one_event_a_minute_is_banned_when_the_policy_says() {
    let (root, _app) = mount("/simulator?preset=dead&rate=60&hours=2", true);
    settle().await;
    // Expected from the policy: a refused connection fails 1 ms after it starts; the threshold-th
    // failure starts a ban of ban_duration; the first event at or after its end starts counting again.
    let p = Policy::default();
    let mut expected = Vec::new();
    let mut next = 0;
    loop {
        let tenth = next + (p.ban_threshold as Millis - 1) * MINUTE;
        if tenth >= 2 * HOUR {
            break;
        }
        expected.push(T0 + tenth + 1);
        let end = tenth + 1 + p.ban_duration_ms;
        next = (end + MINUTE - 1) / MINUTE * MINUTE;
    }
    assert_eq!(ban_starts(&root), expected);
    assert_eq!(text_of(&root, "sum-bans"), expected.len().to_string());
    assert_eq!(text_of(&root, "sum-events"), "120");
    assert_eq!(text_of(&root, "sum-first"), "0");
    // The ban's box sits where it happens on the 2-hour axis (24 px padding, 912 px wide), to a
    // tenth of a pixel: from 9 min + 1 ms, 30 min wide.
    let ban = by_testid(&root, "ban-0");
    assert_eq!(ban.get_attribute("x").as_deref(), Some("92.4"));
    assert_eq!(ban.get_attribute("width").as_deref(), Some("228.0"));
    // Focusing a ban says which rule acts there.
    by_testid(&root, "ban-0").unchecked_into::<web_sys::SvgElement>().focus().unwrap();
    settle().await;
    assert!(text_of(&root, "chart-readout").starts_with("R12: banned from"), "{}", text_of(&root, "chart-readout"));
}

#[wasm_bindgen_test]
async fn a_healthy_endpoint_and_a_short_outage_are_never_banned() {
    let (root, _app) = mount("/simulator?preset=healthy&rate=60&hours=24", true);
    settle().await;
    assert!(ban_starts(&root).is_empty());
    assert_eq!((text_of(&root, "sum-bans"), text_of(&root, "sum-first")), ("0".to_string(), "1440".to_string()));
    // The time axis: every 3 hours over 24.
    assert_eq!(axis_labels(&root), ["0", "3 h", "6 h", "9 h", "12 h", "15 h", "18 h", "21 h"]);
    drop(_app);
    // Over 72 hours every 12: labels stay in hours, never rounded to the same day.
    let (root, _app) = mount("/simulator?preset=healthy&rate=60&hours=72", false);
    settle().await;
    assert_eq!(axis_labels(&root), ["0", "12 h", "24 h", "36 h", "48 h", "60 h"]);
    drop(_app);
    // One event an hour, an outage from hour 1 to hour 5: 4 failed events, fewer than 10 (R11/R12).
    let (root, _app) = mount("/simulator?preset=outage&from=1&to=5&rate=1&hours=24", false);
    settle().await;
    assert!(ban_starts(&root).is_empty());
    assert_eq!(text_of(&root, "sum-bans"), "0");
    assert_eq!(text_of(&root, "sum-failed"), "4");
}

#[wasm_bindgen_test]
async fn the_scenario_round_trips_through_the_url() {
    let (root, _app) = mount("/simulator", true);
    settle().await;
    choose(&root, "sim-preset", "flaky");
    settle().await;
    type_into(&root, "sim-pct", "35");
    choose(&root, "sim-rate", "600");
    choose(&root, "sim-hours", "72");
    settle().await;
    let url = location();
    assert_eq!(url, "/simulator?preset=flaky&pct=35&from=1&to=2&rate=600&hours=72");
    let bans = ban_starts(&root);
    let summary = text_of(&root, "sim-summary");
    drop(_app);
    let (root, _app) = mount(&url, false);
    settle().await;
    assert_eq!(by_testid(&root, "sim-preset").unchecked_into::<web_sys::HtmlSelectElement>().value(), "flaky");
    assert_eq!(input_value(&root, "sim-pct"), "35");
    assert_eq!(text_of(&root, "sim-summary"), summary, "the same scenario, the same result (seeded)");
    assert_eq!(ban_starts(&root), bans);
}

#[wasm_bindgen_test]
async fn simulate_this_webhook_prefills_from_its_sandbox_endpoint() {
    let (root, _app) = mount("/simulator?webhook=121", true);
    settle().await;
    assert_eq!(by_testid(&root, "sim-preset").unchecked_into::<web_sys::HtmlSelectElement>().value(), "flaky");
    assert_eq!(input_value(&root, "sim-pct"), "50");
    drop(_app);
    let (root, _app) = mount("/simulator?webhook=119", false);
    settle().await;
    assert_eq!(by_testid(&root, "sim-preset").unchecked_into::<web_sys::HtmlSelectElement>().value(), "dead");
    assert!(!ban_starts(&root).is_empty());
}

#[wasm_bindgen_test]
async fn bursts_of_ten_an_hour_ban_a_dead_endpoint_once_an_hour() {
    let (root, _app) = mount("/simulator?preset=dead&rate=10&burst=1&hours=2", true);
    settle().await;
    // Ten events 1 s apart at the top of each hour: the 10th failure (9 s + 1 ms) starts a ban (R12).
    assert_eq!(ban_starts(&root), vec![T0 + 9_001, T0 + HOUR + 9_001]);
    assert_eq!(by_testid(&root, "sim-burst").unchecked_into::<web_sys::HtmlSelectElement>().value(), "1");
}
