//! R1–R8 through the account, one test per rule, with the exact boundaries.

use pipedrive_webhooks::*;

const ADMIN: UserId = 1;
const ANA: UserId = 2;
const BEN: UserId = 3;
const MY_APP: AppId = 100;
const OTHER_APP: AppId = 200;
const READ_ONLY_APP: AppId = 300;

fn company() -> Account {
    let mut a = Account::new(77, Policy::default());
    for (id, name, admin) in [(ADMIN, "Admin", true), (ANA, "Ana", false), (BEN, "Ben", false)] {
        a.add_user(User { id, name: name.into(), is_admin: admin }).unwrap();
    }
    for (id, scopes) in [(MY_APP, vec!["webhooks:full"]), (OTHER_APP, vec!["admin"]), (READ_ONLY_APP, vec!["webhooks:read"])] {
        a.add_app(App { id, name: format!("app {id}"), scopes: scopes.into_iter().map(String::from).collect(), listed: true }).unwrap();
        for user in [ADMIN, ANA, BEN] {
            a.install(id, user).unwrap();
        }
    }
    a
}

fn app(app_id: AppId, user_id: UserId) -> Caller {
    Caller::App { app_id, user_id }
}

fn user(user_id: UserId) -> Caller {
    Caller::User { user_id }
}

fn hook(n: usize) -> NewWebhook {
    NewWebhook::new(&format!("https://example.com/h/{n}"), "change", "deal", &format!("hook {n}")).with_version("2.0")
}

#[test]
fn r01_apps_need_webhooks_full_or_admin_to_create_and_read_scope_to_list() {
    let mut a = company();
    let err = a.create(&app(READ_ONLY_APP, ANA), &hook(1), 0).unwrap_err();
    assert_eq!(err.status(), 403);
    assert!(matches!(&err, ApiError::Forbidden { missing_scope: Some(s), .. } if s == "webhooks:full"), "{err:?}");
    assert!(a.list(&app(READ_ONLY_APP, ANA)).is_ok(), "webhooks:read lists");
    assert!(a.create(&app(OTHER_APP, ANA), &hook(1), 0).is_ok(), "admin scope creates");
    assert!(a.create(&app(MY_APP, ANA), &hook(1), 0).is_ok(), "webhooks:full creates");
}

#[test]
fn r01_unknown_or_uninstalled_callers_are_unauthorized() {
    let mut a = company();
    assert_eq!(a.list(&user(999)).unwrap_err(), ApiError::Unauthorized);
    assert_eq!(a.list(&app(999, ANA)).unwrap_err(), ApiError::Unauthorized);
    a.uninstall(MY_APP, ANA, 0);
    assert_eq!(a.create(&app(MY_APP, ANA), &hook(1), 0).unwrap_err().status(), 401);
}

#[test]
fn r02_the_40th_app_webhook_is_created_and_the_41st_refused_with_422() {
    let mut a = company();
    let me = app(MY_APP, ANA);
    for n in 1..=40 {
        a.create(&me, &hook(n), n as Millis).unwrap_or_else(|e| panic!("create {n}: {e}"));
    }
    assert_eq!(a.quota(&me), Quota { used: 40, limit: 40 });
    let err = a.create(&me, &hook(41), 41).unwrap_err();
    assert_eq!((err.status(), err.code()), (422, "LIMIT_REACHED"));
    // Counted per (app, user): the same app for another user, and another app for Ana, still have room.
    assert!(a.create(&app(MY_APP, BEN), &hook(41), 41).is_ok());
    assert!(a.create(&app(OTHER_APP, ANA), &hook(41), 41).is_ok());
    // A deleted webhook frees its slot.
    let first = a.list(&me).unwrap()[0].webhook.id;
    a.delete(&me, first, 50).unwrap();
    assert!(a.create(&me, &hook(42), 51).is_ok());
    assert_eq!(a.create(&me, &hook(43), 52).unwrap_err().status(), 422);
}

#[test]
fn r02_general_webhooks_count_40_per_user() {
    let mut a = company();
    for n in 1..=40 {
        a.create(&user(BEN), &hook(n), 0).unwrap();
    }
    assert_eq!(a.create(&user(BEN), &hook(41), 0).unwrap_err().status(), 422);
    // App webhooks for Ben are a separate count.
    assert!(a.create(&app(MY_APP, BEN), &hook(41), 0).is_ok());
}

#[test]
fn r02_validation_comes_before_the_limit_and_ids_only_increase() {
    let mut a = company();
    let me = app(MY_APP, ANA);
    let w1 = a.create(&me, &hook(1), 0).unwrap();
    a.delete(&me, w1.id, 1).unwrap();
    let w2 = a.create(&me, &hook(2), 2).unwrap();
    assert!(w2.id > w1.id, "deleted ids are not reused");
    let bad = NewWebhook::new("not a url", "change", "deal", "x").with_version("2.0");
    let err = a.create(&me, &bad, 3).unwrap_err();
    assert_eq!((err.status(), err.field()), (400, Some("subscription_url")));
    let mut unknown_user = hook(3);
    unknown_user.user_id = Some(4242);
    assert_eq!(a.create(&me, &unknown_user, 3).unwrap_err().field(), Some("user_id"));
}

