//! Many webhooks, their endpoints' behaviour and their traffic over a time range, run through the
//! delivery machine (R9–R13): how many events arrive, are retried, lost in bans or dropped after
//! deletion. Seeded, so a scenario replays identically.

use crate::delivery::{Admission, DeliveryState, Next, Phase, Response, Rule, Step};
use crate::policy::{Millis, Policy};
use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A time window `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub from: Millis,
    pub to: Millis,
}

/// How an endpoint answers. The shares combine: an attempt inside an outage is refused; otherwise
/// it answers after the timeout with probability `slow_rate`, else with `failure_status` with
/// probability `failure_rate`, else with a 2xx; normal answers take `latency_ms`.
///
/// ```
/// use pipedrive_webhooks::simulator::Endpoint;
/// let e = Endpoint::flaky(0.2).with_outage(0, 60_000);
/// assert_eq!(e.failure_rate, 0.2);
/// assert_eq!(e.outages.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Endpoint {
    pub latency_ms: Millis,
    pub failure_rate: f64,
    pub slow_rate: f64,
    pub failure_status: u16,
    pub outages: Vec<Window>,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint::healthy()
    }
}

impl Endpoint {
    /// Always 2xx, quickly.
    pub fn healthy() -> Self {
        Endpoint { latency_ms: 120, failure_rate: 0.0, slow_rate: 0.0, failure_status: 500, outages: Vec::new() }
    }

    /// Always `status` (a 5xx, or a 3xx that Pipedrive does not follow).
    pub fn failing(status: u16) -> Self {
        Endpoint { failure_rate: 1.0, failure_status: status, ..Self::healthy() }
    }

    /// `rate` of the answers are 500s.
    pub fn flaky(rate: f64) -> Self {
        Endpoint { failure_rate: rate, ..Self::healthy() }
    }

    /// `rate` of the answers come after the timeout.
    pub fn slow(rate: f64) -> Self {
        Endpoint { slow_rate: rate, ..Self::healthy() }
    }

    /// Refuses every connection (an outage over all time that a JS number can hold).
    pub fn dead() -> Self {
        const FOREVER: Millis = (1 << 53) - 1;
        Endpoint { outages: vec![Window { from: -FOREVER, to: FOREVER }], ..Self::healthy() }
    }

    /// Adds an outage (connections refused) over `[from, to)`.
    pub fn with_outage(mut self, from: Millis, to: Millis) -> Self {
        self.outages.push(Window { from, to });
        self
    }

    /// The answer to an attempt starting at `at`, drawing from `rng`.
    #[inline]
    pub fn respond(&self, at: Millis, timeout_ms: Millis, rng: &mut SplitMix64) -> Response {
        if self.outages.iter().any(|w| w.from <= at && at < w.to) {
            return Response::Refused { after_ms: 1 };
        }
        let x = rng.next_f64();
        if x < self.slow_rate {
            Response::Status { code: 200, after_ms: timeout_ms + 1 }
        } else if x < self.slow_rate + self.failure_rate {
            Response::Status { code: self.failure_status, after_ms: self.latency_ms }
        } else {
            Response::Status { code: 200, after_ms: self.latency_ms }
        }
    }
}

/// When events arrive for one webhook, from the scenario's start until its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Traffic {
    /// One event every `interval_ms`, the first at the start.
    Every { interval_ms: Millis },
    /// `size` events `spacing_ms` apart, a burst every `every_ms`.
    Bursts { size: u32, every_ms: Millis, spacing_ms: Millis },
    /// Events at these offsets from the start (sorted ascending).
    At { offsets_ms: Vec<Millis> },
}

impl Traffic {
    /// The offset of event `i` from the start, or `None` past the last one.
    fn offset(&self, i: u64) -> Option<Millis> {
        match self {
            Traffic::Every { interval_ms } => checked_mul(i as Millis, (*interval_ms).max(1)),
            Traffic::Bursts { size, every_ms, spacing_ms } => {
                let size = u64::from((*size).max(1));
                let burst = checked_mul((i / size) as Millis, (*every_ms).max(1))?;
                burst.checked_add(checked_mul((i % size) as Millis, (*spacing_ms).max(0))?)
            }
            Traffic::At { offsets_ms } => offsets_ms.get(i as usize).copied(),
        }
    }
}

/// `a * b`, `None` on overflow. Why not `i64::checked_mul` alone: wasm has no 64-bit overflow
/// multiply, so it becomes a 128-bit multiply call (~9% of the simulator's time in node); two
/// operands below 2^31 cannot overflow, and that is every realistic event index and interval.
#[inline]
fn checked_mul(a: Millis, b: Millis) -> Option<Millis> {
    if (a | b) >> 31 == 0 {
        Some(a * b)
    } else {
        a.checked_mul(b)
    }
}

