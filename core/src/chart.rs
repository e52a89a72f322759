//! A simulation's timeline folded into a fixed number of time buckets, for drawing: long runs are
//! downsampled here (the summary never is), and ban windows and the deletion are kept exactly.

use crate::policy::{Millis, DAY, HOUR, MINUTE};
use crate::simulator::{Change, TimelinePoint};
use serde::{Deserialize, Serialize};

/// What happened within one bucket of time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub from: Millis,
    pub first_try_failures: u32,
    pub retries_succeeded: u32,
    pub retries_failed: u32,
    pub lost: u32,
    pub dropped: u32,
    /// The highest ban counter reached in the bucket (R11), or the one carried in from before.
    pub counter: u32,
}

/// The drawable form of one webhook's timeline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chart {
    pub start: Millis,
    pub end: Millis,
    pub buckets: Vec<Bucket>,
    /// Exact ban windows `[from, until)` (R12).
    pub bans: Vec<(Millis, Millis)>,
    pub deleted_at: Option<Millis>,
}

/// Folds `timeline` (one webhook's, in time order) over `[start, end)` into `n` buckets.
///
/// ```
/// use pipedrive_webhooks::chart::chart;
/// let c = chart(&[], 0, 1_000, 10);
/// assert_eq!(c.buckets.len(), 10);
/// assert!(c.bans.is_empty());
/// ```
pub fn chart(timeline: &[TimelinePoint], start: Millis, end: Millis, n: usize) -> Chart {
    let n = n.max(1);
    let span = (end - start).max(1);
    let width = (span + n as Millis - 1) / n as Millis;
    let mut buckets: Vec<Bucket> = (0..n).map(|i| Bucket { from: start + i as Millis * width, ..Default::default() }).collect();
    let mut bans = Vec::new();
    let mut deleted_at = None;
    let mut counter = 0;
    let mut last_index = 0;
    for p in timeline {
        let i = (((p.at - start).max(0)) / width).min(n as Millis - 1) as usize;
        // Carry the counter into buckets with no change of their own.
        for b in &mut buckets[last_index.min(i)..i] {
            b.counter = b.counter.max(counter);
        }
        last_index = i;
        let b = &mut buckets[i];
        match p.change {
            Change::FirstTryFailed { counter: c, .. } => {
                b.first_try_failures += 1;
                counter = c;
            }
            Change::RetrySucceeded { .. } => b.retries_succeeded += 1,
            Change::RetryFailed { .. } => b.retries_failed += 1,
            Change::Lost => b.lost += 1,
            Change::Dropped => b.dropped += 1,
            Change::BanStarted { until } => bans.push((p.at, until)),
            Change::BanEnded => counter = 0,
            Change::Deleted => deleted_at = Some(p.at),
            Change::Recovered => {}
        }
        b.counter = b.counter.max(counter);
    }
    for b in &mut buckets[last_index..] {
        b.counter = b.counter.max(counter);
    }
    Chart { start, end, buckets, bans, deleted_at }
}

/// Steps a time axis may use, shortest first.
const TICK_STEPS: [Millis; 12] = [
    5 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    7 * DAY,
    14 * DAY,
    30 * DAY,
];

/// Offsets from a chart's start for time-axis labels over `span_ms`: the shortest step from 5 minutes
/// to 30 days that gives at most `max` ticks, starting at 0.
///
/// ```
/// use pipedrive_webhooks::{chart::ticks, HOUR};
/// assert_eq!(ticks(24 * HOUR, 8), (0..8).map(|i| i * 3 * HOUR).collect::<Vec<_>>());
/// assert_eq!(ticks(0, 8), vec![0]);
/// ```
pub fn ticks(span_ms: Millis, max: usize) -> Vec<Millis> {
    let max = max.max(1) as Millis;
    let span = span_ms.max(0);
    let count = |step: Millis| span / step + Millis::from(span % step != 0);
    let step = TICK_STEPS.iter().copied().find(|s| count(*s) <= max).unwrap_or_else(|| span / max + 1);
    (0..).map(|i| i * step).take_while(|t| *t < span.max(1)).take(max as usize).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::{simulate, Endpoint, Scenario, SimWebhook, Traffic};
    use crate::{Policy, HOUR, MINUTE};

    #[test]
    fn ticks_stay_within_the_span_and_the_count() {
        for span in [0, 1, MINUTE, HOUR, 2 * HOUR, 24 * HOUR, 72 * HOUR, 7 * DAY, 30 * DAY, 365 * DAY, Millis::MAX / 2] {
            for max in [1, 4, 8, 12] {
                let t = ticks(span, max);
                assert!(!t.is_empty() && t.len() <= max, "{span} {max}: {t:?}");
                assert_eq!(t[0], 0);
                assert!(t.windows(2).all(|w| w[1] > w[0]) && t.iter().all(|x| *x < span.max(1)), "{span} {max}: {t:?}");
            }
        }
        assert_eq!(ticks(2 * HOUR, 8), (0..8).map(|i| i * 15 * MINUTE).collect::<Vec<_>>());
        assert_eq!(ticks(30 * DAY, 8), vec![0, 7 * DAY, 14 * DAY, 21 * DAY, 28 * DAY]);
    }

    #[test]
    fn keeps_ban_windows_exactly_and_counts_add_up_to_the_timeline() {
        let r = simulate(&Scenario {
            policy: Policy::default(),
            start: 0,
            duration_ms: 2 * HOUR,
            seed: 1,
            webhooks: vec![SimWebhook { endpoint: Endpoint::dead(), traffic: Traffic::Every { interval_ms: MINUTE }, max_events: None }],
            timeline: true,
        });
        let c = chart(&r.timeline, 0, 2 * HOUR, 60);
        assert_eq!(c.bans.len() as u64, r.summary.bans);
        let failures: u32 = c.buckets.iter().map(|b| b.first_try_failures).sum();
        assert_eq!(u64::from(failures), r.summary.first_try_failures);
        assert!(c.buckets.iter().any(|b| b.counter == 10));
        assert!(c.buckets.iter().all(|b| b.counter <= 10));
    }
}
