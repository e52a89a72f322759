//! The Events page (#23) through the DOM on the sandbox: it lists the core's catalog, filters and
//! searches it, shows both versions' example bodies (which decode to their entries, and whose Copy
//! copies Pipedrive's exact text), says when a version has no such event, sends an event to the
//! sandbox's webhooks, and the New webhook form links a chosen pair to its entry.

use pipedrive_webhooks::catalog::{events, example_delivery, ExampleOptions};
use pipedrive_webhooks::payload::decode_delivery;
use pipedrive_webhooks::sandbox::Sandbox;
use pipedrive_webhooks::{EventAction, PayloadVersion};
use pipedrive_webhooks_tests::*;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

/// The events listed, as `event vN` (from each row's test id), in the page's order.
fn listed(root: &Element) -> Vec<String> {
    let items = by_testid(root, "events-list").query_selector_all(":scope > li").unwrap();
    (0..items.length())
        .map(|i| {
            let el: Element = wasm_bindgen::JsCast::unchecked_into(items.item(i).unwrap());
            el.get_attribute("data-testid").unwrap().trim_start_matches("event-").to_string()
        })
        .collect()
}

fn name(event: &str, v: PayloadVersion) -> String {
    format!("{event}-v{}", &v.as_str()[..1])
}

#[wasm_bindgen_test]
async fn the_page_lists_every_catalog_entry_from_the_navigation() {
    let (root, _app) = mount_at("/");
    settle().await;
    click_link(&root, "Events");
    settle().await;
    assert_eq!(location(), "/events");
    assert_eq!(web_sys::window().unwrap().document().unwrap().title(), "Events · pipedrive-webhooks");
    let all = events(None);
    let expected: Vec<String> = all.iter().map(|e| name(&e.event, e.version)).collect();
    assert_eq!(listed(&root), expected, "every entry, in the catalog's order");
    assert_eq!(text_of(&root, "events-count"), format!("{} events", all.len()));
    assert!(find(&root, "events-no-match").is_none());
    assert!(find(&root, "event-detail").is_none(), "nothing open yet");
}

#[wasm_bindgen_test]
async fn filters_and_search_narrow_the_list() {
    let (root, _app) = mount_at("/events");
    settle().await;
    let total = events(None).len();

    choose(&root, "events-object", "lead");
    settle().await;
    let leads: Vec<String> = events(None).iter().filter(|e| e.object == "lead").map(|e| name(&e.event, e.version)).collect();
    assert_eq!(leads.len(), 3, "leads: v2 only");
    assert_eq!(listed(&root), leads);
    assert_eq!(text_of(&root, "events-count"), format!("3 of {total} events"));
    assert!(location().contains("object=lead"), "filters live in the URL: {}", location());

    // Leads have no v1 events: an empty result says so, and Clear filters brings everything back.
    choose(&root, "events-version", "1.0");
    settle().await;
    assert!(listed(&root).is_empty());
    assert_eq!(text_of(&root, "events-no-match"), "No event matches these filters.Clear filters");
    by_testid(&root, "events-no-match").query_selector("button").unwrap().map(|b| wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(b).click());
    settle().await;
    assert_eq!(listed(&root).len(), total);

    choose(&root, "events-version", "1.0");
    settle().await;
    assert_eq!(listed(&root).len(), events(Some(PayloadVersion::V1)).len());
    assert!(listed(&root).iter().all(|e| e.ends_with("-v1")));

    choose(&root, "events-version", "");
    choose(&root, "events-action", "merged");
    settle().await;
    let merged: Vec<String> = events(None).iter().filter(|e| e.action == EventAction::Merged).map(|e| name(&e.event, e.version)).collect();
    assert!(!merged.is_empty());
    assert_eq!(listed(&root), merged);

    // Search reads names, descriptions and notes, case-insensitively.
    choose(&root, "events-action", "");
    type_into(&root, "events-search", "MERGED_FROM_ID");
    settle().await;
    let noted: Vec<String> = events(None).iter().filter(|e| e.notes.iter().any(|n| n.contains("merged_from_id"))).map(|e| name(&e.event, e.version)).collect();
    assert!(!noted.is_empty() && noted.len() < total);
    assert_eq!(listed(&root), noted);
    type_into(&root, "events-search", "project board");
    settle().await;
    assert_eq!(listed(&root), vec!["create.board-v2", "change.board-v2", "delete.board-v2"]);
    type_into(&root, "events-search", "no such event anywhere");
    settle().await;
    assert!(listed(&root).is_empty());
    assert!(find(&root, "events-no-match").is_some());
}

