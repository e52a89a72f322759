//! `cargo xtask bench`: the simulator over 10,000 webhooks × 1,000 events with a mixed endpoint
//! population, summary only. Prints events/s; asserts nothing about time.

use pipedrive_webhooks::simulator::{simulate, Endpoint, Scenario, SimWebhook, Traffic};
use pipedrive_webhooks::{Policy, HOUR, MINUTE, SECOND};
use std::time::Instant;

/// The workload the JS package's benchmark repeats, so the two figures compare.
pub fn workload() -> Scenario {
    let webhooks = (0..10_000u32)
        .map(|i| {
            let endpoint = match i % 20 {
                0..=12 => Endpoint::healthy(),
                13 | 14 => Endpoint::flaky(0.2),
                15 => Endpoint::slow(0.05),
                16 => Endpoint::failing(503),
                17 => Endpoint::dead(),
                _ => Endpoint::healthy().with_outage(2 * HOUR, 4 * HOUR),
            };
            let traffic = if i % 7 == 0 {
                Traffic::Bursts { size: 50, every_ms: HOUR, spacing_ms: 200 }
            } else {
                Traffic::Every { interval_ms: 30 * SECOND + (i as i64 % 5) * MINUTE }
            };
            SimWebhook { endpoint, traffic }
        })
        .collect();
    Scenario { policy: Policy::default(), start: 0, duration_ms: 2_000 * HOUR, seed: 42, webhooks, timeline: false }
}

fn main() {
    let mut sc = workload();
    // Cap every webhook at 1,000 events: the durations differ by traffic, so cut by count.
    for w in &mut sc.webhooks {
        let offsets: Vec<i64> = match &w.traffic {
            Traffic::Every { interval_ms } => (0..1000).map(|i| i * interval_ms).collect(),
            Traffic::Bursts { size, every_ms, spacing_ms } => {
                (0..1000).map(|i| (i / *size as i64) * every_ms + (i % *size as i64) * spacing_ms).collect()
            }
            Traffic::At { offsets_ms } => offsets_ms.iter().copied().take(1000).collect(),
        };
        w.traffic = Traffic::At { offsets_ms: offsets };
    }
    // One warm-up, then the best of three.
    let _ = simulate(&sc);
    let mut best = f64::MAX;
    let mut report = None;
    for _ in 0..3 {
        let t = Instant::now();
        let r = simulate(&sc);
        best = best.min(t.elapsed().as_secs_f64());
        report = Some(r);
    }
    let s = report.expect("ran").summary;
    println!("simulator (native): {} webhooks × 1,000 events = {} events", sc.webhooks.len(), s.events);
    println!(
        "  delivered first try {}, after retry {}, failed {}, lost in bans {}, dropped after deletion {}, bans {}",
        s.delivered_first_try, s.delivered_after_retry, s.failed_all_attempts, s.lost_during_ban, s.dropped_after_deletion, s.bans
    );
    println!("  best of 3: {:.3} s → {:.1} million events/s (target ≥ 25 on one core)", best, s.events as f64 / best / 1e6);
}
