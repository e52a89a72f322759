//! "Order at equal times" and "In flight at a ban or a deletion" (domain reference): at one
//! instant, a ban end or a deletion first, then attempt ends, then attempt starts. One test per tie
//! the reference names, through the simulator and through the account's API.

use pipedrive_webhooks::delivery::{Phase, Step};
use pipedrive_webhooks::simulator::{simulate, Change, Endpoint, Report, Scenario, SimWebhook, Traffic};
use pipedrive_webhooks::*;

fn run(endpoint: Endpoint, offsets_ms: Vec<Millis>, duration_ms: Millis) -> Report {
    simulate(&Scenario {
        policy: Policy::default(),
        start: 0,
        duration_ms,
        seed: 1,
        webhooks: vec![SimWebhook { endpoint, traffic: Traffic::At { offsets_ms }, max_events: None }],
        timeline: true,
    })
}

/// Failing (refused after 1 ms) over `[from, to)`, 200 after 100 ms otherwise.
fn failing_during(from: Millis, to: Millis) -> Endpoint {
    Endpoint { latency_ms: 100, ..Endpoint::healthy() }.with_outage(from, to)
}

#[test]
fn the_step_order_is_time_alone_then_ends_then_starts() {
    assert!(Phase::TimeAlone < Phase::AttemptEnd && Phase::AttemptEnd < Phase::AttemptStart);
    let early_start = Step { at: 5, phase: Phase::AttemptStart, seq: 0 };
    let late_end = Step { at: 5, phase: Phase::AttemptEnd, seq: 1_000 };
    assert!(late_end < early_start, "an end at t precedes a start at t whatever was scheduled first");
    assert!(Step { at: 4, phase: Phase::AttemptStart, seq: 9 } < late_end);
}

/// The example: ten events at t = 0…8 and 3000; the endpoint fails after 1 ms until
/// t = 3001. The tenth failure ends at 3001 and bans until 1 803 001. Event 0's retry falls due at
/// 3001, the instant the ban starts: lost. 10 lost, none delivered.
#[test]
fn r12_a_retry_due_at_the_instant_a_ban_starts_is_lost() {
    let p = Policy::default();
    let r = run(failing_during(-1, 3_001), vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 3_000], 2 * HOUR);
    let s = r.summary;
    assert_eq!(s.events, 10);
    assert_eq!(s.bans, 1);
    assert_eq!(s.lost_during_ban, 10, "{s:?}");
    assert_eq!(s.delivered_first_try + s.delivered_after_retry, 0, "nothing may be delivered during the ban: {s:?}");
    let ban = r.timeline.iter().find_map(|t| match t.change {
        Change::BanStarted { until } => Some((t.at, until)),
        _ => None,
    });
    assert_eq!(ban, Some((3_001, 3_001 + p.ban_duration_ms)));
    // The first retry (event 0's, due at 1 + 3 s) is lost at the ban's very instant.
    assert!(r.timeline.iter().any(|t| t.at == 3_001 && t.change == Change::Lost));
}

/// A new event at the instant a ban starts is lost, exactly like the retry.
#[test]
fn r12_a_new_event_at_the_instant_a_ban_starts_is_lost() {
    let offsets: Vec<Millis> = (0..10).map(|i| i * 10).chain([91]).collect();
    // The tenth first attempt (at 90) fails after 1 ms: the ban starts at 91.
    let r = run(failing_during(-1, 91), offsets, HOUR);
    assert_eq!(r.summary.bans, 1);
    let lost_at_91 = r.timeline.iter().filter(|t| t.at == 91 && t.change == Change::Lost).count();
    assert_eq!(lost_at_91, 1, "the event at 91 is lost");
    assert_eq!(r.summary.attempts, 10, "nothing is sent at or after the ban's start");
}

/// At a ban's end the ban ends first (the counter is 0), then attempts start: a retry and a new
/// event due at that instant are both sent.
#[test]
fn r12_a_retry_and_an_event_at_the_instant_a_ban_ends_are_sent() {
    let p = Policy::default();
    // Ten failures at 0..9 (ending 1..10): banned from 10 until 10 + 30 min.
    let ban_end = 10 + p.ban_duration_ms;
    let mut offsets: Vec<Millis> = (0..10).collect();
    offsets.push(ban_end);
    let r = run(failing_during(-1, 10), offsets.clone(), HOUR);
    assert_eq!(r.summary.bans, 1);
    assert_eq!(r.summary.delivered_first_try, 1, "the event at the ban's end is sent and delivered: {:?}", r.summary);
    assert!(r.timeline.iter().any(|t| t.at == ban_end && t.change == Change::BanEnded));
    // Through the delivery machine directly: a retry due exactly at the ban end is admitted.
    let mut d = DeliveryState::default();
    for i in 0..10 {
        d.attempt_ended(&p, 1, i, Response::Refused { after_ms: 1 });
    }
    assert_eq!(d.banned_until, Some(ban_end));
    let (admission, tick) = d.admit(&p, ban_end);
    assert_eq!((admission, tick.ban_ended_at), (Admission::Send, Some(ban_end)));
    assert_eq!(d.ban_counter, 0);
}

