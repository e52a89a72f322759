//! The sync planner: idempotent, own webhooks only, limit-aware (R2, R5, R6).

use pipedrive_webhooks::sync::{plan_sync, SyncError};
use pipedrive_webhooks::wire::RemoteWebhook;
use pipedrive_webhooks::*;

fn remote(id: u64, kind: &str, url: &str, action: &str, object: &str, version: &str) -> RemoteWebhook {
    RemoteWebhook {
        id: Some(id),
        webhook_type: Some(WebhookType::parse(kind)),
        subscription_url: Some(url.into()),
        event_action: Some(action.into()),
        event_object: Some(object.into()),
        version: Some(version.into()),
        user_id: Some(1),
        ..Default::default()
    }
}

fn want(url: &str, action: &str, object: &str) -> NewWebhook {
    NewWebhook::new(url, action, object, "n").with_version("2.0")
}

#[test]
fn keeps_matches_deletes_duplicates_and_leftovers_creates_the_rest() {
    let current = vec![
        remote(1, "application", "https://e.com/a", "change", "deal", "2.0"),
        remote(2, "application", "https://e.com/a", "change", "deal", "2.0"),
        remote(3, "application", "https://e.com/old", "delete", "deal", "2.0"),
        remote(4, "general", "https://e.com/a", "create", "person", "2.0"),
        remote(5, "application", "https://e.com/a", "create", "person", "1.0"),
    ];
    let desired = vec![want("https://e.com/a", "change", "deal"), want("https://e.com/a", "create", "person"), want("https://e.com/a", "change", "deal")];
    let plan = plan_sync(&current, &desired, &Policy::default()).unwrap();
    assert_eq!(plan.keep, vec![1]);
    assert_eq!(plan.delete, vec![2, 3, 5], "duplicate, leftover, other version");
    assert_eq!(plan.untouched, vec![4], "general webhooks are never touched");
    assert_eq!(plan.create.len(), 1);
    assert_eq!(plan.create[0].event_object, "person");
    assert_eq!(plan.create[0].version.as_deref(), Some("2.0"));
}

#[test]
fn a_second_run_after_applying_the_plan_changes_nothing() {
    let desired: Vec<NewWebhook> = (0..5).map(|i| want(&format!("https://e.com/{i}"), "change", "deal")).collect();
    let first = plan_sync(&[], &desired, &Policy::default()).unwrap();
    let applied: Vec<RemoteWebhook> = first
        .create
        .iter()
        .enumerate()
        .map(|(i, n)| remote(i as u64 + 1, "application", &n.subscription_url, &n.event_action, &n.event_object, "2.0"))
        .collect();
    let second = plan_sync(&applied, &desired, &Policy::default()).unwrap();
    assert!(second.create.is_empty() && second.delete.is_empty());
    assert_eq!(second.keep.len(), 5);
}

#[test]
fn r02_refuses_a_plan_over_the_limit_and_reports_invalid_input() {
    let desired: Vec<NewWebhook> = (0..41).map(|i| want(&format!("https://e.com/{i}"), "change", "deal")).collect();
    assert_eq!(plan_sync(&[], &desired, &Policy::default()), Err(SyncError::LimitExceeded { needed: 41, limit: 40, surplus: 0 }));
    assert!(plan_sync(&[], &desired[..40], &Policy::default()).is_ok());
    let bad = vec![want("https://e.com/a", "change", "deal"), want("nope", "change", "deal")];
    assert!(matches!(plan_sync(&[], &bad, &Policy::default()), Err(SyncError::Invalid { index: 1, .. })));
}

#[test]
fn a_changed_basic_auth_password_replaces_the_webhook() {
    let mut have = remote(1, "application", "https://e.com/a", "change", "deal", "2.0");
    have.http_auth_user = Some("pd".into());
    have.http_auth_password = Some("old".into());
    let mut w = want("https://e.com/a", "change", "deal");
    w.http_auth_user = Some("pd".into());
    w.http_auth_password = Some("new".into());
    let plan = plan_sync(&[have], &[w], &Policy::default()).unwrap();
    assert_eq!((plan.delete, plan.create.len()), (vec![1], 1));
}

#[test]
fn spellings_of_one_endpoint_are_one_subscription() {
    // Host case and the scheme's default port do not make another endpoint; a path's case may.
    let desired = vec![want("https://Hooks.Example.com/a", "change", "deal"), want("https://hooks.example.com:443/a", "change", "deal"), want("HTTPS://hooks.example.com/a/", "change", "deal")];
    let plan = plan_sync(&[], &desired, &Policy::default()).unwrap();
    assert_eq!(plan.create.len(), 1, "{:?}", plan.create);
    let other = vec![want("https://hooks.example.com/A", "change", "deal"), want("https://hooks.example.com:8443/a", "change", "deal"), want("http://hooks.example.com/a", "change", "deal")];
    let plan = plan_sync(&[], &[desired, other].concat(), &Policy::default()).unwrap();
    assert_eq!(plan.create.len(), 4, "another path case, port or scheme is another endpoint");
}

#[test]
fn urls_differing_only_by_trailing_slashes_are_one_subscription() {
    // The same key as duplicate detection: a sync must not create what the list then marks a duplicate.
    let desired = vec![want("https://e.com/a", "change", "deal"), want("https://e.com/a/", "change", "deal")];
    let plan = plan_sync(&[], &desired, &Policy::default()).unwrap();
    assert_eq!(plan.create.len(), 1, "two spellings of one URL: one create");
    let current = vec![remote(1, "application", "https://e.com/a/", "change", "deal", "2.0")];
    let plan = plan_sync(&current, &desired[..1], &Policy::default()).unwrap();
    assert_eq!((plan.keep, plan.create.len(), plan.delete), (vec![1], 0, vec![]), "the existing webhook is kept");
}

#[test]
fn r02_past_the_limit_because_of_own_leftovers_says_prune() {
    let current: Vec<RemoteWebhook> = (0..12).map(|i| remote(i + 1, "application", &format!("https://e.com/old/{i}"), "change", "deal", "2.0")).collect();
    let desired: Vec<NewWebhook> = (0..30).map(|i| want(&format!("https://e.com/{i}"), "change", "deal")).collect();
    let err = pipedrive_webhooks::sync::plan_sync_with(&current, &desired, &Policy::default(), false).unwrap_err();
    assert_eq!(err, SyncError::LimitExceeded { needed: 42, limit: 40, surplus: 12 });
    assert!(err.to_string().contains("prune (12 of the app's own webhooks here are not desired)"), "{err}");
    let pruned = pipedrive_webhooks::sync::plan_sync_with(&current, &desired, &Policy::default(), true).unwrap();
    assert_eq!((pruned.create.len(), pruned.delete.len()), (30, 12), "pruning makes room");
}
