//! The simulator against rules R9–R13, with expectations computed from the policy.

use pipedrive_webhooks::simulator::{simulate, Change, Endpoint, Report, Scenario, SimWebhook, Summary, Traffic};
use pipedrive_webhooks::{Millis, Policy, HOUR, MINUTE, SECOND};

fn run(endpoint: Endpoint, traffic: Traffic, duration_ms: Millis, timeline: bool) -> Report {
    simulate(&Scenario {
        policy: Policy::default(),
        start: 1_700_000_000_000,
        duration_ms,
        seed: 7,
        webhooks: vec![SimWebhook { endpoint, traffic, max_events: None }],
        timeline,
    })
}

fn outcomes(s: &Summary) -> u64 {
    s.delivered_first_try + s.delivered_after_retry + s.failed_all_attempts + s.lost_during_ban + s.dropped_after_deletion
}

#[test]
fn healthy_endpoint_delivers_everything_on_the_first_try() {
    let r = run(Endpoint::healthy(), Traffic::Every { interval_ms: SECOND }, HOUR, true);
    assert_eq!(r.summary.events, 3600);
    assert_eq!(r.summary.delivered_first_try, 3600);
    assert_eq!(r.summary.bans, 0);
    assert!(r.timeline.is_empty());
}

#[test]
fn r12_dead_endpoint_bans_at_the_times_the_policy_gives() {
    let p = Policy::default();
    let start = 1_700_000_000_000;
    let interval = MINUTE;
    let r = run(Endpoint::dead(), Traffic::Every { interval_ms: interval }, 2 * HOUR, true);
    // A refused connection fails 1 ms after it starts. Every sent first attempt counts; the ban
    // starts at the end of the threshold-th one and lasts ban_duration; the next event after the
    // ban end starts the count again.
    let mut expected = Vec::new();
    let mut next_event = 0;
    loop {
        let tenth = next_event + (p.ban_threshold as Millis - 1) * interval;
        if tenth >= 2 * HOUR {
            break;
        }
        let ban_start = start + tenth + 1;
        expected.push((ban_start, ban_start + p.ban_duration_ms));
        let ban_end_offset = tenth + 1 + p.ban_duration_ms;
        next_event = (ban_end_offset + interval - 1) / interval * interval;
    }
    let bans: Vec<(Millis, Millis)> = r
        .timeline
        .iter()
        .filter_map(|t| match t.change {
            Change::BanStarted { until } => Some((t.at, until)),
            _ => None,
        })
        .collect();
    assert_eq!(bans, expected);
    assert_eq!(r.summary.bans, expected.len() as u64);
    assert_eq!(outcomes(&r.summary), r.summary.events);
    assert_eq!(r.summary.delivered_first_try + r.summary.delivered_after_retry, 0);
    assert!(r.summary.lost_during_ban > 0);
    // Every ban that ended within the range is on the timeline (R12).
    let ended = r.timeline.iter().filter(|t| t.change == Change::BanEnded).count();
    assert_eq!(ended, expected.iter().filter(|(_, until)| *until <= start + 2 * HOUR).count());
}

#[test]
fn r12_a_short_outage_of_fewer_than_ten_events_bans_nothing() {
    let start = 1_700_000_000_000;
    let e = Endpoint::healthy().with_outage(start + 10 * MINUTE, start + 10 * MINUTE + 9 * MINUTE - 1);
    let r = run(e, Traffic::Every { interval_ms: MINUTE }, 2 * HOUR, true);
    assert_eq!(r.summary.bans, 0);
    assert_eq!(r.summary.first_try_failures, 9);
    // Their retries (3 s later) still hit the outage for most; all end delivered or failed, none lost.
    assert_eq!(r.summary.lost_during_ban, 0);
    assert_eq!(outcomes(&r.summary), 120);
}

#[test]
fn r10_retries_rescue_a_flaky_endpoint() {
    let r = run(Endpoint::flaky(0.3), Traffic::Every { interval_ms: 10 * MINUTE }, 24 * HOUR, false);
    assert!(r.summary.delivered_after_retry > 0);
    assert_eq!(outcomes(&r.summary), r.summary.events);
    // Every attempt is a first-try success or failure, or a retry success or failure.
    let s = r.summary;
    assert_eq!(s.attempts, s.delivered_first_try + s.first_try_failures + s.retries_succeeded + s.retries_failed);
    // Successes never reset the counter (R11 decision), so 30 % failures end in bans over a day.
    assert!(s.bans >= 1);
}

#[test]
fn r13_a_dead_endpoint_is_deleted_72h_after_its_first_failure() {
    let start = 1_700_000_000_000;
    let r = run(Endpoint::dead(), Traffic::Every { interval_ms: HOUR }, 100 * HOUR, true);
    let first_failure_end = start + 1;
    assert_eq!(r.webhooks[0].deleted_at, Some(first_failure_end + 72 * HOUR));
    assert_eq!(r.summary.deleted_webhooks, 1);
    // Events from the deletion on are dropped (hours 73..99: 27), and so is the event of hour 72,
    // sent 1 ms before the deletion, whose retry falls due after it.
    assert_eq!(r.summary.dropped_after_deletion, 28);
    assert_eq!(outcomes(&r.summary), 100);
}

#[test]
fn r09_slow_answers_are_timeouts() {
    let r = run(Endpoint::slow(1.0), Traffic::Every { interval_ms: HOUR }, 5 * HOUR, false);
    assert_eq!(r.summary.first_try_failures, 5);
    assert_eq!(r.summary.failed_all_attempts, 5);
    assert_eq!(r.summary.attempts, 20);
}

#[test]
fn the_same_seed_replays_identically_and_bursts_work() {
    let sc = |seed| Scenario {
        policy: Policy::default(),
        start: 0,
        duration_ms: 6 * HOUR,
        seed,
        webhooks: vec![
            SimWebhook { endpoint: Endpoint::flaky(0.5), traffic: Traffic::Bursts { size: 20, every_ms: HOUR, spacing_ms: 100 }, max_events: None },
            SimWebhook { endpoint: Endpoint::slow(0.2), traffic: Traffic::At { offsets_ms: vec![0, 5, 5, 1000] }, max_events: None },
        ],
        timeline: true,
    };
    assert_eq!(simulate(&sc(3)), simulate(&sc(3)));
    let r = simulate(&sc(3));
    assert_eq!(r.summary.events, 6 * 20 + 4);
    assert_eq!(outcomes(&r.summary), r.summary.events);
    let json = serde_json::to_string(&sc(3)).unwrap();
    assert!(json.contains("\"kind\":\"bursts\""), "{json}");
}
