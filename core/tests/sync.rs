//! The sync planner: idempotent, own webhooks only, limit-aware (R2, R5, R6).

use pipedrive_webhooks::desired::DesiredWebhook;
use pipedrive_webhooks::sync::{plan_sync, plan_sync_with, PlanAction, SyncError};
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

fn entries(ws: &[NewWebhook]) -> Vec<DesiredWebhook> {
    ws.iter().cloned().map(DesiredWebhook::new).collect()
}

/// An application webhook as a 2026 Pipedrive lists it when it has Basic auth: ciphertext.
fn with_ciphertext(mut w: RemoteWebhook) -> RemoteWebhook {
    let id = w.id.unwrap();
    w.http_auth_user = Some(wire::opaque_credential(id, 'u'));
    w.http_auth_password = Some(wire::opaque_credential(id, 'p'));
    w
}

#[test]
fn pruning_keeps_matches_deletes_duplicates_and_leftovers_creates_the_rest() {
    let current = vec![
        remote(1, "application", "https://e.com/a", "change", "deal", "2.0"),
        remote(2, "application", "https://e.com/a", "change", "deal", "2.0"),
        remote(3, "application", "https://e.com/old", "delete", "deal", "2.0"),
        remote(4, "general", "https://e.com/a", "create", "person", "2.0"),
        remote(5, "application", "https://e.com/a", "create", "person", "1.0"),
    ];
    let desired = vec![want("https://e.com/a", "change", "deal"), want("https://e.com/a", "create", "person"), want("https://e.com/a", "change", "deal")];
    let plan = plan_sync_with(&current, &entries(&desired), &Policy::default(), true).unwrap();
    assert_eq!(plan.keep, vec![1]);
    assert_eq!(plan.delete, vec![2, 3, 5], "pruning: duplicate, leftover, other version");
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
    let err = plan_sync(&[], &desired, &Policy::default()).unwrap_err();
    assert_eq!(err, SyncError::LimitExceeded { needed: 41, limit: 40, surplus: 0, desired: 41 });
    assert!(err.to_string().contains("more than 40 distinct subscriptions, but an app may have 40 webhooks per user (R2), pruned or not: desire at most 40"), "{err}");
    // 100,000 entries are refused at the 41st distinct one, without scanning them all against each other.
    let huge: Vec<DesiredWebhook> = (0..100_000).map(|i| DesiredWebhook::new(want(&format!("https://e.com/{i}"), "change", "deal"))).collect();
    assert!(matches!(plan_sync_with(&[], &huge, &Policy::default(), true), Err(SyncError::LimitExceeded { desired: 41, .. })));
    assert!(plan_sync(&[], &desired[..40], &Policy::default()).is_ok());
    let bad = vec![want("https://e.com/a", "change", "deal"), want("nope", "change", "deal")];
    assert!(matches!(plan_sync(&[], &bad, &Policy::default()), Err(SyncError::Invalid { index: 1, .. })));
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
    let err = plan_sync_with(&current, &entries(&desired), &Policy::default(), false).unwrap_err();
    assert_eq!(err, SyncError::LimitExceeded { needed: 42, limit: 40, surplus: 12, desired: 30 });
    assert!(err.to_string().contains("prune (12 of the app's own webhooks here are not desired)"), "{err}");
    let pruned = plan_sync_with(&current, &entries(&desired), &Policy::default(), true).unwrap();
    assert_eq!((pruned.create.len(), pruned.delete.len()), (30, 12), "pruning makes room");
}