/// One simulated webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimWebhook {
    pub endpoint: Endpoint,
    pub traffic: Traffic,
    /// Stop after this many events, even before the end of the range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_events: Option<u64>,
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    #[serde(default)]
    pub policy: Policy,
    /// Epoch ms of the start (only differences matter).
    #[serde(default)]
    pub start: Millis,
    pub duration_ms: Millis,
    #[serde(default)]
    pub seed: u64,
    pub webhooks: Vec<SimWebhook>,
    /// Record the timeline of state changes (for plotting). Off for bulk runs.
    #[serde(default)]
    pub timeline: bool,
}

/// Where every event went; the five outcomes add up to `events`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub events: u64,
    pub delivered_first_try: u64,
    pub delivered_after_retry: u64,
    pub failed_all_attempts: u64,
    pub lost_during_ban: u64,
    pub dropped_after_deletion: u64,
    /// Failed first attempts (each raised the ban counter, R11, unless a ban was running).
    pub first_try_failures: u64,
    pub retries_succeeded: u64,
    pub retries_failed: u64,
    pub attempts: u64,
    pub bans: u64,
    pub deleted_webhooks: u64,
}

impl Summary {
    fn add(&mut self, o: &Summary) {
        self.events += o.events;
        self.delivered_first_try += o.delivered_first_try;
        self.delivered_after_retry += o.delivered_after_retry;
        self.failed_all_attempts += o.failed_all_attempts;
        self.lost_during_ban += o.lost_during_ban;
        self.dropped_after_deletion += o.dropped_after_deletion;
        self.first_try_failures += o.first_try_failures;
        self.retries_succeeded += o.retries_succeeded;
        self.retries_failed += o.retries_failed;
        self.attempts += o.attempts;
        self.bans += o.bans;
        self.deleted_webhooks += o.deleted_webhooks;
    }
}

/// What changed, for the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Change {
    /// A first attempt failed; the ban counter is now `counter` (R11).
    FirstTryFailed { counter: u32, counted: bool },
    /// A retry (attempt 2–4) succeeded (R10).
    RetrySucceeded { attempt: u8 },
    /// A retry failed (R10); `last` when it was attempt 4 and the event failed.
    RetryFailed { attempt: u8, last: bool },
    /// The counter reached the threshold: banned until `until` (R12).
    BanStarted { until: Millis },
    /// The ban ended; the counter is 0 (R12).
    BanEnded,
    /// An event (or its pending retry) was lost to a ban (R12).
    Lost,
    /// An event (or its pending retry) was dropped: the webhook is deleted (R13).
    Dropped,
    /// Deleted after failing for 72 h (R13).
    Deleted,
    /// The first success after failures: the deletion clock stops (R13).
    Recovered,
}

impl Change {
    /// The rule that made this change.
    pub fn rule(self) -> Rule {
        match self {
            Change::FirstTryFailed { .. } => Rule::R11,
            Change::RetrySucceeded { .. } | Change::RetryFailed { .. } => Rule::R10,
            Change::BanStarted { .. } | Change::BanEnded | Change::Lost => Rule::R12,
            Change::Dropped | Change::Deleted | Change::Recovered => Rule::R13,
        }
    }
}

/// One timeline point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelinePoint {
    /// Index of the webhook in the scenario.
    pub webhook: u32,
    pub at: Millis,
    pub change: Change,
}

/// One webhook's result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookResult {
    pub summary: Summary,
    pub deleted_at: Option<Millis>,
}

/// The whole run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub summary: Summary,
    pub webhooks: Vec<WebhookResult>,
    pub timeline: Vec<TimelinePoint>,
}

/// Runs `scenario`.
///
/// ```
/// use pipedrive_webhooks::simulator::{simulate, Endpoint, Scenario, SimWebhook, Traffic};
/// use pipedrive_webhooks::{Policy, HOUR, MINUTE};
/// let dead = SimWebhook { endpoint: Endpoint::dead(), traffic: Traffic::Every { interval_ms: MINUTE }, max_events: None };
/// let r = simulate(&Scenario { policy: Policy::default(), start: 0, duration_ms: 2 * HOUR, seed: 1, webhooks: vec![dead], timeline: false });
/// assert_eq!(r.summary.events, 120);
/// assert!(r.summary.bans >= 2);
/// assert_eq!(r.summary.delivered_first_try, 0);
/// ```
pub fn simulate(scenario: &Scenario) -> Report {
    let mut report = Report { webhooks: Vec::with_capacity(scenario.webhooks.len()), ..Default::default() };
    let mut sim = Run { heap: BinaryHeap::new(), seq: 0 };
    for (index, w) in scenario.webhooks.iter().enumerate() {
        let timeline = if scenario.timeline { Some(&mut report.timeline) } else { None };
        let result = sim.webhook(scenario, index as u32, w, timeline);
        report.summary.add(&result.summary);
        report.webhooks.push(result);
    }
    report
}