#[test]
fn r03_types_follow_the_creator_and_unknown_types_are_kept() {
    let mut a = company();
    assert_eq!(a.create(&app(MY_APP, ANA), &hook(1), 0).unwrap().webhook_type, WebhookType::Application);
    assert_eq!(a.create(&user(ANA), &hook(2), 0).unwrap().webhook_type, WebhookType::General);
    let mut odd = Webhook::example();
    odd.id = 500;
    odd.app_id = None;
    odd.owner_id = ANA;
    odd.webhook_type = WebhookType::parse("partner_sync");
    a.insert_existing(odd, DeliveryState::default()).unwrap();
    let json = serde_json::to_string(&a).unwrap();
    let back: Account = serde_json::from_str(&json).unwrap();
    assert_eq!(back.entry(500).unwrap().webhook.webhook_type.as_str(), "partner_sync");
    assert_eq!(back, a, "the account survives a serde round trip");
}

#[test]
fn r04_r05_an_app_lists_its_users_general_webhooks_and_only_its_own_app_webhooks() {
    let mut a = company();
    let mine = a.create(&app(MY_APP, ANA), &hook(1), 0).unwrap().id;
    let mine_for_ben = a.create(&app(MY_APP, BEN), &hook(2), 0).unwrap().id;
    let theirs = a.create(&app(OTHER_APP, ANA), &hook(3), 0).unwrap().id;
    let anas_general = a.create(&user(ANA), &hook(4), 0).unwrap().id;
    let bens_general = a.create(&user(BEN), &hook(5), 0).unwrap().id;
    let ids = |c: Caller| a.list(&c).unwrap().iter().map(|e| e.webhook.id).collect::<Vec<_>>();
    assert_eq!(ids(app(MY_APP, ANA)), vec![mine, anas_general]);
    assert_eq!(ids(app(OTHER_APP, ANA)), vec![theirs, anas_general]);
    // R4: users never see app webhooks; admins see every user's general ones.
    assert_eq!(ids(user(ANA)), vec![anas_general]);
    assert_eq!(ids(user(ADMIN)), vec![anas_general, bens_general]);
    assert!(!ids(user(ADMIN)).contains(&mine_for_ben));
}

#[test]
fn r06_only_the_creating_app_deletes_its_webhooks() {
    let mut a = company();
    let w = a.create(&app(MY_APP, ANA), &hook(1), 0).unwrap().id;
    for caller in [app(OTHER_APP, ANA), user(ANA), user(ADMIN)] {
        let err = a.delete(&caller, w, 1).unwrap_err();
        assert_eq!(err.status(), 403, "{caller:?}");
        assert_eq!(err.body(), serde_json::json!({"success": false, "message": "Forbidden"}));
    }
    assert_eq!(a.delete(&app(MY_APP, ANA), 9999, 1).unwrap_err().status(), 404);
    assert_eq!(a.delete(&app(MY_APP, ANA), w, 1).unwrap().id, w);
    assert_eq!(a.delete(&app(MY_APP, ANA), w, 2).unwrap_err().status(), 404, "gone after delete");
}

/// One rule for listing and deleting (R5, R6): the app acting for Ben neither lists nor deletes
/// the webhook it made for Ana, and the 403 says why. Every caller, every webhook: what a caller
/// may delete, it may see, and only then may it reveal the password.
#[test]
fn r05_r06_a_caller_deletes_only_what_it_may_list() {
    let mut a = company();
    let for_ana = a.create(&app(MY_APP, ANA), &hook(1), 0).unwrap().id;
    assert!(a.list(&app(MY_APP, BEN)).unwrap().iter().all(|e| e.webhook.id != for_ana), "not listed for Ben");
    let err = a.delete(&app(MY_APP, BEN), for_ana, 1).unwrap_err();
    assert_eq!(err.status(), 403);
    assert!(err.to_string().contains("another user"), "{err}");
    assert!(a.entry(for_ana).is_some(), "nothing deleted");
    a.create(&user(BEN), &hook(2), 0).unwrap();
    a.create(&app(OTHER_APP, ADMIN), &hook(3), 0).unwrap();
    let callers: Vec<Caller> = [MY_APP, OTHER_APP, READ_ONLY_APP].iter().flat_map(|&ap| [ADMIN, ANA, BEN].map(|u| app(ap, u))).chain([ADMIN, ANA, BEN].map(user)).collect();
    for c in &callers {
        let admin = a.is_admin(c);
        for e in a.entries() {
            let seen = may_see(c, admin, &e.webhook);
            if may_delete(c, admin, &e.webhook).is_ok() {
                assert!(seen, "{c:?} may delete #{} without seeing it", e.webhook.id);
            }
            assert_eq!(permission::may_reveal(c, admin, &e.webhook), seen);
        }
    }
}