/// At the deletion instant the deletion comes first: a retry or a new event due then is dropped.
#[test]
fn r13_a_retry_and_an_event_at_the_deletion_instant_are_dropped() {
    let p = Policy::default();
    // One failure at 0 (ends at 1): deletion due at 1 + 72 h. An event exactly then is dropped;
    // one a millisecond before is sent (and fails).
    let due = 1 + p.deletion_after_ms;
    let r = run(Endpoint::dead(), vec![0, due - 1 - p.worst_case_failure_ms(), due], 4 * DAY);
    assert_eq!(r.webhooks[0].deleted_at, Some(due));
    assert_eq!(r.summary.dropped_after_deletion, 1, "{:?}", r.summary);
    assert!(r.timeline.iter().any(|t| t.at == due && t.change == Change::Dropped));
    // A retry due at the deletion instant: the delivery machine drops it.
    let mut d = DeliveryState::default();
    d.attempt_ended(&p, 1, 0, Response::Refused { after_ms: 1 });
    assert_eq!(d.admit(&p, due).0, Admission::Dropped { deleted_at: due });
}

/// In flight at a ban: a success that ends during the ban delivers its event and, being a
/// successful delivery, clears the deletion clock (R13, corrected in the reference); the ban
/// counter stays frozen (R12).
#[test]
fn r13_in_flight_success_during_a_ban_clears_failing_since_and_the_counter_stays_frozen() {
    let p = Policy::default();
    let mut d = DeliveryState::default();
    for i in 0..9 {
        d.attempt_ended(&p, 1, i, Response::Refused { after_ms: 1 });
    }
    let failing_since = d.failing_since;
    // Started at 50, before the ban; answers 200 after 5 s, during the ban the tenth failure starts.
    d.attempt_ended(&p, 1, 60, Response::Refused { after_ms: 1 });
    assert!(d.banned_until.is_some());
    let late = d.attempt_ended(&p, 1, 50, Response::Status { code: 200, after_ms: 5_000 });
    assert!(late.success && late.during_ban && !late.after_deletion);
    assert_eq!(late.next, Next::Delivered);
    assert!(failing_since.is_some());
    assert_eq!(d.failing_since, None, "a success during a ban stops the deletion clock (R13)");
    assert_eq!(d.last_success_at, Some(5_050));
    assert_eq!(d.ban_counter, p.ban_threshold, "the counter is frozen during the ban (R12)");
    // A failed first attempt in flight at the ban start does not raise it either.
    let failed = d.attempt_ended(&p, 1, 55, Response::Refused { after_ms: 6_000 });
    assert!(failed.during_ban && !failed.counted);
    assert_eq!(d.ban_counter, p.ban_threshold);
}

/// The scenario: nine events delivered during a ban, then quiet. Pipedrive deletes only
/// webhooks with no successful delivery for 3 days, so the webhook is not deleted 72 h later.
#[test]
fn r13_nine_successes_during_a_ban_keep_the_webhook_past_72_hours() {
    let p = Policy::default();
    let mut d = DeliveryState::default();
    for i in 0..p.ban_threshold as i64 {
        // Ten first attempts start 0..9 and fail at once; nine more started at 100..108 are slow.
        d.attempt_ended(&p, 1, i, Response::Refused { after_ms: 1 });
    }
    assert!(d.banned_until.is_some());
    for i in 0..9 {
        let o = d.attempt_ended(&p, 1, 5 + i, Response::Status { code: 204, after_ms: 9_000 });
        assert!(o.success && o.during_ban);
    }
    let later = 10 + p.deletion_after_ms + DAY;
    assert!(d.tick(&p, later).deleted_at.is_none(), "{d:?}");
    assert_eq!(d.deleted_at, None);
}

/// In flight at a deletion: the account reports the outcome, marked as after the deletion, and
/// the webhook stays deleted.
#[test]
fn in_flight_at_a_deletion_the_account_reports_the_outcome_after_it() {
    let p = Policy::default();
    let mut acct = Account::new(1, p);
    acct.add_user(User { id: 1, name: "Ana".into(), is_admin: true }).unwrap();
    let me = Caller::User { user_id: 1 };
    let w = acct.create(&me, &NewWebhook::new("https://example.com/h", "*", "*", "All").with_version("2.0"), 0).unwrap();
    let first = acct.attempt_ended(w.id, 1, 0, Response::Refused { after_ms: 1 }).unwrap();
    assert!(!first.after_deletion);
    let due = 1 + p.deletion_after_ms;
    // An attempt starting 5 s before the deletion, answering 200 after 8 s: it ends after it.
    assert_eq!(acct.admit(w.id, due - 5_000).unwrap().0, Admission::Send);
    assert!(acct.tick(due).iter().any(|(id, t)| *id == w.id && t.deleted_at == Some(due)));
    assert!(acct.entry(w.id).is_none());
    let out = acct.attempt_ended(w.id, 1, due - 5_000, Response::Status { code: 200, after_ms: 8_000 }).expect("reported, not lost");
    assert!(out.success && out.after_deletion);
    assert!(!out.counted);
    assert!(acct.entry(w.id).is_none(), "a success after the deletion does not undo it");
    // Removed by the API while in flight: the same.
    let v = acct.create(&me, &NewWebhook::new("https://example.com/v", "*", "*", "V").with_version("2.0"), due).unwrap();
    acct.delete(&me, v.id, due + 10).unwrap();
    let out = acct.attempt_ended(v.id, 1, due + 5, Response::Refused { after_ms: 50 }).unwrap();
    assert!(!out.success && out.after_deletion && !out.counted);
    assert_eq!(acct.attempt_ended(9_999, 1, 0, Response::NoAnswer), None, "an id never seen");
}