/// Work waiting in time order: an attempt's end, or a retry falling due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pending {
    AttemptEnd { attempt: u8, start: Millis, response: ResponseKey },
    RetryDue { attempt: u8 },
}

impl Pending {
    /// Where it falls among the things that happen at one instant (domain reference).
    #[inline(always)]
    fn phase(&self) -> Phase {
        match self {
            Pending::AttemptEnd { .. } => Phase::AttemptEnd,
            Pending::RetryDue { .. } => Phase::AttemptStart,
        }
    }
}

/// [`Response`] with a total order, for the heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ResponseKey {
    Status(u16, Millis),
    NoAnswer,
    Refused(Millis),
}

impl From<Response> for ResponseKey {
    fn from(r: Response) -> Self {
        match r {
            Response::Status { code, after_ms } => ResponseKey::Status(code, after_ms),
            Response::NoAnswer => ResponseKey::NoAnswer,
            Response::Refused { after_ms } => ResponseKey::Refused(after_ms),
        }
    }
}

impl From<ResponseKey> for Response {
    fn from(r: ResponseKey) -> Self {
        match r {
            ResponseKey::Status(code, after_ms) => Response::Status { code, after_ms },
            ResponseKey::NoAnswer => Response::NoAnswer,
            ResponseKey::Refused(after_ms) => Response::Refused { after_ms },
        }
    }
}

/// Reused across webhooks so a bulk run allocates once. Ordered by [`Step`]: at one instant,
/// attempt ends before attempt starts, each in scheduling order.
struct Run {
    heap: BinaryHeap<Reverse<(Step, Pending)>>,
    seq: u64,
}

struct Ctx<'a> {
    policy: &'a Policy,
    endpoint: &'a Endpoint,
    rng: SplitMix64,
    state: DeliveryState,
    result: WebhookResult,
    timeline: Option<&'a mut Vec<TimelinePoint>>,
    index: u32,
}

impl Ctx<'_> {
    // Inlined: on the hot path the timeline is off, and the check must fold away.
    #[inline(always)]
    fn note(&mut self, at: Millis, change: Change) {
        if let Some(t) = self.timeline.as_deref_mut() {
            t.push(TimelinePoint { webhook: self.index, at, change });
        }
    }

    #[inline(always)]
    fn note_tick(&mut self, tick: crate::delivery::TickOutcome) {
        if let Some(at) = tick.ban_ended_at {
            self.note(at, Change::BanEnded);
        }
        if let Some(at) = tick.deleted_at {
            self.result.deleted_at = Some(at);
            self.result.summary.deleted_webhooks = 1;
            self.note(at, Change::Deleted);
        }
    }

    /// Admits an attempt at `at`; returns the pending attempt end, or counts the event lost/dropped.
    // Inlined: returning the pending item through memory stalls the hot loop (store forwarding).
    #[inline(always)]
    fn start_attempt(&mut self, attempt: u8, at: Millis) -> Option<(Millis, Pending)> {
        let (admission, tick) = self.state.admit(self.policy, at);
        self.note_tick(tick);
        match admission {
            Admission::Send => {
                self.result.summary.attempts += 1;
                let response = self.endpoint.respond(at, self.policy.timeout_ms, &mut self.rng);
                let (end, _, _) = response.resolve(self.policy, at);
                Some((end, Pending::AttemptEnd { attempt, start: at, response: response.into() }))
            }
            Admission::Lost { .. } => {
                self.result.summary.lost_during_ban += 1;
                self.note(at, Change::Lost);
                None
            }
            Admission::Dropped { .. } => {
                self.result.summary.dropped_after_deletion += 1;
                self.note(at, Change::Dropped);
                None
            }
        }
    }

    /// Handles one pending item at its time; returns what it schedules next.
    #[inline(always)]
    fn handle(&mut self, at: Millis, item: Pending) -> Option<(Millis, Pending)> {
        match item {
            Pending::RetryDue { attempt } => self.start_attempt(attempt, at),
            Pending::AttemptEnd { attempt, start, response } => {
                let was_failing = self.state.failing_since.is_some();
                let out = self.state.attempt_ended(self.policy, attempt, start, response.into());
                self.note_tick(out.tick);
                let s = &mut self.result.summary;
                if out.success {
                    if attempt == 1 {
                        s.delivered_first_try += 1;
                    } else {
                        s.delivered_after_retry += 1;
                        s.retries_succeeded += 1;
                        self.note(out.end, Change::RetrySucceeded { attempt });
                    }
                    if was_failing && self.state.failing_since.is_none() {
                        self.note(out.end, Change::Recovered);
                    }
                    return None;
                }
                if attempt == 1 {
                    s.first_try_failures += 1;
                    self.note(out.end, Change::FirstTryFailed { counter: out.counter, counted: out.counted });
                } else {
                    s.retries_failed += 1;
                    self.note(out.end, Change::RetryFailed { attempt, last: out.next == Next::Failed });
                }
                if let Some(until) = out.ban_until {
                    self.result.summary.bans += 1;
                    self.note(out.end, Change::BanStarted { until });
                }
                match out.next {
                    Next::Retry { attempt, at } => Some((at, Pending::RetryDue { attempt })),
                    Next::Failed => {
                        self.result.summary.failed_all_attempts += 1;
                        None
                    }
                    Next::Delivered => None,
                }
            }
        }
    }
}

