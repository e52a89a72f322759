//! `cargo xtask bench`: the simulator over 10,000 webhooks × 1,000 events with a mixed endpoint
//! population, summary only. Prints events/s; asserts nothing about time. Writes the workload and
//! the figure to `target/bench/` so the JS package's benchmark runs the same work in the same run.

use pipedrive_webhooks::simulator::{simulate, Endpoint, Scenario, SimWebhook, Traffic};
use pipedrive_webhooks::{Policy, HOUR, MINUTE, SECOND};
use std::time::Instant;

fn workload() -> Scenario {
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
            SimWebhook { endpoint, traffic, max_events: Some(1_000) }
        })
        .collect();
    // Long enough for every webhook to reach its 1,000 events.
    Scenario { policy: Policy::default(), start: 0, duration_ms: 10_000 * HOUR, seed: 42, webhooks, timeline: false }
}

fn main() {
    let sc = workload();
    // One warm-up, then the best of three.
    let _ = simulate(&sc);
    let mut best = f64::MAX;
    let mut summary = None;
    for _ in 0..3 {
        let t = Instant::now();
        let r = simulate(&sc);
        best = best.min(t.elapsed().as_secs_f64());
        summary = Some(r.summary);
    }
    let s = summary.expect("ran");
    let rate = s.events as f64 / best;
    println!("simulator (native, one core): {} webhooks, {} events", sc.webhooks.len(), s.events);
    println!(
        "  delivered first try {}, after retry {}, failed {}, lost in bans {}, dropped after deletion {}, bans {}, deleted {}",
        s.delivered_first_try, s.delivered_after_retry, s.failed_all_attempts, s.lost_during_ban, s.dropped_after_deletion, s.bans, s.deleted_webhooks
    );
    println!("  best of 3: {best:.3} s → {:.1} million events/s (target ≥ 25)", rate / 1e6);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    std::fs::write(dir.join("workload.json"), serde_json::to_string(&sc).expect("serialisable")).expect("write workload");
    std::fs::write(dir.join("native.json"), format!("{{\"eventsPerSecond\":{rate},\"events\":{}}}", s.events)).expect("write figure");
}