/// Replaces `navigator.clipboard.writeText` with a recorder: what Copy copied is `window.copied`.
fn record_clipboard() {
    js_sys::eval("Object.defineProperty(navigator.clipboard, 'writeText', { configurable: true, value: (t) => { window.copied = t; return Promise.resolve(); } })").unwrap();
}

fn copied() -> String {
    js_sys::Reflect::get(&web_sys::window().unwrap(), &"copied".into()).unwrap().as_string().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn an_entry_shows_both_bodies_that_decode_to_it_and_copies_pipedrives_exact_text() {
    let (root, _app) = mount_at("/events");
    settle().await;
    click(&root, "open-change.deal-v2");
    settle().await;
    assert!(location().contains("event=change.deal&version=2.0"), "{}", location());
    assert_eq!(root.query_selector_all("[data-testid=event-detail]").unwrap().length(), 1);
    let detail = by_testid(&root, "event-detail");
    assert!(detail.text_content().unwrap().contains("A deal was changed."));

    let v2 = text_of(&root, "body-v2");
    let d = decode_delivery(v2.as_bytes()).expect("the v2 body decodes");
    assert_eq!((d.version, d.raw_action.as_str(), d.entity.as_str()), (PayloadVersion::V2, "change", "deal"));
    let v1 = text_of(&root, "body-v1");
    let d = decode_delivery(v1.as_bytes()).expect("the v1 body decodes");
    assert_eq!((d.version, d.raw_action.as_str(), d.entity.as_str()), (PayloadVersion::V1, "updated", "deal"));
    assert!(v2.contains('\n'), "shown indented for reading");

    // Copy copies the exact compact text Pipedrive sends, not the indented one.
    record_clipboard();
    click(&root, "copy-body-v2");
    settle().await;
    assert_eq!(copied(), example_delivery("change.deal", PayloadVersion::V2, &ExampleOptions::default()).unwrap());
    click(&root, "copy-body-v1");
    settle().await;
    assert_eq!(copied(), example_delivery("updated.deal", PayloadVersion::V1, &ExampleOptions::default()).unwrap());
    click(&root, "copy-subscribe-v1");
    settle().await;
    let sub: serde_json::Value = serde_json::from_str(&copied()).expect("the subscription body is JSON");
    assert_eq!((sub["event_action"].as_str(), sub["event_object"].as_str(), sub["version"].as_str()), (Some("updated"), Some("deal"), Some("1.0")), "v1 words: {sub}");
    assert!(sub["subscription_url"].as_str().is_some_and(|u| u.starts_with("https://")));
    assert!(text_of(&root, "subscribe-v2").contains(r#""event_action": "change""#));

    assert_eq!(sub["name"].as_str(), Some("updated.deal to my app"), "name is required by Pipedrive");

    // Each version's notes under its own body, and the rules.
    for (id, event, version) in [("event-notes-v2", "change.deal", PayloadVersion::V2), ("event-notes-v1", "updated.deal", PayloadVersion::V1)] {
        let notes = text_of(&root, id);
        let expected = events(Some(version)).into_iter().find(|e| e.event == event).unwrap().notes;
        assert!(expected.iter().all(|n| notes.contains(n.as_str())), "{event}: {notes}");
    }
    assert!(!text_of(&root, "event-notes-v2").contains("timestamp_micro"), "v1's notes stay in the v1 column");
    let rules = text_of(&root, "event-rules");
    for r in ["R9", "R10", "R12", "R13", "R14", "10 s", "3 s, 30 s and 150 s", "72 h"] {
        assert!(rules.contains(r), "{r} in {rules}");
    }

    // The counterpart opens its own entry.
    click(&root, "counterpart");
    settle().await;
    assert!(location().contains("event=updated.deal&version=1.0"), "{}", location());
    assert_eq!(by_testid(&root, "open-updated.deal-v1").get_attribute("aria-expanded").as_deref(), Some("true"));
    assert_eq!(by_testid(&root, "open-change.deal-v2").get_attribute("aria-expanded").as_deref(), Some("false"));
}

#[wasm_bindgen_test]
async fn a_v2_only_entry_says_there_is_no_v1_body() {
    let (root, _app) = mount_at("/events?event=create.lead&version=2.0");
    settle().await;
    assert_eq!(by_testid(&root, "open-create.lead-v2").get_attribute("aria-expanded").as_deref(), Some("true"), "the URL opens the entry");
    let d = decode_delivery(text_of(&root, "body-v2").as_bytes()).unwrap();
    assert_eq!((d.raw_action.as_str(), d.entity.as_str()), ("create", "lead"));
    assert_eq!(text_of(&root, "body-v1"), "Pipedrive sends no v1.0 version of this event.");
    assert!(find(&root, "copy-body-v1").is_none() && find(&root, "counterpart").is_none());
}

#[wasm_bindgen_test]
async fn send_to_my_receiver_in_the_sandbox_logs_deliveries() {
    let (root, _app) = mount_at("/events?event=change.deal&version=2.0");
    settle().await;
    let expected = Sandbox::seeded(0).account.matching(EventAction::Change, "deal").len();
    assert!(expected > 0, "the seeded company has deal webhooks");
    let logged = || {
        let stored = web_sys::window().unwrap().local_storage().unwrap().unwrap().get_item("pw.sandbox").unwrap().unwrap();
        let s: Sandbox = serde_json::from_str(&stored).unwrap();
        // Each webhook's line names the event in its version's words.
        s.log().filter(|l| l.event == "change.deal" || l.event == "updated.deal").count()
    };
    let before = logged();
    click(&root, "send-event");
    settle().await;
    assert_eq!(text_of(&root, "send-result"), format!("change.deal reached {expected} webhook(s): see Deliveries"));
    assert_eq!(logged(), before + expected, "one first attempt per matching webhook in the sandbox log");
    by_testid(&root, "send-result").query_selector("a").unwrap().map(|a| wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(a).click());
    settle().await;
    assert_eq!(location(), "/deliveries");
    let table = text_of(&root, "deliveries-table");
    assert!(table.matches("change.deal").count() + table.matches("updated.deal").count() >= expected, "{table}");
}

#[wasm_bindgen_test]
async fn the_new_webhook_form_links_a_pair_to_its_entry() {
    let (root, _app) = mount_at("/webhooks/new");
    settle().await;
    choose(&root, "input-event_action", "change");
    choose(&root, "input-event_object", "deal");
    settle().await;
    assert_eq!(by_testid(&root, "event-link").get_attribute("href").as_deref(), Some("/events?event=change.deal&version=2.0"));
    // No entry for a wildcard.
    choose(&root, "input-event_object", "*");
    settle().await;
    assert!(find(&root, "event-link").is_none(), "no link for *");
    // A pair Pipedrive accepts but never sends is said.
    choose(&root, "input-event_action", "delete");
    choose(&root, "input-event_object", "user");
    settle().await;
    assert!(find(&root, "event-link").is_none());
    assert!(text_of(&root, "event-never-sent").contains("Pipedrive never sends it"), "{}", text_of(&root, "event-never-sent"));
    choose(&root, "input-event_action", "change");
    choose(&root, "input-event_object", "person");
    click(&root, "version-1");
    settle().await;
    assert_eq!(text_of(&root, "event-preview"), "updated.person");
    click(&root, "event-link");
    settle().await;
    assert_eq!(location(), "/events?event=updated.person&version=1.0");
    assert_eq!(by_testid(&root, "open-updated.person-v1").get_attribute("aria-expanded").as_deref(), Some("true"));
    let d = decode_delivery(text_of(&root, "body-v1").as_bytes()).unwrap();
    assert_eq!((d.raw_action.as_str(), d.entity.as_str()), ("updated", "person"));
}