impl Run {
    fn webhook(&mut self, sc: &Scenario, index: u32, w: &SimWebhook, timeline: Option<&mut Vec<TimelinePoint>>) -> WebhookResult {
        self.heap.clear();
        let mut cx = Ctx {
            policy: &sc.policy,
            endpoint: &w.endpoint,
            // Each webhook gets its own stream, so adding a webhook does not change the others.
            rng: SplitMix64::new(sc.seed ^ (u64::from(index).wrapping_mul(0x9E37_79B9_7F4A_7C15))),
            state: DeliveryState::default(),
            result: WebhookResult::default(),
            timeline,
            index,
        };
        let end = sc.start.saturating_add(sc.duration_ms.max(0));
        let max_events = w.max_events.unwrap_or(u64::MAX);
        let arrival = |i: u64| {
            if i >= max_events {
                return None;
            }
            w.traffic.offset(i).map(|o| sc.start.saturating_add(o)).filter(|&t| t < end)
        };
        let mut i = 0u64;
        let mut next = arrival(0);
        while let Some(t) = next {
            self.drain_until(&mut cx, t);
            i += 1;
            next = arrival(i);
            cx.result.summary.events += 1;
            let horizon = next.unwrap_or(Millis::MAX);
            let mut item = cx.start_attempt(1, t);
            // Fast path: work that falls due before the next arrival and strictly before anything
            // pending runs at once instead of through the heap (the same order: at equal times and
            // phases, earlier-scheduled work goes first), saving most heap operations.
            while let Some((at, p)) = item {
                let before_pending = self.heap.peek().is_none_or(|Reverse((first, _))| (at, p.phase()) < (first.at, first.phase));
                if before_pending && at <= horizon {
                    item = cx.handle(at, p);
                } else {
                    self.push(at, p);
                    item = None;
                }
            }
        }
        self.drain_until(&mut cx, Millis::MAX);
        // Time alone up to the end of the range: a ban ending or a deletion falling due.
        let tick = cx.state.tick(cx.policy, end);
        cx.note_tick(tick);
        cx.result
    }

    fn push(&mut self, at: Millis, p: Pending) {
        self.seq += 1;
        self.heap.push(Reverse((Step { at, phase: p.phase(), seq: self.seq }, p)));
    }

    fn drain_until(&mut self, cx: &mut Ctx, t: Millis) {
        while let Some(Reverse((Step { at, .. }, p))) = self.heap.peek().copied() {
            if at > t {
                break;
            }
            self.heap.pop();
            if let Some((next_at, next)) = cx.handle(at, p) {
                self.push(next_at, next);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The fast path gives exactly what `i64::checked_mul` gives, overflow included.
        #[test]
        fn checked_mul_agrees_with_the_standard_one(a in any::<i64>(), b in any::<i64>(), small in 0i64..(1 << 31), shift in 0u32..63) {
            for (x, y) in [(a, b), (small, b), (a, small), (small, small >> 1), (small << (shift % 32), small), (i64::MAX, small), (small, -small)] {
                prop_assert_eq!(checked_mul(x, y), x.checked_mul(y), "{} * {}", x, y);
            }
        }
    }

    #[test]
    fn offsets_past_the_representable_range_end_the_traffic() {
        let t = Traffic::Every { interval_ms: Millis::MAX / 2 };
        assert_eq!(t.offset(2), Some(Millis::MAX / 2 * 2));
        assert_eq!(t.offset(3), None);
        let b = Traffic::Bursts { size: 2, every_ms: 1 << 40, spacing_ms: 10 };
        assert_eq!(b.offset(3), Some((1 << 40) + 10));
        assert_eq!(b.offset(u64::MAX / 2), None);
    }
}