/// Issue #21: Pipedrive returns credentials as ciphertext. In every combination the plan keeps the
/// webhook (no duplicate, no delete-and-create on every run), unless the entry asks with
/// `replace_credentials`, and then says why.
#[test]
fn r14_plans_over_ciphertext_credentials_keep_the_webhook_in_every_combination() {
    let base = || want("https://e.com/a", "change", "deal");
    let auth = |user: &str, password: &str| {
        let mut w = base();
        w.http_auth_user = Some(user.into());
        w.http_auth_password = Some(password.into());
        w
    };
    let listed_with = with_ciphertext(remote(7, "application", "https://e.com/a", "change", "deal", "2.0"));
    let listed_without = remote(7, "application", "https://e.com/a", "change", "deal", "2.0");
    let desired_sets = [("no auth", base()), ("same user and password", auth("pd", "s3cret")), ("changed user", auth("other", "s3cret")), ("changed password", auth("pd", "new"))];
    for listed in [&listed_with, &listed_without] {
        for (what, d) in &desired_sets {
            for prune in [false, true] {
                let plan = plan_sync_with(std::slice::from_ref(listed), &[DesiredWebhook::new(d.clone())], &Policy::default(), prune).unwrap();
                assert_eq!((plan.keep.clone(), plan.delete.clone(), plan.create.len()), (vec![7], vec![], 0), "{what}, listed auth {:?}, prune {prune}", listed.http_auth_user.is_some());
                assert!(plan.in_sync(), "{what}");
            }
            // Asked explicitly: replaced, prune or not, with the reason.
            for prune in [false, true] {
                let entry = DesiredWebhook { webhook: d.clone(), replace_credentials: true };
                let plan = plan_sync_with(std::slice::from_ref(listed), &[entry], &Policy::default(), prune).unwrap();
                assert_eq!((plan.delete.clone(), plan.create.len()), (vec![7], 1), "{what}");
                let reasons: Vec<_> = plan.steps.iter().map(|s| s.reason.clone()).collect();
                assert!(reasons.iter().any(|r| r.contains("replace_credentials")), "{reasons:?}");
                assert_eq!(plan.create[0].http_auth_password, d.http_auth_password, "created with the desired credentials");
            }
        }
    }
}

/// Issue #21: a plan that knows of a duplicate of a desired entry is not in sync (without prune it
/// keeps it, and says to prune or delete it).
#[test]
fn a_duplicate_of_a_desired_webhook_is_never_in_sync() {
    let current = vec![
        with_ciphertext(remote(1, "application", "https://e.com/a", "change", "deal", "2.0")),
        remote(2, "application", "https://e.com/a/", "change", "deal", "2.0"),
        remote(3, "application", "https://e.com/other", "change", "deal", "2.0"),
    ];
    let plan = plan_sync(&current, &[want("https://e.com/a", "change", "deal")], &Policy::default()).unwrap();
    assert_eq!((plan.keep.clone(), plan.surplus.clone(), plan.duplicates.clone()), (vec![1], vec![2, 3], vec![2]));
    assert!(!plan.in_sync(), "a duplicate left in place: every event arrives twice");
    let dup = plan.steps.iter().find(|s| s.id == Some(2)).unwrap();
    assert_eq!(dup.action, PlanAction::Surplus);
    assert!(dup.reason.contains("a duplicate of #1") && dup.reason.contains("prune, or delete it"), "{}", dup.reason);
    let pruned = plan_sync_with(&current, &entries(&[want("https://e.com/a", "change", "deal")]), &Policy::default(), true).unwrap();
    assert_eq!((pruned.delete.clone(), pruned.duplicates.clone()), (vec![2, 3], vec![]));
    // A leftover that duplicates nothing desired does not stop "in sync" without prune.
    let plan = plan_sync(&current[..1].iter().cloned().chain([current[2].clone()]).collect::<Vec<_>>(), &[want("https://e.com/a", "change", "deal")], &Policy::default()).unwrap();
    assert!(plan.in_sync());
}

#[test]
fn a_large_desired_set_plans_in_one_pass() {
    // Deduplication by a set: 1,000 copies of one subscription plan to one create (the old
    // quadratic scan took over 60 s for 100k entries).
    let desired: Vec<NewWebhook> = (0..1_000).map(|_| want("https://e.com/a", "change", "deal")).collect();
    let plan = plan_sync(&[], &desired, &Policy::default()).unwrap();
    assert_eq!(plan.create.len(), 1);
}