#[test]
fn r06_users_delete_their_general_webhooks_admins_anyones_apps_none() {
    let mut a = company();
    let anas = a.create(&user(ANA), &hook(1), 0).unwrap().id;
    let bens = a.create(&user(BEN), &hook(2), 0).unwrap().id;
    assert_eq!(a.delete(&app(MY_APP, ANA), anas, 1).unwrap_err().status(), 403);
    assert_eq!(a.delete(&user(BEN), anas, 1).unwrap_err().status(), 403);
    assert!(a.delete(&user(ANA), anas, 1).is_ok());
    assert!(a.delete(&user(ADMIN), bens, 1).is_ok());
    let mut auto = Webhook::example();
    auto.id = 900;
    auto.app_id = None;
    auto.owner_id = ANA;
    auto.webhook_type = WebhookType::Automation;
    a.insert_existing(auto, DeliveryState::default()).unwrap();
    assert_eq!(a.delete(&user(ADMIN), 900, 1).unwrap_err().status(), 403, "automation is read-only");
}

#[test]
fn r07_uninstall_removes_the_apps_webhooks_for_that_user_only() {
    let mut a = company();
    let anas: Vec<_> = (1..=3).map(|n| a.create(&app(MY_APP, ANA), &hook(n), 0).unwrap().id).collect();
    let bens = a.create(&app(MY_APP, BEN), &hook(4), 0).unwrap().id;
    let other = a.create(&app(OTHER_APP, ANA), &hook(5), 0).unwrap().id;
    let general = a.create(&user(ANA), &hook(6), 0).unwrap().id;
    let mut removed = a.uninstall(MY_APP, ANA, 10);
    removed.sort();
    assert_eq!(removed, anas);
    for id in [bens, other, general] {
        assert!(a.entry(id).is_some(), "{id} stays");
    }
    assert!(a.removed().all(|r| r.reason == RemovalReason::AppUninstalled && r.at == 10));
}

#[test]
fn r08_removing_the_app_from_the_marketplace_removes_it_everywhere() {
    let mut a = company();
    a.create(&app(MY_APP, ANA), &hook(1), 0).unwrap();
    a.create(&app(MY_APP, BEN), &hook(2), 0).unwrap();
    let other = a.create(&app(OTHER_APP, BEN), &hook(3), 0).unwrap().id;
    assert_eq!(a.remove_app(MY_APP, 5).len(), 2);
    assert!(a.entries().all(|e| e.webhook.app_id != Some(MY_APP)));
    assert!(a.entry(other).is_some());
    assert_eq!(a.list(&app(MY_APP, ANA)).unwrap_err(), ApiError::Unauthorized, "its tokens stop working");
    assert!(a.install(MY_APP, ANA).is_err(), "it cannot be installed again");
}

#[test]
fn r13_the_account_removes_a_webhook_failing_for_72h() {
    let mut a = company();
    let id = a.create(&app(MY_APP, ANA), &hook(1), 0).unwrap().id;
    assert_eq!(a.admit(id, 0).unwrap().0, Admission::Send);
    let out = a.attempt_ended(id, 1, 0, Response::NoAnswer).unwrap();
    assert_eq!(out.end, 10_000);
    assert!(a.tick(10_000 + 72 * HOUR - 1).is_empty());
    let ticked = a.tick(10_000 + 72 * HOUR);
    assert_eq!(ticked, vec![(id, TickOutcome { ban_ended_at: None, deleted_at: Some(10_000 + 72 * HOUR) })]);
    assert!(a.entry(id).is_none());
    assert_eq!(a.removed().last().unwrap().reason, RemovalReason::NoSuccessFor72h);
    assert!(a.admit(id, 0).is_none());
}

#[test]
fn events_reach_matching_webhooks_in_either_version() {
    let mut a = company();
    let v1 = NewWebhook::new("https://e.com/1", "updated", "deal", "v1").with_version("1.0");
    let any = NewWebhook::new("https://e.com/2", "*", "*", "all").with_version("2.0");
    let person = NewWebhook::new("https://e.com/3", "change", "person", "p").with_version("2.0");
    let ids: Vec<_> = [v1, any, person].iter().map(|w| a.create(&user(ANA), w, 0).unwrap().id).collect();
    assert_eq!(a.matching(EventAction::Change, "deal"), vec![ids[0], ids[1]]);
    assert_eq!(a.matching(EventAction::Delete, "deal"), vec![ids[1]]);
    assert_eq!(a.matching(EventAction::Updated, "person"), vec![ids[1], ids[2]]);
}
