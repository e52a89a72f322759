//! Model-based property tests: random operation sequences never break a rule; decoders never panic.

use pipedrive_webhooks::payload::decode_delivery;
use pipedrive_webhooks::simulator::{simulate, Endpoint, Scenario, SimWebhook, Traffic};
use pipedrive_webhooks::wire::{decode_create, decode_delete, decode_error, decode_list, normalize_base_url, HttpResponse};
use pipedrive_webhooks::*;
use proptest::prelude::*;
use std::collections::HashMap;

const USERS: u64 = 3;
const APPS: u64 = 2;

#[derive(Debug, Clone)]
enum Op {
    Create { caller: Caller, n: u8 },
    Delete { caller: Caller, pick: usize },
    Uninstall { app: u64, user: u64 },
    Install { app: u64, user: u64 },
    RemoveApp { app: u64 },
}

fn caller() -> impl Strategy<Value = Caller> {
    prop_oneof![
        (1..=USERS).prop_map(|user_id| Caller::User { user_id }),
        (1..=APPS, 1..=USERS).prop_map(|(app_id, user_id)| Caller::App { app_id, user_id }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (caller(), any::<u8>()).prop_map(|(caller, n)| Op::Create { caller, n }),
        3 => (caller(), any::<usize>()).prop_map(|(caller, pick)| Op::Delete { caller, pick }),
        1 => (1..=APPS, 1..=USERS).prop_map(|(app, user)| Op::Uninstall { app, user }),
        1 => (1..=APPS, 1..=USERS).prop_map(|(app, user)| Op::Install { app, user }),
        1 => (1..=APPS).prop_map(|app| Op::RemoveApp { app }),
    ]
}

fn company() -> Account {
    // A small limit makes the boundary easy to reach.
    let mut a = Account::new(1, Policy { max_app_webhooks_per_user: 4, max_general_webhooks_per_user: 3, ..Policy::default() });
    for id in 1..=USERS {
        a.add_user(User { id, name: format!("u{id}"), is_admin: id == 1 }).unwrap();
    }
    for id in 1..=APPS {
        a.add_app(App { id, name: format!("a{id}"), scopes: vec!["webhooks:full".into()], listed: true }).unwrap();
        for u in 1..=USERS {
            a.install(id, u).unwrap();
        }
    }
    a
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn account_sequences_keep_every_rule(ops in prop::collection::vec(op(), 1..120)) {
        let mut a = company();
        let mut last_id = 0;
        for (t, op) in ops.into_iter().enumerate() {
            let now = t as Millis;
            match op {
                Op::Create { caller, n } => {
                    let input = NewWebhook::new(&format!("https://e.com/{n}"), "change", "deal", "n").with_version("2.0");
                    let before = a.quota(&caller);
                    match a.create(&caller, &input, now) {
                        Ok(w) => {
                            prop_assert!(w.id > last_id, "ids only increase");
                            last_id = w.id;
                            prop_assert!(before.used < before.limit);
                        }
                        Err(ApiError::LimitReached { .. }) => prop_assert_eq!(before.used, before.limit),
                        Err(ApiError::Unauthorized) => prop_assert!(a.authenticate(&caller).is_err()),
                        Err(e) => prop_assert!(false, "unexpected {e:?}"),
                    }
                }
                Op::Delete { caller, pick } => {
                    let ids: Vec<WebhookId> = a.entries().map(|e| e.webhook.id).collect();
                    if ids.is_empty() { continue; }
                    let id = ids[pick % ids.len()];
                    let w = a.entry(id).unwrap().webhook.clone();
                    let allowed = a.authenticate(&caller).is_ok() && may_delete(&caller, a.is_admin(&caller), &w).is_ok();
                    prop_assert_eq!(a.delete(&caller, id, now).is_ok(), allowed, "R6 for {:?} on {:?}", caller, w);
                }
                Op::Uninstall { app, user } => {
                    a.uninstall(app, user, now);
                    prop_assert!(a.entries().all(|e| !(e.webhook.app_id == Some(app) && e.webhook.owner_id == user)), "R7 leaves no orphan");
                }
                Op::Install { app, user } => { let _ = a.install(app, user); }
                Op::RemoveApp { app } => {
                    a.remove_app(app, now);
                    prop_assert!(a.entries().all(|e| e.webhook.app_id != Some(app)), "R8 leaves no orphan");
                }
            }
            // R2 holds after every step.
            let mut per_app_user: HashMap<(AppId, UserId), u32> = HashMap::new();
            let mut per_user: HashMap<UserId, u32> = HashMap::new();
            for e in a.entries() {
                match e.webhook.webhook_type {
                    WebhookType::Application => *per_app_user.entry((e.webhook.app_id.unwrap(), e.webhook.owner_id)).or_default() += 1,
                    _ => *per_user.entry(e.webhook.owner_id).or_default() += 1,
                }
                // An app webhook exists only while its app is installed for its user (R7, R8).
                if let Some(app) = e.webhook.app_id {
                    prop_assert!(a.is_installed(app, e.webhook.owner_id));
                }
            }
            prop_assert!(per_app_user.values().all(|&n| n <= a.policy.max_app_webhooks_per_user));
            prop_assert!(per_user.values().all(|&n| n <= a.policy.max_general_webhooks_per_user));
        }
    }

    #[test]
    fn delivery_machine_never_sends_while_banned_and_never_counts_retries(
        steps in prop::collection::vec((0i64..120_000, 1u8..=4, prop_oneof![
            (100u16..600, 0i64..20_000).prop_map(|(code, after_ms)| Response::Status { code, after_ms }),
            Just(Response::NoAnswer),
            (0i64..20_000).prop_map(|after_ms| Response::Refused { after_ms }),
        ]), 1..300)
    ) {
        let p = Policy::default();
        let mut d = DeliveryState::default();
        let mut now = 0;
        for (gap, attempt, response) in steps {
            now += gap;
            let banned_before = d.banned_until.filter(|&u| u > now);
            let (admission, _) = d.admit(&p, now);
            if let Some(until) = banned_before {
                if d.deleted_at.is_none() {
                    prop_assert_eq!(admission, Admission::Lost { banned_until: until });
                }
            }
            if admission != Admission::Send { continue; }
            let counter_before = d.ban_counter;
            let out = d.attempt_ended(&p, attempt, now, response);
            prop_assert!(out.end >= now && out.end <= now + p.timeout_ms);
            prop_assert_eq!(out.success, matches!(out.status, Some(200..=299)));
            if out.counted {
                prop_assert_eq!(attempt, 1, "only first attempts count (R11)");
                prop_assert_eq!(d.ban_counter, counter_before + 1);
            } else if out.tick == TickOutcome::default() {
                prop_assert_eq!(d.ban_counter, counter_before);
            }
            prop_assert!(d.ban_counter <= p.ban_threshold);
            prop_assert_eq!(d.banned_until.is_some(), d.ban_counter == p.ban_threshold && d.deleted_at.is_none());
            now = out.end;
        }
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400), status in 0u16..1000) {
        let _ = decode_delivery(&bytes);
        let headers = vec![("retry-after".to_string(), String::from_utf8_lossy(&bytes).into_owned())];
        let r = HttpResponse { status, headers: &headers, body: &bytes };
        let _ = decode_list(&r);
        let _ = decode_create(&r);
        let _ = decode_delete(&r);
        let e = decode_error(&r, 0);
        let _ = (e.to_string(), e.body(), e.code());
    }

    #[test]
    fn text_inputs_never_panic(s in ".{0,300}", t in "\\PC{0,40}") {
        let _ = time::parse_time(&s);
        let _ = normalize_base_url(&s);
        let mut input = NewWebhook::new(&s, &t, &t, &s);
        input.version = Some(t.clone());
        input.http_auth_user = Some(t.clone());
        input.http_auth_password = Some(s.clone());
        let _ = validate(&input, &Policy::default());
        let json_like = format!("{{\"meta\":{{\"action\":{:?},\"entity\":{:?},\"id\":{:?},\"version\":\"2.0\",\"timestamp\":{:?}}}}}", t, t, s, s);
        let _ = decode_delivery(json_like.as_bytes());
    }

    #[test]
    fn simulated_outcomes_always_add_up(
        rate in 0.0f64..1.0, slow in 0.0f64..0.5, interval in 1i64..600_000, hours in 1i64..100, seed in any::<u64>(),
        outage in prop::option::of((0i64..100 * HOUR, 0i64..10 * HOUR)),
    ) {
        let mut endpoint = Endpoint { failure_rate: rate * (1.0 - slow), slow_rate: slow, ..Endpoint::healthy() };
        if let Some((from, len)) = outage { endpoint = endpoint.with_outage(from, from + len); }
        let r = simulate(&Scenario {
            policy: Policy::default(), start: 0, duration_ms: hours * HOUR, seed,
            webhooks: vec![SimWebhook { endpoint, traffic: Traffic::Every { interval_ms: interval.max(10_000) }, max_events: None }],
            timeline: true,
        });
        let s = r.summary;
        prop_assert_eq!(s.delivered_first_try + s.delivered_after_retry + s.failed_all_attempts + s.lost_during_ban + s.dropped_after_deletion, s.events);
        prop_assert_eq!(s.attempts, s.delivered_first_try + s.first_try_failures + s.retries_succeeded + s.retries_failed);
        // Bans never overlap, and each lasts the policy's duration.
        let mut last_end = i64::MIN;
        for t in &r.timeline {
            if let simulator::Change::BanStarted { until } = t.change {
                prop_assert!(t.at >= last_end);
                prop_assert_eq!(until - t.at, 30 * MINUTE);
                last_end = until;
            }
        }
    }
}

/// Any JSON tree, weighted towards the keys and tags the readers look for, so mutations reach deep.
fn json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let key = prop_oneof![
        Just("kind".to_string()),
        Just("durationMs".to_string()),
        Just("webhooks".to_string()),
        Just("traffic".to_string()),
        Just("endpoint".to_string()),
        Just("users".to_string()),
        Just("1".to_string()),
        "[a-zA-Z_]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![Just("every".to_string()), Just("app".to_string()), Just("2.0".to_string()), ".{0,20}"].prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The JS package reads every input through these: hostile trees give errors, never panics,
    /// and an error always says what was expected.
    #[test]
    fn json_readers_never_panic(v in json()) {
        use pipedrive_webhooks::json_read::ReadJson;
        fn check<T: ReadJson>(v: &serde_json::Value) {
            if let Err(e) = T::read(v) {
                assert!(!e.to_string().is_empty());
            }
        }
        check::<Scenario>(&v);
        check::<Account>(&v);
        check::<sandbox::Sandbox>(&v);
        check::<NewWebhook>(&v);
        check::<Policy>(&v);
        check::<Caller>(&v);
        check::<Response>(&v);
        check::<App>(&v);
    }
}
